"""The on-disk results of a sweep: a Parquet dataset that is written atomically and resumable.

Layout of a sweep folder::

    sweep.json         the design, seeds, scenario definitions, code hash and versions (manifest)
    data_dictionary.csv     every column of the three tables: label, unit, better direction, meaning
    runs/part-*.parquet     one row per run: id, arm, scenario and hash, seed, status, error,
                            duration, package version and every parameter (``section_field``)
    metrics/part-*.parquet  one row per (run, step), every metric a column
    events/part-*.parquet   the event log of every run

Parameter columns are stored under names SQL can use unquoted (``population_councils`` for
``population.councils``, see :mod:`partnering.experiments.dictionary`); :class:`SweepResults`
gives them back under their dotted names. Each Parquet field carries its label, unit and
meaning as metadata too.

Finished runs are written in batches. A batch writes its metrics and events parts first and
its runs part last, each to a hidden temporary file renamed into place, so the runs part is
the commit record: a metrics or events part without its runs part is the remnant of a killed
sweep and is deleted when the folder is opened again. Readers (pandas, DuckDB, R's arrow) skip
hidden files, so they never see a half-written part.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from partnering.experiments.design import Design
from partnering.experiments.dictionary import (
    DICTIONARY,
    field_metadata,
    parameter_columns,
    write_dictionary,
)
from partnering.experiments.provenance import environment, model_code_hash
from partnering.experiments.runner import RunOutcome
from partnering.scenarios import ScenarioError, parameter_table

FORMAT = "partnering-sweep/2"
"""Format 2 stores parameters as ``section_field`` columns and writes a data dictionary."""
OLD_FORMATS = ("partnering-sweep/1",)
"""Formats this version still reads (format 1: dotted parameter columns), but does not resume."""
MANIFEST = "sweep.json"
TABLES = ("runs", "metrics", "events")
LOCK = ".lock"
ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string()}


class SweepError(ScenarioError):
    """A sweep that cannot start or go on here (a folder holding another sweep, a lock);
    the message is one line saying what to do instead."""


# ----------------------------------------------------------------------------- schemas
def _schema(table: str, columns: list[tuple[str, pa.DataType]]) -> pa.Schema:
    """An Arrow schema whose fields carry the data dictionary's label, unit and meaning."""
    return pa.schema([pa.field(name, kind, metadata=field_metadata(table, name)) for name, kind in columns])


def runs_schema() -> pa.Schema:
    """Columns of the runs table: identity, outcome, provenance, then every declared parameter."""
    fixed = [("run_id", pa.string()), ("point", pa.int64()), ("arm", pa.string()), ("scenario", pa.string()),
             ("scenario_hash", pa.string()), ("replication", pa.int64()), ("seed", pa.int64()),
             ("steps", pa.int64()), ("status", pa.string()), ("error", pa.string()),
             ("duration_s", pa.float64()), ("cpu_s", pa.float64()), ("finished_at", pa.timestamp("us", tz="UTC")),
             ("package_version", pa.string()), ("worker", pa.string())]
    columns = parameter_columns()
    params = [(columns[p.name], ARROW_TYPES[p.type]) for p in parameter_table()]
    return _schema("runs", fixed + params)


def metrics_schema() -> pa.Schema:
    """Columns of the metrics table: the run's keys, the step, then every public metric."""
    from partnering.model.catalogue import CATALOGUE

    keys = [("run_id", pa.string()), ("arm", pa.string()), ("replication", pa.int64()), ("step", pa.int64())]
    return _schema("metrics", keys + [(name, pa.float64()) for name in CATALOGUE])


def events_schema() -> pa.Schema:
    """Columns of the events table: the run's keys, then the event log's own fields."""
    from partnering.model.events import Event

    keys = [("run_id", pa.string()), ("arm", pa.string()), ("replication", pa.int64())]
    fields = [(f.name, ARROW_TYPES.get(str(f.type), pa.string())) for f in dataclasses.fields(Event)]
    return _schema("events", keys + fields)


# ----------------------------------------------------------------------------- rows
def _keyed(frame: pd.DataFrame, outcome: RunOutcome) -> pd.DataFrame:
    task = outcome.task
    keys = pd.DataFrame({"run_id": task.run_id, "arm": task.arm, "replication": task.replication},
                        index=frame.index)
    return pd.concat([keys, frame], axis=1)


def run_row(outcome: RunOutcome) -> dict[str, Any]:
    """The runs-table row of one outcome."""
    task = outcome.task
    row: dict[str, Any] = {
        "run_id": task.run_id, "point": task.point, "arm": task.arm, "scenario": task.scenario.name,
        "scenario_hash": task.scenario.content_hash(), "replication": task.replication, "seed": task.seed,
        "steps": task.steps, "status": outcome.status, "error": outcome.error,
        "duration_s": outcome.duration_s, "cpu_s": outcome.cpu_s,
        "finished_at": datetime.fromtimestamp(outcome.finished_at, tz=UTC),
        "package_version": outcome.package_version, "worker": outcome.worker,
    }
    columns = parameter_columns()
    row.update({columns[name]: value for name, value in task.scenario.flat().items()})
    return row


