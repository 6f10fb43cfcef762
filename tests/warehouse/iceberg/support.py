"""Helpers of the Iceberg backend's tests: what a bucket holds, and warehouses compared."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pyarrow as pa

from pipeline.warehouse.duckdb_warehouse import AgentCommit, DuckDBWarehouse
from pipeline.warehouse.schemas import SCHEMAS, Table
from tests.warehouse.iceberg.conftest import ACCESS_KEY, REGION, SECRET_KEY


def objects_in(s3_endpoint: str, bucket: str) -> list[str]:
    """The keys the bucket holds: proof that the tables live in object storage."""
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def relations(wh: DuckDBWarehouse) -> list[str]:
    """Every table and view the schema of `sql/` creates: tables, summaries, models, marts."""
    rows = wh.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
        "UNION SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary "
        "ORDER BY 1"
    ).fetchall()
    return [name for (name,) in rows]


def contents(wh: DuckDBWarehouse, relation: str) -> tuple[list[tuple[str, str]], list[str]]:
    """A relation's column types and its rows, in an order independent of how they were stored.

    The rows of an aggregate over the same data stored in another order may differ in the last
    bits of a float and in the order of a list built without ORDER BY (or a map's entries): floats
    are rounded to 12 significant digits and lists sorted.
    """
    rel = wh.con.table(relation)
    types = [(name, str(kind)) for name, kind in zip(rel.columns, rel.types, strict=True)]
    rows = sorted(repr(_canonical(row)) for row in rel.to_arrow_table().to_pylist())
    return types, rows


def _canonical(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return value
        # A difference of two such floats may be 0.0 on one side and 2e-16 on the other.
        return 0.0 if abs(value) < 1e-12 else float(f"{value:.12g}")
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in sorted(value.items())}
    if isinstance(value, tuple):  # a map's entry
        return tuple(_canonical(item) for item in value)
    if isinstance(value, list):
        return sorted((_canonical(item) for item in value), key=repr)
    return value


# When the hand-made sessions of agent_commit started.
T1 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def agent_commit(agent: str, score: float) -> AgentCommit:
    """Agent `agent`'s sync: two sessions, a job each scored `score`, its summary."""
    name = f"Bot {agent}"
    sessions = [
        {
            "session_id": f"{agent}-s{i}",
            "agent_id": agent,
            "agent_name": name,
            "agent_version": "1.0",
            "status": "COMPLETED",
            "start_time": T1 - timedelta(minutes=10 * i),
            "end_time": T1 - timedelta(minutes=10 * i - 3),
            "messages_count": 4,
            "token_usage": '{"input": 10}',
            "result": "[]",
        }
        for i in range(2)
    ]
    jobs = [
        {
            "job_id": f"{agent}-j{i}",
            "module": "correctness",
            "status": "completed",
            "score": score,
            "customer_id": "cus",
            "project_id": "prj",
            "agent_name": name,
            "agent_version": "1.0",
            "agent_session_id": f"{agent}-s{i}",
            "agent_turn": 1,
        }
        for i in range(2)
    ]
    summary = {
        "agent_name": name,
        "status": "completed",
        "aggregate_score": score,
        "module_scores": [("correctness", score)],
        "n_jobs_per_module": [("correctness", 2)],
        "job_ids": [job["job_id"] for job in jobs],
    }
    return AgentCommit(
        agent_id=agent,
        agent_name=name,
        batches={
            Table.SESSIONS: pa.Table.from_pylist(sessions, SCHEMAS[Table.SESSIONS]),
            Table.SCORING_JOBS: pa.Table.from_pylist(jobs, SCHEMAS[Table.SCORING_JOBS]),
            Table.API_AGENT_SUMMARIES: pa.Table.from_pylist(
                [summary], SCHEMAS[Table.API_AGENT_SUMMARIES]
            ),
        },
        mode="full",
        jobs_agent_wide=True,
    )


def quarantined(record_key: str) -> pa.Table:
    row = {
        "endpoint": "list_sessions",
        "request_path": "/agents/a/sessions",
        "request_params": '{"offset": 0}',
        "record_key": record_key,
        "position": 3,
        "raw_json": '{"session_id": 1}',
        "error": "session_id: not a string",
    }
    return pa.Table.from_pylist([row], SCHEMAS[Table.QUARANTINE])
