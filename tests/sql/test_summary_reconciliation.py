"""summary_reconciliation: API summaries computed by the simulator's rules match (counted in
summary_reconciliation_totals, not stored), and each kind of difference shows up as exactly the
row and fields it should."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.api.models import JOB_STATUSES, ScoreSummary, ScoringJobResponse, TurnSummary
from pipeline.ingest import records
from pipeline.simulator.summaries import summarize
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from pipeline.warehouse.schemas import Table
from tests.sql.helpers import (
    SEEN_AT,
    Comparable,
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


@dataclass(frozen=True)
class Reconciled:
    """What one reconciliation stored: the mismatched summaries and the totals per level."""

    mismatches: list[dict[str, Any]]
    totals: dict[str, tuple[int, int]]

    @property
    def compared(self) -> int:
        return sum(compared for compared, _ in self.totals.values())


def reconciled(con: duckdb.DuckDBPyConnection) -> Reconciled:
    totals = {
        row["level"]: (row["compared"], row["mismatched"])
        for row in rows(con, "summary_reconciliation_totals")
    }
    mismatches = rows(con, "summary_reconciliation")
    # Every level has its totals row, and they count the stored rows.
    assert set(totals) == {"agent", "session", "turn"}
    for level, (_, mismatched) in totals.items():
        assert mismatched == sum(row["level"] == level for row in mismatches), level
    assert all(not row["matches"] and row["mismatched_fields"] for row in mismatches)
    return Reconciled(mismatches, totals)


def build(
    con: duckdb.DuckDBPyConnection,
    *,
    agent_changes: dict[str, Change] | None = None,
    session_changes: dict[tuple[str, str], Change] | None = None,
    empty_session: ScoreSummary | None = None,
    tolerance: float = 1e-9,
    jobs: list[ScoringJobResponse] = JOBS,
) -> Reconciled:
    """Load `jobs`, store the API's summaries of them (some changed), reconcile; what it stored."""
    with rolled_back(con):
        load_jobs(con, jobs)
        agents, sessions = api_summaries(jobs)
        for name, summary in agents.items():
            store_agent_summary(con, name, (agent_changes or {}).get(name, unchanged)(summary))
        for session, summary in sessions.items():
            change = (session_changes or {}).get(session, unchanged)
            store_session_summary(con, *session, change(summary))
        store_session_summary(con, *EMPTY_SESSION, empty_session or ScoreSummary())
        run_reconciliation(con, tolerance=tolerance)
        return reconciled(con)


def only_mismatch(result: Reconciled, compared: int = N_COMPARED) -> dict[str, Any]:
    assert result.compared == compared
    assert len(result.mismatches) == 1, result.mismatches
    return result.mismatches[0]


def all_match(result: Reconciled, compared: int = N_COMPARED) -> bool:
    assert result.compared == compared
    return result.mismatches == []


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
    assert result.mismatches == []
    # agents alpha, beta; sessions s1, s2, s3, s-empty; turns s1: 1, 2, null; s2: 1; s3: 0.
    assert result.totals == {"agent": (2, 0), "session": (4, 0), "turn": (5, 0)}


def test_rebuilding_replaces_the_previous_rows() -> None:
    con = fresh_warehouse()
    load_jobs(con, JOBS)
    store_session_summary(con, "alpha", "s1", S1_SUMMARY.model_copy(update={"status": "x"}))
    reconcile(con)
    reconcile(con, at=datetime(2026, 2, 1, tzinfo=UTC))
    result = reconciled(con)
    assert [key(row) for row in result.mismatches] == [("session", "alpha", "s1", None)]
    assert result.totals == {"agent": (0, 0), "session": (1, 1), "turn": (3, 0)}
    totals_at = {row["reconciled_at"] for row in rows(con, "summary_reconciliation_totals")}
    stamped = {row["reconciled_at"] for row in result.mismatches} | totals_at
    assert stamped == {datetime(2026, 2, 1, tzinfo=UTC)}


