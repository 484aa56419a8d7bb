"""The workshop app's page: ``solara run partnering.viz.app:Page``, or ``partnering app``.

Everything a participant changes lives in hooks inside :func:`Page`, so each browser session
(each tab, each participant) builds and steps its own models; nothing is shared at module level.
"""

from __future__ import annotations

import solara
import solara.lab

from partnering.viz.components import (
    CSS,
    LeverGuide,
    TwinWorldsView,
    WorkshopView,
    use_twins,
    use_workshop,
)
from partnering.viz.controls import DEFAULT_SCENARIO, DEFAULT_SEED, WorkshopSettings
from partnering.viz.presence import WorldTag

TITLE = "Partnering workshop"


@solara.component
def Page() -> None:
    """Three tabs: the participant's world, twin worlds side by side, and what the levers do.

    The state of both worlds lives here, so switching tabs keeps the runs; the tabs render
    lazily, so only the visible one costs time on each step.
    """
    settings = solara.use_reactive(
        solara.use_memo(lambda: WorkshopSettings.from_scenario(DEFAULT_SCENARIO, DEFAULT_SEED), []))
    workshop = use_workshop(settings)
    twins = use_twins(settings)
    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.Column(style={"padding": "8px 16px"}, gap="4px"):
        solara.HTML(
            unsafe_innerHTML=(
                f"<h2>{TITLE}</h2><p>Councils, large suppliers, SMEs and community groups deliver public "
                "services together. Move the five principles from <i>transactional</i> (0) to <i>changemaking</i> "
                "(1), switch policy levers, press <b>Reset</b> to apply, then <b>Step</b> or <b>Play</b> "
                "(one step is a quarter).</p>"
            )
        )
        WorldTag(workshop)
        with solara.lab.Tabs(lazy=True):
            with solara.lab.Tab("Workshop", classes=["pt-tab-workshop"]):
                WorkshopView(workshop)
            with solara.lab.Tab("Twin worlds", classes=["pt-tab-twins"]):
                TwinWorldsView(twins)
            with solara.lab.Tab("What the levers do", classes=["pt-tab-levers"]):
                LeverGuide()
