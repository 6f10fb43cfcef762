"""The jobs plan: fewest requests, every touched session covered, each answer bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.ingest.plan import jobs_plan

versions_of = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=3),
    st.sampled_from(["1.0", "1.1", "2.0", None]),
    max_size=30,
)


def test_a_small_agent_is_read_in_one_request() -> None:
    versions = {f"s{i}": "1.0" for i in range(10)}
    plan = jobs_plan("agent", {"s1", "s2"}, versions, max_sessions_per_request=10)
    assert plan.requests == [{"agent_name": "agent"}]
    assert plan.agent_wide
    assert plan.reach == [10]


def test_one_touched_session_is_asked_for_alone() -> None:
    plan = jobs_plan("agent", {"s1"}, {"s1": "1.0", "s2": "1.0"}, max_sessions_per_request=10)
    assert plan.requests == [{"agent_name": "agent", "agent_session_id": "s1"}]
    assert not plan.agent_wide


def test_a_large_agent_is_read_by_version_where_a_version_is_small_enough() -> None:
    versions = {f"old{i}": "1.0" for i in range(8)} | {f"new{i}": "2.0" for i in range(3)}
    versions["bare"] = None
    touched = {"old1", "old2", "new0", "new1", "bare"}
    plan = jobs_plan("agent", touched, versions, max_sessions_per_request=5)
    assert plan.requests == [
        {"agent_name": "agent", "agent_version": "2.0"},
        {"agent_name": "agent", "agent_session_id": "bare"},
        {"agent_name": "agent", "agent_session_id": "old1"},
        {"agent_name": "agent", "agent_session_id": "old2"},
    ]
    assert not plan.agent_wide
    assert plan.reach == [3, 1, 1, 1]


@given(versions_of, st.data(), st.integers(1, 40))
def test_every_touched_session_is_covered_by_a_bounded_request(
    versions: dict[str, str | None], data: st.DataObject, bound: int
) -> None:
    touched = data.draw(st.sets(st.sampled_from(sorted(versions)))) if versions else set()
    plan = jobs_plan("agent", touched, versions, bound)
    covered: set[str] = set()
    for request, weight in zip(plan.requests, plan.reach, strict=True):
        if "agent_session_id" in request:
            covered.add(request["agent_session_id"])
            assert weight == 1
            continue
        reach = {s for s, v in versions.items() if v == request.get("agent_version", v)}
        assert len(reach) <= bound
        assert weight == len(reach)
        covered |= reach
    assert touched <= covered
    assert len(plan.requests) <= len(touched)
