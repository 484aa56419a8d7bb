"""The architecture as checked contracts: one-way layers, and no behavioural number left as a
literal in the rules, the agents or the model."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "partnering"
MECHANISM_FOLDERS = ("rules", "agents", "model")

# Every numeric literal the rules, agents and model may still contain, and why. 0 and 1 are always
# allowed; every other number that shapes behaviour is a declared parameter of the scenario schema.
ALLOWED: dict[float, tuple[tuple[str, ...] | None, str]] = {
    2: (None, "halves, means of two, squares, pairs (two draws per contract, x and y of a place)"),
    3: (("rules/procurement.py",), "Blom's plotting position (n - 3/8) / (n + 1/4): a mathematical approximation"),
    4: (("rules/units.py", "rules/procurement.py"), "quarters per year (QUARTERS_PER_YEAR); the 1/4 of Blom's position"),
    8: (("rules/procurement.py",), "the 3/8 of Blom's plotting position"),
    12: (("rules/units.py",), "decimals to which rules round away float dust (DECIMALS)"),
    5: (("model/metrics.py",), "the five of the top-five share: the metric's definition"),
    100.0: (("model/metrics.py",), "percent: the HHI squares market shares in percent"),
    10_000.0: (("model/catalogue.py",), "the HHI's upper bound (100 percent squared)"),
    50.0: (("rules/delivery.py",), "bound on a logit's argument so that exp() cannot overflow"),
    1e-12: (("rules/delivery.py",), "deterrence below this counts as none (numerical guard)"),
    1e-9: (("model/phases/delivery.py",), "£m floor of a payment divided by (numerical guard)"),
}


def numeric_literals(path: Path) -> list[tuple[int, float]]:
    """(line, value) of every int or float literal in a module, docstrings aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and type(node.value) in (int, float) and id(node) not in docstrings
                and node.value not in (0, 1)):
            found.append((node.lineno, node.value))
    return found


def modules() -> list[Path]:
    return sorted(p for folder in MECHANISM_FOLDERS for p in (PACKAGE / folder).rglob("*.py"))


def test_no_behavioural_number_is_left_as_a_literal():
    stray = []
    for path in modules():
        where = path.relative_to(PACKAGE).as_posix()
        for line, value in numeric_literals(path):
            files, _ = ALLOWED.get(value, ((), ""))
            if files is not None and where not in files:
                stray.append(f"partnering/{where}:{line}: {value!r}")
    assert not stray, "declare these as parameters (partnering/scenarios) or justify them in ALLOWED:\n" + "\n".join(stray)


def test_the_literal_check_finds_a_number_in_a_rule(tmp_path):
    module = tmp_path / "rule.py"
    module.write_text('"""A rule: 0.35 in a docstring is fine."""\n\ndef capacity(x):\n    return 0.35 * x\n')
    assert numeric_literals(module) == [(4, 0.35)]


def test_the_allow_list_stays_short():
    assert len(ALLOWED) <= 12


def test_the_import_contract_is_kept():
    """import-linter's layers contract in pyproject.toml: scenarios <- rules <- agents <- model <-
    experiments <- viz, cli. Any import the wrong way breaks it."""
    linter = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(linter).exists():
        pytest.fail("lint-imports is not installed: `pip install -e '.[dev]'`")
    result = subprocess.run([linter, "--no-cache"], cwd=PACKAGE.parent, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_import_contract_breaks_on_an_arrow_the_wrong_way(tmp_path):
    """A copy of the package where a rule imports the model: the contract must fail on it."""
    shutil.copytree(PACKAGE, tmp_path / "partnering", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PACKAGE.parent / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "partnering" / "rules" / "upward.py").write_text("from partnering.model import model\n")
    linter = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([linter, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, check=False,
                            env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert result.returncode != 0
    assert "partnering.rules.upward -> partnering.model" in result.stdout
