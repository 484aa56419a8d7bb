"""Geography and the relationship network.

Places sit at random points of a unit square, each linked to its nearest places (councils can
co-commission with neighbours; SMEs bid in their place and neighbouring places). The relationship
network is built on request from the model's state, so it can never disagree with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel

def build_geography(n_places: int, neighbours: int, rng: np.random.Generator) -> tuple[np.ndarray, list[list[int]]]:
    """Random place positions and, for each place, its ``neighbours`` nearest places (symmetrised)."""
    positions = rng.random((n_places, 2))  # x and y in the unit square
    links: list[set[int]] = [set() for _ in range(n_places)]
    k = min(neighbours, n_places - 1)
    if k > 0:
        _, idx = cKDTree(positions).query(positions, k=k + 1)
        for i, row in enumerate(np.atleast_2d(idx)):
            for j in row[1:]:
                links[i].add(int(j))
                links[int(j)].add(i)
    return positions, [sorted(s) for s in links]


def assign_regions(positions: np.ndarray, n_regions: int) -> list[int]:
    """Each place's region: the nearest of ``n_regions`` centres spread over the map (the first
    place, then repeatedly the place farthest from the centres so far), so regions are compact
    and every region holds at least its centre.

    >>> assign_regions(np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 1.0], [0.9, 1.0]]), 2)
    [0, 0, 1, 1]
    """
    n = len(positions)
    k = max(1, min(n_regions, n))
    centres = [0]
    nearest = np.linalg.norm(positions - positions[0], axis=1)
    while len(centres) < k:
        far = int(np.argmax(nearest))
        centres.append(far)
        nearest = np.minimum(nearest, np.linalg.norm(positions - positions[far], axis=1))
    distances = np.stack([np.linalg.norm(positions - positions[c], axis=1) for c in centres])
    return [int(r) for r in np.argmin(distances, axis=0)]


def relationship_graph(model: PartneringModel) -> nx.Graph:
    """Agents as nodes (``kind``: council, large, sme, vcse); edges for live contracts (with trust
    both ways), co-commissioning partners, consortium subcontracts and shared places."""
    g = nx.Graph()
    for council in model.councils:
        g.add_node(council.unique_id, kind="council", name=council.name, place=council.place)
    # a contract edge's weight is the mean of the trust both ways; links of other kinds carry none
    for p in model.providers:
        g.add_node(p.unique_id, kind=p.kind, name=p.name, place=p.place)
    for c in model.live_contracts():
        pid = c.provider.unique_id
        for council in c.councils:
            data = g.get_edge_data(council.unique_id, pid, default={"contracts": 0})
            g.add_edge(council.unique_id, pid, relation="contract", contracts=data["contracts"] + 1,
                       trust_council_supplier=council.trust_in(pid),
                       trust_supplier_council=c.provider.trust_in(council.unique_id),
                       weight=(council.trust_in(pid) + c.provider.trust_in(council.unique_id)) / 2)
        for sub in c.subcontracts:
            g.add_edge(pid, sub.provider.unique_id, relation="subcontract")
    for council in model.councils:
        for other in council.partners:
            g.add_edge(council.unique_id, other, relation="co_commissioning")
    for p in model.providers:
        if p.small and p.place is not None:
            council = model.councils[p.place]
            if not g.has_edge(council.unique_id, p.unique_id):
                g.add_edge(council.unique_id, p.unique_id, relation="place")
    return g


def trust_ties(model: PartneringModel) -> Iterator[tuple[int, int]]:
    """The edges of the trust network, in the order :func:`trust_network` adds them.

    ``metrics.summary`` finds the same trusting ties in its own pass over the contracts.
    """
    trusting = model.config.trust.trusting
    for c in model.live_contracts():
        if c.grant:
            continue
        pid = c.provider.unique_id
        for council in c.councils:
            if council.trust_in(pid) >= trusting and c.provider.trust_in(council.unique_id) >= trusting:
                yield council.unique_id, pid
    for council in model.councils:
        for other in council.partners:
            yield council.unique_id, other


def trust_network(model: PartneringModel) -> nx.Graph:
    """Only trusting ties: council-provider pairs trusting each other at or above ``trust.trusting``
    both ways, plus co-commissioning links between councils."""
    g = nx.Graph()
    g.add_edges_from(trust_ties(model))
    return g


def average_clustering(edges: Iterable[tuple[int, int]]) -> float:
    """Average clustering coefficient of the simple graph with these edges (0.0 without any).

    The same number as ``networkx.average_clustering`` of that graph, to the last bit: nodes in
    the order the edges introduce them, each node's coefficient ``2T / (d (d - 1))`` computed
    alike, summed in the same order. Without building a networkx graph it is cheap enough to
    observe every quarter at England scale.

    >>> average_clustering([(1, 2), (2, 3), (3, 1), (3, 4)])
    0.5833333333333334
    """
    adjacency: dict[int, set[int]] = {}
    for u, v in edges:
        if u not in adjacency:
            adjacency[u] = set()
        if v not in adjacency:
            adjacency[v] = set()
        adjacency[u].add(v)
        adjacency[v].add(u)
    if not adjacency:
        return 0.0
    loopless = {v: nbrs - {v} if v in nbrs else nbrs for v, nbrs in adjacency.items()}
    coefficients: list[float | int] = []
    for nbrs in loopless.values():
        degree = len(nbrs)
        triangles = sum([len(nbrs & loopless[w]) for w in nbrs])  # each triangle counted twice
        coefficients.append(0 if triangles == 0 else triangles / (degree * (degree - 1)))
    return float(sum(coefficients) / len(coefficients))
