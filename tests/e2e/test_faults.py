"""Whole syncs through a misbehaving API: every fault profile, rate limits, budgets."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.api.client import ClientConfig, MeibelClient
from pipeline.api.retries import RetryPolicy
from pipeline.ingest.sync import SyncOptions, SyncReport, run_sync
from pipeline.simulator.faults import FAULT_PROFILES
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from tests.e2e.sync_env import SyncEnv, SyncEnvFactory
from tests.e2e.test_incremental import Outcome, assert_warehouse_equals_api, outcome

# Faults that hold or trickle a response do it briefly, and the client's timeout is shorter.
FAST_FAULTS: dict[str, Any] = {"hang_s": 1.0, "trickle_s": 0.2, "retry_after": 0}
PATIENT = RetryPolicy(max_attempts=12, deadline_s=60, backoff_initial_s=0.01, backoff_max_s=0.1)


def sync_directly(env: SyncEnv, **client: Any) -> SyncReport:
    config = ClientConfig(
        base_url=env.simulator.base_url,
        api_key=env.simulator.api_key,
        timeout_s=0.5,
        retry=PATIENT,
        **client,
    )

    async def once() -> SyncReport:
        with DuckDBWarehouse.open(env.warehouse) as wh:
            async with MeibelClient(config) as api:
                report = await run_sync(api, wh, SyncOptions(), datetime.now(UTC), lambda _: None)
            wh.reconcile(1e-9, datetime.now(UTC))
            return report

    return asyncio.run(once())


# Profiles whose faults are transient: a retry gets the true answer.
TRANSIENT = [p for p in FAULT_PROFILES if p not in ("bad-records", "chaos")]


@pytest.mark.parametrize("profile", TRANSIENT)
def test_a_sync_through_each_fault_profile_ends_equal_to_the_api(
    sync_env_factory: SyncEnvFactory, profile: str
) -> None:
    env = sync_env_factory(
        agents=3, sessions_per_agent=12, fault_profile=profile, fault_rate=0.1, **FAST_FAULTS
    )
    report = sync_directly(env)
    assert report.quarantined == 0
    assert_warehouse_equals_api(env)
    with env.open() as wh:
        assert all(level.mismatched == 0 for level in wh.reconciliation_totals())
    assert env.simulator.stats.snapshot().faults, "the profile injected nothing"


def readable_part(env: SyncEnv) -> tuple[set[str], dict[str, Outcome], set[str]]:
    """What a correct sync loads when some records are bad: everything not bad and not under
    a bad agent (an agent that cannot be read has no sessions to list); and the bad keys."""
    bad = env.simulator.faults.is_bad_record
    agent_names = {a.id: a.name for a in env.agents()}
    good_agents = {agent_id for agent_id in agent_names if not bad(agent_id)}
    good_names = {agent_names[agent_id] for agent_id in good_agents}
    sessions = {sid for sid, (agent_id, _) in env.sessions().items() if agent_id in good_agents}
    jobs = [j for j in env.jobs() if j.agent_identity_context.agent_name in good_names]
    bad_keys = {
        *(a for a in agent_names if bad(a)),
        *(sid for sid in sessions if bad(sid)),
        *(j.job_id for j in jobs if bad(j.job_id)),
    }
    return (
        sessions - bad_keys,
        {j.job_id: outcome(j) for j in jobs if j.job_id not in bad_keys},
        bad_keys,
    )


def loaded(env: SyncEnv) -> tuple[set[str], dict[str, Outcome], list[dict[str, Any]]]:
    with env.open() as wh:
        sessions = set(wh.query("SELECT session_id FROM sessions")["session_id"].to_pylist())
        jobs = {
            r["job_id"]: (r["status"], r["score"], r["explanation"])
            for r in wh.query("FROM scoring_jobs").to_pylist()
        }
        quarantined = wh.query(
            "SELECT record_key, raw_json, error, times_seen FROM quarantine"
        ).to_pylist()
    return sessions, jobs, quarantined


@pytest.mark.parametrize("profile", ["bad-records", "chaos"])
def test_bad_records_are_quarantined_raw_and_their_neighbours_load(
    sync_env_factory: SyncEnvFactory, profile: str
) -> None:
    env = sync_env_factory(
        agents=4, sessions_per_agent=15, fault_profile=profile, fault_rate=0.1, **FAST_FAULTS
    )
    expected_sessions, expected_jobs, bad_keys = readable_part(env)
    assert bad_keys

    sync_directly(env)
    sync_directly(env)  # meeting the same bad records again counts them, stores them once

    sessions, jobs, quarantined = loaded(env)
    assert sessions == expected_sessions
    assert jobs == expected_jobs
    assert {q["record_key"] for q in quarantined} == bad_keys
    for q in quarantined:
        assert q["record_key"] in q["raw_json"]
        assert q["record_key"] in q["error"]
        assert q["times_seen"] == 2


def test_a_rate_limited_api_draws_no_429_of_our_making(
    sync_env_factory: SyncEnvFactory,
) -> None:
    env = sync_env_factory(agents=3, sessions_per_agent=10, rate_limit="20/2 seconds")
    sync_directly(env)
    assert_warehouse_equals_api(env)
    stats = env.simulator.stats
    assert stats.count() > 20  # the limit really bound this sync
    assert stats.rate_limited() == 0


def test_a_rate_limited_api_draws_no_429_through_dagster_either(
    sync_env_factory: SyncEnvFactory,
) -> None:
    """The Dagster step's client asks the instance how many steps share the key's pool."""
    env = sync_env_factory(agents=3, sessions_per_agent=10, rate_limit="20/2 seconds")
    assert env.sync().success
    assert_warehouse_equals_api(env)
    assert env.simulator.stats.count() > 20
    assert env.simulator.stats.rate_limited() == 0
    pool = env.instance.event_log_storage.get_concurrency_info("meibel_api")
    assert (pool.slot_count, pool.active_slot_count) == (4, 0)


def test_a_spent_request_budget_commits_what_finished_and_the_next_sync_carries_on(
    sync_env_factory: SyncEnvFactory,
) -> None:
    env = sync_env_factory(agents=6, sessions_per_agent=6)
    first = sync_directly(env, max_requests=25, max_in_flight=1)
    assert first.agents_deferred
    assert first.requests <= 25
    with env.open() as wh:
        committed = len(wh.agent_positions())
    assert 0 < committed < 6
    second = sync_directly(env)
    assert second.agents_deferred == []
    assert_warehouse_equals_api(env)
