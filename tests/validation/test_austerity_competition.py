"""Austerity thins competition where councils pass their budget shortfall to the prices they pay.

One cause, ``procurement.price_squeeze`` (none against the value the calibration wrote into
``uk_2018``), in ``uk_2018`` (budgets falling 2.5% a year in real terms while need grows 2.5%),
on common seeds over 20 replications. What must emerge, not be typed in: as the shortfall
deepens the ceiling leaves the dearer firms no margin, so bids per tender fall more between 2012
and 2018, and the share of tenders without competition rises more between 2016 and 2018 (the UK
share rose from 0.15 to 0.23: Demos 2018); and the other side of the trade-off, councils pay
less for what they get and buy more need with it, while firms earn thinner margins (CMA 2017:
council fee rates below the full cost of care).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partnering.scenarios import load_scenario
from tests.validation.conftest import mean_interval, one_cause_contrast

pytestmark = pytest.mark.validation

@pytest.fixture(scope="module")
def paired(tmp_path_factory) -> pd.DataFrame:
    """Per replication: the squeezed arm minus the unsqueezed one, on the same seed."""
    base = load_scenario("uk_2018")
    squeeze = base.procurement.price_squeeze
    assert squeeze > 0, "uk_2018 has no price squeeze: rerun `partnering calibrate`"

    def read(moments: dict[str, float], late: pd.DataFrame) -> dict[str, float]:
        return {"bids_decline": moments["bids per tender, 2012"] - moments["bids per tender, 2018"],
                "uncontested_rise": (moments["tenders without competition, 2018"]
                                     - moments["tenders without competition, 2016"]),
                "single_2018": moments["single-bid share of tenders with a bid, 2018"],
                "value_for_money": late["value_for_money"].mean(),
                "unmet_need": late["unmet_need"].mean(),
                "mean_margin": late["mean_margin"].mean()}

    return one_cause_contrast(base, "procurement.price_squeeze", 0.0, squeeze, root_seed=4242,
                              name="austerity and competition", folder=tmp_path_factory.mktemp("austerity"), read=read)


@pytest.mark.parametrize("reading", ["bids_decline", "uncontested_rise", "single_2018"])
def test_a_price_squeeze_thins_competition_as_austerity_deepens(paired: pd.DataFrame, reading: str):
    d = mean_interval(np.asarray(paired[reading]))
    assert d.low > 0.0, f"calibrated price squeeze - none, {reading}: {d}"


@pytest.mark.parametrize("reading", ["value_for_money", "unmet_need", "mean_margin"])
def test_a_price_squeeze_saves_councils_money_and_thins_margins(paired: pd.DataFrame, reading: str):
    # value for money is £ paid per unit of quality delivered: lower is cheaper
    d = mean_interval(np.asarray(paired[reading]))
    assert d.high < 0.0, f"calibrated price squeeze - none, {reading}: {d}"
