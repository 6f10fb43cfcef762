"""Running the API client against a simulator, and what the simulator's world holds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pipeline.api.client import ClientConfig, MeibelClient
from pipeline.api.models import AgentSummary, ScoreSummary, ScoringJobResponse, SessionSummary
from pipeline.api.retries import RetryPolicy
from pipeline.simulator import SimulatorServer
from pipeline.simulator.summaries import summarize

T = TypeVar("T")
SimulatorFactory = Callable[..., SimulatorServer]

FAST_RETRIES = RetryPolicy(
    max_attempts=4, deadline_s=30, backoff_initial_s=0.01, backoff_max_s=0.05
)
# Enough attempts that faults drawn at 10% practically never exhaust them.
PATIENT_RETRIES = RetryPolicy(
    max_attempts=10, deadline_s=60, backoff_initial_s=0.01, backoff_max_s=0.05
)


def client_for(simulator: SimulatorServer, **config: Any) -> MeibelClient:
    settings = {"retry": FAST_RETRIES, **config}
    return MeibelClient(
        ClientConfig(base_url=simulator.base_url, api_key=simulator.api_key, **settings)
    )


def call(
    simulator: SimulatorServer,
    use: Callable[[MeibelClient], Awaitable[T]],
    **config: Any,
) -> tuple[T, MeibelClient]:
    client = client_for(simulator, **config)

    async def run() -> T:
        async with client:
            return await use(client)

    return asyncio.run(run()), client


@dataclass
class Everything:
    """What one sync reads: every listing, and the API's summary of every agent and session."""

    agents: list[AgentSummary]
    sessions: dict[str, list[SessionSummary]]
    jobs: dict[str, list[ScoringJobResponse]]
    agent_summaries: dict[str, ScoreSummary]
    session_summaries: dict[tuple[str, str], ScoreSummary]


async def fetch_everything(client: MeibelClient) -> Everything:
    agents = await client.list_agents()
    sessions = await asyncio.gather(*(client.list_sessions(a.id) for a in agents))
    jobs = await asyncio.gather(*(client.list_jobs(agent_name=a.name) for a in agents))
    agent_summaries = await asyncio.gather(*(client.agent_summary(a.name) for a in agents))
    session_keys = [
        (agent.name, session.session_id)
        for agent, listed in zip(agents, sessions, strict=True)
        for session in listed
    ]
    session_summaries = await asyncio.gather(
        *(client.session_summary(name, sid) for name, sid in session_keys)
    )
    return Everything(
        agents=agents,
        sessions={a.id: s for a, s in zip(agents, sessions, strict=True)},
        jobs={a.name: j for a, j in zip(agents, jobs, strict=True)},
        agent_summaries={a.name: s for a, s in zip(agents, agent_summaries, strict=True)},
        session_summaries=dict(zip(session_keys, session_summaries, strict=True)),
    )


def world_everything(simulator: SimulatorServer) -> Everything:
    """The same, straight from the simulator's world: what the API holds."""
    world = simulator.world
    agents = world.list_agents().data
    sessions = {
        agent.id: [
            session
            for offset in range(0, world.list_sessions(agent.id).total, 100)
            for session in world.list_sessions(agent.id, offset).data
        ]
        for agent in agents
    }
    by_id = {agent.id: agent.name for agent in agents}
    return Everything(
        agents=agents,
        sessions=sessions,
        jobs={agent.name: world.jobs_for(agent.name) for agent in agents},
        agent_summaries={agent.name: summarize(world.jobs_for(agent.name)) for agent in agents},
        session_summaries={
            (by_id[agent_id], s.session_id): summarize(
                world.jobs_for(by_id[agent_id], s.session_id)
            )
            for agent_id, listed in sessions.items()
            for s in listed
        },
    )


def without(everything: Everything, bad: dict[str, set[str]]) -> Everything:
    """`everything` less the records the simulator serves corrupted."""
    return Everything(
        agents=[a for a in everything.agents if a.id not in bad["agents"]],
        sessions={
            agent_id: [s for s in listed if s.session_id not in bad["sessions"]]
            for agent_id, listed in everything.sessions.items()
            if agent_id not in bad["agents"]
        },
        jobs={
            name: [j for j in listed if j.job_id not in bad["jobs"]]
            for name, listed in everything.jobs.items()
            if name in {a.name for a in everything.agents if a.id not in bad["agents"]}
        },
        agent_summaries={
            name: summary
            for name, summary in everything.agent_summaries.items()
            if name in {a.name for a in everything.agents if a.id not in bad["agents"]}
        },
        session_summaries={
            key: summary
            for key, summary in everything.session_summaries.items()
            if key[1] not in bad["sessions"]
            and key[0] in {a.name for a in everything.agents if a.id not in bad["agents"]}
        },
    )


def assert_same(got: Everything, expected: Everything) -> None:
    """Equal as data: order within a listing does not matter, instants compare as instants."""

    def by_key(records: list[Any], key: str) -> dict[str, Any]:
        keyed = {getattr(r, key): r for r in records}
        assert len(keyed) == len(records), "a record arrived twice"
        return keyed

    assert by_key(got.agents, "id") == by_key(expected.agents, "id")
    assert got.sessions.keys() == expected.sessions.keys()
    for agent_id, listed in expected.sessions.items():
        assert by_key(got.sessions[agent_id], "session_id") == by_key(listed, "session_id")
    assert got.jobs.keys() == expected.jobs.keys()
    for name, jobs in expected.jobs.items():
        assert by_key(got.jobs[name], "job_id") == by_key(jobs, "job_id")
    assert got.agent_summaries == expected.agent_summaries
    assert got.session_summaries == expected.session_summaries
