"""The data dictionary: what every column of a results file means, written beside the data.

Built from the three declarations that own the facts: the metric catalogue
(:mod:`partnering.model.catalogue`: label, unit, better direction, bounds, meaning), the
scenario schema (:func:`partnering.scenarios.parameter_table`: unit, bounds, meaning of every
parameter) and the event log's fields. Nothing is typed twice, so the dictionary cannot drift
from the data.

Parameter columns carry names a SQL user can type: ``population.councils`` is stored as
``population_councils`` (the same names EMA Workbench uses). The dictionary gives each stored
name its dotted alias, the name ``--set``, spec files and the Python API use.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa

DICTIONARY = "data_dictionary.csv"
"""The file name of the dictionary in a sweep folder."""
FIELDS = ("table", "column", "alias", "type", "label", "unit", "better", "low", "high", "meaning")
"""The dictionary's own columns."""

RUN_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    # (column, type, unit, meaning)
    ("run_id", "string", "", "one run's identity: a hash of arm, scenario content hash, seed and steps"),
    ("point", "int", "", "the arm's position in the design, from 0"),
    ("arm", "string", "", "the arm's label: scenario name, and the parameters it changes in brackets"),
    ("scenario", "string", "", "the base scenario's name"),
    ("scenario_hash", "string", "", "hash of the resolved scenario's content: equal hashes, equal inputs"),
    ("replication", "int", "", "which of the design's seeds this run used, from 0"),
    ("seed", "int", "", "the run's random seed (the same for every arm at one replication)"),
    ("steps", "int", "quarters", "quarters simulated"),
    ("status", "string", "", "'ok', or 'failed' (then error holds the traceback and the run has no metrics)"),
    ("error", "string", "", "the traceback of a failed run; empty when it succeeded"),
    ("duration_s", "float", "s", "the run's wall-clock time on its worker"),
    ("cpu_s", "float", "s", "the CPU time the run used on its worker"),
    ("finished_at", "timestamp", "UTC", "when the run finished"),
    ("package_version", "string", "", "the partnering version the worker ran"),
    ("worker", "string", "", "the worker that ran it (host:process id)"),
)
KEY_COLUMNS: dict[str, tuple[str, str, str]] = {
    "run_id": ("string", "", "the run (see the runs table)"),
    "arm": ("string", "", "the run's arm"),
    "replication": ("int", "", "the run's replication"),
    "step": ("int", "quarters", "quarters since the start; 0 is the state before the first quarter"),
}
EVENT_MEANINGS = {
    "step": ("quarters", "the quarter the event happened in"),
    "when": ("", "the same quarter as a date, e.g. '2027 Q3'"),
    "kind": ("", "what happened: a failure, an insourcing decision, a shock..."),
    "text": ("", "the event in one sentence"),
    "council": ("", "the council concerned, if any"),
    "supplier": ("", "the firm or group concerned, if any"),
    "service": ("", "the service concerned, if any"),
    "reason": ("", "the main reason given (for insourcing decisions)"),
    "count": ("", "how many (services disrupted, contracts moved...)"),
    "share": ("share", "for a failure: the failed firm's share of outsourced contract value just before it failed"),
}


def sql_name(parameter: str) -> str:
    """The stored column of a dotted parameter name: ``population.councils`` -> ``population_councils``."""
    return parameter.replace(".", "_")


@cache
def parameter_columns() -> dict[str, str]:
    """Every declared parameter's stored column, by dotted name; refuses a schema in which two
    parameters would share a column."""
    from partnering.scenarios import parameter_table

    columns = {p.name: sql_name(p.name) for p in parameter_table()}
    taken = {c for c, *_ in RUN_COLUMNS}
    seen: dict[str, str] = {}
    for name, column in columns.items():
        if column in seen or column in taken:
            raise RuntimeError(f"parameters {seen.get(column, column)!r} and {name!r} share the column {column!r}")
        seen[column] = name
    return columns


def dotted_names() -> dict[str, str]:
    """Dotted parameter name by stored column (the inverse of :func:`parameter_columns`)."""
    return {column: name for name, column in parameter_columns().items()}


