"""Pacing by the rate-limit headers: under the limit without drawing a single 429 of our own."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from pipeline.api.client import MeibelClient
from pipeline.api.errors import RateLimitExhausted
from pipeline.simulator import SimulatorServer
from tests.api.support import (
    PATIENT_RETRIES,
    SimulatorFactory,
    assert_same,
    call,
    client_for,
    fetch_everything,
    without,
    world_everything,
)

WINDOW = "20/2 seconds"


def session_ids(sim: SimulatorServer, count: int) -> list[tuple[str, str]]:
    world = sim.world
    pairs = [
        (job.agent_identity_context.agent_name, job.agent_identity_context.agent_session_id)
        for job in world.find_jobs()
    ]
    unique = sorted({(a, s) for a, s in pairs if a and s})
    assert len(unique) >= count
    return unique[:count]


def test_sixty_requests_against_twenty_per_two_seconds_draw_no_429(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = simulator_factory(sessions_per_agent=12, rate_limit=WINDOW)
    wanted = session_ids(sim, 60)

    async def fan_out(client: MeibelClient) -> int:
        summaries = await asyncio.gather(*(client.session_summary(a, s) for a, s in wanted))
        return len(summaries)

    started = time.perf_counter()
    done, client = call(sim, fan_out, max_in_flight=8)
    elapsed = time.perf_counter() - started
    assert done == 60
    assert sim.stats.count() == client.requests_made == 60
    assert sim.stats.rate_limited() == 0
    assert sim.stats.count(status=429) == 0
    # 60 requests at 20 per 2 s need three windows: at least two waits of the window.
    assert elapsed >= 4.0
    assert client.pacer.limit == 20
    assert client.pacer.waits > 0


def test_a_client_does_not_burst_past_what_another_left(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = simulator_factory(rate_limit="10/2 seconds")
    with httpx.Client(base_url=sim.base_url, headers=sim.headers) as other:
        assert all(other.get("/agents").status_code == 200 for _ in range(8))
    wanted = session_ids(sim, 6)

    async def fan_out(client: MeibelClient) -> None:
        await asyncio.gather(*(client.session_summary(a, s) for a, s in wanted))

    call(sim, fan_out)
    assert sim.stats.rate_limited() == 0


def test_clients_sharing_a_key_split_each_window_and_draw_no_429(
    simulator_factory: SimulatorFactory,
) -> None:
    """Two runs' clients start at once on one key: each takes half of what a window has left,
    where each on its own would take it all (and together draw 429s)."""
    sim = simulator_factory(sessions_per_agent=12, rate_limit=WINDOW)
    wanted = session_ids(sim, 60)
    halves = (wanted[:30], wanted[30:])
    seen_sharers: list[int] = []

    def two_sharers() -> int:
        seen_sharers.append(2)
        return 2

    async def both() -> list[MeibelClient]:
        clients = [client_for(sim, sharers=two_sharers, max_in_flight=8) for _ in halves]

        async def fan_out(client: MeibelClient, pairs: list[tuple[str, str]]) -> None:
            async with client:
                await asyncio.gather(*(client.session_summary(a, s) for a, s in pairs))

        await asyncio.gather(*(fan_out(c, p) for c, p in zip(clients, halves, strict=True)))
        return clients

    clients = asyncio.run(both())
    assert sum(client.requests_made for client in clients) == sim.stats.count() == 60
    assert sim.stats.rate_limited() == 0
    assert sim.stats.count(status=429) == 0
    # Asked once per window each: 60 requests at 20 per window need at least three.
    assert len(seen_sharers) >= 6


def test_a_key_spent_by_someone_else_costs_one_429_then_waits(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = simulator_factory(rate_limit="5/2 seconds")
    with httpx.Client(base_url=sim.base_url, headers=sim.headers) as other:
        assert all(other.get("/agents").status_code == 200 for _ in range(5))
    wanted = session_ids(sim, 8)

    async def fan_out(client: MeibelClient) -> int:
        return len(await asyncio.gather(*(client.session_summary(a, s) for a, s in wanted)))

    done, _ = call(sim, fan_out, retry=PATIENT_RETRIES)
    assert done == 8
    # Only the lone first request meets the spent window; everyone then waits for it.
    assert sim.stats.rate_limited() == 1


def test_a_wait_longer_than_allowed_is_an_error_not_a_sleep(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = simulator_factory(rate_limit="2/minute")

    async def three(client: MeibelClient) -> None:
        for _ in range(3):
            await client.list_agents()

    started = time.perf_counter()
    with pytest.raises(RateLimitExhausted, match="limit of 2 requests is spent for another"):
        call(sim, three, max_rate_limit_wait_s=5)
    assert time.perf_counter() - started < 5
    assert sim.stats.count() == 2
    assert sim.stats.rate_limited() == 0


def test_chaos_under_the_rate_limit_reads_the_api_without_a_429_of_its_own(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = simulator_factory(
        agents=3,
        sessions_per_agent=6,
        rate_limit=WINDOW,
        fault_profile="chaos",
        fault_rate=0.1,
        hang_s=1.0,
        trickle_s=0.2,
        retry_after=0,
    )
    got, client = call(sim, fetch_everything, timeout_s=0.3, retry=PATIENT_RETRIES)
    assert_same(got, without(world_everything(sim), sim.bad_records()))
    assert sim.stats.rate_limited() == 0
    assert client.requests_made > 20, "more than one window's worth"
