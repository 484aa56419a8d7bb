"""Every way a Dask sweep can fail to start ends within a bounded time in one line and exit code 2,
writing nothing; a cluster that loses its workers mid-sweep stops within ``--dask-wait`` and
keeps what finished; and the documented cluster recipe listens on loopback only.

Everything here talks to 127.0.0.1: schedulers are started on loopback, the refused port is a
loopback port nobody holds, and the unknown host is made unresolvable inside the child process
(its ``socket.getaddrinfo`` is replaced), so no name is ever sent to a DNS server.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from partnering.experiments import (
    SweepError,
    dask_executor,
    load_results,
    run_sweep,
    scenario_design,
)
from partnering.experiments.runner import simulate
from partnering.scenarios import Scenario
from tests.reliability.reliability_support import ROOT, SCRIPT, tally

distributed = pytest.importorskip("distributed")

SWEEP = ("sweep", "--scenarios", "transactional", "--replications", "1", "--steps", "2",
         "--set", "population.councils=2", "--out", "out")
LOOPBACK = {"host": "127.0.0.1", "dashboard_address": "127.0.0.1:0"}
"""A LocalCluster on loopback: its scheduler, and its HTTP server too (``dashboard_address=None``
would still open one, on port 8787 of every interface)."""
WAIT = 2
"""--dask-wait in these tests, in seconds (30 by default)."""
BOUND = 25.0
"""Longest a refusal may take here: the child's start-up (about 3 s on a loaded 2-core machine),
the connection timeout or the wait, and slack for the load."""
UNRESOLVABLE = """
import socket, sys
real = socket.getaddrinfo

def getaddrinfo(host, *args, **kwargs):
    if host == "no-such-scheduler.invalid":
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return real(host, *args, **kwargs)

socket.getaddrinfo = getaddrinfo
sys.argv = ["partnering", *sys.argv[1:]]
from partnering.cli import main
main()
"""


def free_port() -> int:
    """A loopback port nobody listens on (bound, read, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Refusal:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    folder: Path


def refuse(folder: Path, address: str, wrapper: str | None = None) -> Refusal:
    folder.mkdir(parents=True)
    command = [sys.executable, "-c", wrapper] if wrapper else [str(SCRIPT)]
    started = time.monotonic()
    done = subprocess.run([*command, *SWEEP, "--dask", address, "--dask-wait", str(WAIT)], cwd=folder,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**{k: v for k, v in os.environ.items() if k != "COLUMNS"}, "NO_COLOR": "1"})
    return Refusal(done.returncode, done.stdout, done.stderr, time.monotonic() - started, folder)


@pytest.fixture(scope="module")
def idle_scheduler():
    """A scheduler on loopback with no workers (as when every worker failed to start)."""
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp://", **LOOPBACK) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def refusals(idle_scheduler, tmp_path_factory):
    root = tmp_path_factory.mktemp("dask-refusals")
    cases = {
        "not_an_address": ("notanaddress", None),
        "dashboard_url": ("http://127.0.0.1:8786", None),
        "empty": ("", None),
        "no_port": ("tcp://127.0.0.1", None),
        "unknown_host": ("tcp://no-such-scheduler.invalid:8786", UNRESOLVABLE),
        "refused": (f"tcp://127.0.0.1:{free_port()}", None),
        "no_workers": (idle_scheduler, None),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(refuse, root / name, address, wrapper) for name, (address, wrapper) in cases.items()}
        return {name: future.result() for name, future in futures.items()}


