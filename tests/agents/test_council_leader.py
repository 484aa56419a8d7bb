"""A council led by someone else (a workshop participant, a researcher's policy) at its reviews."""

from __future__ import annotations

import pytest

from partnering import PartneringModel


class AlwaysInHouse:
    def __init__(self) -> None:
        self.asked: list[tuple[str, tuple[str, ...], str]] = []

    def choose_mode(self, council, slot, options, default):
        self.asked.append((slot.service.name, options, default))
        return "in_house"


class Illegal:
    def choose_mode(self, council, slot, options, default):
        return "nationalise"


def test_a_leader_is_asked_at_every_review_of_its_council_and_its_choice_is_carried_out():
    model = PartneringModel("transactional", rng=2)
    leader = AlwaysInHouse()
    model.councils[0].leader = leader
    model.run(24)
    assert leader.asked, "no review in six years"
    assert all({"in_house", "outsourced"} <= set(options) for _, options, _ in leader.asked)
    reviewed = {name for name, _, _ in leader.asked}
    for slot in model.councils[0].slots:
        if slot.service.name in reviewed and not slot.contracts:
            assert slot.mode == "in_house"


def test_a_choice_outside_the_options_is_refused_with_the_allowed_ones():
    model = PartneringModel("transactional", rng=2)
    model.councils[0].leader = Illegal()
    with pytest.raises(ValueError, match="allowed: in_house, outsourced"):
        model.run(24)


def test_the_council_without_a_leader_draws_the_same_random_numbers():
    """The model's own draw is taken whether or not a leader decides, so a leader who always
    agrees with the model leaves the run exactly as it was."""

    class Agrees:
        def choose_mode(self, council, slot, options, default):
            return default

    plain = PartneringModel("transactional", rng=5).run(20).metrics_frame()
    model = PartneringModel("transactional", rng=5)
    model.councils[3].leader = Agrees()
    led = model.run(20).metrics_frame()
    assert plain.equals(led)


def test_services_due_for_review_are_those_whose_arrangement_ends_within_the_window():
    model = PartneringModel("transactional", rng=1)
    council = model.councils[0]
    due = council.services_due_for_review(within=4)
    assert all(s.term_end <= model.now + 4 for s in due)
    assert all(s.term_end > model.now + 4 for s in council.slots if s not in due)


def test_principles_set_by_a_leader_are_checked():
    council = PartneringModel("transactional", rng=1).councils[0]
    council.set_principles({"collaborative": 0.7})
    assert council.principles["collaborative"] == 0.7
    with pytest.raises(ValueError, match="allowed 0 to 1"):
        council.set_principles({"creative": 1.5})
    with pytest.raises(ValueError, match="unknown principle"):
        council.set_principles({"kindness": 0.5})
