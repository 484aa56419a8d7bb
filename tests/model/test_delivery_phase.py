"""The delivery phase against numbers worked out by hand, one contract at a time.

Each test takes a contract of a real model, sets the few quantities the arithmetic depends on,
delivers that contract alone with :func:`deliver_contracts`, and checks payment, cost, quality and
both sides' trust. Random numbers come from a stand-in generator where a test needs to fix them.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from partnering.agents.supplier import LargeSupplier, LineAbility
from partnering.model.model import PartneringModel
from partnering.model.phases.delivery import deliver_contracts, gather
from partnering.model.registry import end_subcontract
from partnering.model.tendering import subcontract
from partnering.rules.records import QuarterFlows
from partnering.scenarios import apply_overrides, load_scenario


class FixedDraws:
    """A generator stand-in: every uniform is ``uniform`` and every standard normal is ``normal``."""

    def __init__(self, uniform: float, normal: float = 0.0) -> None:
        self.uniform, self.normal = uniform, normal

    def random(self, size):
        return np.full(size, self.uniform)

    def standard_normal(self, size):
        return np.full(size, self.normal)


def _prepared(opportunism: float = 0.0, capability: float = 1.0):
    """A contract with a national firm, made easy to follow by hand: a flexible fixed-price
    contract at price 1.2, the firm at capability 0.8 within its capacity, a council with full
    commercial skill (no observation noise, no false alarms, no reliance on reports), no steering."""
    scenario = apply_overrides(load_scenario("transactional"), {"population.councils": 4})
    model = PartneringModel(scenario, rng=3)
    contract = next(c for c in model.live_contracts() if isinstance(c.provider, LargeSupplier))
    provider, council, lot = contract.provider, contract.councils[0], contract.lots[0]
    contract.flex, contract.open_book, contract.risk_share = 1.0, False, 1.0
    contract.unit_price, contract.learning, contract.penalty_rate, contract.monitoring = 1.2, 0.0, 0.3, 0.8
    for record in list(contract.subcontracts):
        end_subcontract(record, paid=True)
    line = provider.lines[contract.service.market]
    line.capability, line.load = 0.8, 0.0
    provider.opportunism, provider.cash = opportunism, 10.0
    council.commercial_capability, council.steering_strength, council.late_payment = capability, 0.0, False
    lot.slot.funded, lot.share = 0.9, 1.0
    lot.slot.reset_observations()
    council.trust[provider.unique_id] = 0.6
    provider.trust_in_council[council.unique_id] = 0.5
    model.flows = QuarterFlows()
    return model, contract, provider, council, lot.slot


def test_full_effort_is_paid_at_the_contract_price_and_read_exactly():
    model, contract, provider, council, slot = _prepared()
    service = contract.service
    value = contract.lots[0].slot.value / 4.0
    unit_cost = provider.unit_cost(service)
    fit = 1.0 - 0.3 * service.local_knowledge * (1.0 - 0.2)  # a national firm's localness is 0.2
    cash, paid_before = provider.cash, council.paid_to_providers

    deliver_contracts(model, [contract])

    payment = 1.2 * value * 0.9  # flexible: the contracted volume follows the funded need of 0.9
    cost = unit_cost * value * 0.9
    quality = 0.8 * fit  # capability x full effort x fit x no strain
    assert contract.last_payment == pytest.approx(payment)
    assert contract.last_cost == pytest.approx(cost)
    assert contract.last_quality == pytest.approx(quality)
    assert provider.cash - cash == pytest.approx(payment - cost)
    assert council.paid_to_providers - paid_before == pytest.approx(payment)
    assert slot.delivered_value == pytest.approx(value * 0.9)
    assert slot.delivered_quality == pytest.approx(quality * value * 0.9)
    # the council sees quality exactly (full skill): trust 0.6 moves towards it at 0.1 or 0.3
    rate = 0.1 if quality >= 0.6 else 0.3
    assert council.trust[provider.unique_id] == pytest.approx(0.6 + rate * (quality - 0.6))
    # treated fairly on all four counts (paid on time, change at cost, no penalty, no loss dumped)
    assert provider.trust_in_council[council.unique_id] == pytest.approx(0.5 + 0.1 * (1.0 - 0.5))
    assert not contract.shirked_now and contract.times_detected == 0


def test_corners_cut_and_caught_cost_the_penalty_the_rework_and_trust():
    model, contract, provider, council, _ = _prepared(opportunism=1.0)
    model.rng = FixedDraws(uniform=0.0)  # every chance comes true: it cuts corners and is caught
    service = contract.service
    value = contract.lots[0].slot.value / 4.0
    unit_cost = provider.unit_cost(service)
    fit = 1.0 - 0.3 * service.local_knowledge * (1.0 - 0.2)
    b = model.config.behaviour

    deliver_contracts(model, [contract])

    assert contract.shirked_now and contract.times_detected == 1
    assert contract.last_payment == pytest.approx(1.2 * value * 0.9 * (1.0 - 0.3))  # penalty 30%
    assert contract.last_cost == pytest.approx(unit_cost * value * 0.9)  # caught: no saving, work redone
    quality = 0.8 * (1.0 - b.corner_cut_quality_loss) * fit
    assert contract.last_quality == pytest.approx(quality)
    rate = b.trust_gain_rate if quality >= 0.6 else b.trust_loss_rate
    expected = (0.6 + rate * (quality - 0.6)) * (1.0 - b.shirk_detected_trust_loss)
    assert council.trust[provider.unique_id] == pytest.approx(expected)


def test_corners_cut_unseen_save_cost_and_are_read_from_the_report_as_far_as_the_council_relies_on_it():
    model, contract, provider, council, _ = _prepared(opportunism=1.0, capability=0.5)
    council.principles["collaborative"] = 1.0  # relies on reports: 1.0 x (1 - 0.5) = 0.5
    model.rng = FixedDraws(uniform=0.999999, normal=0.0)  # no draw falls under a chance below 1
    b = model.config.behaviour
    # make cutting corners certain: nothing deters a firm when detection is impossible
    contract.monitoring = 0.0
    service = contract.service
    value = contract.lots[0].slot.value / 4.0
    unit_cost = provider.unit_cost(service)
    fit = 1.0 - 0.3 * service.local_knowledge * (1.0 - 0.2)

    deliver_contracts(model, [contract])

    assert contract.shirked_now and contract.times_detected == 0
    assert contract.last_cost == pytest.approx(unit_cost * value * 0.9 * (1.0 - b.corner_cut_saving))
    assert contract.last_payment == pytest.approx(1.2 * value * 0.9)
    quality = 0.8 * (1.0 - b.corner_cut_quality_loss) * fit
    seen = 0.5 * (0.8 * fit) + 0.5 * quality  # half the report of full effort, half its own reading
    rate = b.trust_gain_rate if seen >= 0.6 else b.trust_loss_rate
    assert council.trust[provider.unique_id] == pytest.approx(0.6 + rate * (seen - 0.6))


def test_a_subcontractor_does_its_share_of_the_work_now_and_is_paid_a_quarter_later():
    model, contract, provider, _, _ = _prepared()
    group = model.groups_by_place[contract.councils[0].place][0]
    group.lines[contract.service.market] = LineAbility(capacity=50.0, capability=0.8, cost_efficiency=0.9)
    record = subcontract(model, contract, group, 0.2)
    group_cash, cash = group.cash, provider.cash
    group.revenue_quarter = group.cost_quarter = group.owed_to_it = 0.0
    owed_before = provider.owed_to_others  # to the subcontractors of its other contracts

    deliver_contracts(model, [contract])

    payment, cost = contract.last_payment, contract.last_cost
    # the group bears a fifth of the cost now and earns a fifth of the payment, owed for a quarter
    assert group.cash - group_cash == pytest.approx(-0.2 * cost)
    assert group.revenue_quarter == pytest.approx(0.2 * payment)
    assert group.owed_to_it == pytest.approx(0.2 * payment)
    assert provider.owed_to_others - owed_before == pytest.approx(0.2 * payment)
    assert provider.cash - cash == pytest.approx(payment - 0.8 * cost)  # it holds the group's money meanwhile
    assert model.flows.spend_by_kind["vcse"] == pytest.approx(0.2 * payment)
    assert model.flows.indirect_by_kind["vcse"] == pytest.approx(0.2 * payment)
    assert model.flows.contract_payments == pytest.approx(payment)

    first_payment = payment
    deliver_contracts(model, [contract])  # the next quarter: last quarter's share is paid
    assert record.paid_total == pytest.approx(0.2 * first_payment)
    assert group.owed_to_it == pytest.approx(0.2 * contract.last_payment)


def test_a_failing_prime_leaves_its_subcontractor_unpaid():
    from partnering.model.phases.finance import handle_failure

    model, contract, provider, _, _ = _prepared()
    group = model.groups_by_place[contract.councils[0].place][0]
    group.lines[contract.service.market] = LineAbility(capacity=50.0, capability=0.8, cost_efficiency=0.9)
    record = subcontract(model, contract, group, 0.2)
    group.owed_to_it = 0.0
    deliver_contracts(model, [contract])
    owed, cash = group.owed_to_it, group.cash
    assert owed > 0

    unpaid = handle_failure(model, provider, "test")

    assert group in unpaid
    assert record.lost == pytest.approx(owed) and group.lost_to_failures == pytest.approx(owed)
    assert group.owed_to_it == pytest.approx(0.0) and group.cash == cash  # the money never comes


def test_two_contracts_with_one_firm_move_the_councils_trust_twice_in_order():
    model, first, provider, council, _ = _prepared()
    second = next((c for c in model.live_contracts() if c is not first and c.councils[0] is council
                   and c.service.market == first.service.market and not c.grant), None)
    if second is None:
        pytest.skip("the seed gives this council a single contract")
    second.provider = provider
    second.lots[0].slot.reset_observations()
    deliver_contracts(model, [first])
    one = council.trust[provider.unique_id]
    council.trust[provider.unique_id] = 0.6
    provider.trust_in_council[council.unique_id] = 0.5

    deliver_contracts(model, [first, second])

    assert council.trust[provider.unique_id] != pytest.approx(one)  # the second reading moved it again
    q2 = second.last_quality
    rate = 0.1 if q2 >= one else 0.3
    assert council.trust[provider.unique_id] == pytest.approx(one + rate * (q2 - one))


def _tables(quarter):
    """Every column of a quarter's tables, by table and name, and the agents behind its rows."""
    columns = {(table, f.name): getattr(getattr(quarter, table), f.name)
               for table in ("terms", "lots", "provider_rows", "council_rows")
               for f in fields(getattr(quarter, table))}
    agents = {name: [id(x) for x in getattr(quarter, name)] for name in ("lot_slots", "lot_providers", "providers",
                                                                            "councils")}
    return columns, agents