EXPECTED = {
    "not_an_address": ("--dask notanaddress: no port", "tcp://HOST:PORT"),
    "dashboard_url": ("--dask http://127.0.0.1:8786: http:// is not a scheduler address", "dashboard", "8786"),
    "empty": ("--dask: the address is empty", "tcp://127.0.0.1:8786"),
    "no_port": ("--dask tcp://127.0.0.1: no port",),
    "unknown_host": ("unknown host 'no-such-scheduler.invalid'", "does not resolve"),
    "refused": ("nothing is listening on 127.0.0.1 port", "connection refused"),
    "no_workers": ("the scheduler has no workers after 2 s", "dask worker", "--dask-wait"),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_dask_sweep_that_cannot_start_says_why_in_one_line_with_exit_code_2(refusals, name):
    result = refusals[name]
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in EXPECTED[name]:
        assert fragment in lines[0], (fragment, lines[0])
    assert result.seconds < BOUND, f"took {result.seconds:.1f} s"
    assert not (result.folder / "out").exists(), "a sweep that never started must write nothing"
    tally("Dask failures refused in one line")


def test_an_unresolvable_host_is_not_reported_as_a_timeout(refusals):
    assert "timed out" not in refusals["unknown_host"].stderr.lower()
    assert refusals["unknown_host"].seconds < BOUND


def test_a_bad_address_is_refused_before_anything_runs_or_prints(refusals):
    for name in ("not_an_address", "dashboard_url", "empty", "no_port"):
        assert refusals[name].stdout == "", (name, refusals[name].stdout)


@dataclass(frozen=True)
class Slow:
    """Runs the model after a pause, so a sweep is still going when its cluster fails."""

    seconds: float

    def __call__(self, scenario: Scenario, seed: int, steps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        time.sleep(self.seconds)
        return simulate(scenario, seed, steps)


def test_a_cluster_that_loses_every_worker_mid_sweep_stops_within_the_wait_and_keeps_what_finished(tmp_path):
    design = scenario_design("transactional", replications=12, steps=1, overrides={"population.councils": 2})
    with (distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                                   **LOOPBACK) as cluster,
          dask_executor(cluster.scheduler_address, wait=WAIT) as executor):
        killer = threading.Timer(1.5, cluster.scale, args=(0,))
        killer.start()
        started = time.monotonic()
        with pytest.raises(SweepError, match=r"has had no workers for 2 s; finished runs are saved"):
            run_sweep(design, tmp_path / "out", executor=executor, run=Slow(0.2), flush_seconds=0.2)
        elapsed = time.monotonic() - started
        killer.join()
    assert elapsed < 1.5 + WAIT + 5.0, f"stopped after {elapsed:.1f} s"
    kept = load_results(tmp_path / "out").runs
    assert 0 < len(kept) < len(design) and set(kept["status"]) == {"ok"}
    tally("Dask clusters lost mid-sweep")


# --- the documented recipe -------------------------------------------------------------------------
def documented_commands() -> list[list[str]]:
    """The `dask scheduler` and `dask worker` lines of docs/experiments.md's loopback recipe (the
    ones started in the background, ``... &``; the trusted-network recipe's are not run here)."""
    text = (ROOT / "docs" / "experiments.md").read_text(encoding="utf-8")
    lines = re.findall(r"^\$ (dask (?:scheduler|worker) .*) &$", text, flags=re.MULTILINE)
    return [shlex.split(line) for line in lines]


def listening(pids: list[int]) -> set[tuple[str, int]]:
    """(address, port) of every listening TCP socket of these processes and their children."""
    import psutil

    out = set()
    for pid in pids:
        process = psutil.Process(pid)
        for proc in [process, *process.children(recursive=True)]:
            for conn in proc.net_connections(kind="tcp"):
                if conn.status == psutil.CONN_LISTEN:
                    out.add((conn.laddr.ip, conn.laddr.port))
    return out


def test_the_documented_dask_recipe_listens_on_loopback_only(tmp_path):
    commands = documented_commands()
    assert [c[1] for c in commands] == ["scheduler", "worker"], commands
    scheduler_port, dashboard_port = free_port(), free_port()
    ports = {"8786": str(scheduler_port), "8787": str(dashboard_port)}
    dask = Path(sys.executable).with_name("dask")
    processes = []
    try:
        for command in commands:
            args = [re.sub(r"87(86|87)", lambda m: ports[m.group(0)], a) for a in command[1:]]
            processes.append(subprocess.Popen([str(dask), *args], cwd=tmp_path, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
            if command[1] == "scheduler":
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    with socket.socket() as probe:
                        if probe.connect_ex(("127.0.0.1", scheduler_port)) == 0:
                            break
                    time.sleep(0.2)
        with distributed.Client(f"tcp://127.0.0.1:{scheduler_port}", timeout=20) as client:
            client.wait_for_workers(2, timeout=30)
            sockets = listening([p.pid for p in processes])
        assert (("127.0.0.1", scheduler_port) in sockets) and (("127.0.0.1", dashboard_port) in sockets), sockets
        assert {address for address, _ in sockets} == {"127.0.0.1"}, sockets
    finally:
        for process in processes[::-1]:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    tally("Dask recipes checked for loopback")
