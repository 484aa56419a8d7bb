"""Matplotlib figures for the workshop: time series, trust network, market share, twin worlds.

Plain functions from snapshots (or frames) to :class:`matplotlib.figure.Figure`, built without
pyplot so that sessions in different threads never share a global figure. matplotlib renders on
the server, so the charts need no front-end scripts and work offline (Altair's Vega scripts come
from a CDN and stay blank without internet). Sizes and resolution are chosen so that a step
redraws in well under the 300 ms budget.
"""

from __future__ import annotations

import io
import math

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from partnering.viz.session import KPIS, Snapshot

DPI = 80

#: Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
KIND_COLOURS: dict[str, str] = {
    "council": "#0072B2",
    "large": "#D55E00",
    "sme": "#009E73",
    "vcse": "#E69F00",
}
KIND_LABELS: dict[str, str] = {
    "council": "Council",
    "large": "Large supplier",
    "sme": "SME",
    "vcse": "Community group (VCSE)",
}
WORLD_COLOURS = ("#0072B2", "#D55E00")

#: The four time-series panels: title, then (metric, label, colour) lines.
PANELS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "outcomes": ("Outcomes", (
        ("service_quality", "service quality", "#0072B2"),
        ("unmet_need", "unmet need", "#D55E00"),
    )),
    "trust": ("Trust", (
        ("trust_council_supplier", "council → supplier", "#0072B2"),
        ("trust_supplier_council", "supplier → council", "#009E73"),
        ("public_trust", "public in councils", "#E69F00"),
        ("trust_density", "trusting both ways", "#CC79A7"),
    )),
    "market": ("Market health", (
        ("hhi_share", "HHI ÷ 10,000", "#D55E00"),
        ("sme_share", "SME share", "#009E73"),
        ("vcse_share", "VCSE share", "#E69F00"),
        ("single_bid_share", "single-bid tenders", "#CC79A7"),
    )),
    "modes": ("Delivery modes", (
        ("share_in_house", "in-house", "#0072B2"),
        ("share_outsourced", "outsourced", "#D55E00"),
        ("share_co_commissioned", "co-commissioned", "#56B4E9"),
        ("share_community", "community", "#E69F00"),
    )),
}


