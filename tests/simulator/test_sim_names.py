"""Agent names with reserved and non-ASCII characters reach the right route, intact."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import httpx
import pytest

from pipeline.simulator import AGENT_NAMES, SimulatorServer, World, WorldSpec


@pytest.fixture
def all_names(simulator_factory: Callable[..., SimulatorServer]) -> SimulatorServer:
    return simulator_factory(agents=len(AGENT_NAMES), sessions_per_agent=4)


def _escaped(name: str) -> str:
    return quote(name, safe="")


def test_the_tricky_names_are_there() -> None:
    for name in ["Support Bot", "Résumé Screener ü", "Q&A #1?", "routing/triage"]:
        assert name in AGENT_NAMES
    assert "50% off /session/ x" in AGENT_NAMES


def test_names_stay_unique_when_they_cycle() -> None:
    names = World(WorldSpec(agents=3 * len(AGENT_NAMES) + 1, sessions_per_agent=0)).agent_names
    assert len(set(names)) == len(names)
    assert names[: len(AGENT_NAMES)] == list(AGENT_NAMES)


def test_every_name_filters_jobs_and_reaches_both_summaries(all_names: SimulatorServer) -> None:
    world = all_names.world
    with httpx.Client(base_url=all_names.base_url, headers=all_names.headers) as api:
        for name in AGENT_NAMES:
            jobs = api.get("/confidence-scoring/jobs", params={"agent_name": name}).json()
            assert jobs, name
            assert {j["agent_identity_context"]["agent_name"] for j in jobs} == {name}
            assert len(jobs) == len(world.jobs_for(name))

            summary = api.get(f"/confidence-scoring/summary/agent/{_escaped(name)}")
            assert summary.status_code == 200, name
            assert summary.json()["job_ids"] == [j["job_id"] for j in jobs], name

            session_id = jobs[-1]["agent_identity_context"]["agent_session_id"]
            in_session = [
                j["job_id"]
                for j in jobs
                if j["agent_identity_context"]["agent_session_id"] == session_id
            ]
            url = f"/confidence-scoring/summary/agent/{_escaped(name)}/session/{session_id}"
            per_session = api.get(url)
            assert per_session.status_code == 200, name
            assert per_session.json()["job_ids"] == in_session, name


def test_a_name_is_not_confused_with_its_unescaped_form(all_names: SimulatorServer) -> None:
    with httpx.Client(base_url=all_names.base_url, headers=all_names.headers) as api:
        # "%2F" in "a/b/c %2F literal" is part of the name: escaped once more, it survives.
        name = "a/b/c %2F literal"
        summary = api.get(f"/confidence-scoring/summary/agent/{_escaped(name)}").json()
        assert summary["job_ids"] == [j.job_id for j in all_names.world.jobs_for(name)]
        assert summary["job_ids"]
        # Sent unescaped, the slash splits the path, as the official SDK does (its known bug).
        assert api.get("/confidence-scoring/summary/agent/routing/triage").status_code == 404
        # "+" in a path is a plus sign, not a space.
        plus = api.get(f"/confidence-scoring/summary/agent/{_escaped('billing+refunds; v2')}")
        assert plus.json()["job_ids"]


def test_unknown_names_get_an_all_null_summary(api: httpx.Client) -> None:
    for url in [
        "/confidence-scoring/summary/agent/nobody",
        "/confidence-scoring/summary/agent/nobody/session/nothing",
        f"/confidence-scoring/summary/agent/{_escaped('Support Bot ')}",
    ]:
        response = api.get(url)
        assert response.status_code == 200
        assert response.json() == {
            "status": None,
            "aggregate_score": None,
            "module_scores": None,
            "n_jobs_per_module": None,
            "job_ids": None,
            "turns": None,
        }


def test_a_session_of_another_agent_matches_nothing(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    world = simulator.world
    session_id = world.jobs_for("ops-assistant")[0].agent_identity_context.agent_session_id
    assert session_id is not None
    url = f"/confidence-scoring/summary/agent/{_escaped('Support Bot')}/session/{session_id}"
    assert api.get(url).json()["job_ids"] is None
    jobs = api.get(
        "/confidence-scoring/jobs",
        params={"agent_name": "Support Bot", "agent_session_id": session_id},
    )
    assert jobs.json() == []