def _same_as_afresh(model, contracts):
    kept = _tables(gather(model, contracts))
    book = model.lot_book
    model.lot_book = None
    for contract in contracts:
        contract.fixed_rows = None
    fresh = _tables(gather(model, contracts))
    model.lot_book = book
    assert kept[1] == fresh[1]
    for name, column in kept[0].items():
        np.testing.assert_array_equal(column, fresh[0][name], err_msg=str(name))


def test_the_book_kept_between_quarters_gives_the_tables_built_afresh():
    """Contracts start, end and change their supply chains between quarters; the quarter's tables
    taken from last quarter's book plus rows for what changed equal tables built from nothing."""
    model = PartneringModel(apply_overrides(load_scenario("uk_2018"), {"population.councils": 12}), rng=5)
    first = {c.id for c in model.contracts.in_start_order()}
    model.run(6)
    contracts = model.contracts.in_start_order()
    assert first - {c.id for c in contracts} and {c.id for c in contracts} - first  # some ended, some started
    last_quarter = model.lot_book.contracts
    assert set(last_quarter) - set(contracts) and set(contracts) - set(last_quarter)  # reviews since
    _same_as_afresh(model, contracts)

    # a subcontract leaves: that contract's rows are rebuilt, the others are taken from the book
    contract = next(c for c in contracts if c.subcontracts)
    share_before = contract.subcontracted_share
    gather(model, contracts)
    end_subcontract(contract.subcontracts[0], paid=True)
    quarter = gather(model, contracts)
    row = contracts.index(contract)
    assert quarter.terms.subcontracted[row] == pytest.approx(contract.subcontracted_share) != share_before
    _same_as_afresh(model, contracts)
