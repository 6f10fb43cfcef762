"""Running the simulator: on loopback in a thread, and in-process."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import quote

import httpx
import pytest

from pipeline.simulator import Simulator, SimulatorConfig, SimulatorServer

_TINY = SimulatorConfig(agents=2, sessions_per_agent=2, jobs_per_session=2, api_key="k")


def test_serves_on_loopback_until_stopped() -> None:
    with SimulatorServer(_TINY) as sim:
        assert sim.base_url == f"http://127.0.0.1:{sim.port}/v2"
        assert sim.origin == f"http://127.0.0.1:{sim.port}"
        assert sim.api_key == "k"
        response = httpx.get(f"{sim.base_url}/agents", headers=sim.headers)
        assert response.json()["total"] == 2
        port = sim.port
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/v2/agents")


def test_answers_right_after_start() -> None:
    sim = SimulatorServer(_TINY).start()
    try:
        # No waiting of any kind: the socket was listening before start() returned.
        with socket.create_connection(("127.0.0.1", sim.port), timeout=5):
            pass
        assert httpx.get(f"{sim.base_url}/agents", headers=sim.headers).status_code == 200
    finally:
        sim.stop()


def test_cannot_start_twice_and_can_stop_twice() -> None:
    sim = SimulatorServer(_TINY).start()
    with pytest.raises(RuntimeError, match="already started"):
        sim.start()
    sim.stop()
    sim.stop()


def test_an_unstarted_server_has_no_url() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = SimulatorServer(_TINY).base_url


def test_several_servers_run_side_by_side() -> None:
    with SimulatorServer(_TINY) as one, SimulatorServer(_TINY) as two:
        assert one.port != two.port
        one.world.advance(600)
        assert _session_total(one) > _session_total(two)


def _session_total(sim: SimulatorServer) -> int:
    url = f"{sim.base_url}/agents/{sim.world.agent_ids[0]}/sessions"
    total: int = httpx.get(url, headers=sim.headers).json()["total"]
    return total


def test_the_app_also_runs_in_process() -> None:
    simulator = Simulator(_TINY)
    name = simulator.world.agent_names[0]

    async def fetch() -> tuple[int, list[str] | None]:
        transport = httpx.ASGITransport(app=simulator.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://simulator/v2", headers={"Meibel-API-Key": "k"}
        ) as client:
            summary = await client.get(f"/confidence-scoring/summary/agent/{quote(name, safe='')}")
        return summary.status_code, summary.json()["job_ids"]

    status, job_ids = asyncio.run(fetch())
    assert status == 200
    assert job_ids == [job.job_id for job in simulator.world.jobs_for(name)]
    assert simulator.stats.count("/v2/confidence-scoring/summary/agent/{agent_name}") == 1
