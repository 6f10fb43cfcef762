"""The DuckDB warehouse on a real file: upserts, one transaction per load, exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pipeline.api.models import (
    AgentIdentityContext,
    AgentSummary,
    ScoreSummary,
    ScoringJobResponse,
    SessionSummary,
    TurnSummary,
)
from pipeline.ingest import records
from pipeline.warehouse.duckdb_warehouse import AgentCommit, DuckDBWarehouse
from pipeline.warehouse.schemas import Table

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def agent(agent_id: str = "agt_1", name: str = "Support Bot") -> AgentSummary:
    return AgentSummary(
        id=agent_id,
        name=name,
        display_name=name.title(),
        version="1.0",
        type="published",
        llm_model="gpt-x",
        tool_count=2,
        datasource_count=1,
    )


def session(session_id: str, status: str = "COMPLETED") -> SessionSummary:
    return SessionSummary(
        session_id=session_id,
        status=status,
        start_time=T0,
        end_time=None if status == "RUNNING" else T0 + timedelta(minutes=3),
        agent_name="Support Bot",
        agent_version="1.0",
        messages_count=4,
        token_usage={"input": 10, "output": 20},
        result=[{"kind": "answer"}],
    )


def job(
    job_id: str, session_id: str, module: str, status: str, score: float | None
) -> ScoringJobResponse:
    return ScoringJobResponse(
        job_id=job_id,
        module=module,
        status=status,
        score=score,
        agent_identity_context=AgentIdentityContext(
            customer_id="cus",
            project_id="prj",
            agent_name="Support Bot",
            agent_version="1.0",
            agent_session_id=session_id,
            agent_turn=1,
        ),
    )


def agent_batches(jobs: list[ScoringJobResponse]) -> dict[Table, pa.Table]:
    summary = ScoreSummary(
        status="completed",
        aggregate_score=7.0,
        module_scores={"correctness": 7.0},
        n_jobs_per_module={"correctness": 1},
        job_ids=[j.job_id for j in jobs],
        turns=[TurnSummary(turn=1, status="completed", job_ids=[j.job_id for j in jobs])],
    )
    session_rows, turn_rows = records.session_summaries_batches("Support Bot", [("s1", summary)])
    return {
        Table.SESSIONS: records.sessions_batch("agt_1", [session("s1"), session("s2", "RUNNING")]),
        Table.SCORING_JOBS: records.jobs_batch(jobs),
        Table.API_AGENT_SUMMARIES: records.agent_summaries_batch([("Support Bot", summary)]),
        Table.API_SESSION_SUMMARIES: session_rows,
        Table.API_TURN_SUMMARIES: turn_rows,
    }


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "meibel.duckdb"


def test_load_is_an_upsert_that_keeps_first_seen(path: Path) -> None:
    jobs = [
        job("j1", "s1", "correctness", "completed", 7),
        job("j2", "s1", "coherence", "submitted", None),
    ]
    with DuckDBWarehouse.open(path) as wh:
        wh.load({Table.AGENTS: records.agents_batch([agent()])}, T0)
        wh.load(agent_batches(jobs), T0)
        settled = [jobs[0], job("j2", "s1", "coherence", "completed", 9)]
        wh.load(agent_batches(settled), T0 + timedelta(hours=1))
        rows = wh.con.execute(
            "SELECT job_id, status, score, scale, first_seen_at, last_seen_at "
            "FROM scoring_jobs ORDER BY job_id"
        ).fetchall()
        assert wh.row_count("api_turn_summaries") == 1
        token_usage = wh.con.execute(
            "SELECT token_usage.input::INT FROM sessions WHERE session_id = 's1'"
        ).fetchone()
    assert rows == [
        ("j1", "completed", 7.0, "judge", T0, T0 + timedelta(hours=1)),
        ("j2", "completed", 9.0, "judge", T0, T0 + timedelta(hours=1)),
    ]
    assert token_usage == (10,)


def staged_commit(jobs: list[ScoringJobResponse]) -> AgentCommit:
    batches = agent_batches(jobs)
    del batches[Table.SCORING_JOBS]
    return AgentCommit("agt_1", "Support Bot", batches, mode="incremental", jobs_agent_wide=True)


def test_staged_jobs_commit_with_their_agent_a_job_read_twice_keeping_its_last(
    path: Path,
) -> None:
    with DuckDBWarehouse.open(path) as wh:
        wh.stage_jobs(
            "agt_1", records.jobs_batch([job("j1", "s1", "correctness", "running", None)])
        )
        wh.stage_jobs(
            "agt_2", records.jobs_batch([job("k1", "s9", "correctness", "running", None)])
        )
        later = [
            job("j1", "s1", "correctness", "completed", 7),
            job("j2", "s2", "coherence", "completed", 5),
        ]
        wh.stage_jobs("agt_1", records.jobs_batch(later))
        # An agent's only batch waits as it came; a second one takes both into the stage.
        staged = "SELECT stage_agent_id, count(*) FROM staged_jobs GROUP BY ALL"
        assert wh.con.execute(staged).fetchall() == [("agt_1", 2)]
        assert wh.changed_job_sessions("agt_1") == {"s1", "s2"}
        loaded = wh.commit_agent(staged_commit([]), T0)
        rows = wh.con.execute(
            "SELECT job_id, status, score FROM scoring_jobs ORDER BY 1"
        ).fetchall()
        # The stage is empty after the commit; another agent's staged jobs wait for their own.
        assert wh.changed_job_sessions("agt_1") == set()
        assert wh.changed_job_sessions("agt_2") == {"s9"}
    assert loaded[Table.SCORING_JOBS] == 2
    assert rows == [("j1", "completed", 7.0), ("j2", "completed", 5.0)]


def test_discarded_staged_jobs_never_reach_a_later_commit(path: Path) -> None:
    with DuckDBWarehouse.open(path) as wh:
        wh.stage_jobs(
            "agt_1", records.jobs_batch([job("j1", "s1", "correctness", "running", None)])
        )
        wh.discard_staged_jobs("agt_1")
        wh.commit_agent(staged_commit([]), T0)
        assert wh.row_count("scoring_jobs") == 0


def test_a_failing_load_leaves_every_table_as_it_was(path: Path) -> None:
    jobs = [job("j1", "s1", "correctness", "completed", 7)]
    with DuckDBWarehouse.open(path) as wh:
        wh.load(agent_batches(jobs), T0)
        before = {t: wh.row_count(t) for t in ("sessions", "scoring_jobs", "api_turn_summaries")}
        broken = agent_batches([*jobs, job("j9", "s3", "faithfulness", "completed", 3)])
        # A turn row without its session key fails the last table of the load, after the others ran.
        broken[Table.API_TURN_SUMMARIES] = pa.Table.from_pylist(
            [{"agent_name": "Support Bot", "session_id": None}],
            schema=broken[Table.API_TURN_SUMMARIES]
            .schema.remove(1)
            .insert(1, pa.field("session_id", pa.string())),
        )
        with pytest.raises((duckdb.Error, pa.ArrowInvalid, ValueError)):
            wh.load(broken, T0 + timedelta(hours=1))
        after = {t: wh.row_count(t) for t in before}
        ids = [r[0] for r in wh.con.execute("SELECT job_id FROM scoring_jobs").fetchall()]
    assert after == before
    assert ids == ["j1"]


def test_unknown_modules_get_no_scale_and_reopen_keeps_data(path: Path) -> None:
    with DuckDBWarehouse.open(path) as wh:
        wh.load(agent_batches([job("j1", "s1", "tone", "completed", 0.5)]), T0)
    with DuckDBWarehouse.open(path, read_only=True) as wh:
        assert wh.con.execute("SELECT scale FROM scoring_jobs").fetchall() == [(None,)]
        (row,) = wh.rows("checks/scores_out_of_scale")
    assert row["unknown_modules"] == ["tone"]


def test_duplicate_keys_sees_repeated_null_turns(path: Path) -> None:
    with DuckDBWarehouse.open(path) as wh:
        wh.load(agent_batches([job("j1", "s1", "correctness", "completed", 7)]), T0)
        wh.con.execute(
            "INSERT INTO api_turn_summaries (agent_name, session_id, turn, fetched_at) "
            "VALUES ('a', 's', 1, now()), ('a', 't', 1, now()), ('a', 's', NULL, now())"
        )
        assert wh.duplicate_keys("api_turn_summaries") == (0, 0)
        wh.con.execute(
            "INSERT INTO api_turn_summaries (agent_name, session_id, turn, fetched_at) "
            "VALUES ('a', 's', NULL, now())"
        )
        assert wh.duplicate_keys("api_turn_summaries") == (1, 2)


def agent_summary_row(wh: DuckDBWarehouse) -> dict[str, object]:
    relation = wh.con.table("api_agent_summaries")
    (values,) = relation.fetchall()
    return dict(zip(relation.columns, values, strict=True))


def test_an_agent_summary_list_of_job_ids_moves_to_its_table_on_open(path: Path) -> None:
    jobs = [job("j1", "s1", "correctness", "completed", 7), job("j2", "s1", "tone", "failed", None)]
    with DuckDBWarehouse.open(path) as wh:
        wh.load(agent_batches(jobs), T0)
        fingerprint = agent_summary_row(wh)["job_ids_fingerprint"]
        # The agent summary as warehouses before the ids table stored it.
        wh.con.execute("DELETE FROM api_agent_summary_job_ids")
        wh.con.execute("ALTER TABLE api_agent_summaries DROP COLUMN n_job_ids")
        wh.con.execute("ALTER TABLE api_agent_summaries ADD COLUMN job_ids VARCHAR[]")
        wh.con.execute("UPDATE api_agent_summaries SET job_ids = ['j2', 'j1', 'j2']")
    for _ in range(2):
        with DuckDBWarehouse.open(path) as wh:
            summary = agent_summary_row(wh)
            ids = wh.con.execute("SELECT job_id FROM api_agent_summary_job_ids ORDER BY 1")
            assert ids.fetchall() == [("j1",), ("j2",)]
    assert "job_ids" not in summary
    assert (summary["n_job_ids"], summary["job_ids_fingerprint"]) == (3, fingerprint)