def check_columns(outcome: RunOutcome, schema: pa.Schema) -> RunOutcome:
    """A run whose metric columns differ from the driver's (a worker with other code) fails."""
    if outcome.metrics is None:
        return outcome
    expected = [n for n in schema.names if n not in ("run_id", "arm", "replication")]
    if list(outcome.metrics.columns) == expected:
        return outcome
    missing = sorted(set(expected) - set(outcome.metrics.columns))
    extra = sorted(set(outcome.metrics.columns) - set(expected))
    error = f"metric columns differ from the driver's: missing {missing}, unexpected {extra}"
    return dataclasses.replace(outcome, status="failed", error=error, metrics=None, events=None)


# ----------------------------------------------------------------------------- files
def _write_atomic(table: pa.Table, path: Path) -> None:
    """Write to a hidden temporary file, flush it to disk, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as fh:
        pq.write_table(table, fh, compression="zstd")
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _parts(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("part-*.parquet") if p.is_file())


def read_table(folder: Path, columns: list[str] | None = None, filter: Any = None) -> pa.Table | None:
    """Read the committed parts of one table, or None when it has none yet.

    A metrics or events part counts only once the runs part of the same name (the commit record)
    exists, so a batch cut short by a full disk or a kill is never read.
    """
    files = _parts(folder)
    if folder.name != "runs":
        files = [f for f in files if (folder.parent / "runs" / f.name).exists()]
    if not files:
        return None
    dataset = pads.dataset([str(f) for f in files], format="parquet")
    return dataset.to_table(columns=columns, filter=filter)


def read_manifest(root: Path) -> dict[str, Any]:
    """The manifest of a sweep folder, with a one-line error when there is none."""
    path = Path(root) / MANIFEST
    if not path.exists():
        raise SweepError(f"{root}: not a sweep folder (no {MANIFEST}); run `partnering sweep --out {root}` first")
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SweepError(f"{path}: unreadable manifest: {exc}") from None
    if data.get("format") not in (FORMAT, *OLD_FORMATS):
        raise SweepError(f"{path}: format {data.get('format')!r} is not {FORMAT!r}; this folder was written by another version")
    return data


# ----------------------------------------------------------------------------- the store
class SweepStore:
    """An open, locked sweep folder that finished runs are appended to."""

    def __init__(self, root: Path, manifest: dict[str, Any], lock_fd: int) -> None:
        self.root = root
        self.manifest = manifest
        self._lock_fd: int | None = lock_fd
        self.runs_schema = runs_schema()
        self.metrics_schema = metrics_schema()
        self.events_schema = events_schema()

    # -- lifecycle
    def close(self) -> None:
        """Release the folder: remove the lock file (while still holding it), then close it, so a
        finished sweep leaves no empty ``.lock`` behind."""
        if self._lock_fd is not None:
            with contextlib.suppress(FileNotFoundError):
                (self.root / LOCK).unlink()
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading what is done
    def completed(self) -> dict[str, str]:
        """Status ('ok' or 'failed') of every run already recorded, by run id."""
        table = read_table(self.root / "runs", columns=["run_id", "status"])
        if table is None:
            return {}
        return dict(zip(table.column("run_id").to_pylist(), table.column("status").to_pylist(), strict=True))

    def forget_failed(self) -> int:
        """Drop the failed runs' rows so they run again; returns how many were dropped."""
        dropped = 0
        for part in _parts(self.root / "runs"):
            table = pq.read_table(part)
            keep = pc.equal(table.column("status"), "ok")
            kept = table.filter(keep)
            if kept.num_rows == table.num_rows:
                continue
            dropped += table.num_rows - kept.num_rows
            if kept.num_rows:
                _write_atomic(kept, part)
            else:
                part.unlink()
        return dropped

    # -- writing
    def write_batch(self, outcomes: list[RunOutcome]) -> None:
        """Commit finished runs: metrics and events first, the runs part (the commit record) last."""
        if not outcomes:
            return
        outcomes = [check_columns(o, self.metrics_schema) for o in outcomes]
        name = f"part-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.parquet"
        ok = [o for o in outcomes if o.status == "ok"]
        if ok:
            metrics = pd.concat([_keyed(o.metrics, o) for o in ok if o.metrics is not None], ignore_index=True)
            _write_atomic(pa.Table.from_pandas(metrics, schema=self.metrics_schema, preserve_index=False),
                          self.root / "metrics" / name)
            frames = [_keyed(o.events, o) for o in ok if o.events is not None and len(o.events)]
            if frames:
                events = pd.concat(frames, ignore_index=True)
                _write_atomic(pa.Table.from_pandas(events, schema=self.events_schema, preserve_index=False),
                              self.root / "events" / name)
            # the renames above must be on disk before the commit record can claim them
            _fsync_dir(self.root / "metrics")
            _fsync_dir(self.root / "events")
        runs = pd.DataFrame([run_row(o) for o in outcomes])
        _write_atomic(pa.Table.from_pandas(runs, schema=self.runs_schema, preserve_index=False),
                      self.root / "runs" / name)
        _fsync_dir(self.root / "runs")


