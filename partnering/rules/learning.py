"""Learning: councils' commercial capability and in-house capacity, joint learning on contracts,
and the memories that smooth experience.

Constants are the declared ``learning`` and ``in_house`` parameters
(:mod:`partnering.scenarios.mechanisms`); skill erosion and in-house decay are
``behaviour.skill_erosion`` and ``behaviour.inhouse_decay``.
"""

from __future__ import annotations

from partnering.scenarios.mechanisms import InHouse, Learning


def smooth(memory: float, reading: float, rate: float) -> float:
    """Exponential smoothing: move ``memory`` a share ``rate`` of the way towards ``reading``.

    >>> smooth(1.0, 2.0, 0.25)
    1.25
    """
    return memory + rate * (reading - memory)


def commercial_capability(capability: float, trained: bool, invested: bool, share_outsourced: float, erosion: float,
                          p: Learning) -> float:
    """Next quarter's commercial capability: training and investment in public-sector capacity
    raise it towards 1; prolonged outsourcing erodes it.

    >>> round(commercial_capability(0.5, True, False, 0.0, 0.006, Learning()), 3)
    0.515
    >>> round(commercial_capability(0.5, False, False, 1.0, 0.006, Learning()), 3)
    0.497
    """
    capability += p.training_gain * (1.0 - capability) * trained
    capability += p.investment_gain * (1.0 - capability) * invested
    capability -= erosion * share_outsourced * capability
    return min(1.0, max(0.0, capability))


def in_house_capacity(capacity: float, mostly_in_house: bool, invested: bool, decay: float, p: InHouse) -> float:
    """In-house capacity is rebuilt while a service is mostly delivered in-house and decays
    while it is outsourced.

    >>> round(in_house_capacity(0.5, True, False, 0.03, InHouse()), 3), round(in_house_capacity(0.5, False, False, 0.03, InHouse()), 3)
    (0.54, 0.485)
    """
    if mostly_in_house:
        rebuild = p.capacity_rebuild + p.investment_rebuild * invested
        return capacity + rebuild * (1.0 - capacity)
    return capacity * (1.0 - decay)


def joint_learning(learning: float, creative: float, trust: float, p: Learning) -> float:
    """Capability a contract has gained through joint learning, growing in creative, trusted
    partnerships towards ``p.joint_learning_max``.

    >>> round(joint_learning(0.0, 1.0, 1.0, Learning()), 4)
    0.0045
    """
    return learning + p.joint_learning_rate * creative * trust * (p.joint_learning_max - learning)