def png(figure: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes (PNG is quicker to render and to decode than SVG here)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def years(steps: pd.Series | np.ndarray, start_year: int) -> np.ndarray:
    """Steps as calendar years (step 0 is the start of ``start_year``)."""
    return start_year + np.asarray(steps, dtype=float) / 4.0


def _derived(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns the panels plot on a 0-1 axis: HHI scaled to a share."""
    out = frame.copy()
    out["hhi_share"] = frame["hhi"] / 10_000.0
    return out


def timeseries_figure(snapshot: Snapshot, panel: str, width: float = 4.6, height: float = 2.9) -> Figure:
    """One panel of time series, the x axis spanning the whole horizon so the run fills it."""
    title, lines = PANELS[panel]
    frame = _derived(snapshot.frame)
    x = years(frame["step"], snapshot.start_year)
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    if panel == "modes":
        ax.stackplot(x, *[frame[m].to_numpy() for m, _, _ in lines], labels=[lab for _, lab, _ in lines],
                     colors=[c for _, _, c in lines], alpha=0.85)
    else:
        for metric, label, colour in lines:
            ax.plot(x, frame[metric].to_numpy(), label=label, color=colour, linewidth=1.8)
    if panel == "outcomes":
        right = ax.twinx()
        right.plot(x, frame["value_for_money"].to_numpy(), color="#555555", linestyle="--", linewidth=1.5,
                   label="cost per unit of quality (£, right)")
        right.set_ylim(0.0, max(2.0, 1.15 * float(frame["value_for_money"].max())))
        right.tick_params(labelsize=8)
        right.legend(fontsize=7, loc="upper right", frameon=False)
    if panel == "market":
        failures = frame["supplier_failures"].to_numpy()
        steps_failed = np.flatnonzero(np.diff(failures) > 0) + 1
        for i, s in enumerate(steps_failed):
            ax.axvline(years([s], snapshot.start_year)[0], color="#999999", linestyle=":", linewidth=1.2,
                       label="supplier failure" if i == 0 else None)
    ax.set_xlim(snapshot.start_year, snapshot.start_year + max(snapshot.horizon, 1) / 4.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_title(title, fontsize=11, loc="left")
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.25)
    ax.legend(fontsize=7, loc="upper left", ncols=2, frameon=False)
    return fig


def _council_positions(graph: nx.Graph, places: np.ndarray | None, seed: int) -> dict[int, np.ndarray]:
    councils = sorted((n for n, d in graph.nodes(data=True) if d.get("kind") == "council"),
                      key=lambda n: graph.nodes[n].get("place", 0))
    if places is not None and len(places) >= len(councils):
        return {n: np.asarray(places[graph.nodes[n]["place"]], dtype=float) for n in councils}
    sub = nx.Graph()
    sub.add_nodes_from(councils)
    sub.add_edges_from((u, v) for u, v, d in graph.edges(data=True)
                       if d.get("relation") == "co_commissioning" and u in sub and v in sub)
    raw = nx.spring_layout(sub, seed=seed) if councils else {}
    return {n: (np.asarray(p) + 1.0) / 2.0 for n, p in raw.items()}


def network_layout(graph: nx.Graph, places: np.ndarray | None, seed: int = 1) -> dict[int, np.ndarray]:
    """Positions that read like a map and stay put from step to step.

    Councils sit at their places (or, without geography, a layout seeded by ``seed``), each
    council's SMEs and community groups in a small ring around it (SMEs above, groups below), and
    the national large suppliers on a circle round the map, so a contract with a large supplier
    is a line reaching out of the map.
    """
    pos = _council_positions(graph, places, seed)
    council_by_place = {graph.nodes[n].get("place"): n for n in pos}
    n_places = max(len(pos), 1)
    radius = 0.35 / math.sqrt(n_places) + 0.015
    local: dict[tuple[int, str], list[int]] = {}
    large: list[int] = []
    for node, data in sorted(graph.nodes(data=True)):
        kind = data.get("kind")
        if kind == "large":
            large.append(node)
        elif kind in ("sme", "vcse") and data.get("place") in council_by_place:
            local.setdefault((data["place"], kind), []).append(node)
    for (place, kind), nodes in local.items():
        centre = pos[council_by_place[place]]
        base = 0.0 if kind == "sme" else math.pi
        for i, node in enumerate(nodes):
            angle = base + math.pi * (i + 1) / (len(nodes) + 1)
            pos[node] = centre + radius * np.array([math.cos(angle), math.sin(angle)])
    for i, node in enumerate(large):
        angle = 2 * math.pi * i / max(len(large), 1) + math.pi / 2
        pos[node] = np.array([0.5, 0.5]) + 0.78 * np.array([math.cos(angle), math.sin(angle)])
    for node in graph.nodes:
        pos.setdefault(node, np.array([0.5, 0.5]))
    return pos


def network_figure(snapshot: Snapshot, width: float = 6.4, height: float = 5.6) -> Figure:
    """The trust network: nodes coloured by type, contract lines coloured and thickened by trust."""
    graph = snapshot.network
    pos = network_layout(graph, snapshot.places, snapshot.seed)
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_xlim(-0.38, 1.38)
    ax.set_ylim(-0.36, 1.36)
    faint, dashed, trusted, trust = [], [], [], []
    for u, v, data in graph.edges(data=True):
        segment = (pos[u], pos[v])
        relation = data.get("relation")
        if relation == "contract":
            trusted.append(segment)
            trust.append(float(data.get("weight", 0.5)))
        elif relation == "co_commissioning":
            dashed.append(segment)
        else:
            faint.append(segment)
    if faint:
        ax.add_collection(LineCollection(faint, colors="#bbbbbb", linewidths=0.5, zorder=1))
    if dashed:
        ax.add_collection(LineCollection(dashed, colors=KIND_COLOURS["council"], linewidths=1.2,
                                         linestyles="dashed", zorder=2))
    if trusted:
        weights = np.clip(np.array(trust), 0.0, 1.0)
        lines = LineCollection(trusted, array=weights, cmap="RdYlGn", norm=None, linewidths=0.6 + 3.0 * weights,
                               alpha=0.8, zorder=3)
        lines.set_clim(0.0, 1.0)
        ax.add_collection(lines)
        bar = fig.colorbar(lines, ax=ax, shrink=0.55, pad=0.01, aspect=25)
        bar.set_label("trust on a contract (line width too)", fontsize=8)
        bar.ax.tick_params(labelsize=7)
    loads = {s.name: s.load for s in snapshot.suppliers}
    largest = max([s.load for s in snapshot.suppliers if s.kind == "large"], default=1.0) or 1.0
    for kind, size in (("sme", 22), ("vcse", 18), ("council", 110), ("large", 0)):
        nodes = [n for n, d in graph.nodes(data=True) if d.get("kind") == kind]
        if not nodes:
            continue
        xy = np.array([pos[n] for n in nodes])
        if kind == "large":
            sizes = [60 + 340 * math.sqrt(loads.get(graph.nodes[n].get("name"), 0.0) / largest) for n in nodes]
        else:
            sizes = [size] * len(nodes)
        ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=KIND_COLOURS[kind], edgecolors="white", linewidths=0.6, zorder=4)
        if kind in ("council", "large"):
            for n, (x, y) in zip(nodes, xy, strict=True):
                name = str(graph.nodes[n].get("name", n))
                if kind == "large":
                    name = name.split()[0]
                ax.annotate(name, (x, y), xytext=(0, 7 if kind == "council" else 9), textcoords="offset points",
                            ha="center", fontsize=7 if len(pos) > 120 else 8, zorder=5,
                            color="#222222" if kind == "council" else KIND_COLOURS["large"])
    handles: list = [Line2D([], [], marker="o", linestyle="", color=KIND_COLOURS[k], label=KIND_LABELS[k], markersize=7)
                     for k in ("council", "large", "sme", "vcse")]
    handles.append(Line2D([], [], color=KIND_COLOURS["council"], linestyle="--", label="co-commissioning"))
    ax.legend(handles=handles, fontsize=8, loc="lower left", frameon=False, ncols=3, bbox_to_anchor=(0.0, -0.04))
    ax.set_title(f"Trust network, {snapshot.label}", fontsize=11, loc="left")
    return fig


def market_share_figure(snapshot: Snapshot, top: int = 10, width: float = 4.6, height: float = 3.4) -> Figure:
    """Share of contracted value held by the largest firms, the rest pooled, coloured by type."""
    rows = sorted((s for s in snapshot.suppliers if s.load > 0), key=lambda s: -s.load)
    total = sum(s.load for s in rows)
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    if total <= 0:
        ax.text(0.5, 0.5, "No contracts with firms", ha="center", va="center")
        ax.set_axis_off()
        return fig
    shown = rows[:top]
    labels = [s.name for s in shown]
    shares = [s.load / total for s in shown]
    colours = [KIND_COLOURS.get(s.kind, "#777777") for s in shown]
    rest = rows[top:]
    if rest:
        labels.append(f"{len(rest)} other firms")
        shares.append(sum(s.load for s in rest) / total)
        colours.append("#bbbbbb")
    y = np.arange(len(labels))[::-1]
    ax.barh(y, shares, color=colours)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, max(max(shares) * 1.18, 0.1))
    for yi, share in zip(y, shares, strict=True):
        ax.text(share, yi, f" {100 * share:.0f}%", va="center", fontsize=7)
    ax.xaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    ax.tick_params(axis="x", labelsize=8)
    hhi = float(snapshot.frame["hhi"].iloc[-1])
    ax.set_title(f"Market share by supplier (HHI {hhi:,.0f})", fontsize=11, loc="left")
    ax.legend(handles=[Patch(color=KIND_COLOURS[k], label=KIND_LABELS[k]) for k in ("large", "sme")],
              fontsize=7, loc="lower right", frameon=False)
    return fig


def twin_figure(a: Snapshot, b: Snapshot, width: float = 11.0, height: float = 5.4) -> Figure:
    """Every KPI in both worlds, one small panel each; the band between the lines is the gap."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    axes = fig.subplots(2, 4).ravel()
    horizon = max(a.horizon, b.horizon, 1)
    for ax, kpi in zip(axes, KPIS, strict=False):
        xa = years(a.frame["step"], a.start_year)
        xb = years(b.frame["step"], b.start_year)
        ya = a.frame[kpi.metric].to_numpy(dtype=float)
        yb = b.frame[kpi.metric].to_numpy(dtype=float)
        ax.plot(xa, ya, color=WORLD_COLOURS[0], linewidth=1.8, label=a.scenario_name)
        ax.plot(xb, yb, color=WORLD_COLOURS[1], linewidth=1.8, label=b.scenario_name)
        n = min(len(ya), len(yb))
        if a.start_year == b.start_year and n:
            ax.fill_between(xa[:n], ya[:n], yb[:n], color="#999999", alpha=0.2, linewidth=0)
        ax.set_xlim(a.start_year, a.start_year + horizon / 4.0)
        arrow = "↑" if kpi.better == "higher" else "↓"
        ax.set_title(f"{kpi.label} ({arrow} better)", fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25)
    legend_ax = axes[-1]
    legend_ax.set_axis_off()
    legend_ax.legend(handles=[Line2D([], [], color=WORLD_COLOURS[0], linewidth=2, label=f"A: {a.scenario_name}"),
                              Line2D([], [], color=WORLD_COLOURS[1], linewidth=2, label=f"B: {b.scenario_name}"),
                              Patch(color="#999999", alpha=0.3, label="gap between the worlds")],
                     loc="center", fontsize=9, frameon=False)
    return fig
