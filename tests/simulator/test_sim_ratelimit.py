"""The per-key rolling-window rate limit and its published headers."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from pipeline.simulator import RateLimiter, SimulatorConfig, SimulatorServer

AGENTS = "/v2/agents"
LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def test_no_limit_and_no_headers_by_default(api: httpx.Client) -> None:
    response = api.get("/agents")
    assert response.status_code == 200
    assert not set(LIMIT_HEADERS) & set(response.headers)


def test_every_answer_carries_the_headers_and_the_window_counts_down(
    simulator_factory: Callable[..., SimulatorServer],
) -> None:
    sim = simulator_factory(rate_limit="5/2 seconds")
    with httpx.Client(base_url=sim.base_url, headers=sim.headers) as api:
        before = time.time()
        answers = [api.get("/agents") for _ in range(5)]
        after = time.time()
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.headers["X-RateLimit-Limit"] for a in answers] == ["5"] * 5
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["4", "3", "2", "1", "0"]
    # Reset: whole UTC epoch seconds, by when the oldest request has left the 2-second window.
    reset = int(answers[0].headers["X-RateLimit-Reset"])
    assert before + 2 <= reset <= after + 3


def test_past_the_limit_a_429_with_retry_after_counted_apart_from_injected_ones(
    simulator_factory: Callable[..., SimulatorServer],
) -> None:
    sim = simulator_factory(rate_limit="3/2 seconds")
    with httpx.Client(base_url=sim.base_url, headers=sim.headers) as api:
        sim.faults.script("429")
        injected = api.get("/agents")
        spent = [api.get("/agents").status_code for _ in range(2)]
        refused = api.get("/agents")
    assert injected.status_code == 429
    assert injected.headers["X-RateLimit-Remaining"] == "2", "an injected 429 still counts"
    assert spent == [200, 200]
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["Retry-After"]) <= 2
    error = refused.json()["error"]
    assert {"message", "type", "code", "request_id"} <= set(error)
    assert sim.stats.count(status=429) == 2
    assert sim.stats.rate_limited() == sim.stats.rate_limited(AGENTS) == 1
    assert sim.stats.snapshot().rate_limited == 1
    assert sim.stats.snapshot().faults == {"429": 1}


def test_each_key_has_its_own_window(simulator_factory: Callable[..., SimulatorServer]) -> None:
    sim = simulator_factory(rate_limit="2/minute")
    with httpx.Client(base_url=sim.base_url, headers=sim.headers) as api:
        assert [api.get("/agents").status_code for _ in range(3)] == [200, 200, 429]
        other = api.get("/agents", headers={"Meibel-API-Key": "someone-else"})
    assert other.status_code == 401
    assert other.headers["X-RateLimit-Remaining"] == "1"


def test_the_window_rolls_on_wall_clock_time(
    simulator_factory: Callable[..., SimulatorServer],
) -> None:
    sim = simulator_factory(rate_limit="2/1 second")
    with httpx.Client(base_url=sim.base_url, headers=sim.headers) as api:
        assert [api.get("/agents").status_code for _ in range(3)] == [200, 200, 429]
        # The behaviour under test is time passing: wait until the reset the server announced.
        reset = int(api.get("/agents").headers["X-RateLimit-Reset"])
        time.sleep(max(0.0, reset - time.time()))
        assert api.get("/agents").status_code == 200


def test_admin_endpoints_set_and_clear_the_limit(
    simulator: SimulatorServer, api: httpx.Client, admin: httpx.Client
) -> None:
    assert admin.get("/rate-limit").json() == {"limit": None}
    assert admin.put("/rate-limit", json={"limit": "1/minute"}).json() == {"limit": "1/minute"}
    assert [api.get("/agents").status_code for _ in range(2)] == [200, 429]
    assert admin.put("/rate-limit", json={"limit": "lots"}).status_code == 422
    assert admin.put("/rate-limit", json={"limit": None}).json() == {"limit": None}
    assert api.get("/agents").status_code == 200
    assert simulator.limiter.limit is None


def test_limits_are_checked_where_they_are_made() -> None:
    with pytest.raises(ValueError, match="rate limit"):
        SimulatorConfig(rate_limit="whenever")
    with pytest.raises(ValueError, match="rate limit"):
        RateLimiter("sixty a minute")
    assert RateLimiter("60/minute").limit == "60/minute"
