"""A sweep report of two arms, opened in Chromium as a policy modeller would open it: every
interval within its metric's bounds, every metric labelled with its unit and better direction,
the interval method named once, and an effect-size chart that shows intervals."""

from __future__ import annotations

import re

import pytest

from partnering.experiments import run_sweep, scenario_design, write_report
from partnering.model.catalogue import CATALOGUE

NUMBER = r"-?[\d,]*\.?\d+(?:e[+-]?\d+)?"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "two-arms"
    design = scenario_design(["transactional", "changemaking"], replications=5, steps=8,
                             overrides={"population.councils": 4})
    run_sweep(design, out, workers=1)
    return write_report(out, metrics=list(CATALOGUE))


def interval(text: str) -> tuple[float, float] | None:
    found = re.fullmatch(rf"\[({NUMBER}), ({NUMBER})\]", text.strip())
    return None if found is None else (float(found[1].replace(",", "")), float(found[2].replace(",", "")))


def test_the_report_in_chromium_has_no_band_beyond_a_bound_and_labels_every_metric(open_page, report, screenshot):
    page, traffic = open_page()
    page.set_content(report.read_text(encoding="utf-8"), wait_until="load")
    rows = page.eval_on_selector_all(
        "span[data-metric]",
        """spans => spans.map(s => {
             const cells = [...s.closest('tr').children].map(td => td.innerText.trim());
             return {metric: s.dataset.metric, label: s.innerText, unit: s.parentElement.querySelector('.unit').innerText,
                     cells: cells};
           })""")
    assert rows, "no comparison rows found"
    seen = set()
    for row in rows:
        entry = CATALOGUE[row["metric"]]
        seen.add(entry.name)
        assert row["label"] == entry.label
        assert entry.unit in row["unit"] and ("better" in row["unit"] or "neither" in row["unit"]), row["unit"]
        ci = interval(row["cells"][4])  # the mean's interval
        if ci is None:
            continue
        low, high = ci
        if entry.low is not None:
            assert low >= entry.low, (entry.name, row["cells"])
        if entry.high is not None:
            assert high <= entry.high, (entry.name, row["cells"])
    assert {"supplier_failures", "vcse_share", "overhead"} <= seen

    text = page.inner_text("body")
    assert text.count("How the intervals are made") == 1
    assert "logit scale" in text and "log scale" in text
    assert "Glossary" in text and "Herfindahl-Hirschman" in text
    assert "minutes of model time" not in text and "Computing time:" in text

    chart = page.locator("img[alt^='effect sizes at step 8']")
    assert chart.count() == 1 and "95% intervals" in chart.get_attribute("alt")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 300")
    assert "at step 8 (year 2), with its 95% bootstrap interval" in text
    assert not traffic.outside, traffic.outside
    screenshot(page, "report-two-arms")
