"""The API client against the real simulator on loopback: paging, escaping, retries, errors."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.api.client import ClientConfig, MeibelClient
from pipeline.api.errors import ApiStatusError, InvalidRecordError, RetryableStatusError
from pipeline.api.models import ScoringJobResponse, SessionSummary
from pipeline.api.records import (
    RequestContext,
    check_page,
    check_records,
    validate_one,
)
from pipeline.ingest.jobs_decode import DecodedJobs, per_record
from pipeline.simulator import SimulatorServer
from tests.api.support import FAST_RETRIES, SimulatorFactory, call

JOBS = RequestContext("jobs", "/confidence-scoring/jobs", {"agent_name": "x"})


def test_pages_every_agent_and_session_once(simulator_factory: SimulatorFactory) -> None:
    simulator = simulator_factory(agents=3, sessions_per_agent=230)
    agent_id = simulator.world.agent_ids[0]
    sessions, client = call(simulator, lambda c: c.list_sessions(agent_id))
    expected = simulator.world.list_sessions(agent_id, limit=100).total
    assert expected == 230
    assert len({s.session_id for s in sessions}) == len(sessions) == 230
    # 230 sessions at the server's cap of 100: three pages, no more.
    assert client.requests_by_endpoint["sessions"] == 3


def test_a_page_smaller_than_asked_advances_by_what_arrived(
    simulator_factory: SimulatorFactory,
) -> None:
    # Asking for 250 a page, the server caps at 100: the client must not skip 150 each time.
    simulator = simulator_factory(agents=1, sessions_per_agent=230)
    agent_id = simulator.world.agent_ids[0]
    sessions, client = call(simulator, lambda c: c.list_sessions(agent_id), page_size=250)
    assert len(sessions) == 230
    assert client.requests_by_endpoint["sessions"] == 3


def test_a_whole_listing_fetches_its_other_pages_at_once(
    simulator_factory: SimulatorFactory,
) -> None:
    """The first page tells the total; the other four of 450 sessions are then in flight
    together, where an incremental read (`back_to`) goes page by page until it is reached."""
    simulator = simulator_factory(agents=1, sessions_per_agent=450)
    agent_id = simulator.world.agent_ids[0]

    class CountingInFlight(httpx.AsyncHTTPTransport):
        now = most = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            CountingInFlight.now += 1
            CountingInFlight.most = max(CountingInFlight.most, CountingInFlight.now)
            try:
                return await super().handle_async_request(request)
            finally:
                CountingInFlight.now -= 1

    async def listing(client: MeibelClient) -> int:
        assert client._http is not None
        client._http._transport = CountingInFlight()
        return len(await client.list_sessions(agent_id))

    listed, client = call(simulator, listing)
    assert listed == 450
    assert client.requests_by_endpoint["sessions"] == 5
    assert CountingInFlight.most == 4


def test_sessions_created_while_paging_are_neither_lost_nor_doubled(
    simulator_factory: SimulatorFactory,
) -> None:
    simulator = simulator_factory(agents=1, sessions_per_agent=250)
    world = simulator.world
    agent_id = world.agent_ids[0]
    existing = {s.session_id for s in all_sessions(simulator, agent_id)}
    arrived: list[int] = []

    class ArrivalsAfterFirstPage(httpx.AsyncHTTPTransport):
        # New sessions land at the top of the listing between our first and second page,
        # shifting everything we have not read yet down.
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await super().handle_async_request(request)
            if not arrived:
                arrived.append(world.advance(12 * 60).sessions_started)
            return response

    async def page(client: MeibelClient) -> list[str]:
        assert client._http is not None
        client._http._transport = ArrivalsAfterFirstPage()
        return [s.session_id for s in await client.list_sessions(agent_id)]

    ids, _ = call(simulator, page)
    assert arrived[0] > 0
    assert len(ids) == len(set(ids))
    assert existing <= set(ids)


def all_sessions(simulator: SimulatorServer, agent_id: str) -> list[object]:
    world = simulator.world
    total = world.list_sessions(agent_id).total
    return [
        s for offset in range(0, total, 100) for s in world.list_sessions(agent_id, offset).data
    ]


@pytest.mark.parametrize("index", range(6))
def test_every_tricky_agent_name_reaches_its_own_summaries(
    simulator: SimulatorServer, index: int
) -> None:
    world = simulator.world
    name = world.agent_names[index]
    session_id = world.jobs_for(name)[0].agent_identity_context.agent_session_id
    assert session_id is not None

    async def fetch(client: MeibelClient) -> tuple[int, int, int]:
        jobs = await client.list_jobs(agent_name=name)
        agent = await client.agent_summary(name)
        session = await client.session_summary(name, session_id)
        return len(jobs), len(agent.job_ids or []), len(session.job_ids or [])

    (jobs, agent_jobs, session_jobs), _ = call(simulator, fetch)
    assert jobs == agent_jobs == len(world.jobs_for(name))
    assert session_jobs == len(world.jobs_for(name, session_id)) > 0


def test_no_answer_body_outlives_its_call(simulator: SimulatorServer) -> None:
    """httpx keeps a body it reads on its response, which sits in a reference cycle: such a
    body (a jobs answer is tens of MB) lived until the collector's next full pass. With the
    collector off, no response may be left holding one once the calls have returned."""
    name = simulator.world.agent_names[0]

    async def read(client: MeibelClient) -> int:
        jobs = await client.list_jobs(agent_name=name)
        sessions = await client.list_sessions(simulator.world.agent_ids[0])
        return len(jobs) + len(sessions)

    gc.collect()
    gc.disable()
    try:
        read_records, _ = call(simulator, read)
        holding = [
            obj
            for obj in gc.get_objects()
            if isinstance(obj, httpx.Response) and getattr(obj, "_content", None)
        ]
    finally:
        gc.enable()
    assert read_records > 0
    assert holding == []


def test_a_spooled_jobs_answer_is_removed_whatever_the_outcome(
    simulator: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A jobs answer is written to a temporary file as it arrives and decoded from there. No
    file is left after an answer decoded, one cut short and retried, or a decode that fails."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    name = simulator.world.agent_names[0]
    simulator.faults.script("truncated-json", count=1, path_prefix="/confidence-scoring/jobs")
    spooled: list[Path] = []

    def decode(body: Path, request: RequestContext) -> DecodedJobs:
        spooled.append(body)
        assert body.parent == tmp_path
        return per_record(body.read_bytes(), request)

    decoded, client = call(simulator, lambda c: c.list_jobs_as(decode, agent_name=name))
    assert decoded.table.num_rows == len(simulator.world.jobs_for(name))
    assert client.requests_by_endpoint["jobs"] == 2
    assert len(spooled) == 2

    def fail(body: Path, request: RequestContext) -> DecodedJobs:
        spooled.append(body)
        raise LookupError("the decode gave up")

    with pytest.raises(LookupError):
        call(simulator, lambda c: c.list_jobs_as(fail, agent_name=name))
    assert len(spooled) == 3
    assert list(tmp_path.iterdir()) == []


def test_retries_429_honouring_retry_after_then_succeeds(simulator: SimulatorServer) -> None:
    simulator.faults.configure(retry_after=0)
    simulator.faults.script("429", count=2, path_prefix="/agents")
    simulator.faults.script("503", count=1, path_prefix="/agents")
    agents, client = call(simulator, lambda c: c.list_agents())
    assert len(agents) == 6
    assert client.requests_by_endpoint["agents"] == 4
    assert simulator.stats.count(status=429) == 2


def test_retries_a_dropped_connection(simulator: SimulatorServer) -> None:
    simulator.faults.script("drop", count=2, path_prefix="/confidence-scoring/jobs")
    name = simulator.world.agent_names[0]
    jobs, client = call(simulator, lambda c: c.list_jobs(agent_name=name))
    assert len(jobs) == len(simulator.world.jobs_for(name))
    assert client.requests_by_endpoint["jobs"] == 3


def test_gives_up_after_the_attempts_and_names_the_last_error(simulator: SimulatorServer) -> None:
    simulator.faults.script("503", count=10)
    with pytest.raises(RetryableStatusError, match="HTTP 503"):
        call(simulator, lambda c: c.list_agents())
    assert simulator.stats.count(status=503) == FAST_RETRIES.max_attempts


def test_retry_after_is_waited_for(simulator: SimulatorServer) -> None:
    # With Retry-After: 1 and a backoff capped at 0.05 s, only the header explains a wait of 1 s.
    simulator.faults.configure(retry_after=1)
    simulator.faults.script("429", count=1)
    loop_times: list[float] = []

    async def timed(client: MeibelClient) -> None:
        loop = asyncio.get_running_loop()
        loop_times.append(loop.time())
        await client.list_agents()
        loop_times.append(loop.time())

    call(simulator, timed)
    assert loop_times[1] - loop_times[0] >= 1.0


def test_a_wrong_key_is_not_retried_and_never_echoed(
    simulator: SimulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-live-do-not-print-0123456789"
    client = MeibelClient(
        ClientConfig(base_url=simulator.base_url, api_key=secret, retry=FAST_RETRIES)
    )

    async def run() -> None:
        async with client:
            await client.list_agents()

    with caplog.at_level(logging.DEBUG), pytest.raises(ApiStatusError) as raised:
        asyncio.run(run())
    assert raised.value.status == 401
    assert client.requests_made == 1
    assert secret not in str(raised.value)
    assert secret not in repr(raised.value)
    assert secret not in caplog.text
    assert secret not in repr(client.config)


def test_validation_errors_surface_the_servers_message(simulator: SimulatorServer) -> None:
    with pytest.raises(ApiStatusError) as raised:
        call(simulator, lambda c: c.list_sessions("no-such-agent"))
    assert raised.value.status == 404
    assert simulator.stats.count(status=404) == 1


def test_a_record_missing_a_required_field_names_record_and_field(
    simulator: SimulatorServer,
) -> None:
    raw = simulator.world.find_jobs()[0].model_dump(mode="json")
    del raw["agent_identity_context"]["customer_id"]
    raw["an_unknown_new_field"] = {"the API": "evolves"}
    with pytest.raises(InvalidRecordError) as raised:
        validate_one(ScoringJobResponse, raw, JOBS, "job_id")
    assert raw["job_id"] in str(raised.value)
    assert "agent_identity_context.customer_id" in str(raised.value)
    assert raised.value.rejected is not None
    assert raised.value.rejected.key == raw["job_id"]

    del raw["job_id"]
    raw["agent_identity_context"]["customer_id"] = "c"
    with pytest.raises(InvalidRecordError, match="#0 has an invalid field 'job_id'"):
        validate_one(ScoringJobResponse, raw, JOBS, "job_id")


def test_a_rejection_names_every_invalid_field_and_keeps_the_raw_record(
    simulator: SimulatorServer,
) -> None:
    good, raw = (job.model_dump(mode="json") for job in simulator.world.find_jobs()[:2])
    del raw["module"]
    raw["score"] = "high"
    checked = check_records(ScoringJobResponse, [good, raw], "job_id", JOBS, first_position=40)
    assert [job.job_id for job in checked.valid] == [good["job_id"]]
    [rejected] = checked.rejected
    assert (rejected.key, rejected.position, rejected.endpoint) == (raw["job_id"], 41, "jobs")
    assert (rejected.path, dict(rejected.params)) == (JOBS.path, {"agent_name": "x"})
    assert f"record {raw['job_id']!r}" in rejected.error
    assert "'module'" in rejected.error
    assert "'score'" in rejected.error
    assert json.loads(rejected.raw_json) == raw


def test_a_record_twice_in_one_answer_counts_once(simulator: SimulatorServer) -> None:
    first, second = (job.model_dump(mode="json") for job in simulator.world.find_jobs()[:2])
    checked = check_records(ScoringJobResponse, [first, second, first], "job_id", JOBS)
    assert [job.job_id for job in checked.valid] == [first["job_id"], second["job_id"]]
    assert checked.distinct == 2


def test_a_clean_page_is_read_in_one_pass_to_what_the_per_record_path_gives(
    simulator: SimulatorServer,
) -> None:
    listing = simulator.world.list_sessions(simulator.world.agent_ids[0])
    body = listing.model_dump_json().encode()
    fast = check_page(SessionSummary, body, "session_id")
    assert fast is not None
    checked, total = fast
    slow = check_records(SessionSummary, json.loads(body)["data"], "session_id", JOBS)
    assert (checked.valid, checked.rejected, checked.distinct) == (slow.valid, [], slow.distinct)
    assert total == listing.total


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda page: page["data"][1].pop("status"), id="invalid record"),
        pytest.param(lambda page: page["data"].append(page["data"][0]), id="repeated record"),
        pytest.param(lambda page: page.update(total=True), id="boolean total"),
        pytest.param(lambda page: page.update(total="5"), id="text total"),
        pytest.param(lambda page: page.pop("data"), id="no data"),
    ],
)
def test_any_other_page_goes_to_the_per_record_path(
    simulator: SimulatorServer, spoil: Callable[[dict[str, Any]], object]
) -> None:
    page = simulator.world.list_sessions(simulator.world.agent_ids[0]).model_dump(mode="json")
    assert check_page(SessionSummary, json.dumps(page).encode(), "session_id") is not None
    spoil(page)
    assert check_page(SessionSummary, json.dumps(page).encode(), "session_id") is None
    assert check_page(SessionSummary, b"<html>busy</html>", "session_id") is None


def test_unknown_fields_are_tolerated(simulator: SimulatorServer) -> None:
    raw = simulator.world.find_jobs()[0].model_dump(mode="json")
    raw["confidence_interval"] = [0.1, 0.9]
    raw["agent_identity_context"]["region"] = "eu"
    assert validate_one(ScoringJobResponse, raw, JOBS, "job_id").job_id == raw["job_id"]


def test_requests_in_flight_stay_within_the_bound(simulator_factory: SimulatorFactory) -> None:
    simulator = simulator_factory(agents=1, sessions_per_agent=40)
    simulator.faults.configure(latency=0.05)
    name = simulator.world.agent_names[0]
    sessions = [
        s.session_id for s in simulator.world.list_sessions(simulator.world.agent_ids[0]).data
    ]
    peak = 0
    in_flight = 0

    class Counting(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal peak, in_flight
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await super().handle_async_request(request)
            finally:
                in_flight -= 1

    async def fan_out(client: MeibelClient) -> int:
        assert client._http is not None
        client._http._transport = Counting()
        results = await asyncio.gather(*(client.session_summary(name, sid) for sid in sessions))
        return len(results)

    done, _ = call(simulator, fan_out, max_in_flight=3)
    assert done == 40
    assert peak == 3
