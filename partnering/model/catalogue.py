"""The metric catalogue: every metric the model records, declared once.

Each entry gives the column name, a label a reader understands, the unit, which direction is
better, whether it is a headline metric, its bounds and a one-line meaning. The reporters
(:mod:`partnering.model.metrics`), the CLI table, ``compare``, the EMA outcomes, the reports,
the data dictionary written beside every results file and the workshop's cards and charts all
read from here, so a label or a direction is written in one place.

This module is plain data (no numpy, no Mesa), so the command line can read it quickly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Better = Literal["higher", "lower", "neither"]
Style = Literal["index", "share", "money", "count", "hhi", "ratio"]
"""How a value prints: an index in [0, 1], a share (as %), £m, a count, an HHI or a plain ratio."""
Group = Literal["outcomes", "trust", "market", "modes", "intentions", "diagnostics"]


@dataclass(frozen=True)
class Metric:
    """One recorded metric."""

    name: str
    label: str
    unit: str
    better: Better
    meaning: str
    style: Style
    group: Group
    """Which family it belongs to: outcomes, trust, market, modes, intentions or diagnostics."""
    low: float | None = None
    """Smallest value the metric can take (None: unbounded), for intervals that respect it."""
    high: float | None = None
    """Largest value it can take (None: unbounded)."""
    headline: bool = False
    """Shown by default in the CLI's run table, ``compare`` and the report."""
    required: bool = False
    """Part of the public schema of MODEL.md section 6 that every results file carries."""

    @property
    def direction(self) -> int:
        """+1 when higher is better, -1 when lower is better, 0 when neither."""
        return {"higher": 1, "lower": -1, "neither": 0}[self.better]

    @property
    def axis_label(self) -> str:
        """'Label (unit)' for a chart axis or a table heading."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


def _m(group: Group, name: str, label: str, unit: str, better: Better, style: Style, low: float | None,
       high: float | None, meaning: str, *, headline: bool = False, required: bool = True) -> Metric:
    return Metric(name, label, unit, better, meaning, style, group, low, high, headline, required)


_SHARE = (0.0, 1.0)
_COUNT = (0.0, None)

METRICS: tuple[Metric, ...] = (
    # --- outcomes ---------------------------------------------------------------------------
    _m("outcomes", "service_quality", "Service quality", "index 0-1", "higher", "index", *_SHARE,
       "quality of the service delivered this quarter, weighted by the value of need each part met", headline=True),
    _m("outcomes", "unmet_need", "Unmet need", "share of need", "lower", "share", *_SHARE,
       "share of need (by value) not delivered this quarter", headline=True),
    _m("outcomes", "disruption", "Disruption", "service-quarters", "lower", "count", *_COUNT,
       "service-quarters without a working provider this quarter (stop-gap shares count)"),
    _m("outcomes", "total_spend", "Total spend", "£m per quarter", "lower", "money", *_COUNT,
       "£m spent by all councils this quarter: delivery plus procurement and management overhead", headline=True),
    _m("outcomes", "value_for_money", "Cost per unit of quality", "£ per £ of quality", "lower", "money", *_COUNT,
       "£ spent per £ of quality-weighted service delivered: a cost ratio, so lower is better", headline=True),
    _m("outcomes", "overhead", "Overhead", "£m per quarter", "lower", "money", *_COUNT,
       "£m of procurement, contract-management, training and transition cost this quarter", headline=True),
    _m("outcomes", "social_value", "Social value", "£m-equivalent per quarter", "higher", "money", *_COUNT,
       "social value generated this quarter (local spend, local jobs, volunteering)", headline=True),
    # --- trust ------------------------------------------------------------------------------
    _m("trust", "trust_council_supplier", "Council → supplier trust", "index 0-1", "higher", "index", *_SHARE,
       "mean trust councils place in the suppliers they hold live contracts with", headline=True),
    _m("trust", "trust_supplier_council", "Supplier → council trust", "index 0-1", "higher", "index", *_SHARE,
       "mean trust suppliers place in the councils they hold live contracts with"),
    _m("trust", "public_trust", "Public trust", "index 0-1", "higher", "index", *_SHARE,
       "mean trust residents place in their council", headline=True),
    _m("trust", "trust_density", "Trusting relationships", "share of relationships", "higher", "share", *_SHARE,
       "share of live council-supplier relationships trusting both ways (trust at least 0.6 each way)"),
    # --- market health ----------------------------------------------------------------------
    _m("market", "hhi", "Market concentration (HHI)", "0-10,000", "lower", "hhi", 0.0, 10_000.0,
       "Herfindahl-Hirschman index of outsourced contract value across all markets (firms and community groups "
       "alike); above 1,800 is highly concentrated", headline=True),
    _m("market", "active_suppliers", "Active suppliers", "firms", "neither", "count", *_COUNT,
       "firms (large suppliers and SMEs) trading in the market"),
    _m("market", "sme_share", "SME share of spend", "share of external spend", "higher", "share", *_SHARE,
       "share of councils' external spend that reaches SMEs, directly and through supply chains", headline=True),
    _m("market", "vcse_share", "VCSE share of spend", "share of external spend", "higher", "share", *_SHARE,
       "share of councils' external spend that reaches community and voluntary groups (contracts, grants, "
       "subcontracts)", headline=True),
    _m("market", "bids_per_tender", "Bids per tender", "bids", "higher", "ratio", *_COUNT,
       "mean bids per tender over the last four quarters"),
    _m("market", "single_bid_share", "Single-bid tenders", "share of tenders with a bid", "lower", "share", *_SHARE,
       "of the tenders in the last four quarters that drew at least one bid, the share that drew exactly one", headline=True),
    _m("market", "supplier_failures", "Supplier failures", "firms, cumulative", "lower", "count", *_COUNT,
       "firms that have failed since the start", headline=True),
    _m("market", "supplier_entries", "Supplier entries", "firms, cumulative", "neither", "count", *_COUNT,
       "firms that have entered the market since the start"),
    _m("market", "mean_margin", "Realised margin", "share of revenue", "neither", "ratio", None, None,
       "revenue-weighted margin firms realised on their contracts this quarter, before overheads"),
    _m("market", "distressed_share", "Firms in distress", "share of firms", "lower", "share", *_SHARE,
       "share of firms drawing on credit (cash below zero)"),
    _m("market", "top5_share", "Top-five share", "share of contract value", "lower", "share", *_SHARE,
       "share of outsourced contract value held by the five largest providers"),
    # --- modes and intentions ---------------------------------------------------------------
    _m("modes", "share_in_house", "In-house", "share of services", "neither", "share", *_SHARE,
       "share of council service value (positions of each portfolio weighted by value) delivered in-house",
       headline=True),
    _m("modes", "share_outsourced", "Outsourced", "share of services", "neither", "share", *_SHARE,
       "share of council service value outsourced to a provider"),
    _m("modes", "share_co_commissioned", "Co-commissioned", "share of services", "neither", "share", *_SHARE,
       "share of council service value commissioned jointly with a neighbouring council"),
    _m("modes", "share_community", "Community delivery", "share of services", "neither", "share", *_SHARE,
       "share of council service value delivered by community groups under grants"),
    _m("intentions", "intend_more", "Intend to outsource more", "share of councils", "neither", "share", *_SHARE,
       "share of councils that would tell a survey they intend to outsource more"),
    _m("intentions", "intend_same", "Intend no change", "share of councils", "neither", "share", *_SHARE,
       "share of councils that would tell a survey they intend to outsource about the same"),
    _m("intentions", "intend_less", "Intend to outsource less", "share of councils", "neither", "share", *_SHARE,
       "share of councils that would tell a survey they intend to outsource less"),
    # --- beyond the required schema ---------------------------------------------------------
    _m("market", "sme_share_direct", "SME share, direct", "share of external spend", "higher", "share", *_SHARE,
       "share of councils' external spend paid to SMEs as prime contractors", required=False),
    _m("market", "sme_share_indirect", "SME share, indirect", "share of external spend", "higher", "share", *_SHARE,
       "share of councils' external spend that reaches SMEs as subcontractors", required=False),
    _m("market", "vcse_share_direct", "VCSE share, direct", "share of external spend", "higher", "share", *_SHARE,
       "share of councils' external spend paid to VCSEs directly (contracts and grants)", required=False),
    _m("market", "vcse_share_indirect", "VCSE share, indirect", "share of external spend", "higher", "share",
       *_SHARE, "share of councils' external spend that reaches VCSEs as subcontractors", required=False),
    _m("market", "hhi_markets", "Concentration in relevant markets (HHI)", "0-10,000", "lower", "hhi", 0.0, 10_000.0,
       "HHI within each service line x region, weighted by the markets' contract value", required=False),
    _m("market", "bidders_per_market", "Active bidders per relevant market", "firms and groups", "higher", "ratio",
       *_COUNT, "distinct bidders in each service line x region over the last four quarters, value-weighted",
       required=False),
    _m("market", "no_bid_share", "Tenders with no bid", "share of tenders", "lower", "share", *_SHARE,
       "share of tenders in the last four quarters that drew no bid", required=False),
    _m("market", "one_bid_share", "Tenders with one bid", "share of tenders", "lower", "share", *_SHARE,
       "share of tenders in the last four quarters that drew exactly one bid", required=False),
    _m("market", "uncontested_share", "Tenders without competition", "share of tenders", "lower", "share", *_SHARE,
       "share of tenders in the last four quarters with no bid or a single bid", required=False),
    _m("market", "local_share", "Local share", "share of contract value", "higher", "share", *_SHARE,
       "share of live contract and grant value delivered by providers based in the council's own place, as "
       "primes or subcontractors", required=False),
    _m("market", "subcontractor_failures", "Subcontractor failures", "providers, cumulative", "lower", "count", *_COUNT,
       "failures of providers that were subcontractors or had been left unpaid by a failed prime", required=False),
    _m("diagnostics", "trust_clustering", "Trust-network clustering", "coefficient 0-1", "neither", "index", *_SHARE,
       "average clustering of the trust network (trusting ties plus co-commissioning links)", required=False),
    _m("diagnostics", "suppliers_with_contracts", "Providers with contracts", "providers", "neither", "count", *_COUNT,
       "firms and community groups holding at least one live contract (grants aside)", required=False),
    _m("diagnostics", "shirking_share", "Corner-cutting", "share of contracts", "lower", "share", *_SHARE,
       "share of live contracts on which the provider cut corners this quarter", required=False),
    _m("diagnostics", "abused_trust", "Abused trust", "share of relationships", "lower", "share", *_SHARE,
       "share of live relationships where the council trusts the supplier (at least 0.6) and the "
       "supplier cut corners this quarter", required=False),
    _m("diagnostics", "monitoring_cost", "Monitoring cost", "£ per £ paid", "lower", "ratio", *_COUNT,
       "£ of contract monitoring per £ paid under contracts and grants this quarter", required=False),
    _m("diagnostics", "commercial_capability", "Commercial capability", "index 0-1", "higher", "index", *_SHARE,
       "mean commercial capability of councils", required=False),
    _m("diagnostics", "insourced_market", "Insourced: thin market", "decisions, cumulative", "neither", "count", *_COUNT,
       "insourcing decisions so far whose main reason was an unhealthy or uncompetitive market", required=False),
    _m("diagnostics", "insourced_flexibility", "Insourced: flexibility", "decisions, cumulative", "neither", "count", *_COUNT,
       "insourcing decisions so far whose main reason was a need for flexibility", required=False),
    _m("diagnostics", "insourced_skills", "Insourced: skills", "decisions, cumulative", "neither", "count", *_COUNT,
       "insourcing decisions so far whose main reason was a lack of commercial skills", required=False),
    _m("diagnostics", "insourced_integration", "Insourced: integration", "decisions, cumulative", "neither", "count", *_COUNT,
       "insourcing decisions so far whose main reason was a need to integrate with another service",
       required=False),
)

CATALOGUE: dict[str, Metric] = {m.name: m for m in METRICS}
"""Every metric by column name, in the order results files carry them."""

HEADLINE_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.headline)
"""The metrics shown unless a user asks for others."""

REQUIRED_COLUMNS: tuple[str, ...] = tuple(m.name for m in METRICS if m.required)
"""The public column names every results file carries (MODEL.md section 6)."""


def metric(name: str) -> Metric:
    """The catalogue entry of one metric, or a KeyError naming the allowed ones."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; allowed: {', '.join(CATALOGUE)}") from None
