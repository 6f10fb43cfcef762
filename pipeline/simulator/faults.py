"""What can go wrong with a /v2 request, and the decision, per request, of whether it does.

A fault is decided before the request reaches the API: first from the script ("the next N
requests fail with kind K"), which tests use to stage exact failures; then from a 5xx burst
under way; then from the seeded random rates (`rate_429`, `rate_503`, `rate_drop`); then from
the fault profile, if one is chosen. Every such fault is transient: it is drawn afresh for
each request, so a retry of the same request may succeed (a burst fails a run of consecutive
requests, whichever they are, then ends).

Bad records are the exception, on purpose: they are a property of the data, not of a request.
Whether a record is served corrupted follows from the seed and its id alone, so every response
that carries it carries it corrupted, on every sync, and a warehouse's quarantine is stable.

Fault profiles (`FaultSettings.profile`, `rate` = the share of /v2 requests it affects):

| profile | what a faulted request gets |
|---|---|
| `5xx-burst` | a run of 2 to `max_burst` consecutive 500/502/503/504 answers |
| `timeout` | nothing for `hang_s` seconds (longer than the client waits), then the answer |
| `trickle` | the answer, its body sent in small pieces over `trickle_s` seconds |
| `reset` | the headers and part of the body, then a TCP reset |
| `drop` | the headers and part of the body, then the connection closed |
| `truncated-json` | 200 and a complete HTTP body that is only the first part of the JSON |
| `invalid-json` | 200 and a body that is not JSON (a proxy's HTML page, or trailing junk) |
| `error-shapes` | a 429 or 5xx whose body is in one of the published error shapes, in turn |
| `extra-fields` | the answer with fields the contract does not name, in envelope and records |
| `duplicates` | a listing with one of its records twice in the page |
| `mixed-timestamps` | timestamps spelt with `Z` or `+00:00`, with or without fractions |
| `bad-records` | nothing per request: `rate` of all records are served broken (`corruption.py`) |
| `chaos` | one of the kinds above, drawn evenly; and bad records, at a fifth of `rate` |

The body-changing kinds (`extra-fields`, `duplicates`, `mixed-timestamps`, bad records) answer
200 with data equal to the API's: a client must read through them, not retry.
"""

from __future__ import annotations

import random
import threading
from typing import Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.simulator.corruption import is_bad_record

FaultKind = Literal[
    "429",
    "500",
    "502",
    "503",
    "504",
    "drop",
    "reset",
    "timeout",
    "trickle",
    "truncated-json",
    "invalid-json",
    "error-shapes",
    "extra-fields",
    "duplicates",
    "mixed-timestamps",
]
FAULT_KINDS: Final[tuple[FaultKind, ...]] = get_args(FaultKind)

FaultProfile = Literal[
    "5xx-burst",
    "timeout",
    "trickle",
    "reset",
    "drop",
    "truncated-json",
    "invalid-json",
    "error-shapes",
    "extra-fields",
    "duplicates",
    "mixed-timestamps",
    "bad-records",
    "chaos",
]
FAULT_PROFILES: Final[tuple[FaultProfile, ...]] = get_args(FaultProfile)

# Kinds answered without asking the API, with this status (error-shapes draws its own).
STATUS_KINDS: Final[frozenset[FaultKind]] = frozenset({"429", "500", "502", "503", "504"})
SERVER_ERRORS: Final[tuple[FaultKind, ...]] = ("500", "502", "503", "504")
ERROR_SHAPE_STATUSES: Final = (429, 500, 502, 503, 504)
ERROR_SHAPES: Final = ("message", "error", "detail")
# Kinds that change a 200 answer's body and nothing else.
BODY_KINDS: Final[frozenset[FaultKind]] = frozenset(
    {"extra-fields", "duplicates", "mixed-timestamps"}
)

_Draw = FaultKind | Literal["5xx-burst"]
# What a profile draws from when a request is to misbehave; "5xx-burst" starts a burst.
_PROFILE_DRAWS: Final[dict[FaultProfile, tuple[_Draw, ...]]] = {
    "5xx-burst": ("5xx-burst",),
    "timeout": ("timeout",),
    "trickle": ("trickle",),
    "reset": ("reset",),
    "drop": ("drop",),
    "truncated-json": ("truncated-json",),
    "invalid-json": ("invalid-json",),
    "error-shapes": ("error-shapes",),
    "extra-fields": ("extra-fields",),
    "duplicates": ("duplicates",),
    "mixed-timestamps": ("mixed-timestamps",),
    "bad-records": (),
}
# Chaos mixes every way a request can misbehave (bad records are a property of the data and
# follow the rate on their own).
_PROFILE_DRAWS["chaos"] = tuple(draw for draws in _PROFILE_DRAWS.values() for draw in draws)
# Under chaos, bad records are rarer than request faults: each one stays bad on every sync.
CHAOS_BAD_RECORD_SHARE: Final = 0.2


