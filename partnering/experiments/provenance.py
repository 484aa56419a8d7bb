"""What produced a set of results: package versions and a hash of the model's code.

The code hash guards resumption: a sweep resumed after the model's rules changed would mix
numbers from two different models, so the store refuses it.
"""

from __future__ import annotations

import hashlib
import platform
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ("partnering", "mesa", "numpy", "pandas", "pyarrow", "scipy", "SALib", "matplotlib", "pydantic",
            "networkx")
MODEL_FOLDERS = ("model", "agents", "scenarios")
"""The parts of the package whose code decides a run's numbers."""


@cache
def model_code_hash() -> str:
    """A short hash of the model's source files (rules, agents, scenario schema and built-ins)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for folder in MODEL_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".toml") and path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def environment() -> dict[str, str]:
    """Versions of Python and of the packages that shape the numbers and the report."""
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
