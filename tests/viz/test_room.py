"""The shared room without a browser: seats, leaders, the clock, and what a participant's choice does.

Model outputs are never written in: the tests compare the room with the model run by itself, check
invariants, and find the services under review by asking the model.
"""

from __future__ import annotations

import gc
import math
import threading
import time
import tracemalloc

import pandas as pd
import pytest

from partnering import PartneringModel
from partnering.scenarios import apply_overrides, load_scenario
from partnering.viz.room import (
    COUNCIL_METRICS,
    MODES,
    Room,
    RoomError,
    council_outcomes,
    decisions_frame,
    mode_label,
    service_label,
)

SMALL = {"population.councils": 6, "population.large_suppliers": 4, "run.steps": 24}


@pytest.fixture
def scenario():
    return apply_overrides(load_scenario("transactional"), SMALL)


@pytest.fixture
def room(scenario):
    room = Room(scenario, 3, seconds_per_quarter=0.1)
    yield room
    room.close()


def advance_until_due(room: Room, council: int) -> str:
    """Advance until one of ``council``'s services is reviewed next quarter; return its name."""
    for _ in range(room.scenario.run.steps):
        due = [s.name for s in room.view.councils[council].services if s.due_next]
        if due:
            return due[0]
        room.advance()
    pytest.skip("no review came up within the horizon")


def test_a_councils_outcomes_add_up_to_the_models_own_metrics(scenario):
    model = PartneringModel(scenario, rng=4).run(6)
    parts = [(council_outcomes(c), c) for c in model.councils]
    delivered = [sum(s.delivered_value for s in c.slots) for _, c in parts]
    need = [sum(s.need_value for s in c.slots) for _, c in parts]
    quality = [o["service_quality"] * d for (o, _), d in zip(parts, delivered, strict=True)]
    spend = [o["value_for_money"] * q for (o, _), q in zip(parts, quality, strict=True)]
    last = model.metrics_frame().iloc[-1]
    assert math.isclose(sum(quality) / sum(delivered), last["service_quality"], rel_tol=1e-9)
    assert math.isclose(sum(o["unmet_need"] * n for (o, _), n in zip(parts, need, strict=True)) / sum(need),
                        last["unmet_need"], rel_tol=1e-9)
    assert math.isclose(sum(spend) / sum(quality), last["value_for_money"], rel_tol=1e-9)
    assert math.isclose(sum(o["public_trust"] for o, _ in parts) / len(parts), last["public_trust"], rel_tol=1e-9)
    slots = [len(c.slots) for _, c in parts]
    assert math.isclose(sum(o["share_in_house"] * n for (o, _), n in zip(parts, slots, strict=True)) / sum(slots),
                        last["share_in_house"], rel_tol=1e-9)


def test_participants_who_never_decide_leave_the_world_exactly_as_the_model_runs_it(scenario):
    room = Room(scenario, 5)
    for name in ("Ann", "Bo", "Cy"):
        room.join(name)
    for _ in range(12):
        room.advance()
    alone = PartneringModel(scenario, rng=5).run(12).metrics_frame()
    pd.testing.assert_frame_equal(room.view.world, alone)
    assert room.view.decisions, "no review of a led council in three years"
    assert all(d.wanted is None and d.taken == d.model_choice for d in room.view.decisions)


def test_two_participants_cannot_take_the_same_council(room):
    first = room.view.councils[2].name
    room.join("Ann", first)
    with pytest.raises(RoomError, match=f"{first} is already led by Ann"):
        room.join("Bo", first)
    with pytest.raises(RoomError, match="already called Ann"):
        room.join("ann")


def test_of_many_participants_racing_for_one_council_exactly_one_gets_it(room):
    wanted = room.view.councils[1].name
    won, lost = [], []
    start = threading.Barrier(8)

    def race(i: int) -> None:
        start.wait()
        try:
            won.append(room.join(f"P{i}", wanted))
        except RoomError:
            lost.append(i)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 7
    assert [s.council_name for s in room.view.seats] == [wanted]


