"""The workshop view: a Solara app over the public `partnering` API.

Nothing here imports Solara at package import time, so :mod:`partnering.viz.server` can set
Solara's offline and telemetry settings before Solara reads them. The pure parts (controls
derived from the schema, per-session simulations, KPIs, charts) are importable without Solara,
so they are tested and benchmarked without a browser.
"""
