"""The contenders, each run in a process of its own: `python -m benchmarks.contenders NAME JSON`.

Each one loads the simulated API into a DuckDB file as its user would set it up, then prints
one JSON line: `work_s` (from the first request to the last row committed, imports and
interpreter start excluded) and what it loaded. The parent reads the process's peak memory
with `os.wait4`, so every contender is measured the same way.

- `dlt`: dlt's `rest_api` source, agents -> sessions -> jobs, parallelized, merged on keys.
- `sdk`: a plain loop over the official `meibel` SDK, pages walked by hand, Arrow inserts.
- `ours`: `run_sync` and the reconciliation, called as the Dagster assets call them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

PAGE: Final = 100
SDK_LOAD_SQL: Final = Path(__file__).with_name("sdk_load.sql")

Result = dict[str, Any]


def run_dlt(base_url: str, api_key: str, workdir: Path) -> Result:
    """dlt's rest_api source configured as its docs show, into `workdir/dlt.duckdb`."""
    # No telemetry from a benchmark, and dlt's progress would interleave with ours.
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    import dlt
    from dlt.sources.rest_api import rest_api_source
    from dlt.sources.rest_api.typing import PaginatorConfig, RESTAPIConfig

    offset_paging: PaginatorConfig = {"type": "offset", "limit": PAGE, "total_path": "total"}
    config: RESTAPIConfig = {
        "client": {
            "base_url": base_url.rstrip("/") + "/",
            "auth": {
                "type": "api_key",
                "name": "Meibel-API-Key",
                "api_key": api_key,
                "location": "header",
            },
        },
        "resource_defaults": {"write_disposition": "merge"},
        "resources": [
            {
                "name": "agents",
                "primary_key": "id",
                "endpoint": {
                    "path": "agents",
                    "data_selector": "data",
                    "paginator": offset_paging,
                },
            },
            {
                "name": "sessions",
                "primary_key": "session_id",
                "parallelized": True,
                # Jobs are filtered by agent name; sessions are listed by agent id.
                "include_from_parent": ["name"],
                "endpoint": {
                    "path": "agents/{agent_id}/sessions",
                    "params": {
                        "agent_id": {"type": "resolve", "resource": "agents", "field": "id"}
                    },
                    "data_selector": "data",
                    "paginator": offset_paging,
                },
            },
            {
                "name": "scoring_jobs",
                "primary_key": "job_id",
                "parallelized": True,
                "endpoint": {
                    "path": "confidence-scoring/jobs",
                    # dlt's syntax for query params taken from the parent record.
                    "params": {
                        "agent_name": "{resources.sessions._agents_name}",
                        "agent_session_id": "{resources.sessions.session_id}",
                    },
                    "paginator": "single_page",
                },
            },
        ],
    }
    source = rest_api_source(config, parallelized=True)
    pipeline = dlt.pipeline(
        pipeline_name="meibel_bench",
        pipelines_dir=str(workdir / "dlt_pipelines"),
        destination=dlt.destinations.duckdb(str(workdir / "dlt.duckdb")),
        dataset_name="meibel",
    )
    started = time.perf_counter()
    pipeline.run(source)
    work_s = time.perf_counter() - started
    rows = _row_counts(workdir / "dlt.duckdb", "meibel")
    return {"work_s": work_s, "rows": rows}


def _row_counts(path: Path, schema: str) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return {
            table: int(con.table(f"{schema}.{table}").count("*").fetchall()[0][0])
            for table in ("agents", "sessions", "scoring_jobs")
        }


