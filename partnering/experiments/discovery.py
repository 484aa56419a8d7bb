"""Scenario discovery: the boxes of futures where a question holds, found by EMA Workbench's own
PRIM (``ema_workbench.analysis.prim``) and checked against its CART (``analysis.cart``).

PRIM peels the space of futures one thin slice at a time, keeping the slice whose removal most
raises the share of futures of interest inside the box (its *density*), until the box holds too
few futures; each step of that *peeling trajectory* trades *coverage* (the share of all futures
of interest that lie in the box) against density. A box is chosen from the trajectory by a
stated rule (the densest box keeping at least ``min_coverage`` of the cases, restricting at most
``max_dims`` uncertainties), so the same data always give the same box. Restrictions of that box
which may be noise (quasi-p value above ``max_qp``) are then dropped, weakest first, as Bryant
and Lempert (2010) advise. Later boxes are found on the futures the earlier ones leave.

Everything here works on plain frames (futures by uncertainty, a boolean per future), so it is
tested on synthetic cases with a known box, and reads no store.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from partnering.experiments.questions import Question
from partnering.scenarios import parameter

MIN_COVERAGE = 0.5
"""Default: a chosen box keeps at least half of the futures of interest (still open to it)."""
MAX_DIMS = 3
"""Default: a chosen box restricts at most three uncertainties, so it can be read and drawn."""
MAX_BOXES = 2
MAX_QP = 0.05
"""Default: a restriction of the chosen box with a quasi-p value above this is dropped as noise
(Bryant and Lempert 2010's one-sided binomial test, as EMA computes it)."""
MASS_MIN = 0.05
"""PRIM's smallest box, as a share of the futures (EMA's default)."""
PEEL_ALPHA = 0.05
"""Share of the futures peeled off at each step (EMA's default)."""


@dataclass(frozen=True)
class Boxes:
    """PRIM's boxes for one question, as tidy frames.

    ``summary``: one row per chosen box (``box`` from 1, its position ``id`` on the trajectory,
    ``coverage``, ``density``, ``mass``, ``res_dim``, ``n`` futures in it, ``k`` of interest,
    ``lift`` = density over the share of interest among all futures, ``words``).
    ``limits``: one row per restricted uncertainty of each box (``low``, ``high``, where a side
    the box leaves open is the edge of the explored range; that range; the quasi-p value of the
    restriction and the restriction in words).
    ``trajectory``: every step of each box's peeling and pasting, with ``chosen`` marking the box.
    """

    summary: pd.DataFrame
    limits: pd.DataFrame
    trajectory: pd.DataFrame


SUMMARY_COLUMNS = ["box", "id", "coverage", "density", "mass", "res_dim", "n", "k", "lift", "words"]
LIMIT_COLUMNS = ["box", "parameter", "low", "high", "explored_low", "explored_high", "qp", "words"]
TRAJECTORY_COLUMNS = ["box", "id", "coverage", "density", "mass", "res_dim", "n", "k", "chosen"]
CART_COLUMNS = ["leaf", "coverage", "density", "mass", "res_dim", "n", "k", "words"]


@contextmanager
def _quiet_workbench() -> Iterator[None]:
    """EMA's PRIM uses a pandas keyword deprecated in pandas 3.1; that notice is EMA's, not ours."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame.drop is deprecated")
        yield


def _prim_module():
    from partnering.experiments.ema import workbench

    workbench()
    from ema_workbench.analysis import prim

    return prim


def _number(value: float) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def describe_limit(name: str, low: object, high: object, explored: tuple[object, object]) -> str:
    """One restriction in words: 'world.demand_growth at least 0.031 per year (explored -0.05 to
    0.15): trend growth of need (ageing population)'. Names that are not declared parameters
    (a synthetic test) are described by name alone."""
    try:
        info = parameter(name)
        unit, meaning = f" {info.unit}" if info.unit else "", f": {info.meaning}" if info.meaning else ""
    except KeyError:
        unit, meaning = "", ""
    if isinstance(low, set):
        return f"{name} is one of {', '.join(sorted(map(str, low)))}{meaning}"
    lo_cut, hi_cut = low != explored[0], high != explored[1]
    if lo_cut and hi_cut:
        where = f"between {_number(low)} and {_number(high)}{unit}"
    elif lo_cut:
        where = f"at least {_number(low)}{unit}"
    else:
        where = f"at most {_number(high)}{unit}"
    return f"{name} {where} (explored {_number(explored[0])} to {_number(explored[1])}){meaning}"


def _short(name: str, low: object, high: object, explored: tuple[object, object]) -> str:
    if isinstance(low, set):
        return f"{name} in {{{', '.join(sorted(map(str, low)))}}}"
    if low != explored[0] and high != explored[1]:
        return f"{_number(low)} ≤ {name} ≤ {_number(high)}"
    return f"{name} ≥ {_number(low)}" if low != explored[0] else f"{name} ≤ {_number(high)}"


def choose_box(trajectory: pd.DataFrame, min_coverage: float = MIN_COVERAGE, max_dims: int = MAX_DIMS,
               available: float = 1.0) -> int:
    """The position on a peeling trajectory of the box to report.

    The densest box among those keeping at least ``min_coverage`` of the ``available`` coverage
    (the share of cases of interest not yet in an earlier box) and restricting at most
    ``max_dims`` dimensions; ties go to more coverage, then fewer dimensions, then the earlier box.
    """
    readable = trajectory[trajectory["res_dim"] <= max_dims]
    eligible = readable[readable["coverage"] >= min_coverage * available - 1e-12]
    pool = eligible if len(eligible) else readable
    ranked = pool.sort_values(["density", "coverage", "res_dim", "id"], ascending=[False, False, True, True])
    return int(ranked["id"].iloc[0])


def _explored(x: pd.DataFrame, name: str, bounds: Mapping[str, Sequence[float]] | None) -> tuple[object, object]:
    if bounds and name in bounds:
        low, high = bounds[name]
        return float(low), float(high)
    column = x[name]
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column.min(), column.max()
    return set(column), set(column)


def prim_boxes(x: pd.DataFrame, y: Sequence[bool] | np.ndarray | pd.Series, *,
               bounds: Mapping[str, Sequence[float]] | None = None, max_boxes: int = MAX_BOXES,
               min_coverage: float = MIN_COVERAGE, max_dims: int = MAX_DIMS, max_qp: float | None = MAX_QP,
               peel_alpha: float = PEEL_ALPHA, paste_alpha: float = PEEL_ALPHA, mass_min: float = MASS_MIN) -> Boxes:
    """PRIM's boxes where ``y`` is true, among the futures ``x`` (one column per uncertainty).

    ``bounds`` (the explored range of each uncertainty) only words the limits: a limit is a
    restriction when PRIM moved it off the range of the data. Limits of the chosen box whose
    quasi-p value exceeds ``max_qp`` are dropped one at a time, weakest first, and a box left with
    no limit below it is not reported (``None`` keeps every restriction PRIM made).
    """
    prim = _prim_module()
    flags = np.asarray(y, dtype=bool)
    if len(flags) != len(x):
        raise ValueError(f"y has {len(flags)} values for {len(x)} futures")
    x = x.reset_index(drop=True)
    # EMA pastes a box edge half-way between two values, which an integer column cannot hold
    whole = [c for c in x.columns if pd.api.types.is_integer_dtype(x[c].dtype) and not pd.api.types.is_bool_dtype(x[c].dtype)]
    x = x.astype(dict.fromkeys(whole, float))
    total = int(flags.sum())
    base_rate = total / len(flags) if len(flags) else math.nan
    summary, limits, trajectories = [], [], []
    if 0 < total < len(flags):
        with _quiet_workbench():
            finder = prim.Prim(x, flags.astype(int), peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
            covered = 0
            for number in range(1, max_boxes + 1):
                available = (total - covered) / total
                if total - covered < max(1, mass_min * len(flags)):
                    break
                box = finder.find_box()
                if box is None:
                    break
                chosen = choose_box(_trajectory(box), min_coverage, max_dims, available)
                box.select(chosen)
                if max_qp is not None:
                    chosen = _drop_weak_restrictions(box, chosen, max_qp)
                path = _trajectory(box)
                stats = path.iloc[chosen]
                if stats["res_dim"] == 0 or stats["density"] <= base_rate:
                    break  # nothing more to say: the box is the whole space, or no denser than it
                if max_qp is not None and min(_quasi_p(box, chosen).values()) > max_qp:
                    break  # its one remaining limit may well be chance: no box worth reporting
                covered += int(stats["k"])
                trajectories.append(path.assign(box=number, chosen=path["id"] == chosen))
                lims = box.box_lims[chosen]
                init = box.box_lims[0]
                words = []
                for name in x.columns:
                    low, high = lims.loc[0, name], lims.loc[1, name]
                    if low == init.loc[0, name] and high == init.loc[1, name]:
                        continue
                    explored = _explored(x, name, bounds)
                    data_range = (init.loc[0, name], init.loc[1, name])
                    shown_low = low if low != data_range[0] else explored[0]
                    shown_high = high if high != data_range[1] else explored[1]
                    limits.append({"box": number, "parameter": name, "low": _plain(shown_low), "high": _plain(shown_high),
                                   "explored_low": _plain(explored[0]), "explored_high": _plain(explored[1]),
                                   "qp": _quasi_p(box, chosen).get(name, math.nan),
                                   "words": describe_limit(name, shown_low, shown_high, explored)})
                    words.append(_short(name, shown_low, shown_high, explored))
                summary.append({"box": number, "id": chosen, "coverage": float(stats["coverage"]),
                                "density": float(stats["density"]), "mass": float(stats["mass"]),
                                "res_dim": int(stats["res_dim"]), "n": int(stats["n"]), "k": int(stats["k"]),
                                "lift": float(stats["density"]) / base_rate, "words": " and ".join(words)})
    trajectory = (pd.concat(trajectories, ignore_index=True)[TRAJECTORY_COLUMNS] if trajectories
                  else pd.DataFrame(columns=TRAJECTORY_COLUMNS))
    return Boxes(pd.DataFrame(summary, columns=SUMMARY_COLUMNS), pd.DataFrame(limits, columns=LIMIT_COLUMNS),
                 trajectory)


def _trajectory(box: object) -> pd.DataFrame:
    return box.peeling_trajectory.astype({"id": int, "n": int, "k": int, "res_dim": int})


def _quasi_p(box: object, i: int) -> dict[str, float]:
    """Per restricted dimension of box ``i``, the larger quasi-p value of its two limits."""
    values = {}
    for name, pair in box.p_values[i].items():
        valid = [q for q in pair if q is not None and q >= 0]
        values[name] = max(valid) if valid else math.nan
    return values


def _drop_weak_restrictions(box: object, chosen: int, max_qp: float) -> int:
    """Drop the chosen box's limits that may be chance (quasi-p above ``max_qp``), weakest first,
    keeping at least one; each drop is a new box on the trajectory. Returns the final box.

    Limits are judged one side at a time: PRIM often leaves a nibble off the far end of a range
    whose other end is the real restriction, and the nibble must not take the real one with it.
    """
    while True:
        sides = {(name, side): q for name, pair in box.p_values[chosen].items()
                 for side, q in enumerate(pair) if q is not None and q >= 0}
        weak = {key: q for key, q in sides.items() if q > max_qp}
        if not weak or len(sides) <= 1:
            return chosen
        name, side = max(weak, key=weak.get)
        lims = box.box_lims[chosen].copy()
        lims.loc[side, name] = box.box_lims[0].loc[side, name]
        remaining = box.prim.yi_remaining
        box.update(lims, remaining[_inside(box.prim.x.loc[remaining], lims)])
        chosen = len(box.peeling_trajectory) - 1


def _inside(x: pd.DataFrame, lims: pd.DataFrame) -> np.ndarray:
    """Which rows of ``x`` lie in the box ``lims`` (row 0 the lower limits, row 1 the upper)."""
    mask = np.ones(len(x), dtype=bool)
    for name in lims.columns:
        low, high = lims.loc[0, name], lims.loc[1, name]
        column = x[name]
        mask &= column.isin(low).to_numpy() if isinstance(low, set) else ((column >= low) & (column <= high)).to_numpy()
    return mask


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def cart_leaves(x: pd.DataFrame, y: Sequence[bool] | np.ndarray | pd.Series, *,
                bounds: Mapping[str, Sequence[float]] | None = None, mass_min: float = MASS_MIN,
                seed: int = 0) -> pd.DataFrame:
    """The leaves of EMA's CART tree where ``y`` is the majority, densest first.

    EMA's ``CART.build_tree`` leaves scikit-learn's tree unseeded, and the tree breaks ties
    between equally good splits at random; the same tree is grown here with ``random_state=seed``
    so the leaves do not change from one run to the next.
    """
    from sklearn.tree import DecisionTreeClassifier

    _prim_module()
    from ema_workbench.analysis import cart

    flags = np.asarray(y, dtype=bool)
    x = x.reset_index(drop=True)
    rows = []
    if 0 < flags.sum() < len(flags):
        with _quiet_workbench():
            tree = cart.CART(x, flags.astype(int), mass_min=mass_min)
            tree.clf = DecisionTreeClassifier(min_samples_leaf=max(1, int(mass_min * len(x))),
                                              random_state=seed).fit(tree._x, tree.y)
            init = _data_box(x)
            for leaf, (box, stats) in enumerate(zip(tree.boxes, tree.stats, strict=True), start=1):
                if stats["density"] < 0.5:
                    continue
                words = []
                for name in x.columns:
                    low, high = box.loc[0, name], box.loc[1, name]
                    if low == init[name][0] and high == init[name][1]:
                        continue
                    explored = _explored(x, name, bounds)
                    shown = (low if low != init[name][0] else explored[0], high if high != init[name][1] else explored[1])
                    words.append(_short(name, *shown, explored))
                inside = round(float(stats["mass"]) * len(x))
                rows.append({"leaf": leaf, "coverage": float(stats["coverage"]), "density": float(stats["density"]),
                             "mass": float(stats["mass"]), "res_dim": int(stats["res dim"]), "n": inside,
                             "k": round(float(stats["density"]) * inside), "words": " and ".join(words) or "everywhere"})
    frame = pd.DataFrame(rows, columns=CART_COLUMNS)
    return frame.sort_values(["density", "coverage", "leaf"], ascending=[False, False, True], ignore_index=True)


def _data_box(x: pd.DataFrame) -> dict[str, tuple[object, object]]:
    return {name: (x[name].min(), x[name].max()) for name in x.columns}


@dataclass(frozen=True)
class Discovery:
    """Scenario discovery for several questions: every frame carries a ``question`` column.

    ``cases`` says, per question, how many futures it could be judged in, how many it holds in,
    and their share (the base rate a box's density is measured against).
    """

    cases: pd.DataFrame
    boxes: pd.DataFrame
    limits: pd.DataFrame
    trajectory: pd.DataFrame
    cart: pd.DataFrame


def discover(futures: pd.DataFrame, outcomes: pd.DataFrame, questions: Sequence[Question], *,
             bounds: Mapping[str, Sequence[float]] | None = None, **options: object) -> Discovery:
    """PRIM boxes and CART leaves for each question.

    Args:
        futures: one row per future (index: the future's number), one column per uncertainty.
        outcomes: one row per (future, policy) with each metric's mean over replications.
        options: passed to :func:`prim_boxes` (``min_coverage``, ``max_dims``, ``max_boxes``,
            ``peel_alpha``, ``mass_min``).
    """
    cases, boxes, limits, trajectory, leaves = [], [], [], [], []
    for question in questions:
        holds = question.evaluate(outcomes).reindex(futures.index)
        judged = holds.notna()
        x = futures[judged.to_numpy()]
        y = holds[judged].astype(bool).to_numpy()
        cases.append({"question": question.text, "words": question.describe(), "futures": int(judged.sum()),
                      "holds": int(y.sum()), "share": float(y.mean()) if len(y) else math.nan})
        found = prim_boxes(x, y, bounds=bounds, **options)
        boxes.append(found.summary.assign(question=question.text))
        limits.append(found.limits.assign(question=question.text))
        trajectory.append(found.trajectory.assign(question=question.text))
        mass_min = float(options.get("mass_min", MASS_MIN))
        leaves.append(cart_leaves(x, y, bounds=bounds, mass_min=mass_min).assign(question=question.text))

    def stack(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=["question", *columns])
        return pd.concat(frames, ignore_index=True)[["question", *columns]]

    return Discovery(pd.DataFrame(cases, columns=["question", "words", "futures", "holds", "share"]),
                     stack(boxes, SUMMARY_COLUMNS), stack(limits, LIMIT_COLUMNS),
                     stack(trajectory, TRAJECTORY_COLUMNS), stack(leaves, CART_COLUMNS))
