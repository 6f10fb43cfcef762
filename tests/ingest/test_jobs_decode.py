"""The fast jobs decode gives exactly what the per-record path gives, for any response."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.api.errors import InvalidResponseError
from pipeline.api.records import RequestContext
from pipeline.ingest.jobs_decode import DecodedJobs, JobsDecoder, per_record
from pipeline.warehouse import schemas

REQUEST = RequestContext("jobs", "/confidence-scoring/jobs", {"agent_name": "a"})

text = st.text(max_size=12)
# JSON values of every type, so that some fields get a type the contract does not allow.
any_json = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(text, st.integers(), max_size=2),
)


def field(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid value, sometimes anything at all."""
    return st.one_of(valid, valid, valid, any_json)


identity = st.fixed_dictionaries(
    {"customer_id": field(text), "project_id": field(text)},
    optional={
        **{
            name: field(st.one_of(st.none(), text))
            for name in schemas.IDENTITY_COLUMNS
            if name not in ("customer_id", "project_id", "agent_turn")
        },
        "agent_turn": field(st.one_of(st.none(), st.integers(-5, 2**40))),
        "unknown_field": any_json,
    },
)
job = st.fixed_dictionaries(
    {
        "job_id": field(st.sampled_from([f"job-{i}" for i in range(30)])),
        "agent_identity_context": field(identity),
        "module": field(text),
        "status": field(st.sampled_from(["completed", "failed", "submitted", "not_run"])),
    },
    optional={
        "score": field(st.one_of(st.none(), st.integers(0, 10), st.floats(0, 1))),
        "explanation": field(st.one_of(st.none(), text)),
    },
)


@pytest.fixture(scope="module")
def decoder() -> JobsDecoder:
    # Every response through DuckDB, however small, so that these small cases test the fast path.
    return JobsDecoder(min_fast_bytes=0)


def decode(decoder: JobsDecoder, body: bytes) -> DecodedJobs:
    """The body as the client hands it over: spooled to a file."""
    with tempfile.NamedTemporaryFile(suffix=".json") as spool:
        spool.write(body)
        spool.flush()
        return decoder(Path(spool.name), REQUEST)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(job, job, job, any_json), max_size=12))
def test_any_response_decodes_as_the_per_record_path_does(
    decoder: JobsDecoder, items: list[Any]
) -> None:
    body = json.dumps(items).encode()
    expected = per_record(body, REQUEST)
    decoded = decode(decoder, body)
    assert decoded.table.equals(expected.table)
    assert [(r.key, r.position, r.error) for r in decoded.rejected] == [
        (r.key, r.position, r.error) for r in expected.rejected
    ]


def test_canonical_responses_take_the_fast_path(decoder: JobsDecoder) -> None:
    items = [
        {
            "job_id": f"job-{i}",
            "agent_identity_context": {
                "customer_id": "c",
                "project_id": "p",
                "agent_name": "数据 helper",
                "agent_session_id": f"s-{i // 3}",
                "agent_turn": i % 4 or None,
            },
            "module": "correctness",
            "status": "completed",
            "score": 7 if i % 2 else 0.25,
            "explanation": 'quoted "text" \\ and \u00e9',
            "added_later": {"by": "the API"},
        }
        for i in range(50)
    ]
    body = json.dumps(items).encode()
    decoded = decode(decoder, body)
    assert decoded.fast
    assert decoded.table.equals(per_record(body, REQUEST).table)
    assert decoded.table.schema == schemas.SCORING_JOBS


@pytest.mark.parametrize("body", [b'[{"job_id": "a"', b"not json", b'{"data": []}', b"", b"[1, 2"])
def test_a_broken_body_is_a_retryable_bad_response(decoder: JobsDecoder, body: bytes) -> None:
    with pytest.raises(InvalidResponseError):
        decode(decoder, body)
