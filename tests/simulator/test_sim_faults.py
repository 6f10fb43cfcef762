"""Injected faults, latency and request counting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest
from pydantic import ValidationError

from pipeline.simulator import FaultInjector, FaultSettings, SimulatorServer

JOBS = "/v2/confidence-scoring/jobs"
AGENTS = "/v2/agents"


def test_a_scripted_429_carries_retry_after(simulator: SimulatorServer, api: httpx.Client) -> None:
    simulator.faults.script("429")
    refused = api.get("/agents")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert isinstance(refused.json()["detail"], str)
    assert api.get("/agents").status_code == 200, "a script of one fails one request"


def test_retry_after_is_configurable(simulator: SimulatorServer, api: httpx.Client) -> None:
    simulator.faults.configure(retry_after=3)
    simulator.faults.script("429")
    assert api.get("/agents").headers["Retry-After"] == "3"


def test_a_scripted_503(simulator: SimulatorServer, api: httpx.Client) -> None:
    simulator.faults.script("503", count=2)
    assert [api.get("/agents").status_code for _ in range(3)] == [503, 503, 200]


def test_a_dropped_connection_is_an_incomplete_read(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    simulator.faults.script("drop")
    with pytest.raises(httpx.RemoteProtocolError, match=r"without sending complete message body"):
        api.get("/confidence-scoring/jobs")
    assert api.get("/confidence-scoring/jobs").status_code == 200


def test_a_drop_seen_while_streaming(simulator: SimulatorServer, api: httpx.Client) -> None:
    simulator.faults.script("drop")
    with api.stream("GET", "/agents") as response:
        # The status line and headers arrive whole; only the body is cut short.
        assert response.status_code == 200
        assert int(response.headers["Content-Length"]) > 0
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()


def test_scripted_faults_can_target_a_path_prefix(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    simulator.faults.script("503", count=2, path_prefix="/confidence-scoring/summary/")
    simulator.faults.script("429", count=1, path_prefix="/v2/confidence-scoring/jobs")
    assert api.get("/agents").status_code == 200
    assert api.get("/confidence-scoring/summary/agent/ops-assistant").status_code == 503
    assert api.get("/confidence-scoring/jobs").status_code == 429
    assert api.get("/confidence-scoring/jobs").status_code == 200
    assert api.get("/confidence-scoring/summary/agent/x/session/y").status_code == 503
    assert api.get("/confidence-scoring/summary/agent/ops-assistant").status_code == 200
    assert simulator.faults.scripted() == []


def test_scripted_faults_are_spent_in_order(simulator: SimulatorServer, api: httpx.Client) -> None:
    simulator.faults.script("429")
    simulator.faults.script("503")
    assert [api.get("/agents").status_code for _ in range(3)] == [429, 503, 200]


def test_faults_never_touch_the_admin_endpoints(
    simulator: SimulatorServer, admin: httpx.Client
) -> None:
    simulator.faults.configure(rate_503=1.0)
    assert admin.get("/stats").status_code == 200
    assert simulator.stats.count() == 0


def test_random_rates_follow_the_seed(simulator_factory: Callable[..., SimulatorServer]) -> None:
    def outcomes(sim: SimulatorServer) -> list[int | str]:
        seen: list[int | str] = []
        with httpx.Client(base_url=sim.base_url, headers=sim.headers) as api:
            for _ in range(40):
                try:
                    seen.append(api.get("/agents").status_code)
                except httpx.RemoteProtocolError:
                    seen.append("drop")
        return seen

    rates = {"rate_429": 0.2, "rate_503": 0.2, "rate_drop": 0.2}
    first = outcomes(simulator_factory(seed=1, **rates))
    assert first == outcomes(simulator_factory(seed=1, **rates))
    assert {429, 503, "drop", 200} <= set(first)
    assert first != outcomes(simulator_factory(seed=2, **rates))


def test_a_rate_of_one_fails_everything(simulator: SimulatorServer, api: httpx.Client) -> None:
    simulator.faults.configure(rate_503=1.0)
    assert {api.get("/agents").status_code for _ in range(5)} == {503}
    simulator.faults.clear()
    assert api.get("/agents").status_code == 200


def test_fault_settings_are_validated() -> None:
    with pytest.raises(ValidationError):
        FaultSettings(rate_429=0.7, rate_503=0.7)
    with pytest.raises(ValidationError):
        FaultSettings(latency=-1)
    with pytest.raises(ValidationError):
        FaultInjector().configure(rate_drop=2)


def test_latency_delays_requests_without_serialising_them(
    simulator: SimulatorServer,
) -> None:
    simulator.faults.configure(latency=0.3)

    async def fetch_concurrently() -> list[int]:
        async with httpx.AsyncClient(base_url=simulator.base_url, headers=simulator.headers) as c:
            responses = await asyncio.gather(*(c.get("/agents") for _ in range(8)))
        return [r.status_code for r in responses]

    started = time.perf_counter()
    assert asyncio.run(fetch_concurrently()) == [200] * 8
    elapsed = time.perf_counter() - started
    assert 0.3 <= elapsed < 8 * 0.3 / 2, f"{elapsed:.2f}s"


def test_requests_are_counted_by_endpoint_and_status(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    stats = simulator.stats
    agent_id = simulator.world.agent_ids[0]
    api.get("/agents")
    api.get(f"/agents/{agent_id}/sessions")
    api.get(f"/agents/{agent_id}/sessions", params={"limit": 0})
    api.get("/agents/agt_nope/sessions")
    api.get("/confidence-scoring/jobs", headers={"Meibel-API-Key": "wrong"})
    simulator.faults.script("429", path_prefix="/confidence-scoring/jobs")
    api.get("/confidence-scoring/jobs")
    simulator.faults.script("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/confidence-scoring/jobs")
    api.get("/nowhere")

    sessions = "/v2/agents/{agent_id}/sessions"
    assert stats.count() == 8
    assert stats.count(AGENTS) == 1
    assert stats.count(sessions) == 3
    assert stats.count(sessions, 200) == 1
    assert stats.count(sessions, 422) == 1
    assert stats.count(sessions, 404) == 1
    assert stats.count(JOBS) == 3
    assert stats.count(JOBS, 401) == 1
    assert stats.count(JOBS, 429) == 1
    assert stats.count(JOBS, "drop") == 1
    assert stats.count(status=200) == 2
    snapshot = stats.snapshot()
    assert snapshot.total == 8
    assert snapshot.by_endpoint["<unmatched>"] == 1
    assert snapshot.by_endpoint_status[JOBS] == {"401": 1, "429": 1, "drop": 1}
    assert snapshot.faults == {"429": 1, "drop": 1}
    stats.reset()
    assert stats.count() == 0


def test_the_admin_endpoints_drive_faults_and_stats(
    simulator: SimulatorServer, api: httpx.Client, admin: httpx.Client
) -> None:
    settings = admin.put("/faults", json={"rate_429": 1.0, "retry_after": 2})
    assert settings.status_code == 200
    assert settings.json()["rate_429"] == 1.0
    assert admin.get("/faults").json() == settings.json()
    refused = api.get("/agents")
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "2")
    assert admin.put("/faults", json={"rate_429": 1.5}).status_code == 422
    assert admin.delete("/faults").status_code == 204
    assert api.get("/agents").status_code == 200

    script = admin.post(
        "/faults/script", json={"kind": "503", "count": 2, "path_prefix": "/agents"}
    )
    assert script.json() == [{"kind": "503", "count": 2, "path_prefix": "/agents"}]
    assert api.get("/agents").status_code == 503
    assert admin.get("/faults/script").json()[0]["count"] == 1
    assert admin.post("/faults/script", json={"kind": "418"}).status_code == 422

    stats = admin.get("/stats").json()
    assert stats["by_endpoint_status"]["/v2/agents"] == {"200": 1, "429": 1, "503": 1}
    assert stats["total"] == 3
    assert admin.delete("/stats").status_code == 204
    assert admin.get("/stats").json()["total"] == 0
