"""When and how long to retry a request: 429, 5xx, timeouts, broken connections and bodies."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
import tenacity

from pipeline.api.errors import InvalidResponseError, RetryableStatusError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    deadline_s: float = 120.0
    backoff_initial_s: float = 0.25
    backoff_max_s: float = 20.0


def is_retryable(error: BaseException) -> bool:
    # TransportError covers timeouts, refused, reset and dropped connections, and bodies cut
    # short; InvalidResponseError a body that arrived whole but is not the promised JSON.
    return isinstance(error, RetryableStatusError | InvalidResponseError | httpx.TransportError)


class _WaitRetryAfter(tenacity.wait.wait_base):
    """Honour the server's Retry-After; otherwise back off exponentially with full jitter."""

    def __init__(self, fallback: tenacity.wait.wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, RetryableStatusError) and error.retry_after is not None:
            return error.retry_after
        return float(self.fallback(retry_state))


def _log_retry(retry_state: tenacity.RetryCallState) -> None:
    outcome = retry_state.outcome
    error = outcome.exception() if outcome is not None else None
    wait = retry_state.next_action.sleep if retry_state.next_action else 0.0
    log.warning(
        "attempt %d failed (%s); retrying in %.2fs",
        retry_state.attempt_number,
        describe(error),
        wait,
    )


def describe(error: BaseException | None) -> str:
    if isinstance(error, httpx.TransportError):
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return str(error)


def retrying(policy: RetryPolicy) -> tenacity.AsyncRetrying:
    return tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception(is_retryable),
        wait=_WaitRetryAfter(
            tenacity.wait_random_exponential(
                multiplier=policy.backoff_initial_s, max=policy.backoff_max_s
            )
        ),
        stop=tenacity.stop_after_attempt(policy.max_attempts)
        | tenacity.stop_before_delay(policy.deadline_s),
        before_sleep=_log_retry,
        reraise=True,
    )
