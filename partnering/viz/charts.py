"""Matplotlib charts for the workshop: time series, trust network, market share, twin worlds.

matplotlib renders on the server, so the charts need no front-end scripts and work offline
(Altair's Vega scripts come from a CDN and stay blank without internet). Figures are built
without pyplot, so sessions in different threads never share a global figure.

Building a figure (axes, ticks, legends) costs several times more than drawing it, and a step
must redraw every chart within the 300 ms budget. So each chart is an object that builds its
figure once per session and, on every step, only moves its artists (line data, offsets,
segments, bar widths) before rendering a PNG.
"""

from __future__ import annotations

import io
import math
import threading
from typing import ClassVar

import networkx as nx
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image

from partnering.model.catalogue import CATALOGUE
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

#: The four time-series panels: title, then (metric, colour) lines on a 0-1 axis; each line is
#: labelled from the metric catalogue.
PANELS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "outcomes": ("Outcomes", (("service_quality", "#0072B2"), ("unmet_need", "#D55E00"))),
    "trust": ("Trust", (("trust_council_supplier", "#0072B2"), ("trust_supplier_council", "#009E73"),
                        ("public_trust", "#E69F00"), ("trust_density", "#CC79A7"))),
    "market": ("Market health", (("hhi", "#D55E00"), ("sme_share", "#009E73"), ("vcse_share", "#E69F00"),
                                 ("single_bid_share", "#CC79A7"))),
    "modes": ("Delivery modes (share of services)", (("share_in_house", "#0072B2"), ("share_outsourced", "#D55E00"),
                                                     ("share_co_commissioned", "#56B4E9"),
                                                     ("share_community", "#E69F00"))),
}
SCALE = {"hhi": 10_000.0}
"""Metrics divided down to fit a 0-1 panel, and by how much."""


def line_label(metric: str) -> str:
    """A panel's legend entry: the catalogue's label, with the divisor of a rescaled metric."""
    label = CATALOGUE[metric].label
    return f"{label} ÷ {SCALE[metric]:,.0f}" if metric in SCALE else label


