"""What `dagster dev` from the repo root loads: dagster.yaml and workspace.yaml."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef

ROOT = Path(__file__).resolve().parents[2]


def test_dagster_yaml_configures_the_instance(tmp_path: Path) -> None:
    # dagster dev without DAGSTER_HOME reads dagster.yaml from the working directory like this.
    with dg.DagsterInstance.from_ref(
        InstanceRef.from_dir(str(tmp_path), config_dir=str(ROOT))
    ) as instance:
        limits = instance.get_concurrency_config()
    assert limits.pool_config.default_pool_limit == 4
    assert [(t["key"], t["limit"]) for t in limits.run_queue_config.tag_concurrency_limits] == [
        ("meibel/warehouse", 1)
    ]


def test_workspace_loads_as_one_code_location(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "definitions",
            "validate",
            "-w",
            "workspace.yaml",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert (
        "Validation successful for code location meibel_pipeline"
        in completed.stdout + completed.stderr
    )


def test_the_sync_job_runs_in_one_process_one_run_at_a_time() -> None:
    from pipeline.definitions import defs

    job = defs.resolve_job_def("meibel_sync")
    assert job.executor_def is dg.in_process_executor
    assert job.tags["meibel/warehouse"] == "duckdb"
    schedule = defs.resolve_schedule_def("meibel_sync_hourly")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert defs.resolve_assets_def("scoring_jobs").op.pool == "meibel_api"


def test_an_agents_run_retries_its_own_step(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.definitions import build_definitions
    from pipeline.ingest.assets import AGENT_RUN_RETRIES

    monkeypatch.setenv("MEIBEL_WAREHOUSE_BACKEND", "iceberg")
    job = build_definitions().resolve_job_def("meibel_agent_sync")
    assert [node.name for node in job.graph.nodes] == ["meibel_api_tables"]
    assert job.graph.node_named("meibel_api_tables").definition.retry_policy == AGENT_RUN_RETRIES
    monkeypatch.setenv("MEIBEL_WAREHOUSE_BACKEND", "duckdb")
    single = build_definitions().resolve_assets_def("scoring_jobs")
    assert single.op.retry_policy is None
