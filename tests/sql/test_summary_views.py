"""The summary views agree with the simulator's independent Python implementation of the rules."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.api.models import JOB_STATUSES, ScoringJobResponse
from pipeline.simulator.summaries import summarize
from tests.sql.helpers import (
    SUMMARY_FIELDS,
    assert_same_summary,
    fresh_warehouse,
    load_jobs,
    make_job,
    rolled_back,
    rows,
)

# Both scales, plus a module the warehouse has no scale for.
MODULES = (
    "correctness",
    "coherence",
    "faithfulness",
    "observed_consistency",
    "data_grounding",
    "unheard_of",
)
# Names that differ only by case, spacing or accent, and empty ones: grouping must not merge them.
AGENT_NAMES = ("alpha", "Alpha", "alpha ", "álpha", "", None)
SESSION_IDS = ("s1", "S1", "s1 ", "", "s-2", None)
JOB_IDS = st.text(alphabet="jJ1 -é", min_size=1, max_size=6)

scores = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=10),
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
)
turns = st.one_of(st.none(), st.sampled_from((0, 1, 2, 7, 2**40)))


@st.composite
def job_sets(draw: st.DrawFn) -> list[ScoringJobResponse]:
    ids = draw(st.lists(JOB_IDS, unique=True, max_size=40))
    return [
        make_job(
            job_id=job_id,
            module=draw(st.sampled_from(MODULES)),
            status=draw(st.sampled_from(JOB_STATUSES)),
            score=draw(scores),
            agent_name=draw(st.sampled_from(AGENT_NAMES)),
            session_id=draw(st.sampled_from(SESSION_IDS)),
            turn=draw(turns),
        )
        for job_id in ids
    ]


def view_rows(
    con: duckdb.DuckDBPyConnection, view: str, keys: tuple[str, ...]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """A view's rows by key; the key must be unique."""
    by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows(con, view):
        key = tuple(row[k] for k in keys)
        assert key not in by_key, f"{view} repeats {key}"
        assert set(row) == {*keys, *SUMMARY_FIELDS}, view
        by_key[key] = row
    return by_key


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return fresh_warehouse()


@pytest.fixture(scope="module")
def shared() -> duckdb.DuckDBPyConnection:
    """One warehouse for all examples of a property test; each example rolls back its data."""
    return fresh_warehouse()


def test_views_have_the_api_column_types(con: duckdb.DuckDBPyConnection) -> None:
    expected = {
        "status": "VARCHAR",
        "aggregate_score": "DOUBLE",
        "module_scores": "MAP(VARCHAR, DOUBLE)",
        "n_jobs_per_module": "MAP(VARCHAR, BIGINT)",
        "job_ids": "VARCHAR[]",
    }
    for view in ("agent_score_summary", "session_score_summary", "turn_score_summary"):
        relation = con.table(view)
        types = dict(zip(relation.columns, map(str, relation.types), strict=True))
        assert {k: types[k] for k in expected} == expected, view


@settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(jobs=job_sets())
def test_views_equal_the_python_summaries(
    shared: duckdb.DuckDBPyConnection, jobs: list[ScoringJobResponse]
) -> None:
    with rolled_back(shared) as con:
        load_jobs(con, jobs)
        check_views(con, jobs)


def check_views(con: duckdb.DuckDBPyConnection, jobs: list[ScoringJobResponse]) -> None:
    """Every row of the three views is the Python summary of its jobs, and no row is missing."""

    by_agent: dict[str, list[ScoringJobResponse]] = defaultdict(list)
    by_session: dict[tuple[str, str], list[ScoringJobResponse]] = defaultdict(list)
    for job in jobs:
        context = job.agent_identity_context
        # A job without an agent name belongs to no summary the API serves; one without a
        # session only to its agent's.
        if context.agent_name is None:
            continue
        by_agent[context.agent_name].append(job)
        if context.agent_session_id is not None:
            by_session[context.agent_name, context.agent_session_id].append(job)

    agents = view_rows(con, "agent_score_summary", ("agent_name",))
    assert set(agents) == {(name,) for name in by_agent}
    for name, agent_jobs in by_agent.items():
        assert_same_summary(agents[name,], summarize(agent_jobs), name)

    sessions = view_rows(con, "session_score_summary", ("agent_name", "session_id"))
    assert set(sessions) == set(by_session)
    turns = view_rows(con, "turn_score_summary", ("agent_name", "session_id", "turn"))
    expected_turns: set[tuple[Any, ...]] = set()
    for key, session_jobs in by_session.items():
        expected = summarize(session_jobs)
        assert_same_summary(sessions[key], expected, key)
        for turn in expected.turns or []:
            turn_key = (*key, turn.turn)
            expected_turns.add(turn_key)
            assert_same_summary(turns.get(turn_key), turn, turn_key)
    assert set(turns) == expected_turns


def test_a_group_without_scored_jobs_has_empty_maps(con: duckdb.DuckDBPyConnection) -> None:
    load_jobs(
        con,
        [
            make_job("j1", "correctness", "failed", None, "alpha", "s1", 1),
            make_job("j2", "coherence", "completed", None, "alpha", "s1", 1),
        ],
    )
    (session,) = rows(con, "session_score_summary")
    assert session["status"] == "failed"
    assert session["aggregate_score"] is None
    assert session["module_scores"] == {}
    assert session["n_jobs_per_module"] == {}
    assert sorted(session["job_ids"]) == ["j1", "j2"]


def _scans(plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for node in plan:
        if "SCAN" in node.get("name", ""):
            found.append(node.get("extra_info", {}))
        found += _scans(node.get("children", []))
    return found


@pytest.mark.parametrize("view", ["session_score_summary", "turn_score_summary"])
def test_filters_on_the_keys_reach_the_table_scan(
    con: duckdb.DuckDBPyConnection, view: str
) -> None:
    # One session's summary must not aggregate every job: the filter has to reach each scan.
    load_jobs(
        con,
        [
            make_job(f"j{i}", "correctness", "completed", i, agent, session, None)
            for i, (agent, session) in enumerate([("a", "s"), ("a", "t"), ("b", "s"), ("c", "u")])
        ],
    )
    (row,) = con.execute(
        f"EXPLAIN (FORMAT JSON) SELECT * FROM {view} WHERE agent_name = 'a' AND session_id = 's'"
    ).fetchall()
    scans = _scans(json.loads(row[1]))
    assert scans
    for scan in scans:
        assert scan["Table"].endswith("scoring_jobs")
        assert set(scan["Filters"]) >= {"(agent_name = 'a')", "(agent_session_id = 's')"}
