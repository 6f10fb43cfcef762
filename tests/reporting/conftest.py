"""Debian's Chromium (installed here when missing), and the session's one real sync."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from tests.debian_packages import apt_install
from tests.e2e.sync_env import SyncEnv
from tests.marts.synced import environment, shared_sync
from tests.reporting.cdp import SCREENSHOTS

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's `chromium` package, installed with apt when it is missing (CI runs as root).

    Never skipped: a report test that cannot run in a real browser fails, saying why.
    """
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0:
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (as root)")
    # Test workers run in parallel: one installs while the others wait for it, not for dpkg.
    with FileLock(Path(tempfile.gettempdir()) / "meibel-chromium-install.lock"):
        if not CHROMIUM.exists():
            apt_install("chromium", "Chromium is needed for the report test")
    if not CHROMIUM.exists():
        pytest.fail(f"apt-get installed chromium, but {CHROMIUM} is still missing")
    return CHROMIUM


@pytest.fixture
def synced(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SyncEnv]:
    env = shared_sync(request, tmp_path_factory)
    with environment(env):
        yield env


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for path in SCREENSHOTS:  # kept by the tests, listed for a person to look at
        terminalreporter.write_line(f"report screenshot: {path}")
