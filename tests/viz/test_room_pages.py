"""The room's pages and the facilitator's page without a browser (``solara.render``), and the codes.

Each page follows the shared room from a worker thread of its own, so a change made in one
rendered page (the facilitator's Advance) is waited for in the others.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ipyvuetify as v
import pytest
import solara

from partnering.scenarios import apply_overrides, load_scenario
from partnering.viz.access import ALPHABET, Codes, chosen_code, matches, new_codes
from partnering.viz.facilitator import FacilitatorPage
from partnering.viz.hub import current_hub, open_hub
from partnering.viz.pages import Home
from partnering.viz.room import Room, mode_label
from tests.viz.test_viz_app import wait_until

CODES = Codes("KQ7RM", "FACE2345")
SMALL = {"population.councils": 5, "population.large_suppliers": 3, "run.steps": 20}
SCRIPT = Path(sys.executable).with_name("partnering")


def text(rc, css_class: str) -> str:
    return rc.find(v.Html, class_=css_class).widget.children[0]


def field(rc, css_class: str) -> v.TextField:
    return rc.find(v.TextField, class_=css_class).widget


def button(rc, css_class: str) -> v.Btn:
    return rc.find(v.Btn, class_=css_class).widget


@pytest.fixture
def room():
    room = Room(apply_overrides(load_scenario("transactional"), SMALL), 2, seconds_per_quarter=0.2)
    open_hub(CODES, room)
    yield room
    open_hub()  # back to a hub without a room, for the other tests


@pytest.fixture
def render():
    opened = []

    def open_page(component):
        _box, rc = solara.render(component(), handle_error=False)
        opened.append(rc)
        return rc

    yield open_page
    for rc in opened:
        rc.close()


def join(rc, code: str, name: str) -> None:
    field(rc, "pt-join-code").v_model = code
    field(rc, "pt-join-name").v_model = name
    button(rc, "pt-join").click()


def open_facilitator(render):
    rc = render(FacilitatorPage)
    field(rc, "pt-facilitator-code").v_model = CODES.facilitator.lower()
    button(rc, "pt-facilitator-open").click()
    return rc


def test_a_wrong_room_code_takes_no_council_and_the_right_one_takes_a_free_one(room, render):
    rc = render(Home)
    join(rc, "ZZZZZ", "Ann")
    assert "not this room's code" in rc.find(v.Alert, class_="pt-join-error").widget.children[0]
    assert room.view.seats == ()
    join(rc, " kq7-rm ", "Ann")
    assert [s.name for s in room.view.seats] == ["Ann"]
    heading = rc.find(solara.widgets.HTML, attributes={"class": "pt-room-council"}).widget.unsafe_innerHTML
    assert heading == f"You lead {room.view.seats[0].council_name}"


def test_a_participants_choice_and_principles_reach_their_own_council_only(room, render):
    ann, bo = render(Home), render(Home)
    join(ann, CODES.room, "Ann")
    join(bo, CODES.room, "Bo")
    seats = {s.name: s for s in room.view.seats}
    service = room.view.councils[seats["Ann"].council].services[0].name
    rc_select = ann.find(v.Select, class_=f"pt-choice pt-choice-{service}").widget
    rc_select.v_model = mode_label("in_house")
    assert room.view.seat(seats["Ann"].id).choices == {service: "in_house"}
    assert room.view.seat(seats["Bo"].id).choices == {}
    slider = ann.find(v.Slider, label="Collaborative: 0").widget
    slider.v_model = 0.6
    assert room.model.councils[seats["Ann"].council].principles["collaborative"] == 0.6
    assert room.model.councils[seats["Bo"].council].principles["collaborative"] == 0.0


def test_the_facilitator_needs_the_code_and_the_clock_moves_every_participants_page(room, render):
    ann = render(Home)
    join(ann, CODES.room, "Ann")
    gate = render(FacilitatorPage)
    field(gate, "pt-facilitator-code").v_model = "WRONGCODE"
    button(gate, "pt-facilitator-open").click()
    assert "not the facilitator code" in gate.find(v.Alert, class_="pt-facilitator-error").widget.children[0]
    assert not gate.find(v.Btn, class_="pt-clock-advance").widgets

    rc = open_facilitator(render)
    button(rc, "pt-clock-advance").click()
    wait_until(lambda: "quarter 1 of 20" in text(ann, "pt-room-status"))
    wait_until(lambda: text(rc, "pt-room-status") == text(ann, "pt-room-status"))
    table = rc.find(solara.widgets.HTML, attributes={"class": "pt-overview pt-room-table"}).widget.unsafe_innerHTML
    assert 'data-name="Ann"' in table and "(q1)" in table


def test_closing_a_participants_page_hands_the_council_back(room, render):
    rc = render(Home)
    join(rc, CODES.room, "Ann")
    council = room.view.seats[0].council
    assert room.model.councils[council].leader is not None
    rc.close()
    assert room.view.seats == () and room.model.councils[council].leader is None


def test_without_a_room_each_page_registers_its_world_and_closing_drops_it(render):
    open_hub(CODES)
    registry = current_hub().worlds
    first, second = render(Home), render(Home)
    assert [w.name for w in registry.view.worlds] == ["World 1", "World 2"]
    button(first, "pt-step").click()
    wait_until(lambda: registry.view.worlds[0].snapshot.step == 1)
    assert registry.view.worlds[1].snapshot.step == 0
    facilitator = open_facilitator(render)
    table = facilitator.find(solara.widgets.HTML, attributes={"class": "pt-overview pt-worlds-table"}).widget
    wait_until(lambda: table.unsafe_innerHTML.count('class="pt-row"') == 2)
    first.close()
    assert [w.name for w in registry.view.worlds] == ["World 2"]
    wait_until(lambda: table.unsafe_innerHTML.count('class="pt-row"') == 1)
    second.close()


def test_codes_are_read_aloud_safely_and_compared_as_typed():
    codes = new_codes()
    assert len(codes.room) == 5 and len(codes.facilitator) == 8
    assert set(codes.room + codes.facilitator) <= set(ALPHABET) and not set("01OIL") & set(ALPHABET)
    assert matches(" kq7-rm", "KQ7RM") and not matches("KQ7R", "KQ7RM")
    assert chosen_code("ab-cd", "--room-code") == "ABCD"
    for bad in ("ABC", "A" * 33, "HELLO1", "ROOM O"):
        with pytest.raises(ValueError, match="--room-code") as error:
            chosen_code(bad, "--room-code")
        assert "\n" not in str(error.value)


@pytest.mark.parametrize(("args", "message"), [
    (["--scenario", "changemaking"], "add --room"),
    (["--room", "--room-code", "AB"], "--room-code 'AB': 2 characters"),
    (["--room", "--room-code", "ABCD", "--facilitator-code", "abcd"], "must differ"),
    (["--room", "--scenario", "utopia"], "utopia"),
])
def test_the_app_refuses_bad_room_options_in_one_line_before_serving(args, message):
    done = subprocess.run([str(SCRIPT), "app", "--port", "9", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
