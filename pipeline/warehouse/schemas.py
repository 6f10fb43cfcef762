"""Arrow schemas of the tables the pipeline loads: the warehouse's input boundary.

Extraction hands every backend batches in exactly these schemas; a backend adds only the
bookkeeping columns (first_seen_at, last_seen_at, fetched_at, scale).
"""

from __future__ import annotations

from enum import StrEnum

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")


class Table(StrEnum):
    AGENTS = "agents"
    SESSIONS = "sessions"
    SCORING_JOBS = "scoring_jobs"
    API_AGENT_SUMMARIES = "api_agent_summaries"
    API_SESSION_SUMMARIES = "api_session_summaries"
    API_TURN_SUMMARIES = "api_turn_summaries"
    QUARANTINE = "quarantine"


AGENTS = pa.schema(
    [
        pa.field("agent_id", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        ("display_name", pa.string()),
        ("description", pa.string()),
        ("version", pa.string()),
        ("type", pa.string()),
        ("llm_model", pa.string()),
        ("tool_count", pa.int32()),
        ("datasource_count", pa.int32()),
        ("last_execution_status", pa.string()),
        ("last_execution_time", TIMESTAMP),
    ]
)

SESSIONS = pa.schema(
    [
        pa.field("session_id", pa.string(), nullable=False),
        pa.field("agent_id", pa.string(), nullable=False),
        ("agent_name", pa.string()),
        ("agent_version", pa.string()),
        pa.field("status", pa.string(), nullable=False),
        pa.field("start_time", TIMESTAMP, nullable=False),
        ("end_time", TIMESTAMP),
        ("messages_count", pa.int32()),
        # JSON text: free-form objects whose keys the API does not fix.
        ("token_usage", pa.string()),
        ("result", pa.string()),
    ]
)

IDENTITY_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "project_id",
    "agent_name",
    "agent_version",
    "agent_session_id",
    "agent_turn",
    "agent_workflow_name",
    "agent_workflow_version",
    "agent_workflow_session_id",
    "batch_definition_id",
    "batch_execution_id",
    "tool_id",
    "tool_instance_id",
    "tool_execution_id",
)

SCORING_JOBS = pa.schema(
    [
        pa.field("job_id", pa.string(), nullable=False),
        pa.field("module", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        ("score", pa.float64()),
        ("explanation", pa.string()),
        *(
            pa.field(name, pa.int64() if name == "agent_turn" else pa.string())
            for name in IDENTITY_COLUMNS
        ),
    ]
)

_SUMMARY_FIELDS = [
    ("status", pa.string()),
    ("aggregate_score", pa.float64()),
    ("module_scores", pa.map_(pa.string(), pa.float64())),
    ("n_jobs_per_module", pa.map_(pa.string(), pa.int64())),
    ("job_ids", pa.list_(pa.string())),
]

API_AGENT_SUMMARIES = pa.schema(
    [pa.field("agent_name", pa.string(), nullable=False), *_SUMMARY_FIELDS]
)
API_SESSION_SUMMARIES = pa.schema(
    [
        pa.field("agent_name", pa.string(), nullable=False),
        pa.field("session_id", pa.string(), nullable=False),
        *_SUMMARY_FIELDS,
    ]
)
API_TURN_SUMMARIES = pa.schema(
    [
        pa.field("agent_name", pa.string(), nullable=False),
        pa.field("session_id", pa.string(), nullable=False),
        ("turn", pa.int64()),
        *_SUMMARY_FIELDS,
    ]
)

QUARANTINE = pa.schema(
    [
        pa.field("endpoint", pa.string(), nullable=False),
        pa.field("request_path", pa.string(), nullable=False),
        # JSON text of the query parameters as sent (the key travels in a header, never here).
        pa.field("request_params", pa.string(), nullable=False),
        ("record_key", pa.string()),
        ("position", pa.int64()),
        pa.field("raw_json", pa.string(), nullable=False),
        pa.field("error", pa.string(), nullable=False),
    ]
)

SCHEMAS: dict[Table, pa.Schema] = {
    Table.AGENTS: AGENTS,
    Table.SESSIONS: SESSIONS,
    Table.SCORING_JOBS: SCORING_JOBS,
    Table.API_AGENT_SUMMARIES: API_AGENT_SUMMARIES,
    Table.API_SESSION_SUMMARIES: API_SESSION_SUMMARIES,
    Table.API_TURN_SUMMARIES: API_TURN_SUMMARIES,
    Table.QUARANTINE: QUARANTINE,
}
