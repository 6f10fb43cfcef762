"""Checking the records of a response one by one: keep the good, set the bad aside, drop repeats.

One record that does not fit the schema must not cost its neighbours: it becomes a
`RejectedRecord` (its raw JSON, where it came from and what is wrong with it) and the rest of
the response is used. A record repeated within one response (same primary key) counts once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, Final, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, StrictInt, TypeAdapter, ValidationError

from pipeline.api.errors import InvalidRecordError

Record = TypeVar("Record", bound=BaseModel)


@dataclass(frozen=True)
class RequestContext:
    """Where records came from: the endpoint's name, the path and the query as sent.

    The API key travels in a header and so is never part of these.
    """

    endpoint: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RejectedRecord:
    """A record that failed validation, as it arrived, with where it came from and why."""

    endpoint: str  # "agents", "sessions", "jobs", "agent_summary", "session_summary"
    path: str  # the request path under the API base, percent-encoded as sent
    params: Mapping[str, str]  # the query parameters of that request
    key: str | None  # the record's primary key, if it has a readable one
    position: int  # its index in the listing (offset included) or response array
    raw_json: str  # the record exactly as decoded from the response, re-encoded
    error: str  # what is wrong, naming the record and each invalid field
    received_at: datetime


@dataclass
class Checked(Generic[Record]):
    valid: list[Record]
    rejected: list[RejectedRecord]
    # How many listing positions the items fill: a record repeated in the page counts once.
    distinct: int


def check_records(
    model: type[Record],
    items: Sequence[Any],
    key: str,
    request: RequestContext,
    first_position: int = 0,
) -> Checked[Record]:
    """Validate each item; the invalid become RejectedRecords, repeats of a key are skipped."""
    keys = [_key_of(raw, key) for raw in items]
    present = [k for k in keys if k is not None]
    if len(set(present)) == len(present):
        # The common case, no repeat and nothing invalid, in one call into pydantic's core: the
        # same validation, several times cheaper than one call per record.
        try:
            return Checked(_list_of(model).validate_python(items), [], len(items))
        except ValidationError:
            pass
    valid: list[Record] = []
    rejected: list[RejectedRecord] = []
    seen: set[str] = set()
    repeats = 0
    for index, (raw, record_key) in enumerate(zip(items, keys, strict=True)):
        if record_key is not None:
            if record_key in seen:
                repeats += 1
                continue
            seen.add(record_key)
        try:
            valid.append(model.model_validate(raw))
        except ValidationError as error:
            rejected.append(reject(raw, error, request, record_key, first_position + index))
    return Checked(valid, rejected, len(items) - repeats)


@cache
def _list_of(model: type[Record]) -> TypeAdapter[list[Record]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


class _Page(BaseModel, Generic[Record]):
    """A listing's page as `check_page` reads it: its records and its total, nothing else."""

    model_config = ConfigDict(extra="ignore")
    data: list[Record]
    total: StrictInt


def check_page(model: type[Record], body: bytes, key: str) -> tuple[Checked[Record], int] | None:
    """A page's records and total when it is a well-formed page of valid, distinct records.

    The common case costs one call into pydantic's core from the bytes, about a third of
    decoding the JSON in Python and validating that; None sends any other page to the
    per-record path, which tells what is wrong with it and keeps the good records.
    """
    try:
        page = _page_of(model).model_validate_json(body)
    except ValidationError:
        return None
    if len({getattr(record, key) for record in page.data}) != len(page.data):
        return None
    return Checked(page.data, [], len(page.data)), page.total


@cache
def _page_of(model: type[Record]) -> type[_Page[Record]]:
    return _Page[model]  # type: ignore[valid-type]


def validate_one(model: type[Record], raw: Any, request: RequestContext, key: str | None) -> Record:
    """A response that is one record: valid, or InvalidRecordError carrying the rejection."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        record_key = _key_of(raw, key) if key else None
        rejected = reject(raw, error, request, record_key, 0)
        field_path, problem = _problems(error)[0]
        label = repr(record_key) if record_key is not None else "#0"
        raise InvalidRecordError(
            request.endpoint, label, field_path, problem, rejected=rejected
        ) from None


def reject(
    raw: Any, error: ValidationError, request: RequestContext, key: str | None, position: int
) -> RejectedRecord:
    label = repr(key) if key is not None else f"#{position}"
    problems = "; ".join(f"{path!r}: {problem}" for path, problem in _problems(error))
    return RejectedRecord(
        endpoint=request.endpoint,
        path=request.path,
        params=dict(request.params),
        key=key,
        position=position,
        raw_json=json.dumps(raw, ensure_ascii=False, separators=(",", ":")),
        error=f"{request.endpoint}: record {label} has invalid fields: {problems}",
        received_at=datetime.now(UTC),
    )


def _key_of(raw: Any, key: str | None) -> str | None:
    value = raw.get(key) if key and isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


# pydantic puts the member type of a union into an error's location ("score.float"); these
# are not fields, so they are left out of the field path.
_UNION_TAGS: Final = frozenset({"float", "int", "str", "bool", "none", "datetime", "date"})
_GENERIC_TAG: Final = re.compile(r"^[a-z-]+\[.*\]$")


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    """(field path, problem) per invalid field; a union's members' complaints are joined."""
    problems: dict[str, list[str]] = {}
    for item in error.errors(include_url=False):
        parts = [
            str(part)
            for part in item["loc"]
            if not (isinstance(part, str) and (part in _UNION_TAGS or _GENERIC_TAG.match(part)))
        ]
        messages = problems.setdefault(".".join(parts) or "(record)", [])
        if item["msg"] not in messages:
            messages.append(item["msg"])
    return [(path, ", or ".join(messages)) for path, messages in problems.items()]
