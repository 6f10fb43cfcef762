"""Incremental syncs against a simulator whose time moves on between them."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from datetime import UTC, datetime

import dagster as dg
import duckdb
import httpx
import pytest

from pipeline.api.client import ClientConfig, MeibelClient
from pipeline.api.models import ScoringJobResponse
from pipeline.cli.run_sync import failure_message
from pipeline.ingest.sync import SyncOptions, run_sync
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from pipeline.warehouse.resource import writer_lock
from tests.e2e.sync_env import SyncEnv, SyncEnvFactory

Outcome = tuple[str, float | None, str | None]


def outcome(job: ScoringJobResponse) -> Outcome:
    return job.status, None if job.score is None else float(job.score), job.explanation


def assert_warehouse_equals_api(env: SyncEnv) -> None:
    with env.open() as wh:
        sessions = {
            r["session_id"]: r for r in wh.query("FROM sessions WHERE gone_at IS NULL").to_pylist()
        }
        jobs = {
            r["job_id"]: (r["status"], r["score"], r["explanation"])
            for r in wh.query("FROM scoring_jobs WHERE gone_at IS NULL").to_pylist()
        }
        assert wh.duplicate_keys("sessions") == (0, 0)
    expected_sessions = env.sessions()
    assert sessions.keys() == expected_sessions.keys()
    for session_id, (_, s) in expected_sessions.items():
        row = sessions[session_id]
        assert (row["status"], row["end_time"], row["messages_count"]) == (
            s.status,
            s.end_time,
            s.messages_count,
        )
    assert jobs == {job.job_id: outcome(job) for job in env.jobs()}


def history(env: SyncEnv) -> dict[str, list[tuple[Outcome, bool]]]:
    with env.open() as wh:
        rows = wh.query(
            "SELECT job_id, status, score, explanation, valid_to IS NULL AS open "
            "FROM scoring_job_history ORDER BY job_id, valid_from"
        ).to_pylist()
    versions: dict[str, list[tuple[Outcome, bool]]] = defaultdict(list)
    for r in rows:
        versions[r["job_id"]].append(((r["status"], r["score"], r["explanation"]), r["open"]))
    return versions


def test_syncs_interleaved_with_time_keep_the_warehouse_equal_to_the_api(
    sync_env: SyncEnv,
) -> None:
    seen: dict[str, list[Outcome]] = defaultdict(list)

    def observe() -> None:
        for job in sync_env.jobs():
            if not seen[job.job_id] or seen[job.job_id][-1] != outcome(job):
                seen[job.job_id].append(outcome(job))

    for minutes in (0, 20, 90, 8 * 60, 36 * 60):
        sync_env.simulator.world.advance(minutes)
        result = sync_env.sync()
        assert result.success
        failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
        assert failed == []
        observe()
        assert_warehouse_equals_api(sync_env)
        with sync_env.open() as wh:
            assert all(level.mismatched == 0 for level in wh.reconciliation_totals())

    # History holds exactly the outcomes the syncs observed, the latest one open.
    versions = history(sync_env)
    assert {job_id: [o for o, _ in v] for job_id, v in versions.items()} == dict(seen)
    assert all(
        [is_open for _, is_open in v] == [False] * (len(v) - 1) + [True] for v in versions.values()
    )
    assert sum(len(v) > 1 for v in versions.values()) > 0


def test_an_incremental_sync_with_nothing_new_costs_what_is_unsettled_not_history(
    sync_env_factory: SyncEnvFactory,
) -> None:
    costs = {}
    for sessions_per_agent in (10, 150):
        env = sync_env_factory(seed=5, agents=3, sessions_per_agent=sessions_per_agent)
        assert env.sync().success
        with env.open() as wh:
            unsettled = [
                sum(not held.settled for held in wh.agent_sessions(agent_id).values())
                for agent_id in env.simulator.world.agent_ids
            ]
        env.simulator.stats.reset()
        assert env.sync().success
        requests = env.simulator.stats.count()
        # Agents listing; per agent one page of sessions, its jobs (one request, or none when
        # everything is settled), its summary, and one summary per unsettled session.
        expected = 1 + sum(2 + (u > 0) + u for u in unsettled)
        assert requests == expected
        costs[sessions_per_agent] = requests - sum(unsettled)
    assert costs[150] == costs[10]


def test_full_refresh_marks_what_the_api_no_longer_returns_as_gone(sync_env: SyncEnv) -> None:
    assert sync_env.sync().success
    world_session = next(iter(sync_env.sessions()))
    with duckdb.connect(str(sync_env.warehouse)) as con:
        # Rows the API once returned and has since deleted (the simulator never deletes).
        con.execute(
            "INSERT INTO sessions SELECT * REPLACE ('deleted-session' AS session_id) "
            "FROM sessions WHERE session_id = ?",
            [world_session],
        )
        con.execute(
            "INSERT INTO scoring_jobs SELECT * REPLACE ('deleted-job' AS job_id) "
            "FROM scoring_jobs WHERE agent_session_id = ? LIMIT 1",
            [world_session],
        )
        con.execute(
            "INSERT INTO scoring_job_history SELECT * REPLACE ('deleted-job' AS job_id) "
            "FROM scoring_job_history WHERE job_id = (SELECT min(job_id) FROM scoring_jobs "
            "WHERE agent_session_id = ? AND job_id <> 'deleted-job')",
            [world_session],
        )

    assert sync_env.sync().success  # incremental: cannot know what is gone
    with sync_env.open() as wh:
        assert wh.query("SELECT gone_at FROM sessions WHERE session_id = 'deleted-session'")[
            "gone_at"
        ].to_pylist() == [None]

    before = datetime.now(UTC)
    result = sync_env.sync(full_refresh=True)
    assert result.success
    with sync_env.open() as wh:
        gone = wh.query(
            "SELECT session_id AS id, gone_at FROM sessions WHERE gone_at IS NOT NULL "
            "UNION ALL SELECT job_id, gone_at FROM scoring_jobs WHERE gone_at IS NOT NULL"
        ).to_pylist()
        open_versions = wh.query(
            "SELECT count(*) AS n FROM scoring_job_history "
            "WHERE job_id = 'deleted-job' AND valid_to IS NULL"
        )["n"].to_pylist()
        totals = wh.reconciliation_totals()
    assert sorted(g["id"] for g in gone) == ["deleted-job", "deleted-session"]
    assert all(g["gone_at"] >= before for g in gone)
    assert open_versions == [0]
    assert all(level.mismatched == 0 for level in totals)
    assert_warehouse_equals_api(sync_env)


def test_sessions_created_while_paging_are_neither_lost_nor_doubled(
    sync_env_factory: SyncEnvFactory,
) -> None:
    env = sync_env_factory(agents=2, sessions_per_agent=230)
    world = env.simulator.world
    arrivals: list[int] = []

    class ArrivalsAfterFirstSessionsPage(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await super().handle_async_request(request)
            if request.url.path.endswith("/sessions") and not arrivals:
                arrivals.append(world.advance(6 * 60).sessions_started)
            return response

    async def sync_once(transport: httpx.AsyncBaseTransport | None) -> None:
        config = ClientConfig(base_url=env.simulator.base_url, api_key=env.simulator.api_key)
        with DuckDBWarehouse.open(env.warehouse) as wh:
            async with MeibelClient(config) as client:
                if transport is not None:
                    assert client._http is not None
                    client._http._transport = transport
                await run_sync(client, wh, SyncOptions(), datetime.now(UTC), lambda _: None)

    asyncio.run(sync_once(ArrivalsAfterFirstSessionsPage()))
    assert arrivals[0] > 0
    with env.open() as wh:
        assert wh.duplicate_keys("sessions") == (0, 0)
    asyncio.run(sync_once(None))
    assert_warehouse_equals_api(env)


def test_a_second_sync_waits_for_the_first_to_release_the_warehouse(
    sync_env: SyncEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sync_env.sync().success
    released_at: list[datetime] = []
    results: list[dg.ExecuteInProcessResult] = []
    with writer_lock(sync_env.warehouse, timeout_s=5):
        waiting = threading.Thread(target=lambda: results.append(sync_env.sync()))
        waiting.start()
        released_at.append(datetime.now(UTC))
    waiting.join()
    assert results[0].success
    with sync_env.open() as wh:
        (synced_at,) = wh.query("SELECT max(synced_at) AS t FROM sync_state")["t"].to_pylist()
    assert synced_at >= released_at[0]


def test_a_sync_that_cannot_get_the_warehouse_says_who_holds_it(
    sync_env: SyncEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEIBEL_LOCK_TIMEOUT_S", "0")
    with writer_lock(sync_env.warehouse, timeout_s=5):
        result = sync_env.sync()
    assert not result.success
    message = failure_message(result)
    assert message is not None
    assert message.startswith("WarehouseLockedError: another sync is writing")


def test_the_freshness_check_flags_a_warehouse_that_stopped_syncing(sync_env: SyncEnv) -> None:
    from dagster._core.test_utils import freeze_time

    from pipeline.definitions import build_definitions
    from pipeline.orchestration.freshness import EXPECTED_SYNC_INTERVAL, freshness_checks

    assert sync_env.sync().success
    defs = dg.Definitions.merge(
        build_definitions(),
        dg.Definitions(
            jobs=[
                dg.define_asset_job(
                    "freshness", selection=dg.AssetSelection.checks(*freshness_checks)
                )
            ]
        ),
    )
    job = defs.resolve_job_def("freshness")

    def evaluate() -> dict[str, bool]:
        result = job.execute_in_process(instance=sync_env.instance)
        return {
            e.asset_key.to_user_string(): e.passed for e in result.get_asset_check_evaluations()
        }

    fresh = evaluate()
    assert fresh
    assert all(fresh.values())
    with freeze_time(datetime.now(UTC) + EXPECTED_SYNC_INTERVAL * 1.5):
        stale = evaluate()
    assert stale.keys() == fresh.keys()
    assert not any(stale.values())
