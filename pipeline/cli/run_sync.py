"""Run the `meibel_sync` Dagster job in this process and sum up what happened."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from pipeline.definitions import build_definitions
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse, LevelTotals
from pipeline.warehouse.resource import DEFAULT_WAREHOUSE

RECONCILIATION_CHECK = "summaries_match_api"


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


def warehouse_path() -> str:
    return os.environ.get("MEIBEL_WAREHOUSE", DEFAULT_WAREHOUSE)


def run_sync_job(sync_config: dict[str, Any], *, verbose: bool = False) -> SyncOutcome:
    job = build_definitions().resolve_job_def("meibel_sync")
    run_config = {
        "ops": {"meibel_api_tables": {"config": sync_config}},
        # Dagster's own event log goes to the console only when asked; progress comes from ours.
        "loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "CRITICAL"}}},
    }
    with _instance() as inst:
        result = job.execute_in_process(run_config=run_config, instance=inst, raise_on_error=False)
        outcome = SyncOutcome(run_id=result.run_id, failure=failure_message(result))
        outcome.sync_facts = _sync_facts(result)
        for evaluation in result.get_asset_check_evaluations():
            name = f"{evaluation.asset_key.to_user_string()}.{evaluation.check_name}"
            if not evaluation.passed:
                severity = evaluation.severity
                target = (
                    outcome.warned_checks
                    if severity == dg.AssetCheckSeverity.WARN
                    else outcome.failed_checks
                )
                target.append(name)
    if not Path(warehouse_path()).exists():
        return outcome
    with DuckDBWarehouse.open(warehouse_path(), read_only=True) as wh:
        outcome.row_counts = {
            table: wh.row_count(table)
            for table in ("agents", "sessions", "scoring_jobs", "api_session_summaries")
        }
        outcome.reconciliation = wh.reconciliation_totals()
        outcome.mismatches = wh.reconciliation_mismatches(10)
    return outcome


def _sync_facts(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    facts = (
        "api_requests_this_sync",
        "agents_by_mode",
        "sessions_touched",
        "sessions_verified",
        "quarantined_this_sync",
        "agents_deferred",
    )
    for materialization in result.asset_materializations_for_node("meibel_api_tables"):
        if materialization.asset_key == dg.AssetKey("sessions"):
            metadata = materialization.metadata
            return {name: metadata[name].value for name in facts if name in metadata}
    return {}


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
