"""PartneringModel: builds the world from a scenario and runs the quarterly schedule.

``step`` reads like MODEL.md section 3: environment, delivery, community, finance, reviews,
learning, market, observation, each phase a function of :mod:`partnering.model.phases`. Agents
make the decisions (:mod:`partnering.agents`), the rules are pure functions
(:mod:`partnering.rules`), the world is built by :mod:`partnering.model.population`, and
:mod:`partnering.model.metrics` observes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from partnering.agents.community import CommunityGroup
from partnering.agents.council import Council
from partnering.agents.supplier import SME, LargeSupplier, Provider, Supplier
from partnering.model.events import EventLog
from partnering.model.market_index import MarketIndex
from partnering.model.metrics import MODEL_REPORTERS
from partnering.model.network import assign_regions, build_geography, relationship_graph
from partnering.model.phases.community import engage_communities
from partnering.model.phases.delivery import deliver_services
from partnering.model.phases.environment import apply_environment
from partnering.model.phases.finance import settle_finances
from partnering.model.phases.learning import learn
from partnering.model.phases.market import evolve_market
from partnering.model.phases.observation import observe
from partnering.model.phases.reviews import review_contracts
from partnering.model.population import let_starting_contracts, populate, sme_line_shares
from partnering.model.registry import ContractRegistry
from partnering.rules.make_or_buy import CIRCUMSTANCES
from partnering.rules.records import Contract, QuarterFlows, Tender
from partnering.scenarios import Scenario, load_scenario


class PartneringModel(mesa.Model):
    """Councils, large suppliers, SMEs and community groups delivering public services together.

    Args:
        scenario: a validated :class:`Scenario`, or a built-in name or TOML path.
        rng: seed or numpy Generator; the only source of randomness.
        collect_agents: also keep a per-agent table each step (off by default).
        collect_contracts: also keep a per-contract table each step (off by default).
    """

    def __init__(self, scenario: Scenario | str | Path = "transactional", rng: int | np.random.Generator | None = None,
                 *, collect_agents: bool = False, collect_contracts: bool = False) -> None:
        super().__init__(rng=rng)
        self.config: Scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        cfg = self.config
        self.now = 0
        self.names_used: dict[str, int] = {}
        """Names given to firms and groups, and how often (so that no two share a name)."""
        self.events = EventLog(cfg.run.start_year)
        self.contracts = ContractRegistry()
        self.recent_tenders: deque[Tender] = deque()
        self.supplier_failures = 0
        self.subcontractor_failures = 0
        """Failures of providers that were subcontractors, or had been left unpaid by a failed prime."""
        self.supplier_entries = 0
        self.supplier_exits = 0
        self.insourcing_by_reason: dict[str, int] = dict.fromkeys(CIRCUMSTANCES, 0)
        self.bid_costs_paid = 0.0
        self.forced_failures: list[str] = []
        """Targets of scheduled supplier failures, fired at the next finance phase."""
        self.collect_agents = collect_agents
        self.collect_contracts = collect_contracts
        self.agent_rows: list[dict] = []
        self.contract_rows: list[dict] = []
        self.place_margin: dict[tuple[int, str], float] = {(place, line): 0.0 for place in range(cfg.population.councils)
                                                           for line in cfg.lines}
        """Each place's running margin in each line on delivered lots: the signal entrants read."""
        self.flows = QuarterFlows()
        self.lot_book = None
        """Delivery's arrays of the live contracts' fixed rows, kept between quarters (``lot_book.LotBook``)."""

        self.positions, self.neighbours = build_geography(cfg.population.councils, cfg.population.neighbours, self.rng)
        self.region_of = assign_regions(self.positions, cfg.population.regions)
        """Each place's region: large firms' footprints and the relevant markets (line x region)."""
        self.n_regions = max(self.region_of) + 1
        self.places_in_region = [[p for p, r in enumerate(self.region_of) if r == region]
                                 for region in range(self.n_regions)]
        self.market_index = MarketIndex()
        self.market_bids: dict[tuple[str, int], float] = {}
        """Bids per tender lately in each relevant market (line, region): what firms expect."""
        self.councils: list[Council] = []
        self.large_suppliers: list[LargeSupplier] = []
        self.smes_by_place: list[list[SME]] = [[] for _ in range(cfg.population.councils)]
        self.groups_by_place: list[list[CommunityGroup]] = [[] for _ in range(cfg.population.councils)]
        self.region_line_value: dict[tuple[int, str], float] = {}
        """£m a year of each line in each region at the starting demand."""
        populate(self)
        self.council_by_id = {c.unique_id: c for c in self.councils}
        self.sme_line_shares = sme_line_shares(self)
        """Shares in which SMEs' entry splits across lines (their weights for choosing a line)."""
        self.initial_large = cfg.population.large_suppliers
        let_starting_contracts(self)

        self.observation = 0
        self.summary_cache = None
        self.datacollector = mesa.DataCollector(model_reporters=dict(MODEL_REPORTERS))
        # step 0: one quarter of delivery under the starting arrangements, so every metric has a
        # meaningful starting value
        apply_environment(self)
        deliver_services(self)
        engage_communities(self)
        settle_finances(self)
        observe(self)

    def step(self) -> None:
        """One quarter, in the order of MODEL.md section 3."""
        self.now += 1
        apply_environment(self)  # 1. demand, shocks, budgets
        deliver_services(self)  # 2. effort, quality, payment, trust
        engage_communities(self)  # 3. steering groups, public trust
        settle_finances(self)  # 4. overheads, insolvency, stop-gaps
        review_contracts(self)  # 5. break clauses, make-or-buy, tenders
        learn(self)  # 6. margins, skills, intentions, reputation
        evolve_market(self)  # 7. entry and exit
        observe(self)  # 8. every metric

    def run(self, steps: int | None = None) -> PartneringModel:
        """Run for ``steps`` quarters (default: the scenario's horizon); returns the model."""
        for _ in range(self.config.run.steps if steps is None else steps):
            self.step()
        return self

    # ------------------------------------------------------------------ queries
    @property
    def providers(self) -> list[Provider]:
        """Every active provider, in a stable order."""
        out: list[Provider] = list(self.large_suppliers)
        for place in range(len(self.councils)):
            out.extend(self.smes_by_place[place])
            out.extend(self.groups_by_place[place])
        return out

    @property
    def suppliers(self) -> list[Supplier]:
        """Active firms (large suppliers and SMEs)."""
        out: list[Supplier] = list(self.large_suppliers)
        for smes in self.smes_by_place:
            out.extend(smes)
        return out

    @property
    def bidders(self) -> list[Supplier]:
        """Everyone who bids: firms, then community groups."""
        out = self.suppliers
        for groups in self.groups_by_place:
            out.extend(groups)
        return out

    def live_contracts(self) -> Iterator[Contract]:
        return iter(self.contracts)

    @property
    def network(self):
        """The relationship network (networkx Graph), built from the current state."""
        return relationship_graph(self)

    # ------------------------------------------------------------------ results
    def metrics_frame(self) -> pd.DataFrame:
        """One row per step (0 = the start) with every metric as a column."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        frame.insert(0, "step", range(len(frame)))
        return frame

    def agent_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.agent_rows)

    def contract_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.contract_rows)
