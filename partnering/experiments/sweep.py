"""Execute a design on any ``concurrent.futures.Executor`` and stream the runs to a store.

The driver keeps a bounded number of runs in flight and writes finished runs in small batches,
so its memory does not grow with the size of the sweep. Runs already in the output folder are
skipped (resume); a run that raises is recorded as failed and the sweep goes on; Ctrl-C
writes what has finished and stops.

Backends: :class:`SerialExecutor` (in this process), :func:`process_pool` (local processes,
spawn context, passed to the pool and never set globally) and :func:`dask_executor` (a Dask
distributed cluster, optional extra ``[dask]``). All give the same numbers, because a run's
seed is fixed by the design, not by the worker that happens to execute it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    CancelledError,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from partnering.experiments.design import Design, RunSpec
from partnering.experiments.runner import RunOutcome, RunTask, Simulate, execute, simulate
from partnering.experiments.store import SweepError, open_store

FLUSH_EVERY = 50
"""Finished runs buffered before a batch is written (bounds the driver's memory)."""
FLUSH_SECONDS = 1.0
"""Longest time a finished run waits in the buffer (bounds what a kill can lose)."""


DASK_WAIT_S = 30.0
"""How long a Dask sweep waits for the cluster to have a worker (at the start, and whenever it
has none or has lost its scheduler) before it stops with one line; ``--dask-wait`` changes it."""
DASK_CONNECT_S = 10.0
"""How long connecting to the scheduler may take."""
DASK_SCHEMES = ("tcp", "tls")
"""The scheduler address schemes a sweep accepts (Dask's TCP, with or without TLS)."""


class ExecutorFailed(RuntimeError):
    """The backend itself broke (a worker process died); finished runs are kept for a resume."""


# ----------------------------------------------------------------------------- backends
class SerialExecutor(Executor):
    """Runs each task in the calling process as it is submitted: the reference backend."""

    max_workers = 1

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


ORPHAN_POLL_S = 1.0
"""How often a local worker checks that the driver that started it is still alive."""


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the driver, which stops the sweep and keeps what is done.

    They start with SIGINT blocked (see :class:`LocalPool`), so a Ctrl-C that arrives while
    they are still importing stays pending; ignoring it here discards it. They also watch
    their driver: one killed outright (SIGTERM, SIGKILL, a closed terminal) cannot shut its pool
    down, and its workers would go on computing runs whose results have nowhere to go.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True,
                     name="orphan-watch").start()


def _exit_when_orphaned(parent: int, poll: float = ORPHAN_POLL_S) -> None:
    """Exit this worker process as soon as its parent is no longer ``parent`` (it has died and
    the process was re-parented)."""
    while True:
        time.sleep(poll)
        if os.getppid() != parent:
            os._exit(1)


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class LocalPool(ProcessPoolExecutor):
    """A spawn process pool whose workers never see the terminal's Ctrl-C.

    Workers are started from ``submit``; blocking SIGINT around it makes each new process
    inherit a blocked signal mask until its initializer ignores the signal.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def process_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A local process pool using the spawn start method (passed in, never set globally)."""
    return LocalPool(max_workers=workers or default_workers(), mp_context=multiprocessing.get_context("spawn"),
                     initializer=_ignore_interrupts)


class DaskExecutor(Executor):
    """``distributed.Client(address).get_executor()``, plus the cluster's thread count and a
    watchdog: :meth:`check` raises once the cluster has had no worker (or no scheduler) for
    ``wait`` seconds, so a dead cluster stops the sweep instead of hanging it."""

    def __init__(self, client: Any, address: str = "", wait: float = DASK_WAIT_S) -> None:
        self._client = client
        self._inner = client.get_executor(pure=False)
        self.address = address or str(client.scheduler.address)
        self.wait = wait
        self.max_workers = max(1, sum(client.nthreads().values()))
        self._empty_since: float | None = None
        self._last_check = 0.0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self._inner.submit(fn, *args, **kwargs)

    def check(self) -> None:
        """Raise :class:`SweepError` when the cluster has had no worker for ``wait`` seconds.

        Reads the client's own copy of the scheduler's state (refreshed in the background), at
        most once a second, so it never blocks on a scheduler that has gone.
        """
        now = time.monotonic()
        if now - self._last_check < 1.0:
            return
        self._last_check = now
        running = self._client.status == "running"
        workers = len(self._client.scheduler_info().get("workers", {})) if running else 0
        if workers:
            self._empty_since = None
            return
        if self._empty_since is None:
            self._empty_since = now
        elif now - self._empty_since >= self.wait:
            what = "no workers" if running else "lost its scheduler"
            raise SweepError(f"--dask {self.address}: the cluster has had {what} for {self.wait:g} s; finished runs "
                             "are saved: start workers and run the same command again to resume")

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait and not cancel_futures)


