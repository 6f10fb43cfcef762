"""Debian's Chromium (installed here when missing), and one real sync for the report tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.sync_env import SyncEnv
from tests.marts.synced import synced_warehouse

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = (
    ["apt-get", "update"],
    ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
)
# Screenshots the tests kept, listed at the end of the run for a person to look at.
SCREENSHOTS: list[Path] = []


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's `chromium` package, installed with apt when it is missing (CI runs as root).

    Never skipped: a report test that cannot run in a real browser fails, saying why.
    """
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0:
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in INSTALL:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        if done.returncode != 0:
            pytest.fail(
                f"`{' '.join(command)}` failed (exit {done.returncode}); Chromium is needed "
                f"for the report test:\n{(done.stdout + done.stderr)[-3000:]}"
            )
    if not CHROMIUM.exists():
        pytest.fail(f"apt-get installed chromium, but {CHROMIUM} is still missing")
    return CHROMIUM


@pytest.fixture(scope="package")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncEnv]:
    with synced_warehouse(tmp_path_factory.mktemp("reporting")) as env:
        yield env


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for path in SCREENSHOTS:
        terminalreporter.write_line(f"report screenshot: {path}")
