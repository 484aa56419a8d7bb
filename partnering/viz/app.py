"""The workshop app's page: ``solara run partnering.viz.app:Page``, or ``partnering app``.

Everything a participant changes lives in hooks inside :func:`Page`, so each browser session
(each tab, each participant) builds and steps its own model.
"""

from __future__ import annotations

import solara
import solara.lab

from partnering.viz.components import CSS, LeverGuide, TwinWorldsView, WorkshopView
from partnering.viz.controls import DEFAULT_SCENARIO, DEFAULT_SEED, WorkshopSettings

TITLE = "Partnering workshop"


@solara.component
def Page() -> None:
    """Three tabs: the participant's world, twin worlds side by side, and what the levers do."""
    settings = solara.use_reactive(solara.use_memo(lambda: WorkshopSettings.from_scenario(DEFAULT_SCENARIO, DEFAULT_SEED), []))
    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.Column(style={"padding": "8px 16px"}):
        solara.Markdown(
            f"## {TITLE}\n"
            "Councils, large suppliers, SMEs and community groups deliver public services together. "
            "Move the five principles from *transactional* (0) to *changemaking* (1), switch policy levers, "
            "press **Reset** to apply, then **Step** or **Play** (one step is a quarter)."
        )
        with solara.lab.Tabs():
            with solara.lab.Tab("Workshop", classes=["pt-tab-workshop"]):
                WorkshopView(settings)
            with solara.lab.Tab("Twin worlds", classes=["pt-tab-twins"]):
                TwinWorldsView(settings)
            with solara.lab.Tab("What the levers do", classes=["pt-tab-levers"]):
                LeverGuide()