def test_every_level_has_totals_when_nothing_was_compared() -> None:
    con = fresh_warehouse()
    reconcile(con)
    assert reconciled(con).totals == {"agent": (0, 0), "session": (0, 0), "turn": (0, 0)}


def test_an_all_null_summary_of_a_session_without_jobs_matches(
    shared: duckdb.DuckDBPyConnection,
) -> None:
    # Compared as the all-null summary the warehouse has for it.
    assert all_match(build(shared))


def test_an_empty_but_not_null_summary_of_a_session_without_jobs_matches(
    shared: duckdb.DuckDBPyConnection,
) -> None:
    empty = ScoreSummary(module_scores={}, n_jobs_per_module={}, job_ids=[], turns=[])
    assert all_match(build(shared, empty_session=empty))


def test_a_status_for_a_session_without_jobs_differs(shared: duckdb.DuckDBPyConnection) -> None:
    row = only_mismatch(build(shared, empty_session=ScoreSummary(status="completed")))
    assert key(row) == ("session", *EMPTY_SESSION, None)
    assert row["mismatched_fields"] == ["status"]
    assert (row["api_status"], row["recomputed_status"]) == ("completed", None)


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
    assert all_match(build(shared, session_changes={S1: changed(job_ids=ids)}))


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
    row = only_mismatch(build(shared, session_changes={S1: change}), N_COMPARED + 1)
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
    # Still compared: the turn the warehouse has for a fetched session.
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
    assert all_match(build(shared, session_changes={S1: change}, tolerance=1e-9))


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
        result = reconciled(con)
    n_turns = sum(len(s.turns or []) for s in sessions.values())
    assert result.totals == {
        "agent": (len(agents), 0),
        "session": (len(sessions), 0),
        "turn": (n_turns, 0),
    }
    assert result.mismatches == []


# The bulk pass vouches for a turn by fingerprints job by job (one job per module), and for a
# session by its agreement with its turns; everything else is compared exactly. These cases
# reach past each shortcut.

# j11 makes turn 1 of s1 score correctness twice (8 and 2): its API row counts the module twice.
J11 = make_job("j11", "correctness", "completed", 2, "alpha", "s1", 1)
JOBS_TWICE = [*JOBS, J11]


def test_a_turn_scoring_a_module_twice_matches_when_the_api_follows_the_rules(
    shared: duckdb.DuckDBPyConnection,
) -> None:
    turn = next(t for t in api_summaries(JOBS_TWICE)[1][S1].turns or [] if t.turn == 1)
    assert (turn.n_jobs_per_module or {})["correctness"] == 2
    assert all_match(build(shared, jobs=JOBS_TWICE))


def test_a_turn_scoring_a_module_twice_is_compared_exactly(
    shared: duckdb.DuckDBPyConnection,
) -> None:
    def bump(turns: list[TurnSummary]) -> list[TurnSummary]:
        def changed_turn(t: TurnSummary) -> TurnSummary:
            scores = {**(t.module_scores or {}), "correctness": 5.5}  # the mean is 5
            return t.model_copy(update={"module_scores": scores})

        return [changed_turn(t) if t.turn == 1 else t for t in turns]

    row = only_mismatch(build(shared, jobs=JOBS_TWICE, session_changes={S1: changed_turns(bump)}))
    assert key(row) == ("turn", *S1, 1)
    assert row["mismatched_fields"] == ["module_scores"]
    assert row["module_scores_max_diff"] == pytest.approx(0.5)


def test_a_turn_counting_one_job_for_a_module_scored_twice_differs(
    shared: duckdb.DuckDBPyConnection,
) -> None:
    def one_job(turns: list[TurnSummary]) -> list[TurnSummary]:
        def changed_turn(t: TurnSummary) -> TurnSummary:
            counts = {**(t.n_jobs_per_module or {}), "correctness": 1}
            return t.model_copy(update={"n_jobs_per_module": counts})

        return [changed_turn(t) if t.turn == 1 else t for t in turns]

    row = only_mismatch(
        build(shared, jobs=JOBS_TWICE, session_changes={S1: changed_turns(one_job)})
    )
    assert key(row) == ("turn", *S1, 1)
    assert row["mismatched_fields"] == ["n_jobs_per_module"]
    assert row["n_jobs_per_module_max_diff"] == 1


