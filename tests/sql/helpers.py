"""Loading jobs and API summaries into a fresh DuckDB, and comparing summaries, for tests/sql."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from pipeline.api.models import ScoreSummary, ScoringJobResponse, TurnSummary
from pipeline.warehouse.duckdb_warehouse import RECONCILIATION_MODELS
from pipeline.warehouse.schemas import (
    API_AGENT_SUMMARIES,
    API_SESSION_SUMMARIES,
    API_TURN_SUMMARIES,
    IDENTITY_COLUMNS,
    SCORING_JOBS,
    TIMESTAMP,
)
from pipeline.warehouse.sql_files import run_script, schema_files

SEEN_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SUMMARY_VIEWS = ("agent_score_summary", "session_score_summary", "turn_score_summary")
SUMMARY_FIELDS = ("status", "aggregate_score", "module_scores", "n_jobs_per_module", "job_ids")
# Scores are at most 10 and means here are over a few dozen of them: the SQL and Python sums,
# taken in different orders, differ by far less than this.
SCORE_TOLERANCE = 1e-9


def fresh_warehouse() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the schema files and the summary views applied."""
    con = duckdb.connect(":memory:")
    for name in schema_files():
        run_script(con, name)
    run_script(con, "views/score_summaries")
    return con


def _insert(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table) -> None:
    """Insert `data` into `table` by column name: what the loads store, not what the
    reconciliation adds to a row (the API summaries' fingerprints stay NULL until it runs)."""
    columns = set(con.table(table).columns)
    assert set(data.column_names) <= columns, table
    missing = [c for c in con.table(table).columns if c not in data.column_names]
    relation = con.from_arrow(data)
    projection = [*data.column_names, *(f"NULL AS {c}" for c in missing)]
    relation.project(", ".join(projection)).select(*con.table(table).columns).insert_into(table)


def jobs_table(jobs: Sequence[ScoringJobResponse], seen_at: datetime = SEEN_AT) -> pa.Table:
    """`jobs` as rows of `scoring_jobs`, bookkeeping columns included."""
    columns: dict[str, list[Any]] = {
        "job_id": [job.job_id for job in jobs],
        "module": [job.module for job in jobs],
        "status": [job.status for job in jobs],
        "score": [None if job.score is None else float(job.score) for job in jobs],
        "explanation": [job.explanation for job in jobs],
    }
    for name in IDENTITY_COLUMNS:
        columns[name] = [getattr(job.agent_identity_context, name) for job in jobs]
    schema = SCORING_JOBS.append(pa.field("scale", pa.string()))
    schema = schema.append(pa.field("first_seen_at", TIMESTAMP))
    schema = schema.append(pa.field("last_seen_at", TIMESTAMP))
    schema = schema.append(pa.field("gone_at", TIMESTAMP))
    columns["scale"] = [None] * len(jobs)
    columns["gone_at"] = [None] * len(jobs)
    columns["first_seen_at"] = [seen_at] * len(jobs)
    columns["last_seen_at"] = [seen_at] * len(jobs)
    return pa.table(columns, schema=schema)


def load_jobs(con: duckdb.DuckDBPyConnection, jobs: Sequence[ScoringJobResponse]) -> None:
    _insert(con, "scoring_jobs", jobs_table(jobs))


def _summary_columns(
    summaries: Sequence[ScoreSummary | TurnSummary],
) -> dict[str, list[Any]]:
    return {
        "status": [s.status for s in summaries],
        "aggregate_score": [
            None if s.aggregate_score is None else float(s.aggregate_score) for s in summaries
        ],
        "module_scores": [
            None
            if s.module_scores is None
            else [(module, float(score)) for module, score in s.module_scores.items()]
            for s in summaries
        ],
        "n_jobs_per_module": [
            None if s.n_jobs_per_module is None else list(s.n_jobs_per_module.items())
            for s in summaries
        ],
        "job_ids": [s.job_ids for s in summaries],
    }


def _with_fetched_at(schema: pa.Schema) -> pa.Schema:
    return schema.append(pa.field("fetched_at", TIMESTAMP, nullable=False))


def store_agent_summary(
    con: duckdb.DuckDBPyConnection, agent_name: str, summary: ScoreSummary
) -> None:
    """Store `summary` as the API's answer for `agent_name` (its turns are not kept): its
    fields in one row, its job ids in rows of their own."""
    columns: dict[str, list[Any]] = {"agent_name": [agent_name], **_summary_columns([summary])}
    columns["n_job_ids"] = [None if summary.job_ids is None else len(summary.job_ids)]
    columns["fetched_at"] = [SEEN_AT]
    schema = _with_fetched_at(API_AGENT_SUMMARIES).append(pa.field("n_job_ids", pa.int64()))
    data = pa.table(columns, schema=schema)
    _insert(con, "api_agent_summaries", data.drop_columns(["job_ids"]))
    job_ids = sorted(set(summary.job_ids or []))
    ids = pa.table({"agent_name": [agent_name] * len(job_ids), "job_id": job_ids})
    _insert(con, "api_agent_summary_job_ids", ids)


