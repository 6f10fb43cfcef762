"""Bad records: which records the simulator serves corrupted, and how it corrupts them.

A record is bad when a hash of the simulator's seed and the record's id falls under the bad
record rate: the same records are bad on every request and every sync, and a test can ask
`FaultInjector.is_bad_record(id)` which ones they are. The id itself is never touched, so a
corrupted record stays identifiable; what breaks is another field, which the contract makes
required or types strictly: a wrong type, a required field missing, or null where null is not
allowed. Only the three listings carry bad records; the summaries and single-job lookups
never do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

Corruption = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Listing:
    """An endpoint answering with records: where they sit in the body and what keys them."""

    name: str
    records_at: str | None  # the envelope's array field, or None for a bare JSON array
    key: str

    def records(self, body: Any) -> list[Any] | None:
        """The record array inside a decoded body, or None if the body is not that shape."""
        if self.records_at is None:
            return body if isinstance(body, list) else None
        records = body.get(self.records_at) if isinstance(body, dict) else None
        return records if isinstance(records, list) else None


LISTINGS: Final = {
    "/v2/agents": Listing("agents", "data", "id"),
    "/v2/agents/{agent_id}/sessions": Listing("sessions", "data", "session_id"),
    "/v2/confidence-scoring/jobs": Listing("jobs", None, "job_id"),
}


def _set(field: str, value: Any) -> Corruption:
    def corrupt(record: dict[str, Any]) -> None:
        record[field] = value

    return corrupt


def _drop(field: str) -> Corruption:
    def corrupt(record: dict[str, Any]) -> None:
        record.pop(field, None)

    return corrupt


def _drop_identity(field: str) -> Corruption:
    def corrupt(record: dict[str, Any]) -> None:
        identity = record.get("agent_identity_context")
        if isinstance(identity, dict):
            identity.pop(field, None)

    return corrupt


# Each corruption must fail `pipeline.api.models` validation (tests/simulator hold it to that).
CORRUPTIONS: Final[dict[str, tuple[Corruption, ...]]] = {
    "agents": (
        _set("tool_count", "three"),
        _drop("version"),
        _set("last_execution_time", "yesterday"),
    ),
    "sessions": (
        _drop("start_time"),
        _set("start_time", "not a timestamp"),
        _set("messages_count", "many"),
        _set("status", None),
    ),
    "jobs": (
        _drop("module"),
        _set("score", "high"),
        _drop_identity("customer_id"),
        _set("agent_identity_context", "n/a"),
        _set("status", 3),
    ),
}


def _unit(seed: int, salt: str, record_id: str) -> float:
    digest = hashlib.blake2b(f"{seed}\0{salt}\0{record_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def is_bad_record(seed: int, rate: float, record_id: str) -> bool:
    return rate > 0 and _unit(seed, "bad", record_id) < rate


def corrupt_record(seed: int, listing: Listing, record: dict[str, Any]) -> None:
    """Corrupt one record in place, the same way every time for the same id."""
    options = CORRUPTIONS[listing.name]
    pick = int(_unit(seed, "how", str(record.get(listing.key))) * len(options))
    options[pick](record)


def corrupt_bad_records(
    body: Any, listing: Listing, seed: int, is_bad: Callable[[str], bool]
) -> int:
    """Corrupt, in place, the bad records of a decoded listing body; returns how many."""
    corrupted = 0
    for record in listing.records(body) or ():
        record_id = record.get(listing.key) if isinstance(record, dict) else None
        if isinstance(record_id, str) and is_bad(record_id):
            corrupt_record(seed, listing, record)
            corrupted += 1
    return corrupted