def run_sdk(base_url: str, api_key: str, workdir: Path) -> Result:
    """The official SDK in a loop: pages by hand (its iterator stops after one), Arrow inserts."""
    import duckdb
    import pyarrow as pa
    from meibel import MeibelClient

    def paged(fetch: Callable[[int], list[Any]]) -> list[Any]:
        # The SDK hides `total`: a short page is the only sign of the last one.
        records: list[Any] = []
        while True:
            page = fetch(len(records))
            records.extend(page)
            if len(page) < PAGE:
                return records

    started = time.perf_counter()
    with MeibelClient(base_url=base_url, api_key=api_key) as sdk:

        def agents_page(offset: int) -> list[Any]:
            return list(sdk.agents.list(offset=offset, limit=PAGE))

        def sessions_page(agent_id: str) -> Callable[[int], list[Any]]:
            return lambda offset: list(
                sdk.agents.sessions.list(agent_id, offset=offset, limit=PAGE)
            )

        agents = paged(agents_page)
        sessions: list[dict[str, Any]] = []
        jobs: list[dict[str, Any]] = []
        for agent in agents:
            for session in paged(sessions_page(agent.id)):
                sessions.append({"agent_id": agent.id, **session.model_dump(mode="json")})
            # The jobs endpoint filters by agent name and is not paged: one call per agent.
            for job in sdk.confidence_scoring.list_scoring_jobs(agent_name=agent.name):
                jobs.append(job.model_dump(mode="json"))
    batches = {
        "agents_batch": pa.Table.from_pylist([a.model_dump(mode="json") for a in agents]),
        # Free-form fields go in as JSON text: their shapes differ from record to record.
        "sessions_batch": pa.Table.from_pylist(
            [
                {
                    **s,
                    "token_usage": json.dumps(s["token_usage"]),
                    "result": json.dumps(s["result"]),
                }
                for s in sessions
            ]
        ),
        "jobs_batch": pa.Table.from_pylist(jobs),
    }
    with duckdb.connect(str(workdir / "sdk.duckdb")) as con:
        for name, batch in batches.items():
            con.register(name, batch)
        con.begin()
        con.execute(SDK_LOAD_SQL.read_text(encoding="utf-8"))
        con.commit()
    work_s = time.perf_counter() - started
    return {
        "work_s": work_s,
        "rows": {"agents": len(agents), "sessions": len(sessions), "scoring_jobs": len(jobs)},
    }


def run_ours(base_url: str, api_key: str, workdir: Path, verify_sessions: str) -> Result:
    """`run_sync` then the reconciliation, on the same resources the Dagster job builds."""
    from pipeline.api.resource import MeibelApiResource
    from pipeline.ingest.assets import SyncConfig
    from pipeline.ingest.sync import run_sync
    from pipeline.verification.assets import ReconciliationConfig
    from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse

    api = MeibelApiResource(base_url=base_url, api_key=api_key)
    options = SyncConfig(verify_sessions=verify_sessions).options()
    progress = logging.getLogger("benchmarks.ours").info
    started = time.perf_counter()
    with DuckDBWarehouse.open(workdir / "ours.duckdb") as wh:

        async def sync() -> Any:
            async with api.client() as client:
                return await run_sync(client, wh, options, datetime.now(UTC), progress)

        report = asyncio.run(sync())
        synced = time.perf_counter()
        totals = wh.reconcile(ReconciliationConfig().tolerance, datetime.now(UTC))
        reconciled = time.perf_counter()
        rows = {t: wh.row_count(t) for t in ("agents", "sessions", "scoring_jobs")}
    return {
        "work_s": reconciled - started,
        "sync_s": synced - started,
        "reconcile_s": reconciled - synced,
        "client_requests": report.requests,
        "requests_by_endpoint": dict(report.requests_by_endpoint),
        "sessions_verified": report.sessions_verified,
        "mismatched": sum(level.mismatched for level in totals),
        "rows": rows,
    }


def run_summaries(jobs: int, sessions: int, agents: int, workdir: Path) -> Result:
    """A colleague's `benchmarks.summaries.measure`, if it is there yet."""
    try:
        from benchmarks.summaries import measure
    except ImportError:
        return {"available": False}
    return {"available": True, **measure(jobs, sessions, agents, workdir)}


def main(argv: list[str]) -> None:
    name, args = argv[0], json.loads(argv[1])
    if name == "summaries":
        workdir = Path(args["workdir"])
        print(json.dumps(run_summaries(args["jobs"], args["sessions"], args["agents"], workdir)))
        return
    base_url, api_key, workdir = args["base_url"], args["api_key"], Path(args["workdir"])
    if name == "dlt":
        result = run_dlt(base_url, api_key, workdir)
    elif name == "sdk":
        result = run_sdk(base_url, api_key, workdir)
    elif name == "ours":
        result = run_ours(base_url, api_key, workdir, args["verify_sessions"])
    else:
        raise SystemExit(f"unknown contender {name!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