def _row(table: str, column: str, type_: str, meaning: str, *, alias: str = "", label: str = "", unit: str = "",
         better: str = "", low: float | None = None, high: float | None = None) -> dict[str, object]:
    return {"table": table, "column": column, "alias": alias, "type": type_, "label": label or column, "unit": unit,
            "better": better, "low": low, "high": high, "meaning": meaning}


def _metric_rows(table: str, columns: Iterable[str] | None) -> list[dict[str, object]]:
    from partnering.model.catalogue import CATALOGUE

    wanted = list(CATALOGUE) if columns is None else [c for c in columns if c in CATALOGUE]
    rows = []
    for name in wanted:
        m = CATALOGUE[name]
        rows.append(_row(table, name, "float", m.meaning, label=m.label, unit=m.unit, better=m.better, low=m.low,
                         high=m.high))
    return rows


def data_dictionary(tables: Sequence[str] = ("runs", "metrics", "events"),
                    metric_columns: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per column of each table: table, column, alias, type, label, unit, better, low,
    high, meaning.

    ``metric_columns`` limits the metric rows (and the key rows) to the columns a file has, as for
    ``partnering run --out``, whose file has ``step`` and the metrics.
    """
    from partnering.scenarios import parameter_table

    rows: list[dict[str, object]] = []
    for table in tables:
        if table == "runs":
            rows += [_row("runs", c, t, meaning, unit=u) for c, t, u, meaning in RUN_COLUMNS]
            columns = parameter_columns()
            for p in parameter_table():
                rows.append(_row("runs", columns[p.name], p.type, f"parameter ({p.kind}): {p.meaning}", alias=p.name,
                                 unit=p.unit, low=p.low, high=p.high))
        elif table == "metrics":
            keys = list(KEY_COLUMNS) if metric_columns is None else [c for c in KEY_COLUMNS if c in metric_columns]
            rows += [_row("metrics", k, KEY_COLUMNS[k][0], KEY_COLUMNS[k][2], unit=KEY_COLUMNS[k][1]) for k in keys]
            rows += _metric_rows("metrics", metric_columns)
        elif table == "events":
            import dataclasses

            from partnering.model.events import Event

            rows += [_row("events", k, KEY_COLUMNS[k][0], KEY_COLUMNS[k][2]) for k in ("run_id", "arm", "replication")]
            for f in dataclasses.fields(Event):
                unit, meaning = EVENT_MEANINGS.get(f.name, ("", f.name.replace("_", " ")))
                rows.append(_row("events", f.name, str(f.type), meaning, unit=unit))
        else:
            raise ValueError(f"unknown table {table!r}; allowed: runs, metrics, events")
    return pd.DataFrame(rows, columns=list(FIELDS))


def write_dictionary(path: str | Path, tables: Sequence[str] = ("runs", "metrics", "events"),
                     metric_columns: Iterable[str] | None = None) -> Path:
    """Write the dictionary as CSV, atomically (a temporary file renamed into place)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    data_dictionary(tables, metric_columns).to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def dictionary_path(results_file: str | Path) -> Path:
    """Where ``partnering run --out FILE`` puts the dictionary: ``FILE``'s stem + ``.dictionary.csv``."""
    path = Path(results_file)
    return path.with_name(f"{path.stem}.dictionary.csv")


def annotate(table: pa.Table, name: str) -> pa.Table:
    """``table`` with each field's dictionary entry (label, unit, better, meaning) as metadata."""
    fields = [field.with_metadata(field_metadata(name, field.name) or {}) for field in table.schema]
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def field_metadata(table: str, column: str) -> dict[bytes, bytes] | None:
    """Parquet field metadata (label, unit, better, meaning) for one column, so a single Parquet
    file copied out of its folder still says what its columns are."""
    frame = _dictionary_index().get((table, column))
    if frame is None:
        return None
    return {k.encode(): str(v).encode() for k, v in frame.items() if v not in ("", None) and v == v}


@cache
def _dictionary_index() -> dict[tuple[str, str], dict[str, object]]:
    frame = data_dictionary()
    return {(r["table"], r["column"]): {k: r[k] for k in ("alias", "label", "unit", "better", "meaning")}
            for r in frame.to_dict("records")}
