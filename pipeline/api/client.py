"""An async client for the Meibel API v2 endpoints the pipeline reads.

Why our own client and not the official SDK: the SDK's paged iterators stop after the first
page, it does not escape path parameters, and it neither retries nor reads Retry-After
(see contract/README.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from pipeline.api.errors import (
    ApiStatusError,
    InvalidResponseError,
    RequestBudgetExhausted,
    RetryableStatusError,
    retry_after_seconds,
    server_message,
)
from pipeline.api.models import AgentSummary, ScoreSummary, ScoringJobResponse, SessionSummary
from pipeline.api.pacing import Pacer
from pipeline.api.records import (
    Checked,
    RejectedRecord,
    RequestContext,
    check_page,
    check_records,
    validate_one,
)
from pipeline.api.retries import RetryPolicy, retrying
from pipeline.failpoints import failpoint

log = logging.getLogger(__name__)

PRODUCTION_BASE_URL = "https://api.meibel.ai/v2"
API_KEY_HEADER = "Meibel-API-Key"

Record = TypeVar("Record", bound=BaseModel)
Body = TypeVar("Body")


class DecodedRecords(Protocol):
    """What a decode of a listing's body gives: its records, and those it set aside."""

    @property
    def rejected(self) -> list[RejectedRecord]: ...


Decoded = TypeVar("Decoded", bound=DecodedRecords)
# Decodes a jobs answer from the file its body was written to as it arrived.
JobsDecode = Callable[[Path, RequestContext], Decoded]


@dataclass(frozen=True)
class ClientConfig:
    base_url: str = PRODUCTION_BASE_URL
    api_key: str = field(default="", repr=False)
    max_in_flight: int = 8
    timeout_s: float = 30.0
    page_size: int = 100
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Requests this client may send, retries included; None for no budget. Past it every call
    # raises RequestBudgetExhausted.
    max_requests: int | None = None
    # The longest a request waits for the rate-limit window; a longer wait raises
    # RateLimitExhausted instead of sleeping through, say, a spent daily quota.
    max_rate_limit_wait_s: float = 300.0
    # How many clients share the key's rate limit right now, this one included (see Pacer).
    sharers: Callable[[], int] | None = field(default=None, compare=False)


def api_path(*segments: str) -> str:
    """A path whose every segment is percent-encoded: names may hold `/`, `#`, `?` or `%`."""
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


