"""The metric catalogue: one declaration per metric, read by every reporter and every view."""

from __future__ import annotations

import math

import pytest

from partnering import PartneringModel
from partnering.model.catalogue import (
    CATALOGUE,
    HEADLINE_METRICS,
    METRICS,
    REQUIRED_COLUMNS,
    metric,
)
from partnering.model.metrics import MODEL_REPORTERS


def test_every_recorded_column_is_catalogued_in_the_same_order():
    assert list(MODEL_REPORTERS) == [m.name for m in METRICS]


def test_the_required_schema_of_model_md_section_6_comes_first():
    assert list(CATALOGUE)[: len(REQUIRED_COLUMNS)] == list(REQUIRED_COLUMNS)
    assert {"hhi", "sme_share", "vcse_share", "single_bid_share", "intend_more"} <= set(REQUIRED_COLUMNS)


def test_every_entry_has_a_label_unit_meaning_and_consistent_bounds():
    for m in METRICS:
        assert m.label and m.unit and m.meaning, m.name
        if m.low is not None and m.high is not None:
            assert m.low < m.high, m.name
        if m.style == "share":
            assert (m.low, m.high) == (0.0, 1.0), m.name


def test_value_for_money_is_a_cost_ratio_so_lower_is_better():
    assert metric("value_for_money").better == "lower"
    assert metric("value_for_money").direction == -1


def test_an_unknown_metric_names_the_allowed_ones():
    with pytest.raises(KeyError, match="allowed: service_quality"):
        metric("quality")


def test_headline_metrics_are_catalogued():
    assert set(HEADLINE_METRICS) <= set(CATALOGUE)
    assert "value_for_money" in HEADLINE_METRICS


@pytest.mark.parametrize("scenario", ["transactional", "supplier_collapse", "policy_package"])
def test_recorded_values_stay_within_the_declared_bounds(scenario):
    frame = PartneringModel(scenario, rng=3).run(16).metrics_frame()
    for m in METRICS:
        values = frame[m.name]
        assert not values.isna().any(), m.name
        if m.low is not None:
            assert values.min() >= m.low - 1e-12, (m.name, values.min())
        if m.high is not None:
            assert values.max() <= m.high + 1e-12, (m.name, values.max())
        assert all(math.isfinite(v) for v in values), m.name
