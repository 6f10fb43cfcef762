"""What a misbehaving answer's body looks like: changed JSON, broken JSON, error bodies.

The changes to good bodies keep the data equal to the API's: fields a client should ignore,
a record repeated within one page, and the same instants spelt differently.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime
from typing import Any, Final

from pipeline.simulator.corruption import Listing

TIMESTAMP_FIELDS: Final = frozenset({"start_time", "end_time", "last_execution_time"})
_TIMESTAMP_FORMATS: Final = (
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S+00:00",
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%dT%H:%M:%S.%f+00:00",
)
_GATEWAY_PAGE: Final = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center></body></html>\n"
)
_REASONS: Final = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def add_extra_fields(body: Any, listing: Listing | None, rng: random.Random) -> None:
    """Fields the contract does not name, on the envelope and on every record (in place)."""
    records = listing.records(body) if listing else None
    if isinstance(body, dict):
        body["next_cursor"] = None
        body["_meta"] = {"served_by": f"sim-{rng.randrange(100)}", "cache": "MISS"}
    for position, record in enumerate(records or ()):
        if isinstance(record, dict):
            record["x_rank"] = position
            record["labels"] = ["simulated"]
            identity = record.get("agent_identity_context")
            if isinstance(identity, dict):
                identity["region"] = "eu-west-1"


def duplicate_a_record(body: Any, listing: Listing, rng: random.Random) -> None:
    """One record of the page, again, somewhere after itself within the same page."""
    records = listing.records(body)
    if not records:
        return
    original = rng.randrange(len(records))
    records.insert(
        rng.randint(original + 1, len(records)), json.loads(json.dumps(records[original]))
    )


def mix_timestamps(body: Any, rng: random.Random) -> None:
    """Every timestamp respelt as `Z` or `+00:00`, with or without fractions: same instants."""
    if isinstance(body, list):
        for item in body:
            mix_timestamps(item, rng)
    elif isinstance(body, dict):
        for name, value in body.items():
            if name in TIMESTAMP_FIELDS and isinstance(value, str):
                body[name] = _respell(value, rng)
            else:
                mix_timestamps(value, rng)


def _respell(value: str, rng: random.Random) -> str:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return value
    offset = instant.utcoffset()
    if offset is None or offset:
        return value  # only UTC instants can be spelt with Z
    return instant.strftime(rng.choice(_TIMESTAMP_FORMATS))


def truncated(body: bytes, rng: random.Random) -> bytes:
    """A prefix of the JSON: complete as HTTP (its own Content-Length), incomplete as JSON."""
    if len(body) < 2:
        return b"["
    return body[: rng.randint(1, len(body) - 1)]


def invalid(body: bytes, rng: random.Random) -> tuple[bytes, bytes]:
    """A body that is no JSON at all, and its content type."""
    if rng.random() < 0.5:
        return _GATEWAY_PAGE, b"text/html"
    return body + b"\n<!-- served from cache -->", b"application/json"


def error_body(status: int, shape: str, message: str | None = None) -> bytes:
    """An error body in one of the published shapes: message, error object, or detail."""
    reason = message or _REASONS.get(status, "Error")
    if shape == "message":
        return encode({"message": reason})
    if shape == "error":
        return encode(
            {
                "error": {
                    "message": reason,
                    "type": "rate_limit_error" if status == 429 else "api_error",
                    "code": "rate_limit_exceeded" if status == 429 else f"http_{status}",
                    "request_id": f"req_{uuid.uuid4().hex[:16]}",
                }
            }
        )
    return encode({"detail": reason})
