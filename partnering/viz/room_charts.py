"""Charts of the room: a participant's council against the others, and the facilitator's spread of
outcomes across every participant. Matplotlib on the server, drawn by blitting like the
workshop's own charts (:class:`~partnering.viz.charts.Chart`)."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from partnering.model.catalogue import CATALOGUE
from partnering.viz.charts import DPI, Chart, nice_ceiling, years
from partnering.viz.overview import Played
from partnering.viz.room import RoomView

PARTICIPANT_COLOURS: tuple[str, ...] = tuple(to_hex(c) for c in colormaps["tab10"].colors)
"""A participant's colour on the spread chart and in the facilitator's table (by arrival)."""
OWN_COLOUR = "#0072B2"
OTHERS_COLOUR = "#999999"


def participant_colour(number: int) -> str:
    return PARTICIPANT_COLOURS[(number - 1) % len(PARTICIPANT_COLOURS)]


HEADROOM = 1.5
"""A y axis grows to this many times the highest value, in nice steps, and never shrinks: redrawing
the cached background costs ten times a quarter's update, so it should happen a few times a run."""


def grown_top(current: float | None, values: np.ndarray, style: str) -> float:
    """The y-axis top after new ``values``: unchanged while they fit below it, else the next nice
    number above ``HEADROOM`` times their peak (at most 1 for an index or share that stays within 1)."""
    finite = values[np.isfinite(values)]
    peak = float(finite.max()) if finite.size else 0.0
    if current is not None and peak <= current:
        return current
    top = nice_ceiling(peak * HEADROOM) if peak > 0 else 1.0
    if style in ("index", "share") and peak <= 1.0:
        top = min(top, 1.0)
    return top


def _title(metric: str) -> str:
    kpi = CATALOGUE[metric]
    arrow = {"higher": " (↑ better)", "lower": " (↓ better)"}.get(kpi.better, "")
    return f"{kpi.label}{arrow}"


def _panel(ax, metric: str) -> None:
    """A small panel's title (the catalogue's label and better direction), ticks and grid."""
    ax.set_title(_title(metric), fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.25)


def band_polygon(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The outline of the band between ``low`` and ``high`` over ``x``."""
    return np.column_stack([np.concatenate([x, x[::-1]]), np.concatenate([high, low[::-1]])])


class CouncilChart(Chart):
    """A participant's council (bold) against the range and the median of every other council."""

    METRICS = ("service_quality", "unmet_need", "value_for_money", "public_trust")

    def __init__(self, width: float = 8.4, height: float = 4.6) -> None:
        super().__init__(Figure(figsize=(width, height), dpi=DPI))
        self.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.08, top=0.86, wspace=0.25, hspace=0.45)
        axes = self.figure.subplots(2, 2).ravel()
        self.axes = dict(zip(self.METRICS, axes, strict=True))
        self.bands: dict[str, PolyCollection] = {}
        self.own: dict[str, Line2D] = {}
        self.median: dict[str, Line2D] = {}
        for metric, ax in self.axes.items():
            _panel(ax, metric)
            self.bands[metric] = PolyCollection([], facecolors=OTHERS_COLOUR, alpha=0.25, linewidths=0)
            ax.add_collection(self.bands[metric])
            (self.median[metric],) = ax.plot([], [], color=OTHERS_COLOUR, linewidth=1.2, linestyle="--")
            (self.own[metric],) = ax.plot([], [], color=OWN_COLOUR, linewidth=2.2)
        self.tops: dict[str, float] = {}
        self.figure.legend(handles=[Line2D([], [], color=OWN_COLOUR, linewidth=2.2, label="your council"),
                                    Line2D([], [], color=OTHERS_COLOUR, linestyle="--", label="median of the others"),
                                    Patch(color=OTHERS_COLOUR, alpha=0.25, label="range of the others")],
                           loc="upper center", ncols=3, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 1.0))

    def render_council(self, view: RoomView, council: str) -> bytes:
        with self._lock:
            return self._blit(self.update_council(view, council))

    def update_council(self, view: RoomView, council: str) -> object:
        end = view.start_year + max(view.horizon, 1) / 4.0
        limits = []
        for metric in self.METRICS:
            table = view.series[metric]
            x = years(table.index.to_numpy(), view.start_year)
            own = table[council].to_numpy(dtype=float)
            others = table.drop(columns=[council]).to_numpy(dtype=float)
            if others.shape[1]:
                low, high, mid = others.min(axis=1), others.max(axis=1), np.median(others, axis=1)
                self.bands[metric].set_verts([band_polygon(x, low, high)])
                self.median[metric].set_data(x, mid)
            else:
                self.bands[metric].set_verts([])
                self.median[metric].set_data([], [])
            self.own[metric].set_data(x, own)
            self.tops[metric] = grown_top(self.tops.get(metric), table.to_numpy(dtype=float), CATALOGUE[metric].style)
            limits.append(self.tops[metric])
        key = (view.start_year, end, tuple(limits))
        if key != self._static_key:
            for metric, top in zip(self.METRICS, limits, strict=True):
                self.axes[metric].set_xlim(view.start_year, end)
                self.axes[metric].set_ylim(0.0, top)
        return key

    def animated(self) -> list[Artist]:
        return [*self.bands.values(), *self.median.values(), *self.own.values()]


