"""The official `meibel` SDK parses the simulator's answers, and trips where the README says.

Only plain agent names are used where the SDK builds a path: it does not escape path
parameters (a known SDK bug, see contract/README.md), which the last tests pin down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from meibel import MeibelClient
from meibel.exceptions import NotFoundError

from pipeline.simulator import SimulatorServer
from pipeline.simulator.summaries import summarize

PLAIN_NAME = "ops-assistant"


@pytest.fixture
def sdk(simulator: SimulatorServer) -> Iterator[MeibelClient]:
    with MeibelClient(base_url=simulator.base_url, api_key=simulator.api_key) as client:
        yield client


def test_the_sdk_lists_agents(sdk: MeibelClient, simulator: SimulatorServer) -> None:
    agents = list(sdk.agents.list())
    assert [agent.name for agent in agents] == simulator.world.agent_names
    assert [agent.id for agent in agents] == simulator.world.agent_ids
    served = simulator.world.list_agents().data
    assert [a.model_dump() for a in agents] == [a.model_dump() for a in served]


def test_the_sdk_lists_sessions(sdk: MeibelClient, simulator: SimulatorServer) -> None:
    agent_id = simulator.world.agent_ids[simulator.world.agent_names.index(PLAIN_NAME)]
    sessions = list(sdk.agents.sessions.list(agent_id))
    served = simulator.world.list_sessions(agent_id).data
    assert [s.session_id for s in sessions] == [s.session_id for s in served]
    assert [(s.status, s.start_time, s.end_time) for s in sessions] == [
        (s.status, s.start_time, s.end_time) for s in served
    ]


def test_the_sdk_lists_and_fetches_jobs(sdk: MeibelClient, simulator: SimulatorServer) -> None:
    jobs = sdk.confidence_scoring.list_scoring_jobs(agent_name=PLAIN_NAME)
    served = simulator.world.jobs_for(PLAIN_NAME)
    assert jobs
    assert [job.model_dump() for job in jobs] == [job.model_dump() for job in served]
    one = sdk.confidence_scoring.get_scoring_job(jobs[0].job_id)
    assert one.model_dump() == served[0].model_dump()


def test_the_sdk_reads_both_summaries(sdk: MeibelClient, simulator: SimulatorServer) -> None:
    world = simulator.world
    agent_summary = sdk.confidence_scoring.get_agent_scoring_summary(PLAIN_NAME)
    assert agent_summary.model_dump() == summarize(world.jobs_for(PLAIN_NAME)).model_dump()
    session_ids = {
        job.agent_identity_context.agent_session_id for job in world.jobs_for(PLAIN_NAME)
    }
    for session_id in sorted(sid for sid in session_ids if sid):
        summary = sdk.confidence_scoring.get_agent_session_scoring_summary(PLAIN_NAME, session_id)
        expected = summarize(world.jobs_for(PLAIN_NAME, session_id))
        assert summary.model_dump() == expected.model_dump()
        assert summary.turns


def test_the_sdk_reads_an_empty_summary(sdk: MeibelClient) -> None:
    summary = sdk.confidence_scoring.get_agent_scoring_summary("nobody-at-all")
    assert summary.job_ids is None
    assert summary.status is None
    assert summary.turns is None


def test_the_sdk_does_not_escape_path_parameters(sdk: MeibelClient) -> None:
    # "routing/triage" reaches no route; "Q&A #1?" loses everything from "#" on.
    with pytest.raises(NotFoundError):
        sdk.confidence_scoring.get_agent_scoring_summary("routing/triage")
    assert sdk.confidence_scoring.get_agent_scoring_summary("Q&A #1?").job_ids is None


def test_the_sdk_pager_stops_after_the_first_page(
    simulator_factory: Callable[..., SimulatorServer],
) -> None:
    sim = simulator_factory(agents=1, sessions_per_agent=120, jobs_per_session=0)
    with MeibelClient(base_url=sim.base_url, api_key=sim.api_key) as sdk:
        sessions = list(sdk.agents.sessions.list(sim.world.agent_ids[0]))
    assert len(sessions) == 100
    assert sim.world.list_sessions(sim.world.agent_ids[0]).total == 120
