"""Every declared uncertainty and policy lever is read by the model: no parameter is declared
for show while the behaviour it names still comes from somewhere else."""

from __future__ import annotations

from unittest import mock

from partnering import PartneringModel
from partnering.scenarios import apply_overrides, load_scenario, parameter_table
from partnering.scenarios.declare import Section
from partnering.scenarios.schema import SECTIONS

RUNS = (
    ("transactional", {}), ("changemaking", {}), ("policy_package", {}), ("supplier_collapse", {}),
    ("rising_demand", {}), ("austerity", {}),
    ("changemaking", {"principles.place_based": 1.0, "population.groups_per_place": 4}),
)


def read_during_runs() -> set[tuple[str, str]]:
    """(section class, field) of every parameter read while the runs above went."""
    read: set[tuple[str, str]] = set()
    original = Section.__getattribute__

    def spy(self, name):
        if name in type(self).model_fields:
            read.add((type(self).__name__, name))
        return original(self, name)

    with mock.patch.object(Section, "__getattribute__", spy):
        for name, overrides in RUNS:
            PartneringModel(apply_overrides(load_scenario(name), overrides), rng=2).run(32)
    return read


def test_every_declared_uncertainty_and_policy_lever_shapes_the_run():
    read = read_during_runs()
    unread = [p.name for p in parameter_table()
              if p.kind == "uncertainty" or p.section == "policy"
              if (SECTIONS[p.section].__name__, p.field) not in read]
    assert unread == []