class SpreadChart(Chart):
    """Every participant's outcome over time, one thin line each in their colour and numbered at its
    end, with the room's median in black: the spread of the room on one chart."""

    def __init__(self, metrics: tuple[str, ...], width: float = 12.0, height: float = 5.6) -> None:
        super().__init__(Figure(figsize=(width, height), dpi=DPI))
        self.metrics = metrics
        rows = (len(metrics) + 1) // 2
        self.figure.subplots_adjust(left=0.05, right=0.98, bottom=0.07, top=0.9, wspace=0.15, hspace=0.4)
        axes = np.atleast_1d(self.figure.subplots(rows, 2)).ravel()
        for spare in axes[len(metrics):]:
            spare.set_axis_off()
        self.axes = dict(zip(metrics, axes, strict=False))
        self.lines: dict[str, list[Line2D]] = {m: [] for m in metrics}
        self.marks: dict[str, list[Artist]] = {m: [] for m in metrics}
        self.median: dict[str, Line2D] = {}
        self.tops: dict[str, float] = {}
        for metric, ax in self.axes.items():
            _panel(ax, metric)
            (self.median[metric],) = ax.plot([], [], color="black", linewidth=1.4, linestyle="--", alpha=0.8, zorder=5)
        self.figure.legend(handles=[Line2D([], [], color="black", linewidth=1.4, linestyle="--",
                                           label="median of the room"),
                                    Line2D([], [], color=PARTICIPANT_COLOURS[0], linewidth=1.6,
                                           label="one participant (number as in the table)")],
                           loc="upper center", ncols=2, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 1.0))

    def _ensure(self, metric: str, count: int) -> None:
        ax = self.axes[metric]
        while len(self.lines[metric]) < count:
            (line,) = ax.plot([], [], linewidth=1.6, alpha=0.9)
            self.lines[metric].append(line)
            self.marks[metric].append(ax.text(0, 0, "", fontsize=7, va="center", ha="left", visible=False))

    def render_played(self, played: list[Played]) -> bytes:
        with self._lock:
            return self._blit(self.update_played(played))

    def update_played(self, played: list[Played]) -> object:
        horizon = max((p.horizon for p in played), default=40)
        start = min((p.start_year for p in played), default=2025)
        end = start + max(horizon, 1) / 4.0
        limits = []
        for metric in self.metrics:
            self._ensure(metric, len(played))
            series = []
            for i, line in enumerate(self.lines[metric]):
                mark = self.marks[metric][i]
                if i >= len(played):
                    line.set_data([], [])
                    mark.set_visible(False)
                    continue
                p = played[i]
                x = years(p.frame["step"].to_numpy(), p.start_year)
                y = p.frame[metric].to_numpy(dtype=float)
                colour = participant_colour(p.number)
                line.set_data(x, y)
                line.set_color(colour)
                mark.set_position((x[-1], y[-1]))
                mark.set_text(str(p.number))
                mark.set_color(colour)
                mark.set_visible(True)
                series.append(y)
            if series:
                longest = max(len(s) for s in series)
                padded = np.full((len(series), longest), np.nan)
                for row, s in enumerate(series):
                    padded[row, :len(s)] = s
                counts = np.sum(np.isfinite(padded), axis=0)
                mid = np.array([np.nanmedian(padded[:, j]) if counts[j] else np.nan for j in range(longest)])
                self.median[metric].set_data(years(np.arange(longest), start), mid)
                self.tops[metric] = grown_top(self.tops.get(metric), padded, CATALOGUE[metric].style)
            else:
                self.median[metric].set_data([], [])
            limits.append(self.tops.get(metric, 1.0))
        key = (start, end, tuple(limits))
        if key != self._static_key:
            for metric, top in zip(self.metrics, limits, strict=True):
                self.axes[metric].set_xlim(start, end + 0.4)
                self.axes[metric].set_ylim(0.0, top)
        return key

    def animated(self) -> list[Artist]:
        out: list[Artist] = []
        for metric in self.metrics:
            out += self.lines[metric] + self.marks[metric] + [self.median[metric]]
        return out
