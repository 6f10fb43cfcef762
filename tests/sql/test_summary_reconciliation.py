"""summary_reconciliation: API summaries computed by the simulator's rules match, and each kind
of difference shows up as exactly the row and fields it should."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings

from pipeline.api.models import ScoreSummary, ScoringJobResponse, TurnSummary
from pipeline.simulator.summaries import summarize
from tests.sql.helpers import (
    fresh_warehouse,
    load_jobs,
    make_job,
    reconcile,
    rolled_back,
    rows,
    run_reconciliation,
    store_agent_summary,
    store_session_summary,
)
from tests.sql.test_summary_views import job_sets

JOBS = [
    make_job("j1", "correctness", "completed", 8, "alpha", "s1", 1),
    make_job("j2", "data_grounding", "completed", 0.5, "alpha", "s1", 1),
    make_job("j3", "correctness", "completed", 6, "alpha", "s1", 2),
    make_job("j4", "coherence", "failed", None, "alpha", "s1", 2),
    make_job("j5", "faithfulness", "completed", 9, "alpha", "s1", None),
    make_job("j6", "correctness", "in_progress", None, "alpha", "s2", 1),
    make_job("j7", "observed_consistency", "completed", 0.25, "alpha", "s2", 1),
    make_job("j8", "unheard_of", "not_run", None, "beta", "s3", 0),
    make_job("j9", "correctness", "completed", 10, "beta", "s3", 0),
    # No session: counts for its agent only.
    make_job("j10", "correctness", "completed", 4, "alpha", None, None),
]
# The API knows a session the warehouse has no job of, and says so with an all-null summary.
EMPTY_SESSION = ("alpha", "s-empty")
# agents 2 + sessions (s1, s2, s3, s-empty) 4 + turns (s1: 1, 2, null; s2: 1; s3: 0) 5
N_COMPARED = 11

Change = Callable[[ScoreSummary], ScoreSummary]


def api_summaries(
    jobs: list[ScoringJobResponse],
) -> tuple[dict[str, ScoreSummary], dict[tuple[str, str], ScoreSummary]]:
    by_agent: dict[str, list[ScoringJobResponse]] = defaultdict(list)
    by_session: dict[tuple[str, str], list[ScoringJobResponse]] = defaultdict(list)
    for job in jobs:
        context = job.agent_identity_context
        if context.agent_name is None:
            continue
        by_agent[context.agent_name].append(job)
        if context.agent_session_id is not None:
            by_session[context.agent_name, context.agent_session_id].append(job)
    return (
        {name: summarize(js) for name, js in by_agent.items()},
        {key: summarize(js) for key, js in by_session.items()},
    )


@pytest.fixture(scope="module")
def shared() -> duckdb.DuckDBPyConnection:
    """One warehouse for the whole module; every test rolls back what it stored."""
    return fresh_warehouse()


def unchanged(summary: ScoreSummary) -> ScoreSummary:
    return summary


def build(
    con: duckdb.DuckDBPyConnection,
    *,
    agent_changes: dict[str, Change] | None = None,
    session_changes: dict[tuple[str, str], Change] | None = None,
    empty_session: ScoreSummary | None = None,
    tolerance: float = 1e-9,
) -> list[dict[str, Any]]:
    """Load JOBS, store the API's summaries of them (some changed), reconcile; the rows."""
    with rolled_back(con):
        load_jobs(con, JOBS)
        agents, sessions = api_summaries(JOBS)
        for name, summary in agents.items():
            store_agent_summary(con, name, (agent_changes or {}).get(name, unchanged)(summary))
        for session, summary in sessions.items():
            change = (session_changes or {}).get(session, unchanged)
            store_session_summary(con, *session, change(summary))
        store_session_summary(con, *EMPTY_SESSION, empty_session or ScoreSummary())
        run_reconciliation(con, tolerance=tolerance)
        return rows(con, "summary_reconciliation")


