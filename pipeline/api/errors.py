"""Errors the API client raises. Their messages name the cause and never carry the API key."""

from __future__ import annotations

from typing import Any

import httpx


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
    """A record in a response does not fit the API's schema."""

    def __init__(self, endpoint: str, record: str, field: str, problem: str) -> None:
        self.endpoint = endpoint
        self.record = record
        self.field = field
        super().__init__(f"{endpoint}: record {record} has an invalid field {field!r}: {problem}")


class InvalidResponseError(MeibelApiError):
    """A response body that is not the JSON shape the endpoint promises."""


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
    """Retry-After in seconds; the HTTP-date form is rare enough to fall back to backoff."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
