"""How long recomputing and reconciling every score summary takes at scale.

Builds a warehouse through the project's own schema, fills `scoring_jobs` with synthetic jobs
and the api_*_summaries tables with the API's answers for them (a few changed, so that the
reconciliation has something to find), then times the reconciliation as a sync runs it (after
storing again what a sync stores: every agent's summary and a sample of sessions') and the
lookups of one summary through the user-facing views.

    .venv/bin/python -m benchmarks.summaries [--jobs N] [--sessions N] [--agents N] [--workdir D]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from pipeline.warehouse.sql_files import run_script

SQL_DIR = Path(__file__).resolve().parent / "sql"
SEEN_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
TOLERANCE = 1e-9
RECONCILE_RUNS = 3
# Each timed reconciliation follows a sync's loads: every agent's summary stored again, and the
# summaries of this many sessions (the default sample per sync), so it fingerprints them anew.
STORED_AGAIN_SESSIONS = 50
LOOKUPS = 9


def _run_script(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> None:
    """Every statement of `benchmarks/sql/<name>.sql`, binding the parameters each names."""
    values = dict(params or {})
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    for statement in con.extract_statements(text):
        used = {key: values[key] for key in statement.named_parameters}
        con.execute(statement, used) if used else con.execute(statement)


def _query(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    return con.execute(text, dict(params or {})).fetchall()


def _seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def build(warehouse: DuckDBWarehouse, jobs: int, sessions: int, agents: int) -> None:
    """Fill an empty warehouse with the synthetic jobs and the API's summaries of them."""
    params = {"jobs": jobs, "sessions": sessions, "agents": agents, "seen_at": SEEN_AT}
    with warehouse.transaction():
        _run_script(warehouse.con, "summaries_jobs", params)
    with warehouse.transaction():
        _run_script(warehouse.con, "summaries_api", {"fetched_at": SEEN_AT})
    warehouse.con.execute("CHECKPOINT")


def fingerprint(warehouse: DuckDBWarehouse) -> None:
    """Fingerprint the API summaries stored without (all of them after a build; none again)."""
    with warehouse.transaction():
        run_script(warehouse.con, "models/summary_fingerprints")


def measure(
    jobs: int = 5_000_000,
    sessions: int = 1_000_000,
    agents: int = 20,
    workdir: Path | None = None,
    *,
    reuse: bool = False,
) -> dict[str, float]:
    """Timings in seconds (medians) and counts for the summary views and the reconciliation.

    fingerprint_s is the one-off fingerprinting of API summaries stored without fingerprints:
    all of them after a build, or in a warehouse built before they existed; 0 after that.

    reconcile_cpu_s is the CPU time of this process (all of DuckDB's threads) during a
    reconciliation. On a machine shared with other work the wall time swings with the load, and
    the CPU time far less, so it tells whether a change made the work itself smaller.

    `reuse` keeps a warehouse an earlier call left in `workdir` (same sizes assumed) instead of
    building it again; the views and models are always those of the current `sql/`.
    """
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="bench-summaries-") as temporary:
            return measure(jobs, sessions, agents, Path(temporary))
    path = workdir / "summaries.duckdb"
    built_s = 0.0
    if not reuse or not path.exists():
        path.unlink(missing_ok=True)
        with DuckDBWarehouse.open(path) as warehouse:
            built_s = _seconds(lambda: build(warehouse, jobs, sessions, agents))
    with DuckDBWarehouse.open(path) as warehouse:
        con = warehouse.con
        # The API summaries' fingerprints, which a sync's reconciliation computes for the
        # summaries that sync stored, are computed for all of them once, and timed apart: the
        # reconciliations below are those of an ordinary sync (STORED_AGAIN_SESSIONS).
        fingerprint_s = _seconds(lambda: fingerprint(warehouse))
        ((n_jobs, n_sessions, _),) = _query(con, "summaries_counts")
        reconcile_runs: list[float] = []
        reconcile_cpu: list[float] = []
        totals = []
        for _ in range(RECONCILE_RUNS):
            with warehouse.transaction():
                _run_script(con, "summaries_stored_again", {"sessions": STORED_AGAIN_SESSIONS})
            started, cpu_started = time.perf_counter(), time.process_time()
            totals = warehouse.reconcile(TOLERANCE, SEEN_AT)
            reconcile_runs.append(time.perf_counter() - started)
            reconcile_cpu.append(time.process_time() - cpu_started)
        keys = _query(con, "summaries_lookup_keys", {"n": LOOKUPS})
        session_s = [
            _seconds(
                lambda a=agent, s=session: _query(
                    con, "summaries_session_lookup", {"agent_name": a, "session_id": s}
                )
            )
            for agent, session, _ in keys
        ]
        turn_s = [
            _seconds(
                lambda a=agent, s=session, t=turn: _query(
                    con, "summaries_turn_lookup", {"agent_name": a, "session_id": s, "turn": t}
                )
            )
            for agent, session, turn in keys
        ]
        agent_s = [
            _seconds(lambda a=agent: _query(con, "summaries_agent_lookup", {"agent_name": a}))
            for agent, _, _ in keys[:3]
        ]
        views_s = _seconds(lambda: _query(con, "summaries_views"))
    return {
        "jobs": float(n_jobs),
        "sessions": float(n_sessions),
        "compared": float(sum(t.compared for t in totals)),
        "mismatched": float(sum(t.mismatched for t in totals)),
        "build_s": built_s,
        "fingerprint_s": fingerprint_s,
        "reconcile_s": statistics.median(reconcile_runs),
        "reconcile_max_s": max(reconcile_runs),
        "reconcile_cpu_s": statistics.median(reconcile_cpu),
        "session_lookup_s": statistics.median(session_s),
        "turn_lookup_s": statistics.median(turn_s),
        "agent_lookup_s": statistics.median(agent_s),
        "views_full_s": views_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5_000_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument(
        "--workdir", type=Path, help="keep the warehouse here (default: a temp dir)"
    )
    parser.add_argument("--reuse", action="store_true", help="reuse the warehouse in --workdir")
    args = parser.parse_args()
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    figures = measure(args.jobs, args.sessions, args.agents, args.workdir, reuse=args.reuse)
    for name, value in figures.items():
        print(f"{name:>18}  {value:,.4f}" if name.endswith("_s") else f"{name:>18}  {value:,.0f}")


if __name__ == "__main__":
    main()