def test_joining_without_a_council_takes_the_first_free_one_until_none_is_left(room):
    names = [c.name for c in room.view.councils]
    seats = [room.join(f"P{i}") for i in range(len(names))]
    assert [s.council_name for s in room.view.seats] == names
    assert room.view.free_councils() == []
    with pytest.raises(RoomError, match="All 6 councils are taken"):
        room.join("Late")
    room.leave(seats[3])
    assert room.view.free_councils() == [names[3]]


def test_a_stored_choice_is_carried_out_at_the_review_and_then_used_up(room):
    seat = room.join("Ann", room.view.councils[0].name)
    service = advance_until_due(room, 0)
    room.choose(seat, service, "in_house")  # in-house is always among the options
    assert room.view.seat(seat).choices == {service: "in_house"}
    room.advance()
    decision = next(d for d in room.view.decisions if d.service == service and d.kind == "review")
    assert (decision.wanted, decision.taken, decision.result) == ("in_house", "in_house", "in_house")
    assert decision.by_participant and "you chose In-house" in decision.sentence(2025)
    assert room.model.councils[0].slots[decision.position].mode == "in_house"  # the position reviewed
    assert service not in room.view.seat(seat).choices, "the choice was for that review only"


def test_a_choice_the_model_does_not_allow_then_falls_back_to_the_models_own(room):
    council = room.model.councils[0]
    unsuited = [s.service.name for s in council.slots if s.service.community_suitability == 0.0]
    if not unsuited:
        pytest.skip("every service suits community delivery in this scenario")
    seat = room.join("Ann", council.name)
    for name in unsuited:
        room.choose(seat, name, "community")
    for _ in range(room.scenario.run.steps):
        room.advance()
        asked = [d for d in room.view.decisions if d.service in unsuited and d.kind == "review"]
        if asked:
            break
    else:
        pytest.skip("no unsuited service was reviewed")
    decision = asked[0]
    assert "community" not in decision.options
    assert decision.wanted == "community" and decision.taken == decision.model_choice
    assert "not possible this time" in decision.sentence(2025)


def test_leaving_hands_the_council_back_to_the_models_rules(room):
    seat = room.join("Ann", room.view.councils[4].name)
    assert room.model.councils[4].leader is not None
    room.leave(seat)
    room.leave(seat)  # a second close of the same tab changes nothing
    assert room.model.councils[4].leader is None
    assert room.view.seats == ()
    with pytest.raises(RoomError, match="no longer hold a council"):
        room.choose(seat, room.view.councils[4].services[0].name, "in_house")


def test_principles_apply_to_the_participants_council_only_and_are_checked(room):
    ann = room.join("Ann", room.view.councils[0].name)
    room.join("Bo", room.view.councils[1].name)
    room.set_principles(ann, {"collaborative": 0.8})
    assert room.model.councils[0].principles["collaborative"] == 0.8
    assert room.model.councils[1].principles["collaborative"] == load_scenario("transactional").principles.collaborative
    assert room.view.seat(ann).principles["collaborative"] == 0.8
    with pytest.raises(RoomError, match="allowed 0 to 1"):
        room.set_principles(ann, {"creative": 1.4})
    room.advance()
    history = room.view.history
    assert history[(history["step"] == 1) & (history["council"] == room.view.councils[0].name)][
        "principles.collaborative"].item() == 0.8


def test_a_participant_can_choose_only_their_own_councils_services_and_real_modes(room):
    ann = room.join("Ann", room.view.councils[0].name)
    with pytest.raises(RoomError, match="not a delivery mode"):
        room.choose(ann, room.view.councils[0].services[0].name, "nationalised")
    with pytest.raises(RoomError, match="not one of your council's services"):
        room.choose(ann, "space_programme", "in_house")


