"""What an exploration asks of its futures, written the way a modeller says it.

A *question* picks out the futures of interest for scenario discovery. It names a metric of the
catalogue first, then a policy and a relation, in one of two forms::

    value_for_money: changemaking worse than transactional    # compare two policies in each future
    supplier_failures: changemaking > 2                       # a policy against a number

``worse`` and ``better`` follow the metric's better-direction in the catalogue (value for money
is a cost ratio, so *worse* means *higher*); ``higher`` and ``lower`` are literal. The extra
metric ``failed_runs`` (the share of a future's replications that failed) lets a question ask
where the model itself breaks down, so failures are an outcome and not silently dropped.

A *threshold* sets a bar every policy should clear in every future, for satisficing::

    service_quality >= 0.7

Values are the mean over a future's successful replications at the horizon analysed. Pure
functions and data: parsing never touches a store.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from partnering.model.catalogue import CATALOGUE
from partnering.scenarios import ScenarioError

FAILED = "failed_runs"
"""The share of a future's replications whose run failed: a question may ask where that is high."""

OPERATORS: dict[str, Callable[[object, object], object]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
COMPARISONS = ("worse", "better", "higher", "lower")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NAME = r"[A-Za-z][\w.-]*"
_COMPARISON = re.compile(rf"^(?P<policy>{_NAME})\s+(?P<relation>{'|'.join(COMPARISONS)})\s+than\s+(?P<reference>{_NAME})$")
_AGAINST = re.compile(rf"^(?P<policy>{_NAME})\s*(?P<op>>=|<=|>|<)\s*(?P<value>{_NUMBER})$")
_THRESHOLD = re.compile(rf"^(?P<metric>\w+)\s*(?P<op>>=|<=|>|<)\s*(?P<value>{_NUMBER})$")
QUESTION_FORMS = "'METRIC: POLICY worse than POLICY' (or better, higher, lower) or 'METRIC: POLICY > NUMBER' (or >=, <, <=)"


def metric_label(name: str) -> str:
    """'Label (unit)' from the catalogue, or a plain description of ``failed_runs``."""
    if name == FAILED:
        return "Failed runs (share of replications)"
    return CATALOGUE[name].axis_label


def _metric(name: str, text: str, what: str, extra: Sequence[str] = ()) -> str:
    allowed = [*CATALOGUE, *extra]
    if name in allowed:
        return name
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ScenarioError(f"{what} {text!r}: unknown metric {name!r}; {hint}allowed: {', '.join(allowed)}")


def _policy(name: str, text: str, policies: Sequence[str]) -> str:
    if name in policies:
        return name
    raise ScenarioError(f"question {text!r}: unknown policy {name!r}; allowed: {', '.join(policies)}")


@dataclass(frozen=True)
class Question:
    """Per future, whether something of interest happens under one policy."""

    text: str
    metric: str
    policy: str
    relation: str
    """'worse', 'better', 'higher' or 'lower' (against ``reference``) or an operator (against ``value``)."""
    reference: str | None = None
    value: float | None = None

    def describe(self) -> str:
        """The question in words, with the metric's label and unit."""
        label = metric_label(self.metric)
        if self.reference is not None:
            return f"{label} under {self.policy} is {self.relation} than under {self.reference}"
        return f"{label} under {self.policy} {self.relation} {self.value:g}"

    def policies(self) -> list[str]:
        return [self.policy] if self.reference is None else [self.policy, self.reference]

    def evaluate(self, outcomes: pd.DataFrame) -> pd.Series:
        """True or False per future (a nullable boolean, missing where a policy has no value there).

        ``outcomes`` has one row per (future, policy) with the metric's mean over replications.
        """
        wide = outcomes.pivot(index="future", columns="policy", values=self.metric)
        a = wide[self.policy].astype(float)
        if self.reference is None:
            holds = OPERATORS[self.relation](a, float(self.value))
            missing = a.isna()
        else:
            b = wide[self.reference].astype(float)
            relation = self.relation
            if relation in ("worse", "better"):
                up = CATALOGUE[self.metric].direction > 0
                relation = "lower" if (relation == "worse") == up else "higher"
            holds = a > b if relation == "higher" else a < b
            missing = a.isna() | b.isna()
        return pd.Series(np.where(missing, pd.NA, holds), index=wide.index, dtype="boolean", name=self.text)


def parse_question(text: str, policies: Sequence[str]) -> Question:
    """Read a question; one line naming what is wrong and the allowed forms otherwise."""
    clean = " ".join(str(text).split())
    head, colon, rest = clean.partition(":")
    if not colon or not head.strip() or " " in head.strip():
        raise ScenarioError(f"question {clean!r}: names no metric; write {QUESTION_FORMS}, METRIC one of "
                            f"{', '.join([*CATALOGUE, FAILED])}")
    metric = _metric(head.strip(), clean, "question", extra=(FAILED,))
    rest = rest.strip()
    if match := _COMPARISON.match(rest):
        policy = _policy(match["policy"], clean, policies)
        reference = _policy(match["reference"], clean, policies)
        relation = match["relation"]
        if policy == reference:
            raise ScenarioError(f"question {clean!r}: compares {policy} with itself; name two different policies")
        if relation in ("worse", "better") and (metric == FAILED or CATALOGUE[metric].direction == 0):
            raise ScenarioError(f"question {clean!r}: {metric} has no better direction in the catalogue; "
                                "use 'higher than' or 'lower than'")
        return Question(clean, metric, policy, relation, reference=reference)
    if match := _AGAINST.match(rest):
        return Question(clean, metric, _policy(match["policy"], clean, policies), match["op"], value=float(match["value"]))
    raise ScenarioError(f"question {clean!r}: cannot read {rest!r}; write {QUESTION_FORMS}")


@dataclass(frozen=True)
class Threshold:
    """A bar a policy should clear in a future: 'service_quality >= 0.7'."""

    text: str
    metric: str
    op: str
    value: float

    def met(self, values: pd.Series) -> pd.Series:
        """True where the value clears the bar; a missing value (all runs failed) does not."""
        return pd.Series(OPERATORS[self.op](values.astype(float), self.value), index=values.index).fillna(False).astype(bool)

    def describe(self) -> str:
        return f"{metric_label(self.metric)} {self.op} {self.value:g}"


def parse_threshold(text: str) -> Threshold:
    """Read a satisficing threshold such as 'supplier_failures <= 2'."""
    clean = " ".join(str(text).split())
    match = _THRESHOLD.match(clean)
    if match is None:
        head = re.split(r"\s|[<>=]", clean, maxsplit=1)[0]
        if head and head in CATALOGUE:
            raise ScenarioError(f"threshold {clean!r}: cannot read it; write 'METRIC >= NUMBER' (or <=, >, <)")
        raise ScenarioError(f"threshold {clean!r}: names no metric; write 'METRIC >= NUMBER' (or <=, >, <), METRIC "
                            f"one of {', '.join(CATALOGUE)}")
    return Threshold(clean, _metric(match["metric"], clean, "threshold"), match["op"], float(match["value"]))
