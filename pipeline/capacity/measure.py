"""Measure the bytes a session and a job cost in the warehouse and in the Parquet exports.

    .venv/bin/python -m pipeline.capacity.measure [AGENTS SESSIONS JOBS]

Syncs a simulated world (the whole `meibel_sync` job with its default settings: tables,
marts, exports) into a fresh DuckDB file, then divides what the job-grain tables and exports
take by the jobs, and all the rest (the file's own overhead included) by the sessions.
Its output is pasted into `pipeline.capacity.limits`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import dagster as dg
import duckdb

from pipeline.definitions import build_definitions
from pipeline.resources import ENV_API_KEY, ENV_BASE_URL, ENV_EXPORT_DIR, ENV_WAREHOUSE
from pipeline.simulator import SimulatorConfig, SimulatorServer

JOB_TABLES = ("scoring_jobs", "scoring_job_history")
JOB_EXPORTS = (*JOB_TABLES, "job_scores")


def measure(agents: int, sessions: int, jobs: float) -> dict[str, float]:
    config = SimulatorConfig(
        seed=1, agents=agents, sessions_per_agent=sessions, jobs_per_session=jobs
    )
    with tempfile.TemporaryDirectory() as tmp, SimulatorServer(config) as simulator:
        folder = Path(tmp)
        warehouse, exports = folder / "meibel.duckdb", folder / "exports"
        os.environ |= {
            ENV_BASE_URL: simulator.base_url,
            ENV_API_KEY: simulator.api_key,
            ENV_WAREHOUSE: str(warehouse),
            ENV_EXPORT_DIR: str(exports),
        }
        job = build_definitions().resolve_job_def("meibel_sync")
        # The sync's own settings: the default verification sample, as a schedule runs it.
        with dg.instance_for_test() as instance:
            if not job.execute_in_process(instance=instance).success:
                raise RuntimeError("the measuring sync failed")
        with duckdb.connect(str(warehouse), read_only=True) as con:
            n_sessions = _count(con, "sessions")
            n_jobs = _count(con, "scoring_jobs")
        job_bytes = sum(_table_bytes(warehouse, table, folder) for table in JOB_TABLES)
        export_bytes = {path.name: _tree_bytes(path.resolve()) for path in exports.iterdir()}
        job_export_bytes = sum(export_bytes[name] for name in JOB_EXPORTS)
        return {
            "sessions": n_sessions,
            "jobs": n_jobs,
            "duckdb_bytes_per_job": job_bytes / n_jobs,
            "duckdb_bytes_per_session": (warehouse.stat().st_size - job_bytes) / n_sessions,
            "parquet_bytes_per_job": job_export_bytes / n_jobs,
            "parquet_bytes_per_session": (sum(export_bytes.values()) - job_export_bytes)
            / n_sessions,
        }


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def _table_bytes(warehouse: Path, table: str, folder: Path) -> int:
    """What one table takes in a DuckDB file of its own, less an empty file's size."""
    alone, empty = folder / f"{table}.duckdb", folder / f"{table}-empty.duckdb"
    with duckdb.connect(str(alone)) as con:
        con.execute(f"ATTACH '{warehouse}' AS source (READ_ONLY)")
        con.execute(f"CREATE TABLE {table} AS FROM source.{table}")
        con.execute("DETACH source")
        con.execute("CHECKPOINT")
    with duckdb.connect(str(empty)) as con:
        con.execute(f"CREATE TABLE {table} AS FROM (SELECT 1 AS x) LIMIT 0")
        con.execute("CHECKPOINT")
    return alone.stat().st_size - empty.stat().st_size


def _tree_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


if __name__ == "__main__":
    sizes = [float(arg) for arg in sys.argv[1:]] or [8, 2000, 6.0]
    print(json.dumps(measure(int(sizes[0]), int(sizes[1]), sizes[2]), indent=2))