def test_the_running_clock_advances_pauses_and_never_waits_for_a_busy_participant(room):
    ann = room.join("Ann", room.view.councils[0].name)
    services = [s.name for s in room.view.councils[0].services]
    busy = threading.Event()

    def keep_deciding() -> None:  # a participant changing their mind as fast as they can
        i = 0
        while not busy.is_set():
            room.choose(ann, services[i % len(services)], MODES[i % len(MODES)])
            room.set_principles(ann, {"adaptable": (i % 10) / 10})
            i += 1

    chooser = threading.Thread(target=keep_deciding)
    chooser.start()
    try:
        room.start(0.1)
        view = room.view
        while view.step < 5:
            view = room.wait_for_change(view.version, timeout=10)
            assert view.status == "running" or view.step >= 5, view.status
    finally:
        busy.set()
        chooser.join()
    room.pause()
    paused = room.view.step
    time.sleep(0.4)
    assert room.view.step == paused and room.view.status == "paused"
    assert room.advance() and room.view.step == paused + 1


def test_ending_the_round_stops_the_clock_and_the_debrief_is_shown_to_everyone(room):
    room.advance()
    room.end_round()
    assert not room.advance()
    room.start()
    assert room.view.status == "ended" and room.view.step == 1
    room.show_debrief()
    assert room.view.debrief


def test_the_clock_stops_by_itself_at_the_horizon(scenario):
    short = apply_overrides(scenario, {"run.steps": 3})
    room = Room(short, 1)
    room.start(0.1)
    view = room.view
    deadline = time.monotonic() + 20
    while view.status != "ended" and time.monotonic() < deadline:
        view = room.wait_for_change(view.version, timeout=1)
    assert (view.step, view.status) == (3, "ended")
    room.close()


def test_a_new_round_starts_the_world_again_and_keeps_the_seats(room):
    ann = room.join("Ann", room.view.councils[2].name)
    for _ in range(4):
        room.advance()
    room.new_round(seed=9)
    view = room.view
    assert (view.step, view.round, view.seed, view.status) == (0, 2, 9, "waiting")
    assert view.seat(ann) is not None and room.model.councils[2].leader is not None
    assert set(view.history["step"]) == {0} and view.decisions == ()


def test_every_page_waiting_for_a_change_is_woken_and_a_quiet_room_times_out(room):
    before = room.view.version
    started = time.monotonic()
    assert room.wait_for_change(before, timeout=0.2).version == before
    assert time.monotonic() - started >= 0.15
    woken = []
    waiters = [threading.Thread(target=lambda: woken.append(room.wait_for_change(before, timeout=10).step))
               for _ in range(5)]
    for t in waiters:
        t.start()
    room.advance()
    for t in waiters:
        t.join(timeout=10)
    assert woken == [1] * 5


def test_twenty_participants_joining_and_leaving_leave_no_seat_leader_or_memory_behind(room):
    def come_and_go(n: int) -> None:
        for i in range(n):
            seat = room.join(f"P{i}")
            council = room.view.councils[room.view.seat(seat).council]
            room.choose(seat, council.services[0].name, "in_house")
            room.leave(seat)

    come_and_go(20)  # warm: the first views, the first strings
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        come_and_go(20)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert room.seat_ids() == [] and room.view.seats == ()
    assert all(c.leader is None for c in room.model.councils)
    assert grown < 64 * 1024, f"memory grew by {grown} bytes over 20 joins and leaves"


def test_the_decisions_table_has_one_row_per_question(room):
    seat = room.join("Ann", room.view.councils[0].name)
    service = advance_until_due(room, 0)
    room.choose(seat, service, "outsourced")
    room.advance()
    frame = decisions_frame(room.view.decisions)
    assert len(frame) == len(room.view.decisions) >= 1
    assert set(frame["participant"]) == {"Ann"}
    assert all(set(options.split()) >= {"in_house", "outsourced"} for options in frame["options"])


def test_the_rooms_modes_are_the_models_and_services_read_as_words():
    from partnering.model.metrics import MODES as MODEL_MODES

    assert MODES == MODEL_MODES
    assert mode_label("in_house") != mode_label("community")
    assert service_label("it_back_office") == "IT back office"
    assert service_label("adult_social_care") == "Adult social care"
    assert set(COUNCIL_METRICS) <= set(council_outcomes(PartneringModel("transactional", rng=1).councils[0]))