def parse_dask_address(address: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a scheduler address, or a one-line SweepError saying what is wrong.

    Accepts ``tcp://HOST:PORT``, ``tls://HOST:PORT`` and ``HOST:PORT`` (TCP); IPv6 hosts in
    brackets (``tcp://[::1]:8786``).
    """
    text = address.strip()
    example = "e.g. tcp://127.0.0.1:8786"
    if not text:
        raise SweepError(f"--dask: the address is empty; give the scheduler's address, {example}")
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme not in DASK_SCHEMES:
        hint = " (that is the dashboard's web address; the scheduler itself listens on tcp://, port 8786 by default)" \
            if scheme in ("http", "https") else ""
        raise SweepError(f"--dask {address}: {scheme}:// is not a scheduler address{hint}; allowed: "
                         f"{', '.join(s + '://HOST:PORT' for s in DASK_SCHEMES)}, {example}")
    host, colon, port_text = rest.rpartition(":")
    if not colon or not host:
        raise SweepError(f"--dask {address}: no port; expected {scheme}://HOST:PORT, {example}")
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise SweepError(f"--dask {address}: port {port_text!r} is not a number from 1 to 65535; {example}")
    return scheme, host.strip("[]"), int(port_text)


def _reach(address: str, host: str, port: int, timeout: float) -> None:
    """Resolve the host and open a TCP connection to the scheduler's port, so that an unknown host,
    a refused connection and a silent one each get their own message."""
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise SweepError(f"--dask {address}: unknown host {host!r} (the name does not resolve); check the spelling "
                         "or give the scheduler's IP address") from None
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except ConnectionRefusedError:
        raise SweepError(f"--dask {address}: nothing is listening on {host} port {port} (connection refused); "
                         f"start the scheduler first: dask scheduler --host {host} --port {port}") from None
    except TimeoutError:
        raise SweepError(f"--dask {address}: no answer from {host} port {port} within {timeout:g} s "
                         "(a firewall, or the wrong address)") from None
    except OSError as exc:
        raise SweepError(f"--dask {address}: cannot reach {host} port {port}: {exc.strerror or exc}") from None


@contextmanager
def dask_executor(address: str, timeout: str | float = DASK_CONNECT_S,
                  wait: float = DASK_WAIT_S) -> Iterator[DaskExecutor]:
    """Connect to a Dask scheduler (e.g. ``tcp://127.0.0.1:8786``) for the length of a sweep.

    Every way this can fail ends in one :class:`SweepError` line, within a bounded time: a
    malformed address at once; an unknown host, a refused or silent port within ``timeout``
    seconds; a scheduler with no workers after ``wait`` seconds (and, during the sweep, a
    cluster that has had no worker for ``wait`` seconds: see :meth:`DaskExecutor.check`).
    """
    scheme, host, port = parse_dask_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise SweepError("--dask needs Dask distributed; install it with: pip install 'partnering[dask]'") from None
    seconds = float(str(timeout).removesuffix("s"))
    if scheme == "tcp":
        _reach(address, host, port, seconds)
    target = address.strip() if "://" in address else f"tcp://{address.strip()}"
    try:
        client = Client(target, timeout=seconds)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SweepError(f"--dask {address}: cannot connect to the scheduler: {first}") from None
    try:
        try:
            client.wait_for_workers(1, timeout=wait)
        except (TimeoutError, OSError):
            raise SweepError(f"--dask {address}: the scheduler has no workers after {wait:g} s; start some "
                             f"(dask worker {target} --host HOST), or wait longer with --dask-wait SECONDS") from None
        yield DaskExecutor(client, address, wait)
    finally:
        client.close()


def _capacity(executor: Executor, workers: int | None) -> int:
    size = getattr(executor, "max_workers", None) or getattr(executor, "_max_workers", None)
    return int(size or workers or default_workers())


# ----------------------------------------------------------------------------- progress
@dataclass
class Progress:
    """Where a sweep stands; passed to the progress callback after every finished run."""

    total: int
    skipped: int = 0
    ok: int = 0
    failed: int = 0
    started: float = 0.0

    @property
    def done(self) -> int:
        """Runs recorded, including those found already done."""
        return self.skipped + self.ok + self.failed


@dataclass(frozen=True)
class SweepSummary:
    """The outcome of :func:`run_sweep`."""

    out: Path
    total: int
    skipped: int
    ok: int
    failed: int
    elapsed_s: float

    @property
    def complete(self) -> bool:
        return self.skipped + self.ok + self.failed == self.total


# ----------------------------------------------------------------------------- the driver
def _task(design: Design, spec: RunSpec) -> RunTask:
    return RunTask(spec.run_id, spec.point, spec.arm, spec.replication, spec.seed, design.steps,
                   design.resolve(spec.point))


def _collect(future: Future, task: RunTask) -> RunOutcome | None:
    """A finished future as an outcome; a task the backend lost counts as a failed run."""
    try:
        return future.result()
    except CancelledError:
        return None
    except BrokenExecutor as exc:
        raise ExecutorFailed(f"the worker pool broke ({exc}); finished runs are kept, rerun to resume") from exc
    except Exception:
        return RunOutcome(task, "failed", "the backend lost this run:\n" + traceback.format_exc(), 0.0, 0.0,
                          time.time(), "", "", None, None)


def run_sweep(
    design: Design,
    out: str | Path,
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: Callable[[Progress], None] | None = None,
    overwrite: bool = False,
    retry_failed: bool = False,
    run: Simulate = simulate,
    max_in_flight: int | None = None,
    flush_every: int = FLUSH_EVERY,
    flush_seconds: float = FLUSH_SECONDS,
) -> SweepSummary:
    """Run every run of ``design`` not yet in ``out`` and store the results there.

    Args:
        design: what to run (see :mod:`partnering.experiments.design`).
        out: the sweep folder; created, resumed, or refused if it holds another sweep.
        executor: any ``concurrent.futures.Executor``; by default a local spawn process pool
            of ``workers`` processes (in this process when ``workers`` is 1). An executor
            passed in is left open for the caller.
        max_in_flight: runs submitted but not finished (default: twice the executor's workers,
            read from ``max_workers`` where it has one). A bare ``client.get_executor()`` does
            not say how big its cluster is: pass this, or use :func:`dask_executor`, which does.
        progress: called with a :class:`Progress` at the start and after every finished run.
        overwrite: replace a previous sweep in ``out`` instead of refusing it.
        retry_failed: run again the runs recorded as failed.
        run: the simulation a worker performs (a picklable, importable callable); tests use
            it to inject failures.
    """
    start = time.monotonic()
    with open_store(out, design, overwrite=overwrite) as store:
        if retry_failed:
            store.forget_failed()
        done = store.completed()
        state = Progress(total=len(design), skipped=len(done), started=start)
        todo = (spec for spec in design.runs() if spec.run_id not in done)
        own = executor is None
        if executor is None:
            workers = workers or default_workers()
            executor = SerialExecutor() if workers == 1 else process_pool(workers)
        limit = max_in_flight or 2 * _capacity(executor, workers)
        check = getattr(executor, "check", None)  # a cluster's watchdog (DaskExecutor.check)
        pending: dict[Future, RunTask] = {}
        buffer: list[RunOutcome] = []
        oldest = 0.0  # when the oldest finished run in the buffer arrived
        if progress:
            progress(state)
        try:
            while True:
                for spec in todo:
                    task = _task(design, spec)
                    pending[executor.submit(execute, task, run)] = task
                    if len(pending) >= limit:
                        break
                if not pending:
                    break
                due = flush_seconds if not buffer else max(0.0, oldest + flush_seconds - time.monotonic())
                finished, _ = wait(pending, timeout=due, return_when=FIRST_COMPLETED)
                if check is not None:
                    check()
                for future in finished:
                    outcome = _collect(future, pending.pop(future))
                    if outcome is None:
                        continue
                    if not buffer:
                        oldest = time.monotonic()
                    buffer.append(outcome)
                    if outcome.status == "ok":
                        state.ok += 1
                    else:
                        state.failed += 1
                    if progress:
                        progress(state)
                if buffer and (len(buffer) >= flush_every or time.monotonic() - oldest >= flush_seconds):
                    # hand the batch over before writing it: if Ctrl-C lands mid-write, the handler
                    # below must not write it a second time (its runs part may already be committed)
                    batch, buffer = buffer, []
                    store.write_batch(batch)
        except KeyboardInterrupt:
            # Ctrl-C: start nothing new, let the runs in progress finish and keep them too
            # (a second Ctrl-C abandons them); then close the pool normally
            running = {f: t for f, t in pending.items() if not f.cancel()}
            try:
                for future in wait(running).done:
                    outcome = _collect(future, running[future])
                    if outcome is not None:
                        buffer.append(outcome)
            except (KeyboardInterrupt, ExecutorFailed):
                pass
            store.write_batch(buffer)
            if own:
                executor.shutdown(wait=True, cancel_futures=True)
            raise
        except BaseException:
            for future in pending:
                future.cancel()
            store.write_batch(buffer)
            if own:
                executor.shutdown(wait=False, cancel_futures=True)
            raise
        batch, buffer = buffer, []
        store.write_batch(batch)
        if own:
            executor.shutdown(wait=True)
    return SweepSummary(Path(out), state.total, state.skipped, state.ok, state.failed, time.monotonic() - start)


def run_design(design: Design, out: str | Path, *, workers: int | None = None, dask_address: str | None = None,
               dask_wait: float = DASK_WAIT_S, **options: Any) -> SweepSummary:
    """Run a design on local processes, or on the Dask cluster at ``dask_address`` if given
    (waiting at most ``dask_wait`` seconds for it to have a worker)."""
    if dask_address is None:
        return run_sweep(design, out, workers=workers, **options)
    with dask_executor(dask_address, wait=dask_wait) as executor:
        return run_sweep(design, out, executor=executor, **options)
