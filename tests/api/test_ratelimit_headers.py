"""Turning the server's Reset (an epoch second on its clock) into a wait on ours."""

from __future__ import annotations

import time
from email.utils import formatdate

import httpx
import pytest

from pipeline.api.ratelimit_headers import seconds_until


def answered_at(server_now: float | None) -> httpx.Response:
    headers = {} if server_now is None else {"Date": formatdate(server_now, usegmt=True)}
    return httpx.Response(200, headers=headers)


@pytest.mark.parametrize("date_offset_s", [None, -0.9, -3.0, -45.0])
def test_a_date_behind_ours_is_taken_for_a_stale_header_not_the_servers_clock(
    date_offset_s: float | None,
) -> None:
    """A busy server's Date lags; waiting by it would overshoot the window by the lag."""
    now = time.time()
    response = answered_at(None if date_offset_s is None else now + date_offset_s)
    assert seconds_until(now + 10, response) == pytest.approx(10, abs=0.5)


def test_a_server_clock_ahead_of_ours_is_followed() -> None:
    """Waiting by our clock would come back before the server's window has moved."""
    server_now = time.time() + 120
    wait = seconds_until(server_now + 10, answered_at(server_now))
    # Date is truncated to the second: the wait may be up to a second longer, never shorter.
    assert 10 <= wait <= 11.5
