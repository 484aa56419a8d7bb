# `make demo` runs the headline experiment; `make test` runs the whole suite.
# Both create .venv from a Python >= 3.12 found on this machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

PYTHON_CANDIDATES := python3.13 python3.12 \
	$(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3) \
	$(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3) python3

.PHONY: demo test app bench bench-sweep lint clean venv golden calibrate calibrate-quick validation-report sensitivity-report

venv: $(STAMP)

$(STAMP): pyproject.toml
	@set -e; found=""; \
	for p in $(PYTHON_CANDIDATES); do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then found=$$p; break; fi; \
	done; \
	if [ -z "$$found" ]; then echo "partnering needs Python >= 3.12 (Mesa 3.5); none found on PATH or in ~/.pyenv/versions" >&2; exit 1; fi; \
	if [ ! -x $(PY) ]; then echo "creating $(VENV) with $$found"; $$found -m venv $(VENV); fi; \
	$(PY) -m pip install -q --upgrade pip; \
	$(PY) -m pip install -q -e '.[dev,dask,ema,calibration,app,browser,bench]'; \
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/partnering demo

# two pytest-xdist workers, a file each at a time (module and session fixtures are built once per worker)
test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile

app: $(STAMP)
	$(VENV)/bin/partnering app

bench: $(STAMP)
	$(PY) benchmarks/run.py

# the national England sweep of issue 14 (50 runs on two workers, then Dask on loopback): minutes
bench-sweep: $(STAMP)
	$(PY) benchmarks/bench_sweep.py --national

golden: $(STAMP)
	$(PY) -m tests.validation.golden --refresh

validation-report: $(STAMP)
	$(PY) -m partnering.experiments.validation_report docs/img/validation

# Sensitivity and robustness of docs/validation.md: sweeps in results/validation (resumable),
# figures and tables copied to docs/img/validation. Sizes as on that page; raise them with e.g.
# `make sensitivity-report MAP_POINTS=128`.
GSA_TRAJECTORIES ?= 10
MAP_POINTS ?= 16
SCREEN_TRAJECTORIES ?= 10
SOBOL_SAMPLES ?= 128
# the claims the pattern tests assert (those the model does not reproduce are left out of the map)
ASSERTED = $(shell $(PY) -c "from partnering.experiments.patterns import ALL; print(','.join(p.key for p in ALL if p.asserted))")
HEADLINE4 := service_quality,value_for_money,public_trust,sme_share
V := results/validation
IMG := docs/img/validation
sensitivity-report: $(STAMP)
	$(VENV)/bin/partnering sensitivity --out $(V)/gsa-morris --scenario transactional --parameters uncertainties \
	  --groups sections --samples $(GSA_TRAJECTORIES) --replications 2 --steps 40 --metrics $(HEADLINE4) --workers 2
	$(VENV)/bin/partnering robustness --out $(V)/map --patterns "$(ASSERTED)" --samples $(MAP_POINTS) --replications 2 --workers 2
	$(VENV)/bin/partnering robustness --out $(V)/screen --screen --patterns "$(ASSERTED)" \
	  --samples $(SCREEN_TRAJECTORIES) --replications 1 --workers 2
	$(VENV)/bin/partnering sensitivity --out $(V)/gsa-sobol --scenario transactional --parameters uncertainties \
	  --groups sections --method sobol --samples $(SOBOL_SAMPLES) --replications 1 --steps 40 --metrics $(HEADLINE4) --workers 2
	cp $(V)/gsa-morris/sensitivity.png $(IMG)/sensitivity-sections-morris.png
	cp $(V)/gsa-morris/sensitivity.csv $(IMG)/sensitivity-sections-morris.csv
	cp $(V)/gsa-sobol/sensitivity.png $(IMG)/sensitivity-sections-sobol.png
	cp $(V)/gsa-sobol/sensitivity.csv $(IMG)/sensitivity-sections-sobol.csv
	cp $(V)/map/robustness.png $(IMG)/robustness-map.png
	for t in robustness boxes limits contrasts points; do cp $(V)/map/$$t.csv $(IMG)/robustness-map-$$t.csv; done
	cp $(V)/screen/screening.png $(IMG)/robustness-screening.png
	cp $(V)/screen/screening.csv $(IMG)/robustness-screening.csv

calibrate: $(STAMP)
	$(VENV)/bin/partnering calibrate --figures docs/img/calibration

calibrate-quick: $(STAMP)
	$(VENV)/bin/partnering calibrate --quick

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
