"""How a participant's private world appears on the facilitator's page (the app without ``--room``).

The workshop page registers its world when it opens, reports each step and reset, and drops it
when the session's page goes away (the tab closed, or Solara released a session whose connection
was lost). Only the immutable settings and snapshot are handed over.
"""

from __future__ import annotations

import solara

from partnering.viz.components import WorkshopState
from partnering.viz.hub import current_hub
from partnering.viz.sessions import current_session


@solara.component
def WorldTag(state: WorkshopState) -> None:
    """'You are World 3 on the facilitator's screen', with a field to give a name instead.

    It reads the run's snapshot, so it re-renders on every step (cheaply: one line of text) and
    the page that owns the run does not.
    """
    registry = current_hub().worlds
    session = solara.use_memo(current_session, [])
    snapshot = state.run.snapshot.value
    applied = state.applied.value
    world = solara.use_memo(lambda: registry.register(session, applied, snapshot), [])
    name = solara.use_reactive(world.name)

    def drop_on_close():
        return lambda: registry.drop(session)

    solara.use_effect(drop_on_close, [])
    solara.use_effect(lambda: registry.update(session, settings=applied, snapshot=snapshot), [snapshot.id, applied])
    solara.use_effect(lambda: registry.update(session, name=name.value), [name.value])
    with solara.Row(gap="8px", style={"align-items": "center"}, classes=["pt-world-tag"]):
        solara.Text(f"Your world is number {world.number} on the facilitator's screen, under the name",
                    classes=["pt-world-number"], style={"font-size": "13px"})
        solara.InputText("Your name", value=name, continuous_update=False, classes=["pt-world-name"],
                         style={"max-width": "220px"})
