"""The client against every way the simulator misbehaves: it ends with exactly the API's data."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import BaseModel, ValidationError

from pipeline.api.client import MeibelClient
from pipeline.api.errors import MeibelApiError, RequestBudgetExhausted, RetryableStatusError
from pipeline.api.models import AgentSummary, ScoringJobResponse, SessionSummary
from pipeline.simulator import FAULT_KINDS, FAULT_PROFILES, FaultKind, SimulatorServer
from tests.api.support import (
    PATIENT_RETRIES,
    SimulatorFactory,
    assert_same,
    call,
    fetch_everything,
    without,
    world_everything,
)

# Faults that fail a request (retried) and those that only change its body (read through).
FAILING: list[FaultKind] = [
    k for k in FAULT_KINDS if k not in {"extra-fields", "duplicates", "mixed-timestamps"}
]
FAST_FAULTS = {"hang_s": 1.0, "trickle_s": 0.2, "retry_after": 0}


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_one_fault_of_each_kind_on_a_listing(
    simulator_factory: SimulatorFactory, kind: FaultKind
) -> None:
    sim = simulator_factory(**FAST_FAULTS)
    agent_id = sim.world.agent_ids[0]
    sim.faults.script(kind, path_prefix=f"/agents/{agent_id}/sessions")
    sessions, client = call(sim, lambda c: c.list_sessions(agent_id), timeout_s=0.3)
    assert sessions == sim.world.list_sessions(agent_id).data
    retried = kind in FAILING and kind != "trickle"
    assert client.requests_made == (2 if retried else 1)
    assert client.rejected == []


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_one_fault_of_each_kind_on_the_jobs_array(
    simulator_factory: SimulatorFactory, kind: FaultKind
) -> None:
    sim = simulator_factory(**FAST_FAULTS)
    name = sim.world.agent_names[2]
    sim.faults.script(kind, path_prefix="/confidence-scoring/jobs")
    jobs, _ = call(sim, lambda c: c.list_jobs(agent_name=name), timeout_s=0.3)
    assert jobs == sim.world.jobs_for(name)


@pytest.mark.parametrize("profile", [p for p in FAULT_PROFILES if p != "chaos"])
def test_a_sync_under_each_profile_reads_exactly_the_api(
    simulator_factory: SimulatorFactory, profile: str
) -> None:
    sim = simulator_factory(
        agents=3, sessions_per_agent=6, fault_profile=profile, fault_rate=0.25, **FAST_FAULTS
    )
    got, client = call(sim, fetch_everything, timeout_s=0.3, retry=PATIENT_RETRIES)
    bad = sim.bad_records()
    assert_same(got, without(world_everything(sim), bad))
    assert {r.key for r in client.rejected} == served_bad(sim, bad)


def test_chaos_at_ten_percent_reads_exactly_the_api(simulator_factory: SimulatorFactory) -> None:
    sim = simulator_factory(fault_profile="chaos", fault_rate=0.1, **FAST_FAULTS)
    got, client = call(sim, fetch_everything, timeout_s=0.3, retry=PATIENT_RETRIES)
    bad = sim.bad_records()
    assert_same(got, without(world_everything(sim), bad))
    assert {r.key for r in client.rejected} == served_bad(sim, bad)
    faults = sim.stats.snapshot().faults
    assert sum(faults.values()) >= 5, faults


def test_bad_records_are_rejected_with_their_raw_body_and_neighbours_kept(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = simulator_factory(fault_profile="bad-records", fault_rate=0.2)
    got, client = call(sim, fetch_everything)
    bad = sim.bad_records()
    assert bad["jobs"]
    assert bad["sessions"]
    assert_same(got, without(world_everything(sim), bad))
    rejected = client.drain_rejected()
    assert client.rejected == []
    assert len(rejected) == len({r.key for r in rejected}), "each bad record once"
    models: dict[str, type[BaseModel]] = {
        "agents": AgentSummary,
        "sessions": SessionSummary,
        "jobs": ScoringJobResponse,
    }
    keys = {"agents": "id", "sessions": "session_id", "jobs": "job_id"}
    for record in rejected:
        raw = json.loads(record.raw_json)
        assert raw[keys[record.endpoint]] == record.key
        assert record.key in bad[record.endpoint]
        assert repr(record.key) in record.error
        with pytest.raises(ValidationError):
            models[record.endpoint].model_validate(raw)
        if record.endpoint == "jobs":
            assert record.path == "/confidence-scoring/jobs"
            assert set(record.params) == {"agent_name"}
        else:
            assert set(record.params) == {"offset", "limit"}


def test_the_budget_stops_at_n_requests(simulator_factory: SimulatorFactory) -> None:
    sim = simulator_factory(agents=3)

    async def sync_until_stopped(client: MeibelClient) -> None:
        await client.list_agents()
        for agent_id in sim.world.agent_ids:
            await client.list_sessions(agent_id)

    with pytest.raises(RequestBudgetExhausted, match="budget of 3 requests") as raised:
        call(sim, sync_until_stopped, max_requests=3)
    assert raised.value.budget == 3
    assert sim.stats.count() == 3


def test_retries_are_paid_from_the_budget(simulator: SimulatorServer) -> None:
    simulator.faults.script("503", count=2)
    with pytest.raises(RequestBudgetExhausted):
        call(simulator, lambda c: c.list_agents(), max_requests=2)
    assert simulator.stats.count() == 2
    _, client = call(simulator, lambda c: c.list_agents(), max_requests=2)
    assert client.requests_left == 1


def test_the_key_appears_in_no_log_error_or_record(
    simulator_factory: SimulatorFactory, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-live-never-print-9f8e7d6c5b4a"
    sim = simulator_factory(api_key=secret, fault_profile="chaos", fault_rate=0.3, **FAST_FAULTS)
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG):
        _, client = call(sim, fetch_everything, timeout_s=0.3, retry=PATIENT_RETRIES)
        sim.faults.clear()
        sim.faults.script("503", count=10)
        for failing, config in (
            (lambda c: c.list_agents(), {}),
            (lambda c: c.list_agents(), {"max_requests": 0}),
        ):
            with pytest.raises(MeibelApiError) as raised:
                call(sim, failing, **config)
            errors.append(raised.value)
    assert isinstance(errors[0], RetryableStatusError)
    assert client.rejected
    shown = [
        caplog.text,
        repr(client),
        repr(client.config),
        repr(sim.config),
        *(f"{e!s} {e!r}" for e in errors),
        *(repr(r) for r in client.rejected),
    ]
    assert "retrying" in caplog.text
    assert not [text for text in shown if secret in text]


def served_bad(sim: SimulatorServer, bad: dict[str, set[str]]) -> set[str]:
    """The bad records a full read meets: those of agents it could read, and the agents."""
    good_agents = [a for a in sim.world.list_agents().data if a.id not in bad["agents"]]
    sessions = {
        s.session_id
        for a in good_agents
        for offset in range(0, sim.world.list_sessions(a.id).total, 100)
        for s in sim.world.list_sessions(a.id, offset).data
    }
    jobs = {j.job_id for a in good_agents for j in sim.world.jobs_for(a.name)}
    return bad["agents"] | (bad["sessions"] & sessions) | (bad["jobs"] & jobs)
