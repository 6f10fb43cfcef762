"""An async client for the Meibel API v2 endpoints the pipeline reads.

Why our own client and not the official SDK: the SDK's paged iterators stop after the first
page, it does not escape path parameters, and it neither retries nor reads Retry-After
(see contract/README.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from pipeline.api.errors import (
    ApiStatusError,
    InvalidRecordError,
    InvalidResponseError,
    RetryableStatusError,
    retry_after_seconds,
    server_message,
)
from pipeline.api.models import AgentSummary, ScoreSummary, ScoringJobResponse, SessionSummary
from pipeline.api.retries import RetryPolicy, retrying
from pipeline.failpoints import failpoint

log = logging.getLogger(__name__)

PRODUCTION_BASE_URL = "https://api.meibel.ai/v2"
API_KEY_HEADER = "Meibel-API-Key"

Record = TypeVar("Record", bound=BaseModel)


@dataclass(frozen=True)
class ClientConfig:
    base_url: str = PRODUCTION_BASE_URL
    api_key: str = field(default="", repr=False)
    max_in_flight: int = 8
    timeout_s: float = 30.0
    page_size: int = 100
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def api_path(*segments: str) -> str:
    """A path whose every segment is percent-encoded: names may hold `/`, `#`, `?` or `%`."""
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


class MeibelClient:
    """Use as `async with MeibelClient(config) as client:`."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.requests_by_endpoint: Counter[str] = Counter()
        self._slots = asyncio.Semaphore(config.max_in_flight)
        self._http: httpx.AsyncClient | None = None

    @property
    def requests_made(self) -> int:
        return sum(self.requests_by_endpoint.values())

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

        def reached(page: list[SessionSummary]) -> bool:
            return back_to is not None and any(s.start_time < back_to for s in page)

        return await self._paged("sessions", path, SessionSummary, "session_id", reached)

    async def list_jobs(self, **filters: str) -> list[ScoringJobResponse]:
        """Jobs matching every filter (identity-context fields); the endpoint is not paged."""
        body = await self._get("jobs", api_path("confidence-scoring", "jobs"), filters)
        if not isinstance(body, list):
            raise InvalidResponseError(f"jobs: expected a JSON array, got {type(body).__name__}")
        return [
            _validate(ScoringJobResponse, raw, "jobs", "job_id", position)
            for position, raw in enumerate(body)
        ]

    async def agent_summary(self, agent_name: str) -> ScoreSummary:
        path = api_path("confidence-scoring", "summary", "agent", agent_name)
        body = await self._get("agent_summary", path, {})
        return _validate(ScoreSummary, body, "agent summary", None, agent_name)

    async def session_summary(self, agent_name: str, session_id: str) -> ScoreSummary:
        path = api_path("confidence-scoring", "summary", "agent", agent_name, "session", session_id)
        body = await self._get("session_summary", path, {})
        return _validate(ScoreSummary, body, "session summary", None, session_id)

    async def _paged(
        self,
        endpoint: str,
        path: str,
        model: type[Record],
        key: str,
        done: Callable[[list[Record]], bool] | None = None,
    ) -> list[Record]:
        # Advance by what actually arrived (a server may send fewer than asked) and dedupe by
        # key: a record created while we page shifts the rest down, repeating one per page.
        records: dict[str, Record] = {}
        offset = 0
        while True:
            page = {"offset": offset, "limit": self.config.page_size}
            body = await self._get(endpoint, path, page)
            items, total = _page(body, endpoint)
            if not items:
                break
            page_records = [
                _validate(model, raw, endpoint, key, offset + position)
                for position, raw in enumerate(items)
            ]
            for record in page_records:
                records[str(getattr(record, key))] = record
            offset += len(items)
            if offset >= total or (done is not None and done(page_records)):
                break
        return list(records.values())

    async def _get(self, endpoint: str, path: str, params: dict[str, Any]) -> Any:
        if self._http is None:
            raise RuntimeError("MeibelClient is used outside `async with`")
        http = self._http
        query = {name: value for name, value in params.items() if value is not None}
        async for attempt in retrying(self.config.retry):
            with attempt:
                async with self._slots:
                    self.requests_by_endpoint[endpoint] += 1
                    failpoint("request")
                    response = await http.get(path, params=query)
                _raise_for_status(response)
                try:
                    return response.json()
                except ValueError as error:
                    raise InvalidResponseError(
                        f"{endpoint}: the response body is not valid JSON ({error})"
                    ) from None
        raise AssertionError("unreachable: tenacity re-raises the last error")


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


def _page(body: Any, endpoint: str) -> tuple[list[Any], int]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise InvalidResponseError(f"{endpoint}: expected an object with a `data` array")
    total = body.get("total")
    if not isinstance(total, int):
        raise InvalidResponseError(f"{endpoint}: the page has no integer `total`")
    return body["data"], total


def _validate(
    model: type[Record], raw: Any, endpoint: str, key: str | None, position: int | str
) -> Record:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        record_id = raw.get(key) if key and isinstance(raw, dict) else None
        record = repr(record_id) if isinstance(record_id, str) else f"#{position}"
        first = error.errors()[0]
        field_path = ".".join(str(part) for part in first["loc"]) or "(record)"
        raise InvalidRecordError(endpoint, record, field_path, first["msg"]) from None
