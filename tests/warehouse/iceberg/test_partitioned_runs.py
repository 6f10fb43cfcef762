"""Per-agent partitioned runs into Iceberg tables on S3-compatible storage, as deployed.

The code location is built with MEIBEL_WAREHOUSE_BACKEND=iceberg, the catalog configured the
way an operator configures it (PYICEBERG_CATALOG__MEIBEL__* variables), and Dagster's instance
is the operator's PostgreSQL profile (deploy/dagster-postgres.yaml), with its `meibel_api` pool
of four. The agents sensor registers the agents as partitions and asks for a run of each; four
runs go at once, each on Dagster's multiprocess executor (its step in a process of its own),
writing the same Iceberg tables concurrently. Then `meibel_verify` checks and reconciles. The
tables must equal the simulator's data, with clean reconciliation, after the backfill and after
a following incremental round.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEventType

from pipeline.definitions import build_definitions
from pipeline.ingest.partitions import AGENT_PARTITIONS_NAME
from pipeline.orchestration.agent_runs import (
    AGENT_SYNC_JOB,
    VERIFY_JOB,
    agent_sync_job,
    agents_sensor_tick,
)
from pipeline.simulator import SimulatorServer
from pipeline.warehouse.backends import WarehouseSettings, open_warehouse
from tests.conftest import SimulatorFactory
from tests.warehouse.iceberg.test_iceberg_sync import assert_equals_api

pytestmark = [
    pytest.mark.filterwarnings("ignore:Delete operation did not match any records"),
    # Eight runs and their step processes, each starting Python afresh, on a two-core machine.
    pytest.mark.timeout(900),
]

RUNS_AT_ONCE = 4


@pytest.fixture
def iceberg_location(
    monkeypatch: pytest.MonkeyPatch,
    iceberg_environment: dict[str, str],
    simulator_factory: SimulatorFactory,
    dagster_home: Path,
    tmp_path: Path,
) -> SimulatorServer:
    simulator = simulator_factory(agents=RUNS_AT_ONCE, sessions_per_agent=10)
    environment = {
        "MEIBEL_EXECUTOR": "multiprocess",
        "MEIBEL_BASE_URL": simulator.base_url,
        "MEIBEL_API_KEY": simulator.api_key,
        "MEIBEL_EXPORT_DIR": str(tmp_path / "exports"),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return simulator


@pytest.fixture
def run_workers() -> Iterator[Executor]:
    """Processes that run Dagster runs, four at once, as a run launcher gives each its own.
    (Not threads: Dagster sets up logging per run, which is not thread-safe.)"""
    with ProcessPoolExecutor(RUNS_AT_ONCE, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def run_partition(dagster_home: str, partition_key: str) -> bool:
    """One agent's run; its step goes to a process of its own (the multiprocess executor)."""
    with (
        dg.DagsterInstance.from_config(dagster_home) as instance,
        dg.execute_job(
            dg.reconstructable(agent_sync_job), instance, tags={"dagster/partition": partition_key}
        ) as result,
    ):
        return result.success


def sync_round(instance: dg.DagsterInstance, dagster_home: Path, workers: Executor) -> list[str]:
    """One tick of the agents sensor and the runs it asks for; the partitions it registered."""
    defs = build_definitions()
    keys = agents_sensor_tick(defs, instance)
    assert all(workers.map(run_partition, [str(dagster_home)] * len(keys), keys))
    verify = defs.resolve_job_def(VERIFY_JOB).execute_in_process(instance=instance)
    assert verify.success
    return keys


def most_at_once(records: Sequence[dg.RunRecord]) -> int:
    """The most runs that were going at one moment."""
    edges = sorted(
        edge
        for record in records
        if record.start_time is not None and record.end_time is not None
        for edge in ((record.start_time, 1), (record.end_time, -1))
    )
    going = [0]
    for _, change in edges:
        going.append(going[-1] + change)
    return max(going)


def test_per_agent_runs_into_iceberg_on_s3_equal_the_api(
    iceberg_location: SimulatorServer, dagster_home: Path, run_workers: Executor
) -> None:
    simulator = iceberg_location
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        for round_number, minutes in enumerate((0, 90), start=1):
            simulator.world.advance(minutes)
            keys = sync_round(instance, dagster_home, run_workers)
            assert sorted(keys) == sorted(simulator.world.agent_ids)
            assert sorted(instance.get_dynamic_partitions(AGENT_PARTITIONS_NAME)) == sorted(keys)
            runs = instance.get_runs(dg.RunsFilter(job_name=AGENT_SYNC_JOB))
            # Each agent's sync ran as a run of its own, every round, its step in a process of
            # its own; and the runs went at the same time.
            assert len(runs) == round_number * len(keys)
            assert {run.tags["dagster/partition"] for run in runs} == set(keys)
            for run in runs[: len(keys)]:
                [worker] = instance.get_records_for_run(
                    run.run_id, of_type=DagsterEventType.STEP_WORKER_STARTED
                ).records
                assert worker.event_log_entry.step_key == "meibel_api_tables"
            assert (
                most_at_once(
                    instance.get_run_records(
                        dg.RunsFilter(run_ids=[run.run_id for run in runs[: len(keys)]])
                    )
                )
                > 1
            )
            # Every step took, and gave back, a slot of the API pool.
            pool = instance.event_log_storage.get_concurrency_info("meibel_api")
            assert pool.slot_count == RUNS_AT_ONCE
            assert pool.active_slot_count == 0
            with (
                open_warehouse(WarehouseSettings.from_env()) as backend,
                backend.query_engine() as wh,
            ):
                assert_equals_api(wh, simulator)
                totals = wh.reconciliation_totals()
                assert totals
                assert all(level.mismatched == 0 for level in totals)
