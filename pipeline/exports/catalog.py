"""What is exported to Parquet, and how each export is partitioned.

Every export is one table or view under its own name. Data with an agent is partitioned by it
(hive style, `agent_name=<value>/`, values percent-encoded) so a reader of one agent opens only
its files; job- and session-grain marts also by UTC day, which is what lakehouse engines prune
on. Small relations stay one file: thousands of tiny files cost readers more than they save.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.marts.catalog import MART_NAMES


@dataclass(frozen=True)
class ExportSpec:
    name: str
    partition_by: tuple[str, ...] = ()
    # The column whose range the manifest records as the window the export covers.
    window: str | None = None


BY_AGENT = ("agent_name",)

EXPORTS: tuple[ExportSpec, ...] = (
    # What the sync loads.
    ExportSpec("agents", window="last_seen_at"),
    ExportSpec("sessions", BY_AGENT, window="start_time"),
    ExportSpec("scoring_jobs", BY_AGENT, window="last_seen_at"),
    ExportSpec("scoring_job_history", window="valid_from"),
    ExportSpec("module_scales"),
    ExportSpec("api_agent_summaries", window="fetched_at"),
    ExportSpec("api_agent_summary_job_ids", BY_AGENT),
    ExportSpec("api_session_summaries", BY_AGENT, window="fetched_at"),
    ExportSpec("api_turn_summaries", BY_AGENT, window="fetched_at"),
    # The verification.
    ExportSpec("agent_score_summary"),
    ExportSpec("session_score_summary", BY_AGENT),
    ExportSpec("turn_score_summary", BY_AGENT),
    ExportSpec("summary_reconciliation", ("level",), window="reconciled_at"),
    ExportSpec("summary_reconciliation_totals", window="reconciled_at"),
    # The marts.
    ExportSpec("job_scores", ("agent_name", "score_date"), window="score_date"),
    ExportSpec("daily_scores", BY_AGENT, window="score_date"),
    ExportSpec("weekly_scores", BY_AGENT, window="week_start"),
    ExportSpec("session_scores", ("agent_name", "start_date"), window="start_time"),
    ExportSpec("scores_by_turn", BY_AGENT),
    ExportSpec("tool_scores", BY_AGENT, window="score_date"),
    ExportSpec("workflow_scores", BY_AGENT, window="score_date"),
    ExportSpec("session_settlement", BY_AGENT, window="end_time"),
    ExportSpec("score_latency", BY_AGENT, window="week_start"),
)

EXPORT_NAMES: tuple[str, ...] = tuple(spec.name for spec in EXPORTS)

assert set(MART_NAMES) <= set(EXPORT_NAMES), "every mart is exported"
