"""Running a tender: who may bid, who does, the award, the direct award after a failed tender,
the incumbent's edge and the supply chain a large winner sets up."""

from __future__ import annotations

import pytest

from partnering.model.model import PartneringModel
from partnering.model.tendering import capable_suppliers, eligible_bidders, tender
from partnering.rules.make_or_buy import score_circumstances
from partnering.scenarios import apply_overrides, load_scenario


@pytest.fixture
def model() -> PartneringModel:
    scenario = apply_overrides(load_scenario("transactional"), {"population.councils": 6})
    return PartneringModel(scenario, rng=11)


def _free_slot(model: PartneringModel, line: str):
    """A position of the first council in ``line``, with its contracts ended."""
    council = model.councils[0]
    slot = next(s for s in council.slots if s.service.market == line)
    for contract in list(slot.contracts):
        model.contracts.end(contract, "test", model.now)
    return council, slot


def test_only_providers_active_in_the_line_that_reach_the_place_may_bid(model):
    council, slot = _free_slot(model, "care")
    bidders = eligible_bidders(model, "care", [council.place], 0.01, False, slot.service.community_suitability)
    assert bidders
    for b in bidders:
        assert "care" in b.lines
        reach = {place for line, place in model.market_index.reach(b)}
        assert council.place in reach
    outside = [p for p in model.bidders if "care" not in p.lines]
    assert outside and not set(outside) & set(bidders)