def only_mismatch(result: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(result) == N_COMPARED
    mismatched = [row for row in result if not row["matches"]]
    assert len(mismatched) == 1, mismatched
    return mismatched[0]


def key(row: dict[str, Any]) -> tuple[Any, ...]:
    return row["level"], row["agent_name"], row["session_id"], row["turn"]


def changed(**fields: Any) -> Change:
    return lambda summary: summary.model_copy(update=fields)


def changed_turns(change: Callable[[list[TurnSummary]], list[TurnSummary]]) -> Change:
    return lambda summary: summary.model_copy(update={"turns": change(list(summary.turns or []))})


S1 = ("alpha", "s1")
S1_SUMMARY = api_summaries(JOBS)[1][S1]


def test_every_summary_matches_when_the_api_follows_the_rules(
    shared: duckdb.DuckDBPyConnection,
) -> None:
    result = build(shared)
    assert len(result) == N_COMPARED
    assert all(row["matches"] and row["mismatched_fields"] == [] for row in result), result
    assert {key(row) for row in result} == {
        ("agent", "alpha", None, None),
        ("agent", "beta", None, None),
        ("session", "alpha", "s1", None),
        ("session", "alpha", "s2", None),
        ("session", "beta", "s3", None),
        ("session", "alpha", "s-empty", None),
        ("turn", "alpha", "s1", 1),
        ("turn", "alpha", "s1", 2),
        ("turn", "alpha", "s1", None),
        ("turn", "alpha", "s2", 1),
        ("turn", "beta", "s3", 0),
    }
    for row in result:
        assert row["reconciled_at"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert row["job_ids_only_in_api"] == row["job_ids_only_in_warehouse"] == 0
        assert row["modules_only_in_api"] == row["modules_only_in_warehouse"] == []


def test_rebuilding_replaces_the_previous_rows() -> None:
    con = fresh_warehouse()
    load_jobs(con, JOBS)
    store_session_summary(con, "alpha", "s1", S1_SUMMARY)
    reconcile(con)
    reconcile(con, at=datetime(2026, 2, 1, tzinfo=UTC))
    result = rows(con, "summary_reconciliation")
    assert len(result) == 4  # the session and its three turns
    assert {row["reconciled_at"] for row in result} == {datetime(2026, 2, 1, tzinfo=UTC)}


def test_an_all_null_summary_of_a_session_without_jobs_matches(
    shared: duckdb.DuckDBPyConnection,
) -> None:
    row = next(r for r in build(shared) if key(r) == ("session", *EMPTY_SESSION, None))
    assert row["matches"]
    assert (row["api_status"], row["recomputed_status"]) == (None, None)


def test_an_empty_but_not_null_summary_of_a_session_without_jobs_matches(
    shared: duckdb.DuckDBPyConnection,
) -> None:
    empty = ScoreSummary(module_scores={}, n_jobs_per_module={}, job_ids=[], turns=[])
    row = next(
        r for r in build(shared, empty_session=empty) if key(r) == ("session", *EMPTY_SESSION, None)
    )
    assert row["matches"]


def test_a_status_for_a_session_without_jobs_differs(shared: duckdb.DuckDBPyConnection) -> None:
    row = only_mismatch(build(shared, empty_session=ScoreSummary(status="completed")))
    assert key(row) == ("session", *EMPTY_SESSION, None)
    assert row["mismatched_fields"] == ["status"]


def test_a_score_off_by_half(shared: duckdb.DuckDBPyConnection) -> None:
    off = S1_SUMMARY.aggregate_score + 0.5  # type: ignore[operator]
    row = only_mismatch(build(shared, session_changes={S1: changed(aggregate_score=off)}))
    assert key(row) == ("session", *S1, None)
    assert row["mismatched_fields"] == ["aggregate_score"]
    assert row["api_aggregate_score"] == pytest.approx(off)
    assert row["recomputed_aggregate_score"] == pytest.approx(S1_SUMMARY.aggregate_score)
    assert row["aggregate_score_diff"] == pytest.approx(0.5)


def test_a_module_score_off_by_half(shared: duckdb.DuckDBPyConnection) -> None:
    scores = dict(S1_SUMMARY.module_scores or {})
    scores["correctness"] += 0.5
    row = only_mismatch(build(shared, session_changes={S1: changed(module_scores=scores)}))
    assert key(row) == ("session", *S1, None)
    assert row["mismatched_fields"] == ["module_scores"]
    assert row["module_scores_max_diff"] == pytest.approx(0.5)
    assert row["modules_only_in_api"] == row["modules_only_in_warehouse"] == []


def test_a_missing_aggregate_score(shared: duckdb.DuckDBPyConnection) -> None:
    row = only_mismatch(build(shared, session_changes={S1: changed(aggregate_score=None)}))
    assert row["mismatched_fields"] == ["aggregate_score"]
    assert row["aggregate_score_diff"] is None


def test_a_different_status(shared: duckdb.DuckDBPyConnection) -> None:
    assert S1_SUMMARY.status == "failed"
    row = only_mismatch(build(shared, session_changes={S1: changed(status="completed")}))
    assert key(row) == ("session", *S1, None)
    assert row["mismatched_fields"] == ["status"]
    assert (row["api_status"], row["recomputed_status"]) == ("completed", "failed")


def test_a_job_id_the_api_lacks(shared: duckdb.DuckDBPyConnection) -> None:
    ids = [i for i in S1_SUMMARY.job_ids or [] if i != "j3"]
    row = only_mismatch(build(shared, session_changes={S1: changed(job_ids=ids)}))
    assert key(row) == ("session", *S1, None)
    assert row["mismatched_fields"] == ["job_ids"]
    assert (row["job_ids_only_in_api"], row["job_ids_only_in_warehouse"]) == (0, 1)


def test_a_job_id_only_the_api_has(shared: duckdb.DuckDBPyConnection) -> None:
    ids = [*(S1_SUMMARY.job_ids or []), "ghost"]
    row = only_mismatch(build(shared, session_changes={S1: changed(job_ids=ids)}))
    assert row["mismatched_fields"] == ["job_ids"]
    assert (row["job_ids_only_in_api"], row["job_ids_only_in_warehouse"]) == (1, 0)


def test_job_ids_compare_as_sets(shared: duckdb.DuckDBPyConnection) -> None:
    ids = list(reversed(S1_SUMMARY.job_ids or []))
    ids.append(ids[0])
    assert all(row["matches"] for row in build(shared, session_changes={S1: changed(job_ids=ids)}))


def test_an_agent_job_id_only_the_api_has(shared: duckdb.DuckDBPyConnection) -> None:
    agent = api_summaries(JOBS)[0]["alpha"]
    ids = [*(agent.job_ids or []), "ghost"]
    row = only_mismatch(build(shared, agent_changes={"alpha": changed(job_ids=ids)}))
    assert key(row) == ("agent", "alpha", None, None)
    assert row["mismatched_fields"] == ["job_ids"]
    assert (row["job_ids_only_in_api"], row["job_ids_only_in_warehouse"]) == (1, 0)


def test_a_module_only_the_api_has(shared: duckdb.DuckDBPyConnection) -> None:
    scores = {**(S1_SUMMARY.module_scores or {}), "extra": 1.0}
    counts = {**(S1_SUMMARY.n_jobs_per_module or {}), "extra": 1}
    change = changed(module_scores=scores, n_jobs_per_module=counts)
    row = only_mismatch(build(shared, session_changes={S1: change}))
    assert key(row) == ("session", *S1, None)
    assert row["mismatched_fields"] == ["module_scores", "n_jobs_per_module"]
    assert row["modules_only_in_api"] == ["extra"]
    assert row["modules_only_in_warehouse"] == []
    assert row["n_jobs_per_module_max_diff"] == 1
    assert row["module_scores_max_diff"] == pytest.approx(0.0)


def test_a_module_only_the_warehouse_has(shared: duckdb.DuckDBPyConnection) -> None:
    scores = {k: v for k, v in (S1_SUMMARY.module_scores or {}).items() if k != "faithfulness"}
    counts = {k: v for k, v in (S1_SUMMARY.n_jobs_per_module or {}).items() if k != "faithfulness"}
    change = changed(module_scores=scores, n_jobs_per_module=counts)
    row = only_mismatch(build(shared, session_changes={S1: change}))
    assert row["mismatched_fields"] == ["module_scores", "n_jobs_per_module"]
    assert row["modules_only_in_api"] == []
    assert row["modules_only_in_warehouse"] == ["faithfulness"]
    assert row["n_jobs_per_module_max_diff"] == 1


def test_a_job_count_off_by_two(shared: duckdb.DuckDBPyConnection) -> None:
    counts = dict(S1_SUMMARY.n_jobs_per_module or {})
    counts["correctness"] += 2
    row = only_mismatch(build(shared, session_changes={S1: changed(n_jobs_per_module=counts)}))
    assert row["mismatched_fields"] == ["n_jobs_per_module"]
    assert row["n_jobs_per_module_max_diff"] == 2


def test_a_turn_only_the_api_has(shared: duckdb.DuckDBPyConnection) -> None:
    ghost = TurnSummary(
        turn=7,
        status="completed",
        aggregate_score=5.0,
        module_scores={"correctness": 5.0},
        n_jobs_per_module={"correctness": 1},
        job_ids=["ghost"],
    )
    change = changed_turns(lambda turns: [*turns, ghost])
    result = build(shared, session_changes={S1: change})
    assert len(result) == N_COMPARED + 1
    (row,) = [r for r in result if not r["matches"]]
    assert key(row) == ("turn", *S1, 7)
    assert row["mismatched_fields"] == [
        "status",
        "aggregate_score",
        "module_scores",
        "n_jobs_per_module",
        "job_ids",
    ]
    assert (row["api_status"], row["recomputed_status"]) == ("completed", None)
    assert row["recomputed_aggregate_score"] is None
    assert row["modules_only_in_api"] == ["correctness"]
    assert (row["job_ids_only_in_api"], row["job_ids_only_in_warehouse"]) == (1, 0)


@pytest.mark.parametrize(
    ("turn", "ids", "modules"),
    [(1, 2, ["correctness", "data_grounding"]), (None, 1, ["faithfulness"])],
)
def test_a_turn_only_the_warehouse_has(
    shared: duckdb.DuckDBPyConnection, turn: int | None, ids: int, modules: list[str]
) -> None:
    change = changed_turns(lambda turns: [t for t in turns if t.turn != turn])
    row = only_mismatch(build(shared, session_changes={S1: change}))
    assert key(row) == ("turn", *S1, turn)
    assert row["mismatched_fields"] == [
        "status",
        "aggregate_score",
        "module_scores",
        "n_jobs_per_module",
        "job_ids",
    ]
    assert (row["api_status"], row["recomputed_status"]) == (None, "completed")
    assert row["api_aggregate_score"] is None
    assert (row["job_ids_only_in_api"], row["job_ids_only_in_warehouse"]) == (0, ids)
    assert (row["modules_only_in_api"], row["modules_only_in_warehouse"]) == ([], modules)
    assert row["module_scores_max_diff"] is None
    assert row["n_jobs_per_module_max_diff"] == 1


def test_a_turn_with_a_wrong_score(shared: duckdb.DuckDBPyConnection) -> None:
    def bump(turns: list[TurnSummary]) -> list[TurnSummary]:
        return [t.model_copy(update={"aggregate_score": 1.0}) if t.turn == 2 else t for t in turns]

    row = only_mismatch(build(shared, session_changes={S1: changed_turns(bump)}))
    assert key(row) == ("turn", *S1, 2)
    assert row["mismatched_fields"] == ["aggregate_score"]
    assert row["aggregate_score_diff"] == pytest.approx(5.0)


@pytest.mark.parametrize("delta", [1e-12, -1e-12, 5e-10])
def test_differences_within_the_tolerance_match(
    shared: duckdb.DuckDBPyConnection, delta: float
) -> None:
    scores = {k: v + delta for k, v in (S1_SUMMARY.module_scores or {}).items()}
    score = S1_SUMMARY.aggregate_score + delta  # type: ignore[operator]
    change = changed(aggregate_score=score, module_scores=scores)
    assert all(
        row["matches"] for row in build(shared, session_changes={S1: change}, tolerance=1e-9)
    )


def test_differences_beyond_the_tolerance_do_not(shared: duckdb.DuckDBPyConnection) -> None:
    score = S1_SUMMARY.aggregate_score + 1e-6  # type: ignore[operator]
    row = only_mismatch(
        build(shared, session_changes={S1: changed(aggregate_score=score)}, tolerance=1e-9)
    )
    assert row["mismatched_fields"] == ["aggregate_score"]
    assert row["aggregate_score_diff"] == pytest.approx(1e-6)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(jobs=job_sets())
def test_summaries_by_the_rules_always_match(
    shared: duckdb.DuckDBPyConnection, jobs: list[ScoringJobResponse]
) -> None:
    with rolled_back(shared) as con:
        load_jobs(con, jobs)
        agents, sessions = api_summaries(jobs)
        for name, summary in agents.items():
            store_agent_summary(con, name, summary)
        for (name, session_id), summary in sessions.items():
            store_session_summary(con, name, session_id, summary)
        run_reconciliation(con)
        result = rows(con, "summary_reconciliation")
    n_turns = sum(len(s.turns or []) for s in sessions.values())
    assert len(result) == len(agents) + len(sessions) + n_turns
    assert [row for row in result if not row["matches"]] == []
