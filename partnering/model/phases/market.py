"""Phase 7, market: SMEs enter the service lines of places whose recent tenders in that line were
profitable, and leave when idle too long; a new large supplier may replace a failed one; firms
buy accreditation where it is required."""

from __future__ import annotations

from typing import TYPE_CHECKING

from partnering.model.phases.finance import remove_provider
from partnering.model.population import create_large_supplier, create_sme
from partnering.rules import market

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel


def evolve_market(model: PartneringModel) -> None:
    cfg = model.config
    p = cfg.market
    lines = cfg.lines
    shares = model.sme_line_shares
    entry_rate, smes_per_place, place_margin = cfg.world.sme_entry_rate, cfg.population.smes_per_place, model.place_margin
    for place, council in enumerate(model.councils):
        room = market.crowding(len(model.smes_by_place[place]), smes_per_place, p)
        draws = model.rng.random(len(lines)).tolist()
        place_based = council.principles["place_based"]
        for line, uniform in zip(lines, draws, strict=True):
            signal = market.profit_signal(place_margin[place, line], p)
            p_entry = market.sme_entry_probability(entry_rate * shares[line], signal, place_based, room, p)
            if uniform < p_entry:
                sme = create_sme(model, place, line)
                model.supplier_entries += 1
                model.events.add(model.now, "supplier_entry",
                                 f"{sme.name} started trading in {council.name} ({line})",
                                 supplier=sme.name, council=council.name)
    for place in range(len(model.councils)):
        for sme in list(model.smes_by_place[place]):
            if sme.contracts or sme.subcontracts:
                continue  # holding work, it stays (the rule's first test, taken before its cash is read)
            if market.sme_leaves(False, sme.quarters_idle, sme.net_cash, p):
                model.supplier_exits += 1
                model.events.add(model.now, "supplier_exit", f"{sme.name} stopped bidding and left the market",
                                 supplier=sme.name)
                remove_provider(model, sme)
    if len(model.large_suppliers) < model.initial_large and model.rng.random() < cfg.world.large_entry_rate:
        supplier = create_large_supplier(model)
        model.supplier_entries += 1
        model.events.add(model.now, "supplier_entry", f"{supplier.name} entered the market",
                         supplier=supplier.name)
    if cfg.policy.accreditation_required:
        cost = cfg.suppliers.accreditation_cost
        for firm in model.suppliers:
            if firm.decide_accreditation(cost):
                firm.accredited = True
                firm.cash -= cost
    cutoff = model.now - (p.tender_window_quarters - 1)
    while model.recent_tenders and model.recent_tenders[0].step < cutoff:
        model.recent_tenders.popleft()
