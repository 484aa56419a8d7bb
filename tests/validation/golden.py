"""The golden master: saved 40-step metrics of `transactional` and `changemaking` for fixed seeds.

Any change to the numbers the model produces, intended or not, shows up as a difference from
these files. After an intended change, refresh them on purpose and commit them with the change:

    make golden          # or: .venv/bin/python -m tests.validation.golden --refresh
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from partnering import PartneringModel

FOLDER = Path(__file__).with_name("golden")
CASES: tuple[tuple[str, int], ...] = (("transactional", 1), ("transactional", 2), ("changemaking", 1), ("changemaking", 2))
STEPS = 40


def path_for(scenario: str, seed: int) -> Path:
    return FOLDER / f"{scenario}-seed{seed}.csv"


def simulate(scenario: str, seed: int) -> pd.DataFrame:
    return PartneringModel(scenario, rng=seed).run(STEPS).metrics_frame()


def refresh() -> list[Path]:
    """Rewrite every baseline from the current model."""
    FOLDER.mkdir(exist_ok=True)
    written = []
    for scenario, seed in CASES:
        path = path_for(scenario, seed)
        simulate(scenario, seed).to_csv(path, index=False, float_format="%.17g")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refresh", action="store_true", help="rewrite the baselines from the current model")
    args = parser.parse_args()
    if not args.refresh:
        parser.print_help()
        return
    for path in refresh():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