def png(figure: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes; light compression, since the bytes only cross loopback."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def canvas_png(canvas: FigureCanvasAgg, overlay: Image.Image | None = None) -> bytes:
    """What the canvas holds now, with ``overlay`` (RGBA, same size) on top, as PNG bytes."""
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    if overlay is not None:
        image = Image.alpha_composite(image, overlay)
    image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def years(steps: object, start_year: int) -> np.ndarray:
    """Steps as calendar years (step 0 is the start of ``start_year``)."""
    return start_year + np.asarray(steps, dtype=float) / 4.0


def nice_ceiling(value: float) -> float:
    """The next of 1, 1.5, 2, 3, 5, 7.5 times a power of ten at or above ``value`` (> 0).

    Axis tops move in these jumps, so the cached background survives most steps.
    """
    if not value > 0 or math.isinf(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for mult in (1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0):
        if value <= mult * power * (1 + 1e-9):
            return mult * power
    return 10.0 * power


class Chart:
    """A figure built once per session and redrawn from each snapshot by blitting.

    Everything that rarely changes (axes, ticks, legends, colour bars) is drawn once into a
    cached background; a step restores that background and draws only the *animated* artists
    (lines, points, bars). ``static_key`` names what the background depends on: when it
    changes, the whole figure is drawn again. An optional ``overlay`` image (RGBA, drawn
    rarely) is laid on top of everything, for text that must sit above the animated artists
    but would cost too much to draw on every step. Rendering is serialised per chart.
    """

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.overlay: Image.Image | None = None
        self._lock = threading.Lock()
        self._background = None
        self._static_key: object = None

    def animated(self) -> list[Artist]:  # pragma: no cover - overridden
        """The artists drawn on every step, in drawing order."""
        raise NotImplementedError

    def _blit(self, static_key: object) -> bytes:
        for artist in self.animated():
            artist.set_animated(True)
        if self._background is None or static_key != self._static_key:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._static_key = static_key
        else:
            self.canvas.restore_region(self._background)
        for artist in self.animated():
            self.figure.draw_artist(artist)
        return canvas_png(self.canvas, self.overlay)

    def update(self, snapshot: Snapshot) -> object:  # pragma: no cover - overridden
        """Move the artists to ``snapshot``; return the static key of the background."""
        raise NotImplementedError

    def render(self, snapshot: Snapshot) -> bytes:
        """Update the artists for ``snapshot`` and return the PNG."""
        with self._lock:
            return self._blit(self.update(snapshot))


class TimeSeriesChart(Chart):
    """Outcomes, trust, market health and delivery modes, one panel each, over the horizon.

    The panels' 0-1 axes run to 1.3 so the legends sit in a band no line can reach.
    """

    def __init__(self, width: float = 9.6, height: float = 5.4) -> None:
        super().__init__(Figure(figsize=(width, height), dpi=DPI))
        self.figure.subplots_adjust(left=0.05, right=0.95, bottom=0.07, top=0.94, wspace=0.22, hspace=0.38)
        axes = self.figure.subplots(2, 2).ravel()
        self.axes = dict(zip(PANELS, axes, strict=True))
        self.lines: dict[str, Line2D] = {}
        self.stack = PolyCollection([], facecolors=[c for _, c in PANELS["modes"][1]], alpha=0.85, linewidths=0)
        self.axes["modes"].add_collection(self.stack)
        for panel, ax in self.axes.items():
            title, lines = PANELS[panel]
            ax.set_title(title, fontsize=10, loc="left")
            ax.set_ylim(0.0, 1.3)
            ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.25)
            if panel == "modes":
                handles = [Patch(color=c, label=line_label(m)) for m, c in lines]
                ax.legend(handles=handles, fontsize=7, loc="upper left", ncols=2, frameon=False)
            else:
                for metric, colour in lines:
                    (self.lines[metric],) = ax.plot([], [], label=line_label(metric), color=colour, linewidth=1.8)
        self.right = self.axes["outcomes"].twinx()
        self.right.tick_params(labelsize=8)
        (self.lines["value_for_money"],) = self.right.plot([], [], color="#555555", linestyle="--", linewidth=1.5,
                                                           label=f"{CATALOGUE['value_for_money'].label} (£, right axis)")
        handles = [self.lines[m] for m, _ in PANELS["outcomes"][1]] + [self.lines["value_for_money"]]
        self.axes["outcomes"].legend(handles=handles, fontsize=7, loc="upper left", ncols=2, frameon=False)
        self.failure_marks = self.axes["market"].vlines([], 0, 1, colors="#777777", linestyles=":", linewidths=1.2,
                                                        label="supplier failure")
        self.axes["market"].legend(fontsize=7, loc="upper left", ncols=3, frameon=False)
        self.axes["trust"].legend(fontsize=7, loc="upper left", ncols=2, frameon=False)

    def update(self, snapshot: Snapshot) -> object:
        frame = snapshot.frame
        x = years(frame["step"], snapshot.start_year)
        for metric, line in self.lines.items():
            line.set_data(x, frame[metric].to_numpy(dtype=float) / SCALE.get(metric, 1.0))
        self.stack.set_verts(stacked_polygons(x, [frame[m].to_numpy(dtype=float) for m, _ in PANELS["modes"][1]]))
        failures = frame["supplier_failures"].to_numpy(dtype=float)
        failed = x[np.flatnonzero(np.diff(failures) > 0) + 1] if len(failures) > 1 else np.array([])
        self.failure_marks.set_segments([[(xi, 0.0), (xi, 1.0)] for xi in failed])
        end = snapshot.start_year + max(snapshot.horizon, 1) / 4.0
        vfm = frame["value_for_money"].to_numpy(dtype=float)
        # a floor of £3 keeps the axis (and the cached background) fixed in all but extreme runs
        top = 1.3 * nice_ceiling(max(3.0, float(np.nanmax(vfm)) if len(vfm) else 3.0))
        key = (snapshot.start_year, end, top)
        if key != self._static_key:
            for ax in self.axes.values():
                ax.set_xlim(snapshot.start_year, end)
            self.right.set_ylim(0.0, top)
        return key

    def animated(self) -> list[Artist]:
        return [self.stack, *self.lines.values(), self.failure_marks]


def stacked_polygons(x: np.ndarray, layers: list[np.ndarray]) -> list[np.ndarray]:
    """The outline of each band of a stacked area chart (what stackplot draws, without
    building new artists every step)."""
    polygons = []
    lower = np.zeros_like(x, dtype=float)
    for layer in layers:
        upper = lower + layer
        polygons.append(np.column_stack([np.concatenate([x, x[::-1]]), np.concatenate([upper, lower[::-1]])]))
        lower = upper
    return polygons


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


def network_layout(graph: nx.Graph, places: np.ndarray | None, seed: int = 1,
                   ring: dict[int, int] | None = None) -> dict[int, np.ndarray]:
    """Positions that read like a map and stay put from step to step.

    Councils sit at their places on the model's (seeded) geography, or without one a layout
    seeded by ``seed``; each council's SMEs sit in a small arc above it and its community groups
    below; the national large suppliers sit on a circle round the map, so a contract with a large
    supplier is a line reaching out of the map. ``ring`` (node -> slot), when given, is kept
    across calls so a supplier keeps its slot while others enter and fail.
    """
    pos = _council_positions(graph, places, seed)
    council_by_place = {graph.nodes[n].get("place"): n for n in pos}
    radius = 0.35 / math.sqrt(max(len(pos), 1)) + 0.015
    local: dict[tuple[int, str], list[int]] = {}
    large: list[int] = []
    for node, data in sorted(graph.nodes(data=True), key=lambda item: item[0]):
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
    slots = ring_slots(large, ring if ring is not None else {})
    count = max(len(large), max(slots.values(), default=0) + 1, 1)
    for node, slot in slots.items():
        angle = 2 * math.pi * (slot + 0.5) / count + math.pi / 2  # half a slot off: none sits on the legend
        pos[node] = np.array([0.5, 0.5]) + 0.78 * np.array([math.cos(angle), math.sin(angle)])
    for node in graph.nodes:
        pos.setdefault(node, np.array([0.5, 0.5]))
    return pos


def ring_slots(nodes: list[int], ring: dict[int, int]) -> dict[int, int]:
    """Give each node a slot on the ring, keeping earlier slots and reusing freed ones (updates ``ring``)."""
    present = set(nodes)
    for node in [n for n in ring if n not in present]:
        del ring[node]
    taken = set(ring.values())
    free = (slot for slot in range(len(nodes) + len(taken) + 1) if slot not in taken)
    for node in nodes:
        if node not in ring:
            ring[node] = next(free)
    return {node: ring[node] for node in nodes}


class NetworkChart(Chart):
    """The trust network: nodes coloured by type, contract lines coloured and thickened by trust."""

    NODE_SIZES: ClassVar[dict[str, float]] = {"council": 110.0, "sme": 22.0, "vcse": 18.0}

    def __init__(self, width: float = 6.6, height: float = 5.6) -> None:
        super().__init__(Figure(figsize=(width, height), dpi=DPI))
        self.figure.subplots_adjust(left=0.0, right=0.9, bottom=0.02, top=0.94)
        ax = self.figure.add_subplot()
        self.ax = ax
        ax.set_axis_off()
        ax.set_aspect("equal")
        ax.set_xlim(-0.36, 1.36)
        ax.set_ylim(-0.48, 1.32)
        self.faint = LineCollection([], colors="#c8c8c8", linewidths=0.5, zorder=1)
        self.dashed = LineCollection([], colors=KIND_COLOURS["council"], linewidths=1.2, linestyles="dashed", zorder=2)
        self.trusted = LineCollection([], cmap="RdYlGn", alpha=0.85, zorder=3)
        self.trusted.set_clim(0.0, 1.0)
        for collection in (self.faint, self.dashed, self.trusted):
            ax.add_collection(collection)
        self.nodes: dict[str, PathCollection] = {
            kind: ax.scatter(np.zeros(0), np.zeros(0), s=np.zeros(0), c=KIND_COLOURS[kind], edgecolors="white",
                             linewidths=0.6, zorder=4)
            for kind in ("sme", "vcse", "council", "large")
        }
        cax = self.figure.add_axes((0.9, 0.3, 0.02, 0.4))
        bar = self.figure.colorbar(self.trusted, cax=cax)
        bar.set_label("trust on a contract (also line width)", fontsize=8)
        bar.ax.tick_params(labelsize=7)
        handles: list = [Line2D([], [], marker="o", linestyle="", color=KIND_COLOURS[k], label=KIND_LABELS[k],
                                markersize=7) for k in ("council", "large", "sme", "vcse")]
        handles.append(Line2D([], [], color=KIND_COLOURS["council"], linestyle="--", label="co-commissioning"))
        handles.append(Line2D([], [], color="#c8c8c8", label="same place"))
        ax.legend(handles=handles, fontsize=8, loc="lower left", frameon=False, ncols=3, bbox_to_anchor=(0.0, -0.02))
        self.title = ax.set_title("", fontsize=11, loc="left")
        # Names go on a transparent twin of the figure, drawn only when the set of names
        # changes and laid over each frame: above the lines, at no cost per step.
        self.label_figure = Figure(figsize=(width, height), dpi=DPI)
        self.label_figure.patch.set_alpha(0.0)
        self.label_figure.subplots_adjust(left=0.0, right=0.9, bottom=0.02, top=0.94)
        self.label_ax = self.label_figure.add_subplot()
        self.label_ax.set_axis_off()
        self.label_ax.set_aspect("equal")
        self.label_ax.set_xlim(*ax.get_xlim())
        self.label_ax.set_ylim(*ax.get_ylim())
        self.label_canvas = FigureCanvasAgg(self.label_figure)
        self.labels: list[Artist] = []
        self._label_key: tuple | None = None
        self._ring: dict[int, int] = {}

    def update(self, snapshot: Snapshot) -> object:
        graph = snapshot.network
        pos = network_layout(graph, snapshot.places, snapshot.seed, self._ring)
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
        self.faint.set_segments(faint)
        self.dashed.set_segments(dashed)
        weights = np.clip(np.asarray(trust, dtype=float), 0.0, 1.0)
        self.trusted.set_segments(trusted)
        self.trusted.set_array(weights)
        self.trusted.set_linewidths(0.6 + 3.0 * weights if len(weights) else [1.0])
        loads = {s.name: s.load for s in snapshot.suppliers}
        largest = max([s.load for s in snapshot.suppliers if s.kind == "large"], default=0.0) or 1.0
        labelled: list[tuple[str, str, float, float]] = []
        for kind, collection in self.nodes.items():
            nodes = [n for n, d in graph.nodes(data=True) if d.get("kind") == kind]
            xy = np.array([pos[n] for n in nodes]).reshape(-1, 2)
            if kind == "large":
                sizes = [60.0 + 340.0 * math.sqrt(loads.get(graph.nodes[n].get("name"), 0.0) / largest) for n in nodes]
            else:
                sizes = [self.NODE_SIZES[kind]] * len(nodes)
            collection.set_offsets(xy)
            collection.set_sizes(sizes)
            if kind in ("council", "large"):
                for n, (x, y) in zip(nodes, xy, strict=True):
                    name = str(graph.nodes[n].get("name", n))
                    labelled.append((kind, name.split()[0] if kind == "large" else name, float(x), float(y)))
        key = tuple(labelled)
        if key != self._label_key:
            for text in self.labels:
                text.remove()
            small = len(pos) > 150
            self.labels = [self._label(kind, name, x, y, small) for kind, name, x, y in labelled]
            self.label_canvas.draw()
            width, height = self.label_canvas.get_width_height()
            self.overlay = Image.frombuffer("RGBA", (width, height), self.label_canvas.buffer_rgba(),
                                            "raw", "RGBA", 0, 1).copy()
            self._label_key = key
        self.title.set_text(f"Trust network, {snapshot.label}")
        return "network"  # nothing in the background depends on the run

    def _label(self, kind: str, name: str, x: float, y: float, small: bool) -> Artist:
        """Council names above their node; large suppliers' names outside the ring, away from the
        contract lines; both on a light box so lines drawn under them do not hide them."""
        box = {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.75}
        size = 7 if small else 8
        if kind == "council":
            return self.label_ax.annotate(name, (x, y), xytext=(0, 7), textcoords="offset points", ha="center",
                                    fontsize=size, zorder=5, color="#222222", bbox=box)
        dx, dy = x - 0.5, y - 0.5
        norm = math.hypot(dx, dy) or 1.0
        dx, dy = dx / norm, dy / norm
        ha = "left" if dx > 0.35 else "right" if dx < -0.35 else "center"
        va = "bottom" if dy > 0.35 else "top" if dy < -0.35 else "center"
        return self.label_ax.annotate(name, (x, y), xytext=(12 * dx, 12 * dy), textcoords="offset points", ha=ha, va=va,
                                fontsize=size, zorder=5, color=KIND_COLOURS["large"], bbox=box)

    def animated(self) -> list[Artist]:
        return [self.faint, self.dashed, self.trusted, *self.nodes.values(), self.title]


class TwinChart(Chart):
    """Every KPI in both worlds, one small panel each; the band between the lines is the gap."""

    def __init__(self, width: float = 11.5, height: float = 5.2) -> None:
        super().__init__(Figure(figsize=(width, height), dpi=DPI))
        self.figure.subplots_adjust(left=0.05, right=0.98, bottom=0.07, top=0.93, wspace=0.3, hspace=0.4)
        axes = self.figure.subplots(2, 4).ravel()
        self.axes = dict(zip([k.name for k in KPIS], axes, strict=False))
        self.lines: dict[tuple[str, int], Line2D] = {}
        self.bands: dict[str, Artist] = {}
        for kpi in KPIS:
            ax = self.axes[kpi.name]
            arrow = "↑" if kpi.better == "higher" else "↓"
            ax.set_title(f"{kpi.label} ({arrow} better)", fontsize=9, loc="left")
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.25)
            for world in (0, 1):
                (self.lines[kpi.name, world],) = ax.plot([], [], color=WORLD_COLOURS[world], linewidth=1.8)
        self.legend_ax = axes[-1]
        self.legend_ax.set_axis_off()
        self._names: tuple[str, str] | None = None

    def render_pair(self, a: Snapshot, b: Snapshot) -> bytes:
        """Update for the two worlds and return the PNG."""
        with self._lock:
            return self._blit(self.update_pair(a, b))

    def update_pair(self, a: Snapshot, b: Snapshot) -> object:
        end = a.start_year + max(a.horizon, b.horizon, 1) / 4.0
        xa = years(a.frame["step"], a.start_year)
        xb = years(b.frame["step"], b.start_year)
        n = min(len(xa), len(xb))
        limits = []
        for kpi in KPIS:
            ax = self.axes[kpi.name]
            ya = a.frame[kpi.name].to_numpy(dtype=float)
            yb = b.frame[kpi.name].to_numpy(dtype=float)
            self.lines[kpi.name, 0].set_data(xa, ya)
            self.lines[kpi.name, 1].set_data(xb, yb)
            band = self.bands.pop(kpi.name, None)
            if band is not None:
                band.remove()
            if n:
                self.bands[kpi.name] = ax.fill_between(xa[:n], ya[:n], yb[:n], color="#999999", alpha=0.25,
                                                         linewidth=0)
            both = np.concatenate([ya, yb])
            top = nice_ceiling(float(np.nanmax(both)) * 1.08) if both.size else 1.0
            if kpi.style in ("index", "share"):
                top = min(top, 1.0) if float(np.nanmax(both)) <= 0.95 else 1.05
            limits.append(top)
        key = (a.start_year, end, a.scenario_name, b.scenario_name, tuple(limits))
        if key != self._static_key:
            for kpi, top in zip(KPIS, limits, strict=True):
                self.axes[kpi.name].set_xlim(a.start_year, end)
                self.axes[kpi.name].set_ylim(0.0, top)
            if self._names != (a.scenario_name, b.scenario_name):
                self._names = (a.scenario_name, b.scenario_name)
                self.legend_ax.legend(
                    handles=[Line2D([], [], color=WORLD_COLOURS[0], linewidth=2, label=f"A: {a.scenario_name}"),
                             Line2D([], [], color=WORLD_COLOURS[1], linewidth=2, label=f"B: {b.scenario_name}"),
                             Patch(color="#999999", alpha=0.3, label="gap between the worlds")],
                    loc="center", fontsize=10, frameon=False)
        return key

    def animated(self) -> list[Artist]:
        return [*self.bands.values(), *self.lines.values()]
