"""Delivery rules against numbers worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import pytest

from partnering.rules import delivery
from partnering.scenarios.mechanisms import Delivery, InHouse

D = Delivery()


def test_detection_rises_with_monitoring_measurability_skill_and_open_books():
    # 1 * (0.4 + 0.6) * (0.4 + 0.6) * 0.6 = 0.6
    assert delivery.detection_probability(1.0, 1.0, 1.0, False, D) == pytest.approx(0.6)
    # 0.5 * 0.7 * 0.7 * 0.6 = 0.147; open book x (1 + 0.8 * 0.5) = 1.4 -> 0.2058
    assert delivery.detection_probability(0.5, 0.5, 0.5, False, D) == pytest.approx(0.147)
    assert delivery.detection_probability(0.5, 0.5, 0.5, True, D) == pytest.approx(0.2058)


def test_detection_never_exceeds_its_ceiling():
    assert delivery.detection_probability(1.0, 1.0, 1.0, True, D) == pytest.approx(0.95)  # 0.6 * 1.8 = 1.08


def test_false_alarms_come_from_monitoring_without_skill():
    # 0.03 * (1 - 0.2) * 1.0 = 0.024
    assert delivery.false_alarm_probability(0.2, 1.0, 0.03) == pytest.approx(0.024)
    assert delivery.false_alarm_probability(1.0, 1.0, 0.03) == 0.0


def test_relationship_value_counts_remaining_term_and_renewal():
    d = 0.98
    remaining = (1 - d**4) / (1 - d)
    next_term = d**4 * (1 - d**8) / (1 - d)
    expected = 2.0 * (1.0 * remaining + 0.5 * next_term)
    assert delivery.relationship_value(2.0, 4, 0.5, 8, 1.0, d) == pytest.approx(expected)
    assert delivery.relationship_value(-1.0, 4, 0.5, 8, 1.0, d) == 0.0


def test_honest_supplier_feels_no_temptation():
    assert delivery.shirk_temptation(1.0, 0.0, 0.5, 0.2, D) == 0.0
    assert delivery.shirk_probability(0.0, 0.1, 0.0, 0.0, 0.0, 3.0) == 0.0


def test_temptation_grows_with_stress_and_shrinks_with_reciprocated_trust():
    # 1 * 2 * 0.5 * (1 + 0) * (1.5 - 1 * 0.5) = 1.0
    assert delivery.shirk_temptation(1.0, 0.5, 0.0, 1.0, D) == pytest.approx(1.0)
    # stress 1 doubles it
    assert delivery.shirk_temptation(1.0, 0.5, 1.0, 1.0, D) == pytest.approx(2.0)


def test_shirk_probability_is_a_logit_in_log_temptation_over_deterrence():
    # deterrence = 0.5 * (1 + 0 + 1) = 1 = temptation -> 0.5
    assert delivery.shirk_probability(1.0, 0.5, 1.0, 1.0, 0.0, 3.0) == pytest.approx(0.5)
    # temptation twice deterrence: 1 / (1 + 2^-3) = 8/9
    assert delivery.shirk_probability(2.0, 0.5, 1.0, 1.0, 0.0, 3.0) == pytest.approx(8 / 9)
    # rework counts in deterrence: 0.5 * (0.5 + 0.5 + 1.0) = 1 -> 0.5
    assert delivery.shirk_probability(1.0, 0.5, 0.5, 1.0, 0.5, 3.0) == pytest.approx(0.5)
    assert delivery.shirk_probability(1.0, 0.0, 1.0, 1.0, 0.0, 3.0) == 1.0


def test_short_termist_opportunists_discount_more():
    assert delivery.supplier_discount(0.0, D) == pytest.approx(0.98)
    assert delivery.supplier_discount(1.0, D) == pytest.approx(0.90)


def test_quality_is_the_product_of_its_factors():
    assert delivery.delivered_quality(0.8, 0.75, 0.9, 1.0) == pytest.approx(0.54)
    assert delivery.delivered_quality(1.0, 1.0, 1.2, 1.0) == 1.0


def test_capacity_strain_bites_only_beyond_capacity():
    assert delivery.capacity_strain(90.0, 100.0) == 1.0
    assert delivery.capacity_strain(400.0, 100.0) == pytest.approx(0.5)
    assert delivery.capacity_strain(1.0, 0.0) == 0.0


def test_fit_lost_without_local_knowledge_regained_by_codesign():
    # 1 - 0.3 * 0.8 * (1 - 0.2) = 0.808
    assert delivery.service_fit(0.8, 0.2, 0.0, 0.3) == pytest.approx(0.808)
    assert delivery.service_fit(0.8, 0.2, 0.1, 0.3) == pytest.approx(0.908)
    assert delivery.service_fit(0.8, 1.0, 0.0, 0.3) == 1.0


def test_rigid_contract_leaves_part_of_extra_need_unmet_and_pays_for_idle_volume():
    up = delivery.lot_volumes(1.2, 1.0, 0.0, 0.5)
    # gap 0.2, half bought as variation: delivered 1.0 + 0.1
    assert (up.delivered, up.contracted, up.variation, up.idle) == pytest.approx((1.1, 1.0, 0.1, 0.0))
    down = delivery.lot_volumes(0.8, 1.0, 0.0, 0.5)
    assert (down.delivered, down.contracted, down.idle) == pytest.approx((0.8, 1.0, 0.2))


def test_adaptable_contract_follows_need():
    v = delivery.lot_volumes(1.3, 1.0, 1.0, 0.5)
    assert (v.delivered, v.contracted, v.variation, v.idle) == pytest.approx((1.3, 1.3, 0.0, 0.0))


def test_fixed_price_puts_overruns_on_supplier():
    # 1.1 * (1.0 + 0.2 * 1.25) = 1.375, whatever the actual cost
    assert delivery.contract_payment(1.1, 1.0, 0.2, 0.25, False, 1.0, 2.0, 1.0) == pytest.approx(1.375)


def test_open_book_shares_the_overrun():
    # base 1.1; overrun 1.3 - 1.0 = 0.3; council bears (1 - 0.5) -> 1.1 + 0.15 = 1.25
    assert delivery.contract_payment(1.1, 1.0, 0.0, 0.25, True, 0.5, 1.3, 1.0) == pytest.approx(1.25)
    # and shares the gain: actual 0.8 -> 1.1 - 0.1 = 1.0
    assert delivery.contract_payment(1.1, 1.0, 0.0, 0.25, True, 0.5, 0.8, 1.0) == pytest.approx(1.0)


def test_a_council_reads_quality_partly_from_the_suppliers_report():
    # 0.5 * 0.9 + 0.5 * clip(0.6 + 0.1 * -1, 0, 1) = 0.45 + 0.25 = 0.7
    assert delivery.assessed_quality(0.6, 0.9, 0.5, 0.1, -1.0) == pytest.approx(0.7)


def test_in_house_delivery_costs_more_and_fits_less_without_capacity():
    # 1.03 + 0.2 * (1 - 0.25) - 0 = 1.18; with investment 1.18 - 0.03 = 1.15
    assert delivery.in_house_unit_cost(0.25, False, InHouse()) == pytest.approx(1.18)
    assert delivery.in_house_unit_cost(0.25, True, InHouse()) == pytest.approx(1.15)
    # 0.74 * (0.6 + 0.4 * 0.25) = 0.74 * 0.7 = 0.518
    assert delivery.in_house_capability(0.25, InHouse()) == pytest.approx(0.518)
