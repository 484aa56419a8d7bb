"""The model: :class:`~partnering.model.model.PartneringModel` builds the world and runs the
quarterly schedule, one module per phase (:mod:`partnering.model.phases`).

- :mod:`~partnering.model.model`: construction's entry point and ``step``
- :mod:`~partnering.model.population`: councils, firms and groups, and the initial history
- :mod:`~partnering.model.tendering`: running one competition, and who may bid
- :mod:`~partnering.model.registry`: the live contracts
- :mod:`~partnering.model.catalogue`: every metric's label, unit, direction and meaning
- :mod:`~partnering.model.metrics`: the reporters (pure functions of the model's state)
- :mod:`~partnering.model.events`, :mod:`~partnering.model.network`, :mod:`~partnering.model.names`

Import the model class from its module (or from :mod:`partnering`); this package imports
nothing itself, so the light modules (the catalogue) load without Mesa.
"""
