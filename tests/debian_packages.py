"""Installing a Debian package a test needs, when the machine does not have it yet."""

from __future__ import annotations

import os
import subprocess

import pytest


def apt_install(package: str, needed_for: str) -> None:
    """`apt-get install` the package, or fail the test saying what apt answered."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    commands = (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", package],
    )
    for command in commands:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        if done.returncode != 0:
            pytest.fail(
                f"`{' '.join(command)}` failed (exit {done.returncode}); {needed_for}:\n"
                f"{(done.stdout + done.stderr)[-3000:]}"
            )
