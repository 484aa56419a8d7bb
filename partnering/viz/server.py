"""Start the workshop view: Solara's server on loopback, offline, with no telemetry.

Solara reads its settings from the environment when it is first imported, so :func:`serve` sets
the environment before importing it, and sets the already-built settings objects too in case
Solara was imported earlier in the same process. Three things keep every request on the machine:

- the front-end bundle comes from the ``solara-assets`` package through Solara's asset proxy
  (Vuetify 2 with ``ipyvuetify<2``), never from the public CDN;
- the proxy's upstream CDN is pointed at a loopback port nothing listens on, so an asset the
  package lacks fails on this machine instead of being fetched from the internet;
- Solara's usage telemetry (Mixpanel) is off, and ``solara run``'s PyPI version check is never
  run, because the server is started here rather than through ``solara run``.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass

APP = "partnering.viz.pages"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8521
DEAD_CDN = "http://127.0.0.1:9/npm/"
"""Loopback discard port: the asset proxy's upstream, so a missing asset never leaves the machine."""
KEEP_DISCONNECTED = "1h"
"""How long a participant's world survives a lost connection (a laptop closed over a break).
Solara's default is a day, which on a shared workshop laptop keeps every abandoned session's
models and figures in memory."""
KEEP_DISCONNECTED_ENV = "PARTNERING_KEEP_DISCONNECTED"
"""Environment variable that overrides :data:`KEEP_DISCONNECTED`, e.g. ``20m`` or ``30s``."""


def keep_disconnected() -> str:
    """How long a disconnected session is kept: $PARTNERING_KEEP_DISCONNECTED, else one hour.

    A value that is not a duration (``30s``, ``20m``, ``1h``, ``1d`` or seconds) is refused in one
    line before the server starts.
    """
    value = os.environ.get(KEEP_DISCONNECTED_ENV, "").strip()
    if not value:
        return KEEP_DISCONNECTED
    number = value[:-1] if value[-1:] in ("s", "m", "h", "d") else value
    try:
        seconds = float(number)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        from partnering.scenarios import ScenarioError

        raise ScenarioError(f"{KEEP_DISCONNECTED_ENV}={value!r}: not a duration; allowed e.g. 30s, 20m, 1h or 1d")
    return value


def offline_environment(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> dict[str, str]:
    """The environment variables that make Solara serve the workshop offline and quietly."""
    return {
        "SOLARA_APP": APP,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_ASSETS_PROXY": "True",
        "SOLARA_ASSETS_CDN": DEAD_CDN,
        "SOLARA_MODE": "production",
        "SOLARA_THEME_SHOW_BANNER": "False",
        "SOLARA_THEME_TITLE": "Partnering workshop",
        "SOLARA_KERNEL_CULL_TIMEOUT": keep_disconnected(),
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
    }


def configure(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Apply :func:`offline_environment` to this process and to Solara's settings objects."""
    os.environ.update(offline_environment(host, port))
    # Solara warns on every page load that a SameSite=None cookie needs https; on loopback
    # it falls back to SameSite=Lax, which is what a workshop machine wants.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    import solara.server.settings as server_settings
    import solara.settings

    solara.settings.assets.proxy = True
    solara.settings.assets.cdn = DEAD_CDN
    server_settings.telemetry.mixpanel_enable = False
    server_settings.main.mode = "production"
    server_settings.theme.show_banner = False
    server_settings.theme.title = "Partnering workshop"
    server_settings.kernel.cull_timeout = keep_disconnected()


@dataclass(frozen=True)
class RoomSettings:
    """What ``partnering app --room`` builds the shared world from."""

    scenario: str = "transactional"
    seed: int = 1
    seconds_per_quarter: float = 5.0


def address(host: str, port: int) -> str:
    """The address participants open (a placeholder when the server listens on every interface)."""
    shown = "<this computer's address>" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{port}/"


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, room: RoomSettings | None = None,
          codes=None) -> None:
    """Serve the workshop until interrupted (what ``partnering app`` runs).

    With ``room`` the participants share one world (built and checked before the server starts,
    so a bad scenario is refused in one line); either way the facilitator's page is at
    ``/facilitator``, opened with the facilitator code printed here.
    """
    configure(host, port)
    from partnering.viz.hub import open_hub

    shared = None
    if room is not None:
        from partnering.viz.controls import WorkshopSettings
        from partnering.viz.room import Room

        scenario = WorkshopSettings.from_scenario(room.scenario, room.seed).build()
        shared = Room(scenario, room.seed, seconds_per_quarter=room.seconds_per_quarter)
    hub = open_hub(codes, shared, address(host, port))
    import uvicorn

    print(f"Partnering workshop: open {hub.address} in a browser (works offline; Ctrl-C to stop)", flush=True)
    print(f"Facilitator: {hub.address}facilitator with facilitator code {hub.codes.facilitator}", flush=True)
    if shared is not None:
        print(f"Room: one shared world ({shared.scenario.name}, seed {shared.seed}, {len(shared.view.councils)} "
              f"councils); participants join with room code {hub.codes.room}", flush=True)
    try:
        uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning", access_log=False)
    finally:
        if shared is not None:
            shared.close()
