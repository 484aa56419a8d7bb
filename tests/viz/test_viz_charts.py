"""The matplotlib charts render valid images from snapshots and lay the network out stably."""

from __future__ import annotations

import io

import networkx as nx
import numpy as np
import pytest
from PIL import Image

from partnering import load_scenario
from partnering.scenarios import apply_overrides
from partnering.viz.charts import (
    NetworkChart,
    TimeSeriesChart,
    TwinChart,
    network_layout,
    nice_ceiling,
    ring_slots,
)
from partnering.viz.session import Simulation


@pytest.fixture(scope="module")
def simulations():
    small = {"population.councils": 5, "population.large_suppliers": 3, "run.steps": 8}
    a = Simulation(apply_overrides(load_scenario("transactional"), small), 2)
    b = Simulation(apply_overrides(load_scenario("changemaking"), small), 2)
    return a, b


def _image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.mark.parametrize("chart_type", [TimeSeriesChart, NetworkChart])
def test_a_chart_renders_the_start_and_every_step_at_a_fixed_size(simulations, chart_type):
    simulation, _ = simulations
    chart = chart_type()
    first = _image(chart.render(simulation.snapshot))
    later = _image(chart.render(simulation.step(2)))
    assert first.format == later.format == "PNG"
    assert first.size == later.size
    assert first.size[0] >= 400


def test_a_redraw_changes_the_picture_when_the_run_moves_on(simulations):
    simulation, _ = simulations
    chart = TimeSeriesChart()
    before = chart.render(simulation.snapshot)
    after = chart.render(simulation.step(1))
    assert before != after


def test_blitting_draws_the_same_picture_as_a_full_redraw(simulations):
    """The cached background plus the animated artists must equal a chart drawn from scratch."""
    simulation, _ = simulations
    snapshot = simulation.step(1)
    warm = TimeSeriesChart()
    warm.render(simulation.snapshot)
    fresh = TimeSeriesChart()
    a = np.asarray(_image(warm.render(snapshot)), dtype=int)
    b = np.asarray(_image(fresh.render(snapshot)), dtype=int)
    assert a.shape == b.shape
    assert np.mean(np.abs(a - b)) < 1.0


def test_twin_chart_renders_both_worlds(simulations):
    a, b = simulations
    image = _image(TwinChart().render_pair(a.step(2), b.step(2)))
    assert image.size[0] > image.size[1]


def test_network_layout_puts_councils_at_their_places_and_is_deterministic(simulations):
    simulation, _ = simulations
    snapshot = simulation.snapshot
    one = network_layout(snapshot.network, snapshot.places, seed=1)
    two = network_layout(snapshot.network, snapshot.places, seed=1)
    assert set(one) == set(snapshot.network.nodes)
    assert all(np.allclose(one[n], two[n]) for n in one)
    for node, data in snapshot.network.nodes(data=True):
        if data["kind"] == "council" and snapshot.places is not None:
            assert np.allclose(one[node], snapshot.places[data["place"]])


def test_without_geography_the_layout_is_seeded():
    graph = nx.Graph()
    for i in range(4):
        graph.add_node(i, kind="council", place=i, name=f"c{i}")
    graph.add_node(10, kind="large", place=None, name="Big Co")
    graph.add_node(11, kind="sme", place=0, name="Small Ltd")
    one = network_layout(graph, None, seed=4)
    two = network_layout(graph, None, seed=4)
    assert all(np.allclose(one[n], two[n]) for n in graph.nodes)


def test_large_suppliers_keep_their_ring_slot_when_another_fails():
    ring: dict[int, int] = {}
    assert ring_slots([1, 2, 3], ring) == {1: 0, 2: 1, 3: 2}
    assert ring_slots([1, 3], ring) == {1: 0, 3: 2}
    assert ring_slots([1, 3, 7], ring) == {1: 0, 3: 2, 7: 1}


@pytest.mark.parametrize(("value", "ceiling"), [(0.9, 1.0), (1.2, 1.5), (2.6, 3.0), (3.2, 5.0), (0.07, 0.075), (0.0, 1.0)])
def test_axis_tops_jump_in_nice_steps(value, ceiling):
    assert nice_ceiling(value) == pytest.approx(ceiling)
