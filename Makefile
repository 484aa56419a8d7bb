# `make demo` runs the headline experiment; `make test` runs the whole suite.
# Both create .venv from a Python >= 3.12 found on this machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

PYTHON_CANDIDATES := python3.13 python3.12 \
	$(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3) \
	$(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3) python3

.PHONY: demo test app bench bench-sweep lint clean venv golden calibrate calibrate-quick validation-report

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

test: $(STAMP)
	$(PY) -m pytest -q

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

calibrate: $(STAMP)
	$(VENV)/bin/partnering calibrate

calibrate-quick: $(STAMP)
	$(VENV)/bin/partnering calibrate --quick

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
