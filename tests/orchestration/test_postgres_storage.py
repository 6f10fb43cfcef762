"""Dagster's own state in PostgreSQL: deploy/dagster-postgres.yaml against a real server.

A sync through the project's CLI, with DAGSTER_HOME holding that profile, must leave its run,
its event log (materializations, check results) and a started schedule in PostgreSQL, where a
fresh instance object and plain SQL both find them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEventType
from dagster._core.scheduler.instigation import InstigatorStatus, InstigatorType
from dagster_postgres import (
    PostgresEventLogStorage,
    PostgresRunStorage,
    PostgresScheduleStorage,
)
from typer.testing import CliRunner

from pipeline.cli.app import app
from pipeline.ingest.assets import TABLES
from pipeline.ingest.definitions import ingest_definitions
from pipeline.simulator import SimulatorServer
from tests.postgres_server import PostgresServer

ROOT = Path(__file__).resolve().parents[2]


def test_a_cli_sync_keeps_its_run_and_event_log_in_postgres(
    dagster_home: Path,
    postgres: PostgresServer,
    simulator: SimulatorServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEIBEL_BASE_URL", simulator.base_url)
    monkeypatch.setenv("MEIBEL_API_KEY", simulator.api_key)
    monkeypatch.setenv("MEIBEL_WAREHOUSE", str(tmp_path / "meibel.duckdb"))
    monkeypatch.setenv("MEIBEL_EXPORT_DIR", str(tmp_path / "exports"))

    synced = CliRunner().invoke(app, ["sync"])
    assert synced.exit_code == 0, synced.output

    # A new instance object: only what reached PostgreSQL can be read back.
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        concurrency = instance.get_concurrency_config()
        assert concurrency.pool_config.default_pool_limit == 4
        assert [
            (limit["key"], limit["limit"])
            for limit in concurrency.run_queue_config.tag_concurrency_limits
        ] == [("meibel/warehouse", 1)]

        [run] = instance.get_runs(dg.RunsFilter(job_name="meibel_sync"))
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags["meibel/warehouse"] == "duckdb"

        materialized = {
            record.asset_key
            for record in instance.get_records_for_run(
                run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION, limit=1000
            ).records
        }
        assert {dg.AssetKey(name) for name in TABLES} <= materialized

        evaluations = [
            record.event_log_entry.dagster_event.asset_check_evaluation_data
            for record in instance.get_records_for_run(
                run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=1000
            ).records
            if record.event_log_entry.dagster_event is not None
        ]
        passed = {evaluation.asset_check_key for evaluation in evaluations if evaluation.passed}
        ingest_checks = {
            key
            for checks in ingest_definitions(per_agent=False).asset_checks or []
            for key in checks.check_keys
        }
        assert ingest_checks
        assert ingest_checks <= passed

    with postgres.connect(os.environ["DAGSTER_PG_DB"]) as connection, connection.cursor() as cur:
        cur.execute("SELECT run_id, pipeline_name, status FROM runs")
        assert cur.fetchall() == [(run.run_id, "meibel_sync", "SUCCESS")]
        cur.execute(
            "SELECT count(DISTINCT asset_key) FROM event_logs "
            "WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'",
            (run.run_id,),
        )
        assert cur.fetchone() == (len(materialized),)
        cur.execute(
            "SELECT count(*) FROM asset_check_executions "
            "WHERE run_id = %s AND execution_status = 'SUCCEEDED'",
            (run.run_id,),
        )
        [(succeeded,)] = cur.fetchall()
        assert succeeded == len(passed)


def test_starting_the_schedule_is_kept_in_postgres(
    dagster_home: Path, postgres: PostgresServer
) -> None:
    # What an operator runs (deploy/README.md): the CLI reads DAGSTER_HOME from the environment.
    started = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "schedule",
            "start",
            "meibel_sync_hourly",
            "-w",
            "workspace.yaml",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert started.returncode == 0, started.stdout[-2000:] + started.stderr[-2000:]

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        states = instance.all_instigator_state(instigator_type=InstigatorType.SCHEDULE)
    assert [(state.name, state.status) for state in states] == [
        ("meibel_sync_hourly", InstigatorStatus.RUNNING)
    ]

    with postgres.connect(os.environ["DAGSTER_PG_DB"]) as connection, connection.cursor() as cur:
        cur.execute("SELECT instigator_type, status FROM instigators")
        assert cur.fetchall() == [("SCHEDULE", "RUNNING")]
