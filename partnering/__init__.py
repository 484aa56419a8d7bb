"""partnering: an agent-based model of transactional and relational partnering in public services.

Common tasks are one line::

    from partnering import PartneringModel
    frame = PartneringModel("changemaking", rng=1).run().metrics_frame()
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from partnering.scenarios import Scenario, ScenarioError, list_scenarios, load_scenario

try:
    __version__ = version("partnering")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["PartneringModel", "Scenario", "ScenarioError", "__version__", "list_scenarios", "load_scenario"]


def __getattr__(name: str) -> Any:
    # The model pulls in Mesa, networkx and pandas; load it on first use so that the command
    # line answers --help and refuses bad input quickly.
    if name == "PartneringModel":
        from partnering.model.model import PartneringModel

        return PartneringModel
    raise AttributeError(name)