def test_a_session_scoring_a_module_in_several_turns_is_its_jobs_mean(
    shared: duckdb.DuckDBPyConnection,
) -> None:
    # correctness in s1: 8 and 2 in turn 1, 6 in turn 2. The jobs' mean is 16 / 3; the mean of
    # the turns' means (5 and 6) is 5.5, which the API must not report.
    summary = api_summaries(JOBS_TWICE)[1][S1]
    assert (summary.module_scores or {})["correctness"] == pytest.approx(16 / 3)
    assert all_match(build(shared, jobs=JOBS_TWICE))
    scores = {**(summary.module_scores or {}), "correctness": 5.5}
    row = only_mismatch(
        build(shared, jobs=JOBS_TWICE, session_changes={S1: changed(module_scores=scores)})
    )
    assert key(row) == ("session", *S1, None)
    assert row["mismatched_fields"] == ["module_scores"]
    assert row["module_scores_max_diff"] == pytest.approx(5.5 - 16 / 3)


def test_a_session_agreeing_with_wrong_turns_is_compared_with_its_jobs(
    shared: duckdb.DuckDBPyConnection,
) -> None:
    # The API summarised j3 with another score: its session and turn agree with each other, not
    # with the warehouse.
    api_jobs = [
        make_job("j3", "correctness", "completed", 7, "alpha", "s1", 2) if j.job_id == "j3" else j
        for j in JOBS
    ]
    wrong = api_summaries(api_jobs)[1][S1]
    result = build(shared, session_changes={S1: lambda _: wrong})
    assert result.compared == N_COMPARED
    assert {key(row): row["mismatched_fields"] for row in result.mismatches} == {
        ("session", *S1, None): ["aggregate_score", "module_scores"],
        ("turn", *S1, 2): ["aggregate_score", "module_scores"],
    }


def test_a_turn_listed_twice_is_compared_twice(shared: duckdb.DuckDBPyConnection) -> None:
    twice = changed_turns(lambda turns: [*turns, *turns])
    s2 = ("alpha", "s2")
    assert all_match(build(shared, session_changes={s2: twice}), N_COMPARED + 1)
    # s2 has one turn. Listed twice, it adds up to twice its jobs, which is what this session
    # summary claims: it agrees with its turns, not with the warehouse.
    summary = api_summaries(JOBS)[1][s2]
    doubled = summary.model_copy(
        update={
            "job_ids": [*(summary.job_ids or []), *(summary.job_ids or [])],
            "n_jobs_per_module": {"observed_consistency": 2},
        }
    )
    result = build(shared, session_changes={s2: lambda _: twice(doubled)})
    assert result.compared == N_COMPARED + 1
    assert [key(row) for row in result.mismatches] == [("session", *s2, None)]
    assert result.mismatches[0]["mismatched_fields"] == ["n_jobs_per_module"]


def test_a_score_that_is_not_a_number_never_matches(shared: duckdb.DuckDBPyConnection) -> None:
    jobs = [*JOBS, make_job("j12", "coherence", "completed", float("nan"), "beta", "s3", 5)]
    result = build(shared, jobs=jobs)
    assert result.compared == N_COMPARED + 1
    fields = {key(row): row["mismatched_fields"] for row in result.mismatches}
    # NaN differs from itself, on the API's side as on ours.
    assert fields == {
        ("agent", "beta", None, None): ["aggregate_score", "module_scores"],
        ("session", "beta", "s3", None): ["aggregate_score", "module_scores"],
        ("turn", "beta", "s3", 5): ["aggregate_score", "module_scores"],
    }