class MeibelClient:
    """Use as `async with MeibelClient(config) as client:`.

    Records that fail validation in a listing do not fail the call: they are left out of its
    answer and collected in `rejected` (take them with `drain_rejected()`).
    """

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.requests_by_endpoint: Counter[str] = Counter()
        self.rejected: list[RejectedRecord] = []
        self.pacer = Pacer(config.max_rate_limit_wait_s, config.sharers)
        self._slots = asyncio.Semaphore(config.max_in_flight)
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"MeibelClient(base_url={self.config.base_url!r})"

    @property
    def requests_made(self) -> int:
        return sum(self.requests_by_endpoint.values())

    @property
    def requests_left(self) -> int | None:
        """What is left of the request budget; None without one."""
        budget = self.config.max_requests
        return None if budget is None else max(0, budget - self.requests_made)

    def drain_rejected(self) -> list[RejectedRecord]:
        """The records rejected since the last drain, oldest first."""
        rejected, self.rejected = self.rejected, []
        return rejected

    async def __aenter__(self) -> Self:
        self._http = httpx.AsyncClient(
            base_url=self.config.base_url,
            headers={API_KEY_HEADER: self.config.api_key},
            timeout=self.config.timeout_s,
            limits=httpx.Limits(max_connections=self.config.max_in_flight),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def list_agents(self) -> list[AgentSummary]:
        return await self._paged("agents", api_path("agents"), AgentSummary, "id")

    async def list_sessions(
        self, agent_id: str, back_to: datetime | None = None
    ) -> list[SessionSummary]:
        """An agent's sessions, newest first; with `back_to`, only the pages that reach it.

        Paging stops after the first page holding a session that started before `back_to`,
        so an incremental read costs the pages of what is new, not of the whole history.
        """
        path = api_path("agents", agent_id, "sessions")
        if back_to is None:
            # The whole listing: its pages are fetched at once, once the first tells the total.
            return await self._paged("sessions", path, SessionSummary, "session_id")

        def reached(page: list[SessionSummary]) -> bool:
            return any(s.start_time < back_to for s in page)

        return await self._paged("sessions", path, SessionSummary, "session_id", reached)

    async def list_jobs(self, **filters: str) -> list[ScoringJobResponse]:
        """Jobs matching every filter (identity-context fields); the endpoint is not paged."""
        return (await self.list_jobs_as(_checked_jobs, **filters)).valid

    async def list_jobs_as(self, decode: JobsDecode[Decoded], **filters: str) -> Decoded:
        """Jobs matching every filter, the response's bytes turned into records by `decode`.

        `decode` raises InvalidResponseError for a body that is broken as a whole (it is then
        retried like any bad response) and returns the records it had to set aside.
        """
        path = api_path("confidence-scoring", "jobs")
        params = {name: value for name, value in filters.items() if value is not None}
        request = RequestContext("jobs", path, params)
        # A whole agent's jobs are tens of MB.
        decoded = await self._get_spooled(path, request, lambda body: decode(body, request))
        self.rejected.extend(decoded.rejected)
        return decoded

    async def agent_summary(self, agent_name: str) -> ScoreSummary:
        path = api_path("confidence-scoring", "summary", "agent", agent_name)
        request = RequestContext("agent_summary", path)
        body = await self._get(path, request, _decoded(json_object))
        return validate_one(ScoreSummary, body, request, None)

    async def session_summary(self, agent_name: str, session_id: str) -> ScoreSummary:
        path = api_path("confidence-scoring", "summary", "agent", agent_name, "session", session_id)
        request = RequestContext("session_summary", path)
        body = await self._get(path, request, _decoded(json_object))
        return validate_one(ScoreSummary, body, request, None)

    async def _paged(
        self,
        endpoint: str,
        path: str,
        model: type[Record],
        key: str,
        done: Callable[[list[Record]], bool] | None = None,
    ) -> list[Record]:
        # Advance by what actually arrived (a server may send fewer than asked, or one record
        # twice) and dedupe by key: a record created while we page shifts the rest down,
        # repeating one per page.
        records: dict[str, Record] = {}
        rejected: dict[str, RejectedRecord] = {}

        def keep(checked: Checked[Record]) -> None:
            for record in checked.valid:
                records[str(getattr(record, key))] = record
            for bad in checked.rejected:
                rejected.setdefault(bad.key or f"#{bad.position}", bad)

        async def page(offset: int) -> tuple[Checked[Record], int]:
            params = {"offset": str(offset), "limit": str(self.config.page_size)}
            request = RequestContext(endpoint, path, params)

            def decode(body: bytes, endpoint: str) -> tuple[Checked[Record], int]:
                fast = check_page(model, body, key)
                if fast is not None:
                    return fast
                items, total = _page(json_body(body, endpoint), endpoint)
                return check_records(model, items, key, request, first_position=offset), total

            return await self._get(path, request, decode)

        offset = 0
        checked, total = await page(offset)
        keep(checked)
        offset += checked.distinct
        if done is None and 0 < offset < total:
            # A whole listing: the first page told its size, so the others are fetched at once.
            rest = await asyncio.gather(*(page(at) for at in range(offset, total, offset)))
            for more, _ in rest:
                keep(more)
            if _pages_fit(checked.distinct, total, rest):
                offset = total
        while offset < total and checked.distinct and not (done and done(checked.valid)):
            checked, total = await page(offset)
            keep(checked)
            offset += checked.distinct
        self.rejected.extend(rejected.values())
        return list(records.values())

    async def _get(
        self, path: str, request: RequestContext, decode: Callable[[bytes, str], Body]
    ) -> Body:
        """The body of a GET as `decode` reads it; retried as the policy says."""
        async for attempt in retrying(self.config.retry):
            with attempt:
                chunks: list[bytes] = []
                await self._receive(path, request, chunks.append)
                return decode(b"".join(chunks), request.endpoint)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _get_spooled(
        self, path: str, request: RequestContext, decode: Callable[[Path], Body]
    ) -> Body:
        """`_get` for a body of tens of MB: written to a temporary file as it arrives, then
        decoded from the file on a thread while the other requests go on. The body is never
        whole in Python's memory, and the file goes once decoded, whatever the outcome."""
        async for attempt in retrying(self.config.retry):
            with attempt, tempfile.NamedTemporaryFile(prefix="meibel-", suffix=".json") as spool:
                await self._receive(path, request, spool.write)
                spool.flush()
                return await asyncio.to_thread(decode, Path(spool.name))
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _receive(
        self, path: str, request: RequestContext, sink: Callable[[bytes], object]
    ) -> None:
        """Send one GET and hand its body to `sink` chunk by chunk; an error status raises.

        Not `response.aread()`: a body httpx reads itself stays on its response, which is in a
        reference cycle with its stream, so each body lived until the garbage collector's next
        full pass (in a million-job sync, several jobs answers of 32 MB at once)."""
        if self._http is None:
            raise RuntimeError("MeibelClient is used outside `async with`")
        async with self._slots, self.pacer.permit() as permit:
            self._spend(request.endpoint)
            failpoint("request")
            async with self._http.stream("GET", path, params=request.params) as response:
                permit.answered(response)
                if response.is_error:
                    await response.aread()  # a short error body, for its message
                    _raise_for_status(response)
                async for chunk in response.aiter_bytes():
                    sink(chunk)

    def _spend(self, endpoint: str) -> None:
        budget = self.config.max_requests
        if budget is not None and self.requests_made >= budget:
            raise RequestBudgetExhausted(budget)
        self.requests_by_endpoint[endpoint] += 1


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    method, path = response.request.method, response.request.url.path
    if status == 429 or status >= 500:
        raise RetryableStatusError(
            status, method, path, server_message(response), retry_after_seconds(response)
        )
    raise ApiStatusError(status, method, path, server_message(response))


def json_body(content: bytes, endpoint: str) -> Any:
    """A response body decoded from JSON; a body that is not JSON is a retryable bad answer."""
    try:
        return json.loads(content)
    except ValueError as error:
        raise InvalidResponseError(
            f"{endpoint}: the response body is not valid JSON ({type(error).__name__})"
        ) from None


def json_array(body: Any, endpoint: str) -> list[Any]:
    if not isinstance(body, list):
        raise InvalidResponseError(f"{endpoint}: expected a JSON array, got {_kind(body)}")
    return body


def json_object(body: Any, endpoint: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidResponseError(f"{endpoint}: expected a JSON object, got {_kind(body)}")
    return body


def _pages_fit(stride: int, total: int, pages: list[tuple[Checked[Any], int]]) -> bool:
    """Whether pages fetched at once, `stride` apart, cover the listing with nothing between.

    A page short of the stride (a server sending fewer than asked, a repeat) or a total that
    moved (a record created meanwhile can shift one past a page fetched before it) leaves a
    possible gap, which the caller closes by reading on page by page.
    """
    if any(page_total != total for _, page_total in pages):
        return False
    return all(
        checked.distinct == min(stride, total - (index + 1) * stride)
        for index, (checked, _) in enumerate(pages)
    )


def _decoded(shape: Callable[[Any, str], Body]) -> Callable[[bytes, str], Body]:
    """Decode the body from JSON, then check its shape."""
    return lambda body, endpoint: shape(json_body(body, endpoint), endpoint)


def _checked_jobs(body: Path, request: RequestContext) -> Checked[ScoringJobResponse]:
    items = json_array(json_body(body.read_bytes(), request.endpoint), request.endpoint)
    return check_records(ScoringJobResponse, items, "job_id", request)


def _page(body: Any, endpoint: str) -> tuple[list[Any], int]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise InvalidResponseError(f"{endpoint}: expected an object with a `data` array")
    total = body.get("total")
    if not isinstance(total, int) or isinstance(total, bool):
        raise InvalidResponseError(f"{endpoint}: the page has no integer `total`")
    return body["data"], total


def _kind(body: Any) -> str:
    return "null" if body is None else type(body).__name__