class FaultSettings(BaseModel):
    """The random knobs; rates are probabilities per /v2 request, drawn from a seeded RNG."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency: float = Field(default=0.0, ge=0, description="Seconds added to every /v2 request.")
    rate_429: float = Field(default=0.0, ge=0, le=1)
    rate_503: float = Field(default=0.0, ge=0, le=1)
    rate_drop: float = Field(default=0.0, ge=0, le=1)
    retry_after: int = Field(default=1, ge=0, description="Retry-After seconds on a 429.")
    profile: FaultProfile | None = Field(default=None, description="A named way to misbehave.")
    rate: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Share of /v2 requests the profile affects (of records, for bad-records).",
    )
    hang_s: float = Field(
        default=35.0,
        ge=0,
        description="How long a `timeout` holds its answer: more than the client's timeout.",
    )
    trickle_s: float = Field(default=2.0, ge=0, description="How long a trickled body takes.")
    max_burst: int = Field(default=3, ge=2, description="Longest run of a 5xx burst.")

    @model_validator(mode="after")
    def _rates_fit(self) -> FaultSettings:
        if self.rate_429 + self.rate_503 + self.rate_drop > 1:
            raise ValueError("the fault rates must add up to at most 1")
        return self

    @property
    def bad_record_rate(self) -> float:
        """The share of records served corrupted."""
        if self.profile == "bad-records":
            return self.rate
        if self.profile == "chaos":
            return self.rate * CHAOS_BAD_RECORD_SHARE
        return 0.0


class ScriptedFault(BaseModel):
    """The next `count` requests whose path starts with `path_prefix` fail with `kind`.

    The prefix is read relative to the API base (`/confidence-scoring/jobs`), decoded; a
    leading `/v2` is accepted too. No prefix matches every /v2 request.
    """

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    count: int = Field(default=1, ge=1)
    path_prefix: str | None = None


API_PREFIX: Final = "/v2"


class FaultInjector:
    """Decides, per /v2 request, whether and how it fails. Safe to use from any thread."""

    def __init__(self, settings: FaultSettings | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._settings = settings or FaultSettings()
        self._seed = seed
        self._rng = random.Random(seed)
        self._script: list[ScriptedFault] = []
        self._burst_left = 0
        self._shapes_served = 0

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return self._settings

    @property
    def seed(self) -> int:
        return self._seed

    def configure(self, settings: FaultSettings | None = None, **changes: Any) -> FaultSettings:
        """Replace the settings, or change some of them: `configure(profile="chaos")`."""
        with self._lock:
            base = settings or self._settings
            self._settings = FaultSettings.model_validate({**base.model_dump(), **changes})
            return self._settings

    def script(self, kind: FaultKind, count: int = 1, path_prefix: str | None = None) -> None:
        """Make the next `count` matching requests fail with `kind`, before any random fault."""
        entry = ScriptedFault(kind=kind, count=count, path_prefix=path_prefix)
        with self._lock:
            self._script.append(entry)

    def scripted(self) -> list[ScriptedFault]:
        """The scripted faults not yet spent."""
        with self._lock:
            return [entry.model_copy() for entry in self._script]

    def clear(self) -> None:
        """No more faults: script, burst, rates, profile and latency all back to nothing."""
        with self._lock:
            self._script.clear()
            self._burst_left = 0
            self._settings = FaultSettings(retry_after=self._settings.retry_after)

    def is_bad_record(self, record_id: str) -> bool:
        """Whether the record with this id is served corrupted (the same answer every time)."""
        return is_bad_record(self._seed, self.settings.bad_record_rate, record_id)

    def draw(self, path: str) -> FaultKind | None:
        """The fault for a request to `path` (relative to the API base, decoded), if any."""
        with self._lock:
            for entry in self._script:
                if _prefix_matches(entry.path_prefix, path):
                    entry.count -= 1
                    if entry.count == 0:
                        self._script.remove(entry)
                    return entry.kind
            if self._burst_left:
                self._burst_left -= 1
                return self._rng.choice(SERVER_ERRORS)
            return self._draw_rates() or self._draw_profile()

    def error_shape(self) -> tuple[int, str]:
        """Status and body shape for an `error-shapes` fault: the shapes take turns."""
        with self._lock:
            shape = ERROR_SHAPES[self._shapes_served % len(ERROR_SHAPES)]
            self._shapes_served += 1
            return self._rng.choice(ERROR_SHAPE_STATUSES), shape

    def rng(self) -> random.Random:
        """A generator for one response's changes, seeded from this injector's."""
        with self._lock:
            return random.Random(self._rng.getrandbits(64))

    def _draw_rates(self) -> FaultKind | None:
        s = self._settings
        if not (s.rate_429 or s.rate_503 or s.rate_drop):
            return None
        rates: tuple[tuple[FaultKind, float], ...] = (
            ("429", s.rate_429),
            ("503", s.rate_503),
            ("drop", s.rate_drop),
        )
        roll = self._rng.random()
        for kind, rate in rates:
            if roll < rate:
                return kind
            roll -= rate
        return None

    def _draw_profile(self) -> FaultKind | None:
        s = self._settings
        draws = _PROFILE_DRAWS[s.profile] if s.profile else ()
        if not draws or self._rng.random() >= s.rate:
            return None
        kind = self._rng.choice(draws)
        if kind != "5xx-burst":
            return kind
        # A burst fails about `length` requests, so it starts that much less often: the share
        # of requests it fails stays near the profile's rate.
        length = self._rng.randint(2, s.max_burst)
        if self._rng.random() >= 1 / ((2 + s.max_burst) / 2):
            return None
        self._burst_left = length - 1
        return self._rng.choice(SERVER_ERRORS)


def _prefix_matches(prefix: str | None, path: str) -> bool:
    if prefix is None:
        return True
    if prefix == API_PREFIX or prefix.startswith(API_PREFIX + "/"):
        prefix = prefix[len(API_PREFIX) :]
    return path.startswith(prefix)
