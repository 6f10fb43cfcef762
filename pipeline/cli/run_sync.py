"""Run the sync in this process (the `meibel_sync` job, or on Iceberg a run per agent and
then `meibel_verify`) and sum up what happened."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from pipeline.definitions import build_definitions
from pipeline.orchestration.agent_runs import AGENT_SYNC_JOB, VERIFY_JOB, agents_sensor_tick
from pipeline.warehouse.backends import ENV_DUCKDB_PATH, WarehouseSettings, open_warehouse
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse, LevelTotals


@dataclass
class SyncOutcome:
    run_id: str
    failure: str | None
    row_counts: dict[str, int] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)
    warned_checks: list[str] = field(default_factory=list)
    reconciliation: list[LevelTotals] = field(default_factory=list)
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    # What the API step reported: requests made, agents by mode, sessions touched and verified.
    sync_facts: dict[str, Any] = field(default_factory=dict)

    @property
    def mismatched(self) -> int:
        return sum(level.mismatched for level in self.reconciliation)


class NoWarehouseError(Exception):
    """Nothing has been synced into the configured warehouse yet."""


@contextmanager
def read_warehouse() -> Iterator[DuckDBWarehouse]:
    """The configured warehouse, for reading: the DuckDB file (read-only), or a snapshot of
    the Iceberg tables in memory."""
    settings = WarehouseSettings.from_env()
    if settings.backend == "iceberg":
        with open_warehouse(settings) as backend, backend.query_engine() as engine:
            yield engine
        return
    if not Path(settings.duckdb_path).exists():
        raise NoWarehouseError(
            f"no warehouse at {settings.duckdb_path}: run a sync first, or set {ENV_DUCKDB_PATH}."
        )
    with DuckDBWarehouse.open(settings.duckdb_path, read_only=True) as warehouse:
        yield warehouse


def run_sync_job(sync_config: dict[str, Any], *, verbose: bool = False) -> SyncOutcome:
    """On DuckDB one `meibel_sync` run; on Iceberg a `meibel_agent_sync` run per agent (one
    after another: fanning them out is the Dagster daemon's job), then `meibel_verify`."""
    defs = build_definitions()
    logs = {"console": {"config": {"log_level": "DEBUG" if verbose else "CRITICAL"}}}
    # Dagster's own event log goes to the console only when asked; progress comes from ours.
    sync_run_config = {"ops": {"meibel_api_tables": {"config": sync_config}}, "loggers": logs}
    with _instance() as inst:
        if WarehouseSettings.from_env().backend == "iceberg":
            try:
                agent_ids = agents_sensor_tick(defs, inst)
            except Exception as error:
                # The agents could not be listed, so no run started: told in one line, as a
                # run's own error is.
                return SyncOutcome(run_id="-", failure=f"{type(error).__name__}: {error}")
            results = [
                defs.resolve_job_def(AGENT_SYNC_JOB).execute_in_process(
                    run_config=sync_run_config,
                    instance=inst,
                    partition_key=agent_id,
                    raise_on_error=False,
                )
                for agent_id in agent_ids
            ]
            results.append(
                defs.resolve_job_def(VERIFY_JOB).execute_in_process(
                    run_config={"loggers": logs}, instance=inst, raise_on_error=False
                )
            )
        else:
            results = [
                defs.resolve_job_def("meibel_sync").execute_in_process(
                    run_config=sync_run_config, instance=inst, raise_on_error=False
                )
            ]
    failures = [message for result in results if (message := failure_message(result))]
    outcome = SyncOutcome(run_id=results[0].run_id, failure=failures[0] if failures else None)
    outcome.sync_facts = _sync_facts(results)
    for result in results:
        for evaluation in result.get_asset_check_evaluations():
            if not evaluation.passed:
                warned = evaluation.severity == dg.AssetCheckSeverity.WARN
                target = outcome.warned_checks if warned else outcome.failed_checks
                target.append(f"{evaluation.asset_key.to_user_string()}.{evaluation.check_name}")
    try:
        with read_warehouse() as wh:
            outcome.row_counts = {
                table: wh.row_count(table)
                for table in ("agents", "sessions", "scoring_jobs", "api_session_summaries")
            }
            outcome.reconciliation = wh.reconciliation_totals()
            outcome.mismatches = wh.reconciliation_mismatches(10)
    except NoWarehouseError:
        pass
    return outcome


def _sync_facts(results: list[dg.ExecuteInProcessResult]) -> dict[str, Any]:
    """What the API steps reported, added up over the runs (one per agent on Iceberg)."""
    counts = (
        "api_requests_this_sync",
        "sessions_touched",
        "sessions_verified",
        "quarantined_this_sync",
    )
    facts: dict[str, Any] = {}
    modes: Counter[str] = Counter()
    deferred: list[str] = []
    for result in results:
        for materialization in result.asset_materializations_for_node("meibel_api_tables"):
            if materialization.asset_key != dg.AssetKey("sessions"):
                continue
            metadata: dict[str, Any] = {
                name: value.value for name, value in materialization.metadata.items()
            }
            for name in counts:
                if name in metadata:
                    facts[name] = facts.get(name, 0) + metadata[name]
            modes.update(metadata.get("agents_by_mode") or {})
            if metadata.get("agents_deferred"):
                deferred.append(str(metadata["agents_deferred"]))
    if modes:
        facts["agents_by_mode"] = dict(modes)
    if facts:
        facts["agents_deferred"] = ", ".join(deferred)
    return facts


def _instance() -> dg.DagsterInstance:
    # With DAGSTER_HOME set, CLI runs land in the same history `dagster dev` shows.
    return (
        dg.DagsterInstance.get() if "DAGSTER_HOME" in os.environ else dg.DagsterInstance.ephemeral()
    )


def failure_message(result: dg.ExecuteInProcessResult) -> str | None:
    """The first error of ours (not Dagster's wrapping) that failed a step or the run."""
    for event in result.all_events:
        data = event.event_specific_data
        error = getattr(data, "error", None)
        if not event.is_failure and error is None:
            continue
        while error is not None and error.cls_name.startswith("Dagster") and error.cause:
            error = error.cause
        if error is None:
            continue
        text = error.message.strip().splitlines()[0]
        # The message starts with the class's dotted path; the class name alone reads better.
        prefix, _, rest = text.partition(": ")
        named = rest and ("." in prefix or prefix == error.cls_name)
        return f"{error.cls_name}: {rest if named else text}"
    return None if result.success else "the sync run failed"
