"""The workshop server's pages: ``/`` for participants and ``/facilitator`` for the facilitator.

``/`` is the workshop view, a private world per browser tab, or, when the app runs with
``--room``, the room's join form and the participant's council. Served by ``partnering app``
(``SOLARA_APP=partnering.viz.pages``).
"""

from __future__ import annotations

import solara

from partnering.viz.app import Page as WorkshopPage
from partnering.viz.facilitator import FacilitatorPage
from partnering.viz.hub import current_hub
from partnering.viz.participant import RoomPage


@solara.component
def Home() -> None:
    """The participant's page: the room when there is one, else their own world."""
    if current_hub().room is not None:
        RoomPage()
    else:
        WorkshopPage()


@solara.component
def Layout(children: list | None = None) -> None:
    """Solara's app layout without navigation tabs: a participant sees no link to the facilitator."""
    solara.AppLayout(children=children or [], navigation=False)


routes = [
    solara.Route(path="/", component=Home, layout=Layout),
    solara.Route(path="facilitator", component=FacilitatorPage),
]
