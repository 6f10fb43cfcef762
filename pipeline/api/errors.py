"""Errors the API client raises. Their messages name the cause and never carry the API key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from pipeline.api import ratelimit_headers

if TYPE_CHECKING:
    from pipeline.api.records import RejectedRecord


class MeibelApiError(Exception):
    """Base class: anything that went wrong talking to the Meibel API."""


class ApiStatusError(MeibelApiError):
    """The server answered with an error status."""

    def __init__(self, status: int, method: str, path: str, server_message: str) -> None:
        self.status = status
        self.path = path
        self.server_message = server_message
        super().__init__(f"{method} {path} answered HTTP {status}: {server_message}")


class RetryableStatusError(ApiStatusError):
    """429 or 5xx: worth another attempt, after `retry_after` seconds if the server said so."""

    def __init__(
        self, status: int, method: str, path: str, server_message: str, retry_after: float | None
    ) -> None:
        super().__init__(status, method, path, server_message)
        self.retry_after = retry_after


class InvalidRecordError(MeibelApiError):
    """A record that does not fit the API's schema, where it is the whole answer (a summary).

    In listings a bad record does not fail the request: it is kept as a `RejectedRecord` on
    the client instead. `rejected` carries the raw record here too, for a quarantine.
    """

    def __init__(
        self,
        endpoint: str,
        record: str,
        field: str,
        problem: str,
        rejected: RejectedRecord | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.record = record
        self.field = field
        self.rejected = rejected
        super().__init__(f"{endpoint}: record {record} has an invalid field {field!r}: {problem}")


class InvalidResponseError(MeibelApiError):
    """A body that is not JSON, or not the JSON shape the endpoint promises.

    Retried: a proxy's error page or a body cut short says nothing about the next attempt.
    """


class RequestBudgetExhausted(MeibelApiError):
    """The client has sent as many requests as its budget (`ClientConfig.max_requests`) allows."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        super().__init__(f"the request budget of {budget} requests is spent")


class RateLimitExhausted(MeibelApiError):
    """The API's rate limit frees no request for longer than the client is willing to wait."""

    def __init__(self, wait_s: float, limit: int | None) -> None:
        self.wait_s = wait_s
        self.limit = limit
        window = f"the limit of {limit} requests" if limit is not None else "the rate limit"
        super().__init__(f"{window} is spent for another {wait_s:.0f} s")


def server_message(response: httpx.Response) -> str:
    """The human message of an error body, in any of the API's published shapes."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            return str(body["message"])
        error = body.get("error")
        if isinstance(error, dict) and "message" in error:
            return str(error["message"])
        if isinstance(error, str):
            return error
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        if isinstance(detail, list):
            return "; ".join(_validation_item(item) for item in detail)
    return str(body)[:200]


def _validation_item(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    location = ".".join(str(part) for part in item.get("loc", []))
    return f"{location}: {item.get('msg', '')}" if location else str(item.get("msg", ""))


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After in seconds, or on a 429 without one the rate-limit window's reset."""
    return ratelimit_headers.retry_after_seconds(response)