def test_fingerprints_of_another_version_are_computed_again() -> None:
    con = fresh_warehouse()
    load_jobs(con, JOBS)
    agents, sessions = api_summaries(JOBS)
    for name, summary in agents.items():
        store_agent_summary(con, name, summary)
    for session, summary in sessions.items():
        store_session_summary(con, *session, summary)
    reconcile(con)
    assert reconciled(con).mismatches == []
    # As after a DuckDB release whose hash() differs: every stored fingerprint is wrong, and
    # marked as made by another version.
    con.execute("UPDATE api_agent_summaries SET job_ids_fingerprint = 1, fingerprinted_with = 1")
    con.execute(
        "UPDATE api_session_summaries SET session_key = 1, turns_consistent = false, "
        "fingerprinted_with = 1"
    )
    con.execute(
        "UPDATE api_turn_summaries SET session_key = 1, fingerprint = 1, fingerprinted_with = 1"
    )
    reconcile(con)
    result = reconciled(con)
    assert result.mismatches == []
    assert result.totals == {"agent": (2, 0), "session": (3, 0), "turn": (5, 0)}


def test_a_summary_stored_again_by_the_load_is_fingerprinted_again() -> None:
    con = fresh_warehouse()
    load_jobs(con, JOBS)
    warehouse = DuckDBWarehouse(con)

    def load_session(summary: ScoreSummary) -> None:
        sessions, turns = records.session_summaries_batches("alpha", [("s1", summary)])
        warehouse.load(
            {Table.API_SESSION_SUMMARIES: sessions, Table.API_TURN_SUMMARIES: turns}, SEEN_AT
        )

    load_session(S1_SUMMARY)
    reconcile(con)
    assert reconciled(con).totals == {"agent": (0, 0), "session": (1, 0), "turn": (3, 0)}
    # The same session stored again, now with a wrong status on its turn 2 and itself.
    wrong = changed(status="completed")(
        changed_turns(lambda turns: [t.model_copy(update={"status": "completed"}) for t in turns])(
            S1_SUMMARY
        )
    )
    load_session(wrong)
    reconcile(con)
    result = reconciled(con)
    assert {key(row) for row in result.mismatches} == {
        ("session", *S1, None),
        ("turn", *S1, 2),
    }


def test_the_agent_summary_load_fingerprints_the_job_ids_it_stores() -> None:
    con = fresh_warehouse()
    load_jobs(con, JOBS)
    warehouse = DuckDBWarehouse(con)
    alpha, beta = (api_summaries(JOBS)[0][name] for name in ("alpha", "beta"))
    alpha_ids = alpha.job_ids or []

    def load_agent(name: str, summary: ScoreSummary) -> None:
        batch = records.agent_summaries_batch([(name, summary)])
        warehouse.load({Table.API_AGENT_SUMMARIES: batch}, SEEN_AT)

    def n_job_ids(name: str) -> int | None:
        (row,) = [r for r in rows(con, "api_agent_summaries") if r["agent_name"] == name]
        return row["n_job_ids"]  # type: ignore[no-any-return]

    def stored_ids(name: str) -> list[str]:
        return sorted(
            row["job_id"]
            for row in rows(con, "api_agent_summary_job_ids")
            if row["agent_name"] == name
        )

    load_agent("beta", beta)
    load_agent("alpha", alpha)
    (stored,) = con.execute(
        "SELECT job_ids_fingerprint = job_ids_fingerprint($ids), n_job_ids, "
        "fingerprinted_with = summary_fingerprint_version() "
        "FROM api_agent_summaries WHERE agent_name = 'alpha'",
        {"ids": alpha_ids},
    ).fetchall()
    assert stored == (True, len(alpha_ids), True)
    assert stored_ids("alpha") == sorted(alpha_ids)
    reconcile(con)
    assert reconciled(con).totals["agent"] == (2, 0)

    load_agent("alpha", alpha.model_copy(update={"job_ids": [*alpha_ids, "ghost"]}))
    assert stored_ids("alpha") == sorted([*alpha_ids, "ghost"])
    reconcile(con)
    (row,) = reconciled(con).mismatches
    assert key(row) == ("agent", "alpha", None, None)
    assert (row["job_ids_only_in_api"], row["job_ids_only_in_warehouse"]) == (1, 0)

    # The ids it no longer lists go; one listed twice is stored once and counted twice.
    relisted = [*alpha_ids[1:], alpha_ids[1]]
    load_agent("alpha", alpha.model_copy(update={"job_ids": relisted}))
    assert stored_ids("alpha") == sorted(alpha_ids[1:])
    assert n_job_ids("alpha") == len(relisted)
    reconcile(con)
    (row,) = reconciled(con).mismatches
    assert (row["job_ids_only_in_api"], row["job_ids_only_in_warehouse"]) == (0, 1)

    load_agent("alpha", alpha.model_copy(update={"job_ids": None}))
    assert stored_ids("alpha") == []
    assert stored_ids("beta") == sorted(beta.job_ids or [])
    assert n_job_ids("alpha") is None


