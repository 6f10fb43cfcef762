"""Turning a failed sync's error into one line: what went wrong, and what to do about it."""

from __future__ import annotations

import re

from pipeline.resources import ENV_API_KEY, ENV_BASE_URL, ENV_WAREHOUSE

# (pattern on "ClassName: message", the line to print); the first match wins. Each line names
# the cause and the remedy; the README's troubleshooting section lists them all.
_EXPLANATIONS: tuple[tuple[str, str], ...] = (
    (
        r"^ApiStatusError: .* HTTP 40[13]\b",
        f"the API rejected the key ({{detail}}). Check {ENV_API_KEY}.",
    ),
    (
        r"^ApiStatusError: GET \S*/agents answered HTTP 404",
        f"no Meibel API at {ENV_BASE_URL} ({{detail}}). Check that it ends in /v2.",
    ),
    (
        r"^ApiStatusError: .* HTTP 404",
        "the API does not know what was asked ({detail}); an agent may have been deleted "
        "while syncing. Run the sync again.",
    ),
    (
        r"^RetryableStatusError: ",
        "the API kept failing after every retry ({detail}). Try again later; --verbose shows "
        "each attempt.",
    ),
    (
        r"^(ConnectError|ConnectTimeout|ReadTimeout|RemoteProtocolError|ReadError)",
        f"cannot reach the API at {ENV_BASE_URL} ({{detail}}). Check the URL and the network.",
    ),
    (
        r"^InvalidResponseError: ",
        "the API answered something that is not the documented JSON ({detail}). "
        "Run again; if it persists, the API has changed.",
    ),
    (
        r"^(RateLimitExhausted|RequestBudgetExhausted): ",
        "the API quota or the request budget ran out before any agent was read ({detail}). "
        "Run again after the limit resets, or raise --max-requests.",
    ),
    (r"^WarehouseLockedError: ", "{detail}"),
    (
        r"Could not set lock on file",
        f"the warehouse file is open in another program ({{detail}}). Close it, or set "
        f"{ENV_WAREHOUSE} to another file.",
    ),
    (
        r"No space left on device",
        f"the disk holding the warehouse is full. Free space, or set {ENV_WAREHOUSE} to a "
        "file on another disk.",
    ),
    (
        r"^(PermissionError|FileExistsError|NotADirectoryError|IsADirectoryError): "
        r"|Permission denied|Read-only file system|cannot open file",
        f"cannot write the warehouse ({{detail}}). Set {ENV_WAREHOUSE} to a writable path.",
    ),
)


def explain(failure: str) -> str:
    """`failure` is "ClassName: message" as the sync's run reported it."""
    detail = failure.split(": ", 1)[-1]
    for pattern, line in _EXPLANATIONS:
        if re.search(pattern, failure):
            return line.format(detail=detail)
    return f"{failure}. Run with --verbose for the details."
