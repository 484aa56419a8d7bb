"""The same design gives identical numbers serially, on a local process pool and on Dask."""

from __future__ import annotations

import pandas as pd
import pytest
from experiments_support import assert_same_results, tidy

from partnering.experiments import SerialExecutor, SweepError, dask_executor, run_one, run_sweep
from partnering.model.metrics import REQUIRED_COLUMNS


def test_run_one_returns_tidy_metrics_the_event_log_and_the_resolved_parameters():
    result = run_one("changemaking", seed=11, steps=3, overrides={"population.councils": 3})
    assert list(result.metrics["step"]) == [0, 1, 2, 3]
    assert set(REQUIRED_COLUMNS) <= set(result.metrics.columns)
    assert {"step", "kind", "text"} <= set(result.events.columns)
    assert result.parameters["population.councils"] == 3
    assert result.parameters["principles.collaborative"] == result.scenario.principles.collaborative
    again = run_one("changemaking", seed=11, steps=3, overrides={"population.councils": 3})
    pd.testing.assert_frame_equal(result.metrics, again.metrics, check_exact=True)


def test_the_reference_sweep_records_every_run_once_with_its_parameters(reference, design):
    metrics, runs, _ = tidy(reference)
    assert len(runs) == len(design) and runs["run_id"].is_unique
    assert set(runs["status"]) == {"ok"}
    assert len(metrics) == len(design) * (design.steps + 1)
    assert not metrics.duplicated(["run_id", "step"]).any()
    assert set(REQUIRED_COLUMNS) <= set(metrics.columns)
    assert set(runs["seed"]) == set(design.seeds)
    assert (runs["population.councils"] == 4).all()
    assert set(runs["scenario"]) == {"transactional", "changemaking"}
    assert runs["package_version"].str.len().gt(0).all()


def test_an_executor_passed_in_gives_the_same_numbers_as_the_default(reference, design, tmp_path):
    run_sweep(design, tmp_path / "serial", executor=SerialExecutor())
    assert_same_results(reference, tmp_path / "serial")


def test_a_local_process_pool_gives_the_same_numbers_as_a_serial_run(reference, design, pool, tmp_path):
    summary = run_sweep(design, tmp_path / "pool", executor=pool)
    assert summary.complete and summary.ok == len(design)
    assert_same_results(reference, tmp_path / "pool")


def test_a_dask_cluster_gives_the_same_numbers_as_a_serial_run(reference, design, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0") as cluster:  # loopback only, HTTP too
        # any concurrent.futures executor: the client's own...
        with distributed.Client(cluster.scheduler_address) as client:
            summary = run_sweep(design, tmp_path / "dask", executor=client.get_executor())
        # ...and the one `partnering sweep --dask ADDRESS` uses
        with dask_executor(cluster.scheduler_address) as executor:
            assert executor.max_workers == 2
            run_sweep(design, tmp_path / "dask-address", executor=executor)
    assert summary.complete and summary.ok == len(design)
    assert_same_results(reference, tmp_path / "dask")
    assert_same_results(reference, tmp_path / "dask-address")


def test_an_unreachable_scheduler_is_refused_in_one_line(design, tmp_path):
    pytest.importorskip("distributed")
    with pytest.raises(SweepError, match=r"nothing is listening on 127\.0\.0\.1 port 9 \(connection refused\)"), \
            dask_executor("tcp://127.0.0.1:9", timeout="1s"):
        pass