# Against the rules as the tests state them, independently of the SQL: which summaries differ,
# and in which fields, for API summaries made by the rules from jobs the API saw differently
# (a consistent but wrong API) and then edited field by field (an inconsistent one).

FIELDS = ("status", "aggregate_score", "module_scores", "n_jobs_per_module", "job_ids")


def differing_fields(api: Any, warehouse: Any, tolerance: float = 1e-9) -> list[str]:
    a, w = Comparable.of(api), Comparable.of(warehouse)

    def scores_differ(x: float | None, y: float | None) -> bool:
        if x is None and y is None:
            return False
        if x is None or y is None:
            return True
        return not abs(x - y) <= tolerance  # NaN differs

    differ = {
        "status": a.status != w.status,
        "aggregate_score": scores_differ(a.aggregate_score, w.aggregate_score),
        "module_scores": a.module_scores.keys() != w.module_scores.keys()
        or any(scores_differ(v, w.module_scores[k]) for k, v in a.module_scores.items()),
        "n_jobs_per_module": a.n_jobs_per_module != w.n_jobs_per_module,
        "job_ids": a.job_ids != w.job_ids,
    }
    return [field for field in FIELDS if differ[field]]


def expected_mismatches(
    jobs: list[ScoringJobResponse],
    api_agents: dict[str, ScoreSummary],
    api_sessions: dict[tuple[str, str], ScoreSummary],
) -> dict[tuple[Any, ...], list[list[str]]]:
    agents, sessions = api_summaries(jobs)
    found: dict[tuple[Any, ...], list[list[str]]] = defaultdict(list)
    for name, summary in api_agents.items():
        found["agent", name, None, None].append(differing_fields(summary, agents.get(name)))
    for (name, session_id), summary in api_sessions.items():
        ours = sessions.get((name, session_id))
        found["session", name, session_id, None].append(differing_fields(summary, ours))
        our_turns = {t.turn: t for t in (ours.turns if ours else None) or []}
        api_turns = summary.turns or []
        for turn in api_turns:
            fields = differing_fields(turn, our_turns.get(turn.turn))
            found["turn", name, session_id, turn.turn].append(fields)
        for number, turn in our_turns.items():
            if all(t.turn != number for t in api_turns):
                found["turn", name, session_id, number].append(differing_fields(None, turn))
    return {k: sorted(v) for k, v in found.items()}


JOB_EDITS = ("score", "status", "module", "turn", "session", "drop", "add")


@st.composite
def api_views(draw: st.DrawFn, jobs: list[ScoringJobResponse]) -> list[ScoringJobResponse]:
    """The jobs as the API saw them: a few scored, placed or kept differently."""
    seen = list(jobs)
    for _ in range(draw(st.integers(0, 2))):
        if not seen:
            break
        i = draw(st.integers(0, len(seen) - 1))
        job = seen[i]
        context = job.agent_identity_context
        edit = draw(st.sampled_from(JOB_EDITS))
        if edit == "drop":
            del seen[i]
            continue
        fields: dict[str, Any] = {
            "score": job.score,
            "status": job.status,
            "module": job.module,
            "turn": context.agent_turn,
            "session_id": context.agent_session_id,
        }
        if edit == "score":
            fields["score"] = draw(st.sampled_from([None, 0, 3, 0.75, 10]))
        elif edit == "status":
            fields["status"] = draw(st.sampled_from(JOB_STATUSES))
        elif edit == "module":
            fields["module"] = draw(st.sampled_from(["correctness", "coherence", "ghost_module"]))
        elif edit == "turn":
            fields["turn"] = draw(st.sampled_from([None, 0, 1, 3]))
        elif edit == "session":
            fields["session_id"] = draw(st.sampled_from(["s1", "S1", "s-2"]))
        new = make_job(
            job.job_id if edit != "add" else f"ghost-{i}",
            fields["module"],
            fields["status"],
            fields["score"],
            context.agent_name,
            fields["session_id"],
            fields["turn"],
        )
        if edit == "add":
            seen.append(new)
        else:
            seen[i] = new
    return seen


