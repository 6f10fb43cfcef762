"""API records flattened into Arrow batches in the warehouse's load schemas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pydantic_core

from pipeline.api.models import AgentSummary, ScoreSummary, ScoringJobResponse, SessionSummary
from pipeline.api.records import RejectedRecord
from pipeline.warehouse import schemas


def agents_batch(agents: Sequence[AgentSummary]) -> pa.Table:
    rows = [{"agent_id": a.id, **a.model_dump(exclude={"id"})} for a in agents]
    return pa.Table.from_pylist(rows, schema=schemas.AGENTS)


def sessions_batch(agent_id: str, sessions: Sequence[SessionSummary]) -> pa.Table:
    # Built column by column from the attributes: a dict per session (model_dump) costs more
    # than all the rest of a sessions page's decoding.
    columns: dict[str, list[Any]] = {
        name: [getattr(s, name) for s in sessions]
        for name in schemas.SESSIONS.names
        if name not in ("agent_id", "token_usage", "result")
    }
    columns["agent_id"] = [agent_id] * len(sessions)
    columns["token_usage"] = [_json(s.token_usage) for s in sessions]
    columns["result"] = [_json(s.result) for s in sessions]
    return pa.table(columns, schema=schemas.SESSIONS)


def jobs_batch(jobs: Sequence[ScoringJobResponse]) -> pa.Table:
    rows = [
        {
            "job_id": job.job_id,
            "module": job.module,
            "status": job.status,
            "score": None if job.score is None else float(job.score),
            "explanation": job.explanation,
            **job.agent_identity_context.model_dump(include=set(schemas.IDENTITY_COLUMNS)),
        }
        for job in jobs
    ]
    return pa.Table.from_pylist(rows, schema=schemas.SCORING_JOBS)


def agent_summaries_batch(summaries: Sequence[tuple[str, ScoreSummary]]) -> pa.Table:
    rows = [{"agent_name": name, **_summary_fields(s)} for name, s in summaries]
    return pa.Table.from_pylist(rows, schema=schemas.API_AGENT_SUMMARIES)


def session_summaries_batches(
    agent_name: str, summaries: Sequence[tuple[str, ScoreSummary]]
) -> tuple[pa.Table, pa.Table]:
    """The session summaries and, flattened beside them, their turns."""
    sessions = [
        {"agent_name": agent_name, "session_id": session_id, **_summary_fields(summary)}
        for session_id, summary in summaries
    ]
    turns = [
        {
            "agent_name": agent_name,
            "session_id": session_id,
            "turn": turn.turn,
            **_summary_fields(turn),
        }
        for session_id, summary in summaries
        for turn in summary.turns or []
    ]
    return (
        pa.Table.from_pylist(sessions, schema=schemas.API_SESSION_SUMMARIES),
        pa.Table.from_pylist(turns, schema=schemas.API_TURN_SUMMARIES),
    )


def quarantine_batch(rejected: Sequence[RejectedRecord]) -> pa.Table:
    rows = [
        {
            "endpoint": r.endpoint,
            "request_path": r.path,
            "request_params": _json(dict(r.params)),
            "record_key": r.key,
            "position": r.position,
            "raw_json": r.raw_json,
            "error": r.error,
        }
        for r in rejected
    ]
    return pa.Table.from_pylist(rows, schema=schemas.QUARANTINE)


def _summary_fields(summary: Any) -> dict[str, Any]:
    return {
        "status": summary.status,
        "aggregate_score": summary.aggregate_score,
        "module_scores": _items(summary.module_scores),
        "n_jobs_per_module": _items(summary.n_jobs_per_module),
        "job_ids": summary.job_ids,
    }


def _items(mapping: dict[str, Any] | None) -> list[tuple[str, Any]] | None:
    return None if mapping is None else list(mapping.items())


def _json(value: Any) -> str | None:
    # pydantic's serializer in Rust: json.dumps took most of a sessions page's batch time.
    return None if value is None else pydantic_core.to_json(value).decode()
