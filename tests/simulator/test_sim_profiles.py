"""The fault profiles, seen over raw HTTP: what each does to an answer, and how often."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from pipeline.api.models import AgentSummary, ScoringJobResponse, SessionSummary
from pipeline.simulator import (
    FAULT_KINDS,
    FAULT_PROFILES,
    FaultInjector,
    FaultSettings,
    SimulatorConfig,
    SimulatorServer,
)
from pipeline.simulator.corruption import CORRUPTIONS, LISTINGS, corrupt_record

JOBS = "/confidence-scoring/jobs"
SimulatorFactory = Callable[..., SimulatorServer]


def sessions_path(sim: SimulatorServer) -> str:
    return f"/agents/{sim.world.agent_ids[0]}/sessions"


def test_a_reset_cuts_the_body_with_a_tcp_reset(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    simulator.faults.script("reset")
    with api.stream("GET", JOBS) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.ReadError):
            response.read()
    assert api.get(JOBS).status_code == 200, "faults are transient"
    assert simulator.stats.count(status="reset") == 1


def test_a_timeout_holds_the_answer(simulator_factory: SimulatorFactory) -> None:
    sim = simulator_factory(hang_s=0.6)
    with httpx.Client(base_url=sim.base_url, headers=sim.headers, timeout=0.1) as api:
        sim.faults.script("timeout")
        with pytest.raises(httpx.ReadTimeout):
            api.get("/agents")
    with httpx.Client(base_url=sim.base_url, headers=sim.headers, timeout=5) as api:
        sim.faults.script("timeout")
        started = time.perf_counter()
        late = api.get("/agents")
        assert time.perf_counter() - started >= 0.6
    assert late.json() == api_body(sim, "/agents")


def test_a_trickle_sends_the_whole_body_in_pieces_over_time(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = simulator_factory(trickle_s=0.4)
    sim.faults.script("trickle")
    with httpx.Client(base_url=sim.base_url, headers=sim.headers) as api:
        started = time.perf_counter()
        with api.stream("GET", JOBS) as response:
            pieces = list(response.iter_raw())
        elapsed = time.perf_counter() - started
    assert len(pieces) > 4
    assert elapsed >= 0.4
    assert json.loads(b"".join(pieces)) == api_body(sim, JOBS)


def test_truncated_json_is_whole_http_but_half_a_document(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    simulator.faults.script("truncated-json")
    response = api.get(JOBS)
    assert response.status_code == 200
    assert len(response.content) == int(response.headers["Content-Length"])
    with pytest.raises(ValueError):  # noqa: PT011 (any JSON decoding error)
        response.json()
    whole = api.get(JOBS).content
    assert whole.startswith(response.content)
    assert len(response.content) < len(whole)


def test_invalid_json_is_a_200_that_does_not_parse(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    simulator.faults.script("invalid-json", count=6)
    for _ in range(6):
        response = api.get("/agents")
        assert response.status_code == 200
        with pytest.raises(ValueError):  # noqa: PT011 (any JSON decoding error)
            response.json()


def test_error_shapes_take_turns(simulator: SimulatorServer, api: httpx.Client) -> None:
    simulator.faults.script("error-shapes", count=3)
    answers = [api.get("/agents") for _ in range(3)]
    assert all(a.status_code in {429, 500, 502, 503, 504} for a in answers)
    message, error, detail = (a.json() for a in answers)
    assert isinstance(message["message"], str)
    assert {"message", "type", "code", "request_id"} <= set(error["error"])
    assert isinstance(detail["detail"], str)
    assert all("Retry-After" in a.headers for a in answers if a.status_code == 429)


def test_extra_fields_leave_the_data_as_it_was(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    simulator.faults.script("extra-fields", count=2)
    jobs = api.get(JOBS).json()
    sessions = api.get(sessions_path(simulator)).json()
    assert set(jobs[0]) > set(ScoringJobResponse.model_fields)
    assert "region" in jobs[0]["agent_identity_context"]
    assert "next_cursor" in sessions
    assert "x_rank" in sessions["data"][0]
    assert [ScoringJobResponse.model_validate(j) for j in jobs] == simulator.world.find_jobs()
    served = [SessionSummary.model_validate(s) for s in sessions["data"]]
    assert served == simulator.world.list_sessions(simulator.world.agent_ids[0]).data


def test_duplicates_repeat_one_record_within_the_page(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    simulator.faults.script("duplicates", count=2)
    page = api.get(sessions_path(simulator)).json()
    jobs = api.get(JOBS).json()
    for records, key in ((page["data"], "session_id"), (jobs, "job_id")):
        counts = Counter(record[key] for record in records)
        assert sorted(counts.values())[-2:] == [1, 2]
        assert sum(counts.values()) == len(counts) + 1
    assert page["total"] == simulator.world.list_sessions(simulator.world.agent_ids[0]).total


def test_mixed_timestamps_are_the_same_instants_spelt_differently(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    path = sessions_path(simulator)
    simulator.faults.script("mixed-timestamps", count=4)
    pages = [api.get(path).json()["data"] for _ in range(4)]
    spellings = {s["start_time"][19:] for page in pages for s in page}
    assert {"Z", "+00:00", ".000000Z", ".000000+00:00"} == spellings
    expected = simulator.world.list_sessions(simulator.world.agent_ids[0]).data
    for page in pages:
        starts = [datetime.fromisoformat(s["start_time"]) for s in page]
        assert starts == [s.start_time for s in expected]


def test_bad_records_are_the_same_ones_every_time_and_only_they_fail(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = simulator_factory(fault_profile="bad-records", fault_rate=0.2)
    with httpx.Client(base_url=sim.base_url, headers=sim.headers) as api:
        first, second = (api.get(JOBS).json() for _ in range(2))
    assert first == second
    failing = set()
    for raw in first:
        try:
            ScoringJobResponse.model_validate(raw)
        except ValidationError:
            failing.add(raw["job_id"])
    expected = sim.bad_records()["jobs"]
    assert failing == expected
    assert 0 < len(expected) < len(first)
    assert {j["job_id"] for j in first} == {j.job_id for j in sim.world.find_jobs()}
    assert sim.stats.snapshot().corrupted_records == 2 * len(expected)


@pytest.mark.parametrize("listing", sorted(CORRUPTIONS))
def test_every_corruption_fails_validation_and_keeps_the_id(
    simulator: SimulatorServer, listing: str
) -> None:
    world = simulator.world
    model: Any
    records: list[dict[str, Any]]
    if listing == "agents":
        model, records = AgentSummary, [a.model_dump(mode="json") for a in world.list_agents().data]
    elif listing == "sessions":
        model = SessionSummary
        records = [s.model_dump(mode="json") for s in world.list_sessions(world.agent_ids[0]).data]
    else:
        model, records = ScoringJobResponse, [j.model_dump(mode="json") for j in world.find_jobs()]
    info = next(info for info in LISTINGS.values() if info.name == listing)
    variants: set[str] = set()
    for seed in range(40):
        record = json.loads(json.dumps(records[seed % len(records)]))
        corrupt_record(seed, info, record)
        assert record[info.key] == records[seed % len(records)][info.key]
        with pytest.raises(ValidationError) as raised:
            model.model_validate(record)
        variants.add(str(raised.value.errors()[0]["loc"]))
    assert len(variants) >= len(CORRUPTIONS[listing]) - 1, "every way of corrupting is used"


def test_a_profile_faults_about_its_rate_of_requests() -> None:
    injector = FaultInjector(FaultSettings(profile="chaos", rate=0.1), seed=3)
    draws = [injector.draw("/agents") for _ in range(20_000)]
    share = sum(d is not None for d in draws) / len(draws)
    assert 0.08 < share < 0.12, share
    assert {d for d in draws if d} == set(FAULT_KINDS) - {"429"}


def test_a_burst_fails_consecutive_requests() -> None:
    injector = FaultInjector(FaultSettings(profile="5xx-burst", rate=0.05, max_burst=4), seed=1)
    draws = [injector.draw("/agents") for _ in range(5_000)]
    runs: list[int] = []
    run = 0
    for draw in [*draws, None]:
        if draw is None:
            if run:
                runs.append(run)
            run = 0
        else:
            assert draw in {"500", "502", "503", "504"}
            run += 1
    assert min(runs) >= 2
    assert max(runs) <= 8  # two bursts may touch
    assert 0.03 < sum(runs) / len(draws) < 0.07


def test_each_profile_is_chosen_by_name(simulator_factory: SimulatorFactory) -> None:
    assert set(FAULT_PROFILES) >= {"5xx-burst", "timeout", "bad-records", "chaos"}
    sim = simulator_factory(fault_profile="invalid-json", fault_rate=1.0)
    with httpx.Client(base_url=sim.base_url, headers=sim.headers) as api:
        with pytest.raises(ValueError):  # noqa: PT011 (any JSON decoding error)
            api.get("/agents").json()
        sim.faults.configure(profile=None)
        assert api.get("/agents").json()["total"] == 6
    with pytest.raises(ValueError, match="unknown fault profile 'flaky'"):
        SimulatorConfig(fault_profile="flaky")
    with pytest.raises(ValueError, match="rate"):
        SimulatorConfig(fault_profile="chaos", fault_rate=2)


def test_faults_touch_nothing_outside_v2(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = simulator_factory(fault_profile="invalid-json", fault_rate=1.0)
    assert httpx.get(f"{sim.origin}/_simulator/world").json()["agents"] == 6


def api_body(sim: SimulatorServer, path: str) -> Any:
    """What the path answers with no fault."""
    saved = sim.faults.settings
    sim.faults.configure(profile=None)
    try:
        return httpx.get(f"{sim.base_url}{path}", headers=sim.headers).json()
    finally:
        sim.faults.configure(saved)