def edit_summary(draw: st.DrawFn, summary: ScoreSummary | TurnSummary) -> Any:
    edit = draw(st.sampled_from(["none", "status", "score", "module", "count", "ids", "ghost"]))
    if edit == "status":
        return summary.model_copy(update={"status": draw(st.sampled_from(JOB_STATUSES))})
    if edit == "score" and summary.aggregate_score is not None:
        return summary.model_copy(update={"aggregate_score": summary.aggregate_score + 0.5})
    if edit == "module" and summary.module_scores:
        module = sorted(summary.module_scores)[0]
        scores = {**summary.module_scores, module: summary.module_scores[module] + 0.5}
        return summary.model_copy(update={"module_scores": scores})
    if edit == "count" and summary.n_jobs_per_module:
        module = sorted(summary.n_jobs_per_module)[0]
        counts = {**summary.n_jobs_per_module, module: summary.n_jobs_per_module[module] + 1}
        return summary.model_copy(update={"n_jobs_per_module": counts})
    if edit == "ids" and summary.job_ids:
        return summary.model_copy(update={"job_ids": summary.job_ids[1:]})
    if edit == "ghost":
        return summary.model_copy(update={"job_ids": [*(summary.job_ids or []), "ghost"]})
    return summary


@st.composite
def api_answers(
    draw: st.DrawFn,
) -> tuple[list[ScoringJobResponse], dict[str, ScoreSummary], dict[tuple[str, str], ScoreSummary]]:
    jobs = draw(job_sets())
    agents, sessions = api_summaries(draw(api_views(jobs)))
    for name in sorted(agents):
        agents[name] = edit_summary(draw, agents[name])
    for key_ in sorted(sessions):
        summary = edit_summary(draw, sessions[key_])
        turns = [edit_summary(draw, t) for t in summary.turns or []]
        if turns and draw(st.booleans()):
            del turns[draw(st.integers(0, len(turns) - 1))]
        if turns and draw(st.booleans()):
            turns.append(turns[draw(st.integers(0, len(turns) - 1))])
        sessions[key_] = summary.model_copy(update={"turns": turns or None})
    return jobs, agents, sessions


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answers=api_answers())
def test_exactly_the_summaries_that_break_the_rules_differ(
    shared: duckdb.DuckDBPyConnection,
    answers: tuple[
        list[ScoringJobResponse], dict[str, ScoreSummary], dict[tuple[str, str], ScoreSummary]
    ],
) -> None:
    jobs, agents, sessions = answers
    with rolled_back(shared) as con:
        load_jobs(con, jobs)
        for name, summary in agents.items():
            store_agent_summary(con, name, summary)
        for (name, session_id), summary in sessions.items():
            store_session_summary(con, name, session_id, summary)
        run_reconciliation(con)
        result = reconciled(con)
    expected = expected_mismatches(jobs, agents, sessions)
    found: dict[tuple[Any, ...], list[list[str]]] = defaultdict(list)
    for row in result.mismatches:
        found[key(row)].append(row["mismatched_fields"])
    differing = {k: [f for f in v if f] for k, v in expected.items()}
    assert {k: sorted(v) for k, v in found.items()} == {k: v for k, v in differing.items() if v}
    compared = defaultdict(int)
    for (level, *_), outcomes in expected.items():
        compared[level] += len(outcomes)
    assert {level: c for level, (c, _) in result.totals.items()} == {
        "agent": compared["agent"],
        "session": compared["session"],
        "turn": compared["turn"],
    }
