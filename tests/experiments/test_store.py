"""What a sweep folder holds besides the numbers: SQL-friendly columns, a data dictionary that
covers every column, no lock left behind, and older folders that still read."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from experiments_support import small_design

from partnering.experiments import SweepError, compare, load_results, run_sweep
from partnering.experiments.dictionary import DICTIONARY, parameter_columns, sql_name
from partnering.model.catalogue import CATALOGUE
from partnering.scenarios import parameter_table

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
"""A column name SQL (DuckDB, SQLite, PostgreSQL) takes without quotes."""


def schemas(root) -> dict[str, list[str]]:
    return {t: pads.dataset(str(root / t), format="parquet").schema.names for t in ("runs", "metrics", "events")}


def test_every_stored_column_is_a_name_sql_can_use_unquoted(reference):
    for table, names in schemas(reference).items():
        bad = [n for n in names if not IDENTIFIER.match(n)]
        assert not bad, (table, bad)
    assert "population_councils" in schemas(reference)["runs"]
    # a filter on the stored name works without the package, e.g. as a SQL WHERE would
    runs = pads.dataset(str(reference / "runs"), format="parquet").to_table(
        filter=pads.field("population_councils") == 4).to_pandas()
    assert len(runs) == len(small_design())


def test_the_python_api_keeps_the_dotted_parameter_names(reference):
    runs = load_results(reference).runs
    assert (runs["population.councils"] == 4).all()
    assert "population_councils" not in runs.columns
    assert len(set(parameter_columns().values())) == len(parameter_table()), "no two parameters share a column"
    assert sql_name("world.demand_growth") == "world_demand_growth"


def test_the_data_dictionary_describes_every_column_of_every_table_from_the_catalogue(reference):
    dictionary = pd.read_csv(reference / DICTIONARY, keep_default_na=False)
    for table, names in schemas(reference).items():
        described = list(dictionary.loc[dictionary["table"] == table, "column"])
        assert described == names, table
    metrics = dictionary[dictionary["table"] == "metrics"].set_index("column")
    for name, entry in CATALOGUE.items():
        assert metrics.loc[name, "unit"] == entry.unit and metrics.loc[name, "better"] == entry.better
        assert metrics.loc[name, "label"] == entry.label and metrics.loc[name, "meaning"] == entry.meaning
    assert metrics.loc["value_for_money", "better"] == "lower" and "cost ratio" in metrics.loc["value_for_money", "meaning"]
    runs = dictionary[dictionary["table"] == "runs"].set_index("column")
    assert runs.loc["population_councils", "alias"] == "population.councils"
    assert runs.loc["population_councils", "unit"] == "councils"
    assert (runs.loc["duration_s", "unit"], runs.loc["seed", "alias"]) == ("s", "")


def test_each_parquet_field_carries_its_label_unit_and_meaning(reference):
    part = sorted((reference / "metrics").glob("part-*.parquet"))[0]
    field = pq.read_schema(part).field("hhi")
    assert field.metadata[b"unit"] == b"0-10,000" and field.metadata[b"better"] == b"lower"
    runs_part = sorted((reference / "runs").glob("part-*.parquet"))[0]
    assert pq.read_schema(runs_part).field("population_councils").metadata[b"alias"] == b"population.councils"


def test_a_finished_sweep_leaves_no_lock_file_and_can_be_opened_again(reference, tmp_path):
    assert not (reference / ".lock").exists()
    out = tmp_path / "again"
    shutil.copytree(reference, out)
    summary = run_sweep(small_design(), out, workers=1)
    assert summary.skipped == len(small_design()) and not (out / ".lock").exists()


def test_a_folder_in_use_is_refused_and_its_lock_removed_only_when_the_holder_is_done(tmp_path):
    from partnering.experiments.store import open_store

    design = small_design(replications=1, steps=1)
    with open_store(tmp_path / "busy", design) as store:
        assert (store.root / ".lock").exists()
        with pytest.raises(SweepError, match="another sweep is writing to this folder"):
            open_store(tmp_path / "busy", design)
        assert (store.root / ".lock").exists(), "the refused opener must not remove the holder's lock"
    assert not (tmp_path / "busy" / ".lock").exists()
    with open_store(tmp_path / "busy", design):
        pass


def test_a_folder_in_the_previous_format_is_read_but_not_resumed(reference, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(reference, old)
    # format 1: dotted parameter columns, no data dictionary
    dotted = {column: name for name, column in parameter_columns().items()}
    for part in (old / "runs").glob("part-*.parquet"):
        table = pq.read_table(part)
        pq.write_table(table.rename_columns([dotted.get(n, n) for n in table.column_names]), part)
    manifest = json.loads((old / "sweep.json").read_text())
    (old / "sweep.json").write_text(json.dumps({**manifest, "format": "partnering-sweep/1"}))
    (old / DICTIONARY).unlink()
    results = load_results(old)
    assert (results.runs["population.councils"] == 4).all()
    pd.testing.assert_frame_equal(compare(old), compare(reference))
    with pytest.raises(SweepError, match=r"older format 'partnering-sweep/1' .* not resumed; choose another --out"):
        run_sweep(small_design(), old, workers=1)
