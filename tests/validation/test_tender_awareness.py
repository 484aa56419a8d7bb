"""Costly awareness thins competition, and councils pay for it.

One cause, ``procurement.notice_chance`` (every able firm noticing every tender, against the
chance the calibration wrote into ``uk_2018``), on common seeds over 20 replications. What must
emerge, not be typed in: where firms miss tenders, fewer bids arrive and more tenders draw a
single bid; the other side of the trade-off, councils pay more for what they get and winners
earn fatter margins. Wider publicity draws more bidders and lowers the price paid (Coviello and
Mariniello 2014); costly awareness leaves many contracts with one bid (Kang and Miller 2022).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partnering.scenarios import load_scenario
from tests.validation.conftest import mean_interval, one_cause_contrast

pytestmark = pytest.mark.validation

SURVEY_YEAR = 2018


@pytest.fixture(scope="module")
def paired(tmp_path_factory) -> pd.DataFrame:
    """Per replication: the calibrated notice chance minus every firm noticing, on the same seed."""
    base = load_scenario("uk_2018")
    chance = base.procurement.notice_chance
    assert chance < 0.95, f"uk_2018's notice chance is {chance}: rerun `partnering calibrate`"

    def read(moments: dict[str, float], late: pd.DataFrame) -> dict[str, float]:
        return {"bids": moments[f"bids per tender, {SURVEY_YEAR}"],
                "single": moments[f"single-bid share of tenders with a bid, {SURVEY_YEAR}"],
                "value_for_money": late["value_for_money"].mean(),
                "mean_margin": late["mean_margin"].mean()}

    return one_cause_contrast(base, "procurement.notice_chance", 1.0, chance, root_seed=5151,
                              name="tender awareness", folder=tmp_path_factory.mktemp("awareness"), read=read)


def test_firms_missing_tenders_means_fewer_bids(paired: pd.DataFrame):
    d = mean_interval(np.asarray(paired["bids"]))
    assert d.high < 0.0, f"calibrated notice chance - every firm noticing, bids per tender: {d}"


def test_firms_missing_tenders_means_more_single_bids(paired: pd.DataFrame):
    d = mean_interval(np.asarray(paired["single"]))
    assert d.low > 0.0, f"calibrated notice chance - every firm noticing, single-bid share: {d}"


@pytest.mark.parametrize("reading", ["value_for_money", "mean_margin"])
def test_councils_pay_more_and_winners_earn_more_where_firms_miss_tenders(paired: pd.DataFrame, reading: str):
    # value for money is £ paid per unit of quality delivered: higher is dearer
    d = mean_interval(np.asarray(paired[reading]))
    assert d.low > 0.0, f"calibrated notice chance - every firm noticing, {reading}: {d}"