def _lock(root: Path) -> int:
    """Take the folder's lock file. The holder removes the file when it is done, so after taking
    the lock check that the file is still the one in the folder; if another process removed it
    between our open and our lock, try again with the new one."""
    while True:
        fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SweepError(f"{root}: another sweep is writing to this folder; wait for it or choose another --out") from None
        try:
            current = os.stat(root / LOCK)
        except FileNotFoundError:
            current = None
        mine = os.fstat(fd)
        if current is not None and (current.st_ino, current.st_dev) == (mine.st_ino, mine.st_dev):
            return fd
        os.close(fd)


def _clean(root: Path) -> None:
    """Remove temporary files and parts whose runs part was never committed (a killed sweep)."""
    committed = {p.name for p in _parts(root / "runs")}
    for table in TABLES:
        folder = root / table
        for tmp in folder.glob(".*.tmp"):
            tmp.unlink()
        if table != "runs":
            for part in _parts(folder):
                if part.name not in committed:
                    part.unlink()


def _wipe(root: Path) -> None:
    """Delete a previous sweep's files (and only those) to start afresh."""
    for table in TABLES:
        shutil.rmtree(root / table, ignore_errors=True)
    for name in (MANIFEST, DICTIONARY, "report.html"):
        with contextlib.suppress(FileNotFoundError):
            (root / name).unlink()


def _mismatch(root: Path, old: dict[str, Any], design: Design) -> str | None:
    if old.get("format") != FORMAT:
        return (f"{root}: was written in the older format {old.get('format')!r} (dotted parameter columns); it can "
                "still be compared and reported, but not resumed; choose another --out or pass --overwrite")
    if old.get("fingerprint") != design.fingerprint():
        was = (f"{len(old.get('points', []))} arm(s) x {old.get('replications')} replication(s) x "
               f"{old.get('steps')} steps")
        return (f"{root}: holds a different sweep ({was}, fingerprint {old.get('fingerprint')}); this one is "
                f"{design.describe()} (fingerprint {design.fingerprint()}); choose another --out or pass --overwrite")
    if old.get("model_hash") != model_code_hash():
        return (f"{root}: was written by different model code (code hash {old.get('model_hash')}, now "
                f"{model_code_hash()}); resuming would mix two models; choose another --out or pass --overwrite")
    return None


def conflict(root: str | Path, design: Design) -> str | None:
    """Why ``design`` cannot resume in ``root`` (a different sweep or model code), or None."""
    root = Path(root)
    if not (root / MANIFEST).exists():
        return None
    return _mismatch(root, read_manifest(root), design)


def _is_empty(root: Path) -> bool:
    """Nothing there but what an interrupted start of a sweep leaves: the lock, a half-written
    manifest and the empty table folders (no part was ever written before the manifest)."""
    for p in root.iterdir():
        if p.name in (LOCK, f".{MANIFEST}.tmp"):
            continue
        if p.name in TABLES and p.is_dir() and not any(p.iterdir()):
            continue
        return False
    return True


def check_folder(root: str | Path, design: Design, overwrite: bool = False) -> None:
    """Refuse, in one line and before anything runs or is written, a folder this sweep cannot use."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise SweepError(f"{root}: exists and is not a folder; --out needs a folder")
    if not root.exists():
        return
    if not (root / MANIFEST).exists():
        if not _is_empty(root):
            raise SweepError(f"{root}: folder is not empty and holds no sweep ({MANIFEST}); choose a new or empty folder")
        return
    problem = _mismatch(root, read_manifest(root), design)
    if problem and not overwrite:
        raise SweepError(problem)


def open_store(root: str | Path, design: Design, overwrite: bool = False) -> SweepStore:
    """Open a sweep folder for writing: create it, resume it, or refuse it with one line.

    Resuming needs the same design (fingerprint) and the same model code (code hash).
    ``overwrite`` replaces a previous sweep, but never touches a folder that is not a sweep.
    """
    root = Path(root)
    check_folder(root, design, overwrite)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SweepError(f"{root}: cannot create the folder: {exc.strerror}") from None
    if not os.access(root, os.W_OK):
        raise SweepError(f"{root}: folder is not writable")
    fd = _lock(root)
    try:
        if (root / MANIFEST).exists():
            old = read_manifest(root)
            problem = _mismatch(root, old, design)
            if overwrite:
                _wipe(root)
            elif problem:
                raise SweepError(problem)
        if not (root / MANIFEST).exists():
            for table in TABLES:
                (root / table).mkdir(exist_ok=True)
            manifest = {"format": FORMAT, **design.manifest(), "model_hash": model_code_hash(),
                        "created": datetime.now(UTC).isoformat(timespec="seconds"), "environment": environment()}
            tmp = root / f".{MANIFEST}.tmp"
            tmp.write_text(json.dumps(manifest, indent=1, sort_keys=False))
            tmp.replace(root / MANIFEST)
        if not (root / DICTIONARY).exists():
            write_dictionary(root / DICTIONARY)
        _clean(root)
        return SweepStore(root, read_manifest(root), fd)
    except BaseException:
        os.close(fd)
        raise

