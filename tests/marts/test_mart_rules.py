"""The marts' rules on hand-made rows in a real DuckDB file: what counts, how scores are
normalised, which day and week a job belongs to, and what a score's arrival time can claim."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse

SYNC_1 = datetime(2025, 6, 9, 10, 0, tzinfo=UTC)  # a Monday
SYNC_2 = SYNC_1 + timedelta(hours=1)
SYNC_3 = SYNC_1 + timedelta(hours=2)
# Late in a UTC day: in America/Los_Angeles it is still the day before.
LATE = datetime(2025, 6, 2, 2, 30, tzinfo=UTC)


class Rows:
    """Inserts rows as the sync would have left them."""

    def __init__(self, wh: DuckDBWarehouse) -> None:
        self.con = wh.con

    def agent(self, name: str, first_seen: datetime = SYNC_1) -> None:
        self.con.execute(
            "INSERT INTO agents (agent_id, name, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)",
            [f"agt_{name}", name, first_seen, SYNC_3],
        )

    def session(
        self, session_id: str, agent: str, version: str, start: datetime, end: datetime | None
    ) -> None:
        self.con.execute(
            "INSERT INTO sessions (session_id, agent_id, agent_name, agent_version, status, "
            "start_time, end_time, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                session_id,
                f"agt_{agent}",
                agent,
                version,
                "RUNNING" if end is None else "COMPLETED",
                start,
                end,
                SYNC_1,
                SYNC_3,
            ],
        )

    def job(
        self,
        job_id: str,
        session_id: str,
        module: str,
        status: str,
        score: float | None,
        *,
        agent: str = "Bot",
        version: str = "1.0",
        turn: int | None = 1,
        tool: str | None = None,
        history: list[tuple[datetime, str]] | None = None,
        gone: bool = False,
    ) -> None:
        # history: (sync, status) of every version a sync saw; by default seen once, at SYNC_1.
        versions = history or [(SYNC_1, status)]
        self.con.execute(
            "INSERT INTO scoring_jobs (job_id, module, status, score, customer_id, project_id, "
            "agent_name, agent_version, agent_session_id, agent_turn, tool_id, scale, "
            "first_seen_at, last_seen_at, gone_at) SELECT ?, ?, ?, ?, 'c', 'p', ?, ?, ?, ?, ?, "
            "(SELECT scale FROM module_scales WHERE module = ?), ?, ?, ?",
            [
                job_id,
                module,
                status,
                score,
                agent,
                version,
                session_id,
                turn,
                tool,
                module,
                versions[0][0],
                SYNC_3,
                SYNC_3 if gone else None,
            ],
        )
        for i, (seen, seen_status) in enumerate(versions):
            until = versions[i + 1][0] if i + 1 < len(versions) else None
            self.con.execute(
                "INSERT INTO scoring_job_history (job_id, status, score, valid_from, valid_to) "
                "VALUES (?, ?, ?, ?, ?)",
                [job_id, seen_status, score if seen_status == "completed" else None, seen, until],
            )


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    with DuckDBWarehouse.open(tmp_path / "marts.duckdb") as warehouse:
        yield warehouse


def rows(wh: DuckDBWarehouse, query: str) -> list[dict[str, Any]]:
    return wh.query(query).to_pylist()


def test_scores_normalise_by_scale_and_only_scored_jobs_count(wh: DuckDBWarehouse) -> None:
    data = Rows(wh)
    data.agent("Bot")
    start = datetime(2025, 6, 9, 8, tzinfo=UTC)
    data.session("s1", "Bot", "1.0", start, start + timedelta(minutes=5))
    data.job("j1", "s1", "faithfulness", "completed", 7)
    data.job("j2", "s1", "faithfulness", "completed", 9)
    data.job("j3", "s1", "faithfulness", "failed", None)
    data.job("j4", "s1", "faithfulness", "not_run", None)
    data.job("j5", "s1", "faithfulness", "in_progress", None)
    data.job("j6", "s1", "faithfulness", "completed", None)  # completed without a score
    data.job("j7", "s1", "data_grounding", "completed", 0.25)
    data.job("j8", "s1", "data_grounding", "completed", 0.5, gone=True)

    normalized = {
        r["job_id"]: r["score_normalized"]
        for r in rows(wh, "SELECT job_id, score_normalized FROM job_scores")
    }
    assert normalized == {
        "j1": 0.7, "j2": 0.9, "j3": None, "j4": None, "j5": None, "j6": None, "j7": 0.25,
    }  # fmt: skip

    (faith,) = rows(wh, "FROM daily_scores WHERE module = 'faithfulness'")
    assert faith["score_date"].isoformat() == "2025-06-09"
    assert (faith["n_jobs"], faith["n_settled"], faith["n_pending"], faith["n_scored"]) == (
        6, 5, 1, 2,
    )  # fmt: skip
    assert faith["mean_score"] == pytest.approx(8.0)
    assert faith["p50_score"] == pytest.approx(8.0)
    assert faith["p10_score"] == pytest.approx(7.2)
    assert faith["mean_score_normalized"] == pytest.approx(0.8)
    # Over settled jobs, pending ones not yet counted as failing.
    assert faith["failed_rate"] == pytest.approx(1 / 5)
    assert faith["not_run_rate"] == pytest.approx(1 / 5)

    (session,) = rows(wh, "FROM session_scores")
    assert session["faithfulness"] == pytest.approx(8.0)
    assert session["data_grounding"] == pytest.approx(0.25)  # the gone job is left out
    assert session["correctness"] is None
    assert session["mean_score_normalized"] == pytest.approx((0.7 + 0.9 + 0.25) / 3)
    assert (session["n_jobs"], session["n_pending"], session["scores_final"]) == (7, 1, False)


def test_days_are_utc_days_whatever_the_session_time_zone(wh: DuckDBWarehouse) -> None:
    data = Rows(wh)
    data.agent("Bot")
    data.session("s1", "Bot", "1.0", LATE, LATE + timedelta(minutes=1))
    data.job("j1", "s1", "correctness", "completed", 5)
    wh.con.execute("SET TimeZone = 'America/Los_Angeles'")
    (row,) = rows(wh, "SELECT score_date FROM job_scores")
    (session,) = rows(wh, "SELECT start_date FROM session_scores")
    assert row["score_date"].isoformat() == session["start_date"].isoformat() == "2025-06-02"
    (week,) = rows(wh, "SELECT week_start FROM weekly_scores")
    assert week["week_start"].isoformat() == "2025-06-02"  # that Monday


def test_weekly_scores_compare_each_version_with_its_own_previous_week(
    wh: DuckDBWarehouse,
) -> None:
    data = Rows(wh)
    data.agent("Bot")
    week_1 = datetime(2025, 6, 2, 9, tzinfo=UTC)
    week_2 = week_1 + timedelta(days=7)
    data.session("a", "Bot", "1.4", week_1, week_1 + timedelta(minutes=3))
    data.session("b", "Bot", "1.4", week_2, week_2 + timedelta(minutes=3))
    data.session("c", "Bot", "1.5", week_2, week_2 + timedelta(minutes=3))
    data.job("j1", "a", "faithfulness", "completed", 9, version="1.4")
    data.job("j2", "b", "faithfulness", "completed", 6, version="1.4")
    data.job("j3", "c", "faithfulness", "completed", 8, version="1.5")

    latest = {
        r["agent_version"]: r
        for r in rows(wh, "FROM weekly_scores WHERE week_start = DATE '2025-06-09'")
    }
    assert latest["1.4"]["prev_week_mean_score"] == pytest.approx(9)
    assert latest["1.4"]["change_vs_prev_week"] == pytest.approx(-3)
    assert latest["1.5"]["prev_week_mean_score"] is None  # new version: nothing to compare
    assert latest["1.4"]["agent_mean_score"] == pytest.approx(7)
    assert latest["1.4"]["diff_vs_agent"] == pytest.approx(-1)


def test_arrival_is_known_only_where_an_earlier_sync_bounds_it(wh: DuckDBWarehouse) -> None:
    data = Rows(wh)
    data.agent("Bot", first_seen=SYNC_1)
    end = SYNC_1 - timedelta(minutes=10)
    data.session("s1", "Bot", "1.0", end - timedelta(minutes=5), end)
    # Seen pending at the first sync, settled by the second: arrived within (SYNC_1, SYNC_2].
    data.job("seen", "s1", "coherence", "completed", 8,
             history=[(SYNC_1, "in_progress"), (SYNC_2, "completed")])  # fmt: skip
    # Already settled when the agent was first synced (a backfill): no bound from below.
    data.job("backfill", "s1", "coherence", "completed", 7)
    # First seen, already settled, by a later sync that read the agent before: bounded.
    data.job("new", "s1", "coherence", "failed", None, history=[(SYNC_2, "failed")])
    # Still pending at the last sync, 2h10m after the session ended.
    data.job("late", "s1", "correctness", "submitted", None,
             history=[(SYNC_1, "submitted")])  # fmt: skip

    query = "SELECT job_id, settle_latency_seconds, pending_after_end_seconds FROM job_scores"
    jobs = {r["job_id"]: r for r in rows(wh, query)}
    assert jobs["seen"]["settle_latency_seconds"] == pytest.approx(70 * 60)
    assert jobs["new"]["settle_latency_seconds"] == pytest.approx(70 * 60)
    assert jobs["backfill"]["settle_latency_seconds"] is None
    assert jobs["late"]["settle_latency_seconds"] is None
    assert jobs["late"]["pending_after_end_seconds"] == pytest.approx(130 * 60)

    (session,) = rows(wh, "FROM session_settlement")
    assert (session["is_settled"], session["n_pending"], session["pending_modules"]) == (
        False, 1, ["correctness"],
    )  # fmt: skip
    assert session["wait_seconds"] == pytest.approx(130 * 60)
    latency = {r["module"]: r for r in rows(wh, "FROM score_latency")}
    assert latency["coherence"]["n_measured"] == 2
    assert latency["coherence"]["p50_latency_seconds"] == pytest.approx(70 * 60)
    assert latency["correctness"]["n_pending_after_end"] == 1


def test_breakdowns_add_up_to_the_daily_totals(wh: DuckDBWarehouse) -> None:
    data = Rows(wh)
    data.agent("Bot")
    start = datetime(2025, 6, 9, 8, tzinfo=UTC)
    data.session("s1", "Bot", "1.0", start, start + timedelta(minutes=5))
    data.job("j1", "s1", "data_grounding", "completed", 0.2, tool="search_kb", turn=1)
    data.job("j2", "s1", "data_grounding", "completed", 0.6, tool="search_kb", turn=2)
    data.job("j3", "s1", "data_grounding", "completed", 0.9, tool="sql_query", turn=2)
    data.job("j4", "s1", "data_grounding", "completed", 0.7, turn=None)

    tools = rows(
        wh,
        "SELECT tool_id, sum(score_sum) / sum(n_scored) AS mean FROM tool_scores "
        "WHERE module = 'data_grounding' GROUP BY tool_id ORDER BY mean",
    )
    assert [(t["tool_id"], round(t["mean"], 9)) for t in tools] == [
        ("search_kb", 0.4), ("sql_query", 0.9),
    ]  # fmt: skip
    turns = {r["turn"]: r for r in rows(wh, "FROM scores_by_turn")}
    assert set(turns) == {1, 2}  # the job without a turn has no place on this axis
    assert turns[2]["mean_score"] == pytest.approx(0.75)
    (daily,) = rows(wh, "FROM daily_scores")
    assert daily["n_scored"] == 4
