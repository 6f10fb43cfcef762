"""End to end: the real Dagster job against the simulator, into a real DuckDB file."""

from __future__ import annotations

import json
from typing import Any

import dagster as dg
import duckdb
import pytest

from pipeline.api.models import IDENTITY_FIELDS
from pipeline.definitions import build_definitions
from pipeline.simulator.summaries import summarize
from tests.e2e.sync_env import SyncEnv, SyncEnvFactory

BOOKKEEPING = {
    "first_seen_at",
    "last_seen_at",
    "fetched_at",
    "reconciled_at",
    "settled_at",
    "gone_at",
    "synced_at",
    "valid_from",
    "valid_to",
}


def checks_by_name(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {
        f"{e.asset_key.to_user_string()}.{e.check_name}": e.passed
        for e in result.get_asset_check_evaluations()
    }


def table(env: SyncEnv, name: str, order_by: str) -> list[dict[str, Any]]:
    with env.open() as wh:
        rows = wh.query(f"SELECT * FROM {name} ORDER BY {order_by}").to_pylist()
    return [{k: v for k, v in row.items() if k not in BOOKKEEPING} for row in rows]


def rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


@pytest.mark.parametrize(
    "world",
    [
        pytest.param({}, id="small"),
        # Servers the sync has never seen: more agents than one page, more sessions than one.
        pytest.param({"seed": 11, "agents": 105, "sessions_per_agent": 2}, id="many-agents"),
        pytest.param({"seed": 23, "agents": 2, "sessions_per_agent": 230}, id="long-history"),
    ],
)
def test_sync_loads_every_record_once_with_every_field(
    sync_env_factory: SyncEnvFactory, world: dict[str, Any]
) -> None:
    sync_env = sync_env_factory(**world)
    result = sync_env.sync()
    assert result.success
    checks = checks_by_name(result)
    expected = {f"{t}.primary_key_unique" for t in ("agents", "sessions", "scoring_jobs")} | {
        "scoring_jobs.scores_within_scale",
        "scoring_jobs.jobs_have_sessions",
        "scoring_jobs.freshness_check",
        "summary_reconciliation.summaries_match_api",
    }
    assert expected <= checks.keys()
    assert all(checks.values()), checks

    agents = {row["agent_id"]: row for row in table(sync_env, "agents", "agent_id")}
    expected_agents = {a.id: a for a in sync_env.agents()}
    assert agents.keys() == expected_agents.keys()
    for agent_id, agent in expected_agents.items():
        assert agents[agent_id] == {"agent_id": agent_id, **agent.model_dump(exclude={"id"})}

    sessions = {row["session_id"]: row for row in table(sync_env, "sessions", "session_id")}
    expected_sessions = sync_env.sessions()
    assert sessions.keys() == expected_sessions.keys()
    for session_id, (agent_id, s) in expected_sessions.items():
        row = sessions[session_id]
        assert json.loads(row.pop("token_usage") or "null") == s.token_usage
        assert json.loads(row.pop("result")) == s.result
        assert row == {
            "agent_id": agent_id,
            **s.model_dump(exclude={"token_usage", "result"}),
        }

    jobs = {row["job_id"]: row for row in table(sync_env, "scoring_jobs", "job_id")}
    expected_jobs = sync_env.jobs()
    assert len(jobs) == len(expected_jobs)
    for job in expected_jobs:
        row = jobs[job.job_id]
        assert (row["module"], row["status"], row["explanation"]) == (
            job.module,
            job.status,
            job.explanation,
        )
        assert row["score"] == (None if job.score is None else float(job.score))
        identity = job.agent_identity_context.model_dump()
        assert {f: row[f] for f in IDENTITY_FIELDS} == identity
        assert row["scale"] in ("judge", "statistical")


def test_recomputed_summaries_reconcile_with_every_api_summary(sync_env: SyncEnv) -> None:
    result = sync_env.sync()
    assert result.success
    world = sync_env.simulator.world
    sessions = sync_env.sessions()
    names = {agent.id: agent.name for agent in sync_env.agents()}
    expected_turns = sum(
        len(summarize(world.jobs_for(names[agent_id], session_id)).turns or [])
        for session_id, (agent_id, _) in sessions.items()
    )
    with sync_env.open() as wh:
        totals = {t.level: (t.compared, t.mismatched) for t in wh.reconciliation_totals()}
    assert totals == {
        "agent": (len(sync_env.agents()), 0),
        "session": (len(sessions), 0),
        "turn": (expected_turns, 0),
    }


def test_a_second_sync_changes_nothing(sync_env: SyncEnv) -> None:
    assert sync_env.sync().success
    names = {
        "agents": "agent_id",
        "sessions": "session_id",
        "scoring_jobs": "job_id",
        "api_agent_summaries": "agent_name",
        "api_agent_summary_job_ids": "agent_name, job_id",
        "api_session_summaries": "agent_name, session_id",
        "api_turn_summaries": "agent_name, session_id, turn",
        # Every summary matches: summary_reconciliation (the mismatches) stays empty.
        "summary_reconciliation_totals": "level",
    }
    before = {name: table(sync_env, name, order) for name, order in names.items()}
    assert sync_env.sync().success
    after = {name: table(sync_env, name, order) for name, order in names.items()}
    # Recomputed means may differ in the last bit: DuckDB sums in parallel, in no fixed order.
    assert rounded(after) == rounded(before)
    assert all(before[name] for name in names)


def test_changes_in_the_api_reach_the_warehouse(sync_env: SyncEnv) -> None:
    assert sync_env.sync().success
    report = sync_env.simulator.world.advance(6 * 60)
    assert report.jobs_settled > 0
    assert report.sessions_started > 0
    result = sync_env.sync()
    assert result.success
    assert all(checks_by_name(result).values())
    jobs = {row["job_id"]: row for row in table(sync_env, "scoring_jobs", "job_id")}
    expected = sync_env.jobs()
    assert len(jobs) == len(expected)
    assert all(
        (jobs[j.job_id]["status"], jobs[j.job_id]["score"])
        == (j.status, None if j.score is None else float(j.score))
        for j in expected
    )
    with sync_env.open() as wh:
        assert wh.row_count("sessions") == len(sync_env.sessions())


def test_a_mismatch_fails_the_reconciliation_check(sync_env: SyncEnv) -> None:
    assert sync_env.sync().success
    with duckdb.connect(str(sync_env.warehouse)) as con:
        # Our copy of one completed job now disagrees with what the API aggregated.
        con.execute(
            "UPDATE scoring_jobs SET score = score + 1 WHERE job_id = "
            "(SELECT min(job_id) FROM scoring_jobs WHERE status = 'completed' "
            "AND score IS NOT NULL AND scale = 'judge')"
        )
    result = (
        build_definitions()
        .resolve_job_def("meibel_sync")
        .execute_in_process(
            instance=sync_env.instance,
            asset_selection=[dg.AssetKey("summary_reconciliation")],
            raise_on_error=False,
        )
    )
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["summaries_match_api"].passed
    with sync_env.open() as wh:
        mismatches = wh.reconciliation_mismatches(50)
    levels = {m["level"] for m in mismatches}
    assert levels == {"agent", "session", "turn"}
    assert all("aggregate_score" in m["mismatched_fields"] for m in mismatches)