@pytest.mark.parametrize("enough", [1.0, 1.5, 50.0])
def test_a_council_counts_capable_providers_only_as_far_as_its_reading_of_the_market_saturates(enough):
    """The count stops at ``make_or_buy.capable_enough`` (rounded up): the first of the eligible
    providers, in the index's order, and the same market score as the full count."""
    scenario = apply_overrides(load_scenario("transactional"),
                               {"population.councils": 6, "make_or_buy.capable_enough": enough})
    model = PartneringModel(scenario, rng=11)
    council, slot = _free_slot(model, "care")
    lot = slot.annual_value * model.config.procurement.capable_lot_share
    everyone = eligible_bidders(model, "care", [council.place], lot, False, slot.service.community_suitability)
    assert len(everyone) > 2  # so that the lower limits bind
    limit = -int(-enough // 1)
    assert eligible_bidders(model, "care", [council.place], lot, False, slot.service.community_suitability,
                            enough=limit) == everyone[:limit]
    counted = capable_suppliers(model, council.place, slot)
    assert counted == min(len(everyone), limit)
    m = model.config.make_or_buy
    assert score_circumstances(2, counted, 0.1, 0.5, 0.5, 0.5, 0.5, m) == score_circumstances(
        2, len(everyone), 0.1, 0.5, 0.5, 0.5, 0.5, m)


def test_a_firm_without_the_free_capacity_in_the_line_is_not_eligible(model):
    council, _ = _free_slot(model, "care")
    bidders = eligible_bidders(model, "care", [council.place], 0.01, False, 1.0)
    big = max(b.free_capacity("care") for b in bidders)
    assert eligible_bidders(model, "care", [council.place], big * 1.01, False, 1.0) == []


def test_accreditation_shuts_out_unaccredited_firms_but_not_community_groups(model):
    council, _ = _free_slot(model, "care")
    anyone = eligible_bidders(model, "care", [council.place], 0.01, False, 1.0)
    accredited_only = eligible_bidders(model, "care", [council.place], 0.01, True, 1.0)
    assert all(b.accredited or b.kind == "vcse" for b in accredited_only)
    assert {b for b in anyone if b.kind == "vcse"} <= set(accredited_only)


def test_community_groups_bid_only_for_services_that_suit_community_delivery(model):
    council, _ = _free_slot(model, "care")
    unsuited = eligible_bidders(model, "care", [council.place], 0.01, False, 0.0)
    assert all(b.kind != "vcse" for b in unsuited)


def test_no_firm_bids_when_the_bid_cost_exceeds_what_winning_is_worth(model):
    council, slot = _free_slot(model, "works")
    expensive = apply_overrides(model.config, {"world.bid_cost": 0.1, "procurement.bid_cost_floor": 0.2})
    model.config = expensive
    tender(model, council, [slot], 1.0, 4)
    record = model.recent_tenders[-1]
    assert record.bids == 0  # a year's contract cannot repay a £200k bid
    assert record.eligible > 0


def test_a_tender_with_no_bid_ends_in_a_direct_award_to_a_capable_provider(model):
    council, slot = _free_slot(model, "works")
    model.config = apply_overrides(model.config, {"world.bid_cost": 0.1, "procurement.bid_cost_floor": 0.2})
    awarded = tender(model, council, [slot], 1.0, 4)
    record = model.recent_tenders[-1]
    assert record.bids == 0 and awarded == 1 and slot.contracts
    assert "directly awarded" in model.events.of_kind("no_bid")[-1].text


def test_with_nobody_able_the_lot_stays_in_house(model):
    council, slot = _free_slot(model, "works")
    for provider in model.market_index.candidates("works", [council.place]):
        for ability in provider.lines.values():
            ability.capacity = 0.0
    assert tender(model, council, [slot], 1.0, 4) == 0
    assert not slot.contracts and "delivered in-house" in model.events.of_kind("no_bid")[-1].text


def test_the_tender_records_its_line_region_bidders_and_winner(model):
    council, slot = _free_slot(model, "care")
    tender(model, council, [slot], 1.0, 12)
    record = model.recent_tenders[-1]
    assert record.line == "care" and record.region == model.region_of[council.place]
    assert record.bids == len(record.bidders)
    if record.winner is not None:
        assert record.winner in record.bidders or record.bids == 0
    assert model.market_bids[("care", record.region)] >= 0.0


def test_a_large_winner_passes_part_of_the_work_to_a_local_small_provider(model):
    """Take every small provider's capacity away but one's, make large firms the only bidders
    that can win, and the subcontract goes to that one."""
    council, slot = _free_slot(model, "care")
    model.config = apply_overrides(model.config, {"supply_chain.base_share": 0.3})
    local = [p for p in model.market_index.candidates("care", [council.place]) if p.small]
    if not local:
        pytest.skip("no small provider in care here")
    for p in local:  # small providers cannot win the lot itself, but one has room for a part
        p.lines["care"].capacity = 0.0
    local[0].lines["care"].capacity = 50.0
    local[0].lines["care"].load = 0.0
    large = [p for p in model.market_index.candidates("care", [council.place]) if p.kind == "large"]
    if not large:
        pytest.skip("no large firm serves this place in care")
    tender(model, council, [slot], 1.0, 12)
    contract = next((c for c in slot.contracts if c.provider.kind == "large"), None)
    if contract is None:
        pytest.skip("the lot went elsewhere")
    assert [r.provider for r in contract.subcontracts] == [local[0]]
    assert contract.subcontracted_share == pytest.approx(0.3)


def _bids_against(model: PartneringModel, deterrence: float, sitting: bool) -> tuple[int, int | None]:
    """Bids for one care lot with ``procurement.incumbent_deterrence`` at ``deterrence``, with the
    lot's sitting provider eligible (``sitting``) or not; returns (bids, the sitting provider's id)."""
    council, slot = _free_slot(model, "care")
    share = 0.25  # a quarter of the position: a lot many providers can take
    eligible = eligible_bidders(model, "care", [council.place], slot.annual_value * share, False,
                                slot.service.community_suitability)
    slot.incumbent = eligible[0].unique_id if sitting else -1
    model.config = apply_overrides(model.config, {"procurement.incumbent_deterrence": deterrence})
    tender(model, council, [slot], share, 12)
    return model.recent_tenders[-1].bids, slot.incumbent


@pytest.mark.parametrize("seed", [11, 12])
def test_a_sitting_provider_deters_rivals_but_no_sitting_provider_deters_nobody(seed):
    def fresh():
        return PartneringModel(apply_overrides(load_scenario("transactional"), {"population.councils": 6}), rng=seed)

    open_bids, _ = _bids_against(fresh(), 0.0, sitting=True)
    deterred = fresh()
    deterred_bids, incumbent = _bids_against(deterred, 0.9, sitting=True)
    assert incumbent in deterred.recent_tenders[-1].bidders  # the incumbent itself is not deterred
    unsat_bids, _ = _bids_against(fresh(), 0.9, sitting=False)
    unsat_open, _ = _bids_against(fresh(), 0.0, sitting=False)
    assert deterred_bids < open_bids  # rivals who would have bid stay out against the incumbent
    assert unsat_bids == unsat_open  # with nobody sitting, the lever changes nothing


def _squeezed_tender(seed: int, squeeze: float, markup: float, affordability: float):
    """One care lot tendered by a council that can afford ``affordability`` of its need, passing
    ``squeeze`` of the shortfall to the most it will pay (the same world each time: the lever is
    set after it is built); returns (the tender, its ceiling)."""
    from partnering.rules import procurement

    model = PartneringModel(apply_overrides(load_scenario("transactional"), {"population.councils": 6}), rng=seed)
    council, slot = _free_slot(model, "care")
    council.affordability = affordability
    model.config = apply_overrides(model.config, {"procurement.price_squeeze": squeeze,
                                                  "procurement.ceiling_markup": markup})
    tender(model, council, [slot], 0.1, 12)
    ceiling = procurement.price_ceiling(council.unit_cost_estimate, markup, squeeze, council.budget_pressure)
    return model.recent_tenders[-1], ceiling


@pytest.mark.parametrize("seed", [11, 12, 14])
def test_a_council_passing_its_shortfall_to_prices_draws_fewer_bids_and_pays_no_more_than_its_ceiling(seed):
    open_tender, _ = _squeezed_tender(seed, 0.0, 0.1, 0.6)
    squeezed, ceiling = _squeezed_tender(seed, 0.3, 0.1, 0.6)  # 1.05 x 1.1 x (1 - 0.3 x 0.4): about 1.02
    assert ceiling < 1.1
    assert squeezed.bids < open_tender.bids  # the dearer firms see no margin left under the ceiling
    assert set(squeezed.bidders) <= set(open_tender.bidders)  # nobody bids because of a ceiling
    if squeezed.winner is not None:
        assert squeezed.winning_price <= ceiling + 1e-12
    # a ceiling far above every price (a council not short, with a generous markup) changes nothing
    slack, ceiling = _squeezed_tender(seed, 0.3, 0.5, 1.0)
    assert ceiling == pytest.approx(1.05 * 1.5, rel=0.1)
    assert (slack.bids, slack.winner, slack.winning_price) == (open_tender.bids, open_tender.winner,
                                                               pytest.approx(open_tender.winning_price))


def test_noticing_every_tender_draws_nothing_and_keeps_every_eligible_firm(model):
    from partnering.model.tendering import noticed

    council, slot = _free_slot(model, "care")
    eligible = eligible_bidders(model, "care", [council.place], 0.01, False, slot.service.community_suitability)
    state = model.rng.bit_generator.state
    assert noticed(model, eligible, -1, 1.0) is eligible
    assert model.rng.bit_generator.state == state  # off means off: the stream is untouched


def test_rivals_notice_a_tender_at_the_stated_chance_and_the_sitting_provider_always_does(model):
    """Over 400 draws of a field of eligible firms, each rival is kept about ``chance`` of the
    time (a binomial 99.9% band: 0.3 +- 3.3 sd of 0.023) and the sitting provider every time."""
    from partnering.model.tendering import noticed

    council, slot = _free_slot(model, "care")
    eligible = eligible_bidders(model, "care", [council.place], 0.01, False, slot.service.community_suitability)
    assert len(eligible) >= 3
    sitting = eligible[1].unique_id
    kept = {p.unique_id: 0 for p in eligible}
    rounds, chance = 400, 0.3
    for _ in range(rounds):
        seen = noticed(model, eligible, sitting, chance)
        assert [p for p in eligible if p in seen] == seen  # the order of the field is kept
        for p in seen:
            kept[p.unique_id] += 1
    assert kept[sitting] == rounds
    sd = (chance * (1 - chance) / rounds) ** 0.5
    for pid, n in kept.items():
        if pid != sitting:
            assert abs(n / rounds - chance) < 3.3 * sd, (pid, n / rounds)


@pytest.mark.parametrize("seed", [11, 12, 14])
def test_when_rivals_rarely_notice_the_sitting_provider_is_often_left_alone(seed):
    """The same lot tendered 60 times in the same world (each contract ended before the next
    round, so nobody's load moves), with a sitting provider that bids when every firm considers
    the lot: with a notice chance of 0.1 it is more often the only bidder and bids fall, while no
    lot goes without a bid, since the sitting provider still considers it."""
    def rounds(chance: float) -> tuple[list[int], int]:
        model = PartneringModel(apply_overrides(load_scenario("transactional"), {"population.councils": 6}), rng=seed)
        council, slot = _free_slot(model, "care")
        share = 0.05
        tender(model, council, [slot], share, 12, charge_bids=False)
        first = model.recent_tenders[-1]
        assert first.bids >= 1
        sitting = first.bidders[0]
        model.config = apply_overrides(model.config, {"procurement.notice_chance": chance})
        out = []
        for _ in range(60):
            for contract in list(slot.contracts):
                model.contracts.end(contract, "test", model.now)
            slot.incumbent = sitting
            tender(model, council, [slot], share, 12, charge_bids=False)
            record = model.recent_tenders[-1]
            assert record.bids == 0 or sitting in record.bidders
            out.append(record.bids)
        return out, first.bids

    every, _ = rounds(1.0)
    rare, _ = rounds(0.1)
    assert sum(rare) < sum(every)
    assert sum(b == 1 for b in rare) > 15 + sum(b == 1 for b in every)
    assert 0 not in rare
