"""The simulator's benchmark hook: cached answers replayed, Server-Timing on every answer."""

from __future__ import annotations

import httpx

from pipeline.simulator import SimulatorServer
from tests.conftest import SimulatorFactory


def _get(sim: SimulatorServer, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{sim.base_url}{path}", params=params, headers=sim.headers)


def _cache(sim: SimulatorServer) -> dict[str, object]:
    response = httpx.get(f"{sim.origin}/_simulator/response-cache")
    result: dict[str, object] = response.raise_for_status().json()
    return result


def test_answers_carry_the_simulators_own_time_and_the_cache_is_off_by_default(
    simulator: SimulatorServer,
) -> None:
    response = _get(simulator, "/agents")
    assert response.status_code == 200
    assert response.headers["server-timing"].startswith("app;dur=")
    stats = _cache(simulator)
    assert stats["enabled"] is False
    assert stats["entries"] == 0
    assert stats["timed_requests"] == 1


def test_a_cached_answer_is_replayed_byte_for_byte_and_still_counted(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = simulator_factory(response_cache=True)
    name = sim.world.agent_names[0]
    first = _get(sim, "/confidence-scoring/jobs", agent_name=name)
    again = _get(sim, "/confidence-scoring/jobs", agent_name=name)
    assert again.content == first.content
    assert _cache(sim) | {"server_time_s": 0} == {
        "enabled": True,
        "entries": 1,
        "bytes": len(first.content),
        "hits": 1,
        "misses": 1,
        "server_time_s": 0,
        "timed_requests": 2,
    }
    # Faults, the rate limit and counting sit in front of the cache: each request counts.
    assert sim.stats.count("/v2/confidence-scoring/jobs") == 2
    # A wrong key is not served another key's answer.
    refused = httpx.get(
        f"{sim.base_url}/confidence-scoring/jobs",
        params={"agent_name": name},
        headers={"Meibel-API-Key": "wrong"},
    )
    assert refused.status_code == 401


def test_advancing_the_world_clears_the_cache(simulator_factory: SimulatorFactory) -> None:
    sim = simulator_factory(response_cache=True)
    _get(sim, "/agents")
    assert _cache(sim)["entries"] == 1
    httpx.post(f"{sim.origin}/_simulator/advance", params={"minutes": 30}).raise_for_status()
    assert _cache(sim)["entries"] == 0
    httpx.delete(f"{sim.origin}/_simulator/response-cache/counts").raise_for_status()
    assert _cache(sim)["misses"] == 0
