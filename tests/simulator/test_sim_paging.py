"""Paging, sorting and filtering of the agent and session listings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from pipeline.api.models import JOB_STATUSES, SESSION_STATUSES, SessionListResponse
from pipeline.simulator import MAX_PAGE_SIZE, SimulatorServer


def _sessions(api: httpx.Client, agent_id: str, **params: Any) -> SessionListResponse:
    response = api.get(f"/agents/{agent_id}/sessions", params=params)
    assert response.status_code == 200, response.text
    return SessionListResponse.model_validate(response.json())


def _first_agent_id(api: httpx.Client) -> str:
    agent_id: str = api.get("/agents").json()["data"][0]["id"]
    return agent_id


def test_agents_are_listed_with_total_offset_and_limit(
    api: httpx.Client, simulator: SimulatorServer
) -> None:
    body = api.get("/agents").json()
    assert body["total"] == 6
    assert body["offset"] == 0
    assert body["limit"] == MAX_PAGE_SIZE
    assert [a["name"] for a in body["data"]] == simulator.world.agent_names
    assert all(a["id"].startswith("agt_") for a in body["data"])

    page = api.get("/agents", params={"offset": 4, "limit": 5}).json()
    assert (page["total"], page["offset"], page["limit"]) == (6, 4, 5)
    assert [a["id"] for a in page["data"]] == [a["id"] for a in body["data"][4:]]


def test_session_pages_partition_the_listing(api: httpx.Client) -> None:
    agent_id = _first_agent_id(api)
    everything = _sessions(api, agent_id)
    assert everything.total == 8
    assert len(everything.data) == 8

    pages = [_sessions(api, agent_id, offset=offset, limit=3) for offset in (0, 3, 6, 9)]
    assert [len(page.data) for page in pages] == [3, 3, 2, 0]
    assert all(page.total == 8 and page.limit == 3 for page in pages)
    assert [page.offset for page in pages] == [0, 3, 6, 9]
    paged_ids = [s.session_id for page in pages for s in page.data]
    assert paged_ids == [s.session_id for s in everything.data]


def test_sessions_default_to_newest_first(api: httpx.Client) -> None:
    listing = _sessions(api, _first_agent_id(api))
    starts = [s.start_time for s in listing.data]
    assert starts == sorted(starts, reverse=True)
    assert all(isinstance(s, datetime) and s.utcoffset() is not None for s in starts)
    ascending = _sessions(api, _first_agent_id(api), sort_order="asc")
    assert [s.session_id for s in ascending.data] == [s.session_id for s in listing.data][::-1]


def test_page_size_is_capped_not_refused(simulator_factory: Callable[..., SimulatorServer]) -> None:
    sim = simulator_factory(agents=1, sessions_per_agent=130, jobs_per_session=1)
    with httpx.Client(base_url=sim.base_url, headers=sim.headers) as api:
        agent_id = _first_agent_id(api)
        capped = _sessions(api, agent_id, limit=500)
        assert (capped.total, capped.limit, len(capped.data)) == (130, MAX_PAGE_SIZE, 100)
        unlimited = _sessions(api, agent_id)
        assert (unlimited.limit, len(unlimited.data)) == (MAX_PAGE_SIZE, 100)
        rest = _sessions(api, agent_id, offset=100, limit=1000)
        assert len(rest.data) == 30
        ids = [s.session_id for s in capped.data] + [s.session_id for s in rest.data]
        assert len(set(ids)) == 130
        assert api.get("/agents", params={"limit": 1000}).json()["limit"] == MAX_PAGE_SIZE


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sort_by_status(api: httpx.Client, order: str) -> None:
    listing = _sessions(api, _first_agent_id(api), sort_by="status", sort_order=order)
    statuses = [s.status for s in listing.data]
    assert statuses == sorted(statuses, reverse=order == "desc")
    assert len(set(statuses)) > 1


def test_status_filter_narrows_the_listing_and_its_total(
    api: httpx.Client, simulator: SimulatorServer
) -> None:
    seen: set[str] = set()
    for agent_id in simulator.world.agent_ids:
        every = _sessions(api, agent_id)
        for status in SESSION_STATUSES:
            filtered = _sessions(api, agent_id, status=status)
            expected = [s.session_id for s in every.data if s.status == status]
            assert [s.session_id for s in filtered.data] == expected
            assert filtered.total == len(expected)
            if expected:
                seen.add(status)
        assert _sessions(api, agent_id, status="NOPE").total == 0
    assert seen == set(SESSION_STATUSES)


def test_the_small_world_has_the_variety_of_real_data(
    api: httpx.Client, simulator: SimulatorServer
) -> None:
    jobs = api.get("/confidence-scoring/jobs").json()
    assert {job["status"] for job in jobs} == set(JOB_STATUSES)
    sessions = [s for a in simulator.world.agent_ids for s in _sessions(api, a).data]
    running = [s for s in sessions if s.status == "RUNNING"]
    assert running
    assert all(s.end_time is None for s in running)
    assert all(s.end_time is not None for s in sessions if s.status != "RUNNING")
    versions = {s.agent_version for s in sessions}
    assert len(versions) > len(simulator.world.agent_ids)
    by_session: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        by_session.setdefault(job["agent_identity_context"]["agent_session_id"], []).append(job)
    assert any(s.session_id not in by_session for s in sessions), "a session without jobs"
    ended_with_pending = [
        s
        for s in sessions
        if s.status != "RUNNING"
        and any(
            j["status"] in ("submitted", "in_progress") for j in by_session.get(s.session_id, [])
        )
    ]
    assert ended_with_pending