def store_session_summary(
    con: duckdb.DuckDBPyConnection, agent_name: str, session_id: str, summary: ScoreSummary
) -> None:
    """Store `summary` as the API's answer for one session, its turns included."""
    columns: dict[str, list[Any]] = {"agent_name": [agent_name], "session_id": [session_id]}
    columns |= _summary_columns([summary])
    columns["fetched_at"] = [SEEN_AT]
    data = pa.table(columns, schema=_with_fetched_at(API_SESSION_SUMMARIES))
    _insert(con, "api_session_summaries", data)
    turns = summary.turns or []
    turn_columns: dict[str, list[Any]] = {
        "agent_name": [agent_name] * len(turns),
        "session_id": [session_id] * len(turns),
        "turn": [t.turn for t in turns],
        **_summary_columns(turns),
        "fetched_at": [SEEN_AT] * len(turns),
    }
    turn_data = pa.table(turn_columns, schema=_with_fetched_at(API_TURN_SUMMARIES))
    _insert(con, "api_turn_summaries", turn_data)


def run_reconciliation(
    con: duckdb.DuckDBPyConnection,
    tolerance: float = SCORE_TOLERANCE,
    at: datetime = SEEN_AT,
) -> None:
    """Rebuild summary_reconciliation and its totals inside the caller's transaction."""
    params = {"tolerance": tolerance, "reconciled_at": at}
    for name in RECONCILIATION_MODELS:
        run_script(con, name, params)


def reconcile(
    con: duckdb.DuckDBPyConnection,
    tolerance: float = SCORE_TOLERANCE,
    at: datetime = SEEN_AT,
) -> None:
    """Rebuild summary_reconciliation the way the warehouse does: every file, one transaction."""
    con.begin()
    run_reconciliation(con, tolerance, at)
    con.commit()


@contextmanager
def rolled_back(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in a transaction that is rolled back, so that one warehouse serves many
    hypothesis examples (a fresh connection alone costs ~20 ms)."""
    con.begin()
    try:
        yield con
    finally:
        con.rollback()


def rows(con: duckdb.DuckDBPyConnection, relation: str) -> list[dict[str, Any]]:
    """Every row of a table or view, as dicts."""
    result = con.table(relation)
    return [dict(zip(result.columns, values, strict=True)) for values in result.fetchall()]


@dataclass(frozen=True)
class Comparable:
    """A summary's fields in the form two equal summaries share: null equal to empty, job ids
    as a set (with their count, so duplicates still show), numbers compared by `matches`."""

    status: str | None
    aggregate_score: float | None
    module_scores: Mapping[str, float]
    n_jobs_per_module: Mapping[str, int]
    job_ids: frozenset[str]
    n_job_ids: int

    @classmethod
    def of(cls, fields: ScoreSummary | TurnSummary | Mapping[str, Any] | None) -> Comparable:
        if fields is None:
            values: Mapping[str, Any] = {}
        elif isinstance(fields, Mapping):
            values = fields
        else:
            values = fields.model_dump()
        score = values.get("aggregate_score")
        job_ids: Iterable[str] = values.get("job_ids") or []
        job_ids = list(job_ids)
        return cls(
            status=values.get("status"),
            aggregate_score=None if score is None else float(score),
            module_scores={k: float(v) for k, v in (values.get("module_scores") or {}).items()},
            n_jobs_per_module=dict(values.get("n_jobs_per_module") or {}),
            job_ids=frozenset(job_ids),
            n_job_ids=len(job_ids),
        )


def assert_same_summary(
    actual: ScoreSummary | TurnSummary | Mapping[str, Any] | None,
    expected: ScoreSummary | TurnSummary | Mapping[str, Any] | None,
    where: object = "",
) -> None:
    got, want = Comparable.of(actual), Comparable.of(expected)
    tolerance = SCORE_TOLERANCE
    assert got.status == want.status, where
    if want.aggregate_score is None:
        assert got.aggregate_score is None, where
    else:
        expected_score = pytest.approx(want.aggregate_score, rel=tolerance, abs=tolerance)
        assert got.aggregate_score == expected_score, where
    expected_scores = pytest.approx(want.module_scores, rel=tolerance, abs=tolerance)
    assert got.module_scores == expected_scores, where
    assert got.n_jobs_per_module == want.n_jobs_per_module, where
    assert got.job_ids == want.job_ids, where
    assert got.n_job_ids == want.n_job_ids, where


def make_job(
    job_id: str,
    module: str,
    status: str,
    score: float | int | None,
    agent_name: str | None,
    session_id: str | None,
    turn: int | None,
) -> ScoringJobResponse:
    return ScoringJobResponse.model_validate(
        {
            "job_id": job_id,
            "module": module,
            "status": status,
            "score": score,
            "agent_identity_context": {
                "customer_id": "customer",
                "project_id": "project",
                "agent_name": agent_name,
                "agent_session_id": session_id,
                "agent_turn": turn,
            },
        }
    )
