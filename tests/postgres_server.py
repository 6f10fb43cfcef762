"""A real PostgreSQL server on loopback for the session, from Debian's `postgresql` package.

The package is installed with apt when missing (CI runs as root). Never skipped: without a
server the storage tests fail, saying why.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from filelock import FileLock
from psycopg2 import sql

from tests.debian_packages import apt_install

PG_ROOT = Path("/usr/lib/postgresql")
# The operator's instance profile (deploy/README.md), storage in PostgreSQL.
PROFILE = Path(__file__).resolve().parents[1] / "deploy" / "dagster-postgres.yaml"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str

    def connect(self, database: str = "postgres") -> Any:
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=database,
            connect_timeout=5,
        )

    def create_database(self, name: str) -> None:
        connection = self.connect()
        try:
            # CREATE DATABASE refuses to run inside a transaction.
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        finally:
            connection.close()


@pytest.fixture(scope="session")
def postgres_bin() -> Path:
    """The newest installed server's bin folder, after installing Debian's package if needed."""
    found = _bin_dir()
    if found is not None:
        return found
    if os.geteuid() != 0:
        pytest.fail(f"no PostgreSQL server under {PG_ROOT}: install Debian's postgresql (as root)")
    # Test workers run in parallel: one installs while the others wait for it, not for dpkg.
    with FileLock(Path(tempfile.gettempdir()) / "meibel-postgresql-install.lock"):
        if _bin_dir() is None:
            apt_install("postgresql", "a PostgreSQL server is needed for the Dagster storage tests")
    found = _bin_dir()
    if found is None:
        pytest.fail(f"apt-get installed postgresql, but no initdb is under {PG_ROOT}/*/bin")
    return found


@pytest.fixture(scope="session")
def postgres(postgres_bin: Path) -> Iterator[PostgresServer]:
    """A throwaway cluster on 127.0.0.1, one per test worker, stopped and deleted at the end."""
    # Not under pytest's tmp folder: that is private to root, and the server may not run as root.
    base = Path(tempfile.mkdtemp(prefix="meibel-pg-"))
    owner = _unprivileged_owner()
    server = PostgresServer("127.0.0.1", _free_port(), "meibel_test", secrets.token_hex(12))
    log_path = base / "postgres.log"
    try:
        sockets = base / "sockets"
        sockets.mkdir()
        password_file = base / "password"
        password_file.write_text(server.password)
        if owner is not None:
            for path in (base, sockets, password_file):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        _run_as(
            owner,
            [
                str(postgres_bin / "initdb"),
                "--pgdata",
                str(base / "data"),
                "--username",
                server.user,
                f"--pwfile={password_file}",
                # Password authentication, so the tests prove the password setting is read.
                "--auth=scram-sha-256",
                "--no-locale",
                "--encoding=UTF8",
                # A throwaway cluster: durability costs time and buys nothing here.
                "--no-sync",
            ],
        )
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    str(postgres_bin / "postgres"),
                    "-D",
                    str(base / "data"),
                    "-h",
                    server.host,
                    "-p",
                    str(server.port),
                    "-k",
                    str(sockets),
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                **_user_kwargs(owner),
            )
        try:
            _wait_until_ready(server, process, log_path)
            yield server
        finally:
            # SIGINT is PostgreSQL's fast shutdown: clients are cut off, no waiting for them.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def dagster_home(postgres: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME holding the operator's profile, on a database of its own."""
    database = f"dagster_{uuid.uuid4().hex[:12]}"
    postgres.create_database(database)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROFILE, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_HOST", postgres.host)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(postgres.port))
    monkeypatch.setenv("DAGSTER_PG_USER", postgres.user)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", postgres.password)
    monkeypatch.setenv("DAGSTER_PG_DB", database)
    return home


def _bin_dir() -> Path | None:
    candidates = [path.parent for path in PG_ROOT.glob("*/bin/initdb")]
    if not candidates:
        return None

    def major(bin_dir: Path) -> int:
        version = bin_dir.parent.name
        return int(version) if version.isdigit() else 0

    return max(candidates, key=major)


def _unprivileged_owner() -> pwd.struct_passwd | None:
    """Who runs the server: initdb and postgres refuse to run as root."""
    if os.geteuid() != 0:
        return None
    try:
        # Debian's package creates this system user.
        return pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root, and there is no `postgres` user to run the server as")


def _user_kwargs(owner: pwd.struct_passwd | None) -> dict[str, Any]:
    if owner is None:
        return {}
    return {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}


def _run_as(owner: pwd.struct_passwd | None, command: list[str]) -> None:
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        # The server's user may not be able to enter the repository's folder.
        cwd=tempfile.gettempdir(),
        **_user_kwargs(owner),
    )
    if done.returncode != 0:
        pytest.fail(f"`{command[0]}` failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(
    server: PostgresServer, process: subprocess.Popen[bytes], log_path: Path
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            server.connect().close()
            return
        except psycopg2.OperationalError as error:
            last_error = str(error).strip()
        try:
            # Paces the retries and notices at once a server that stopped.
            exit_code = process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            exit_code = None
        if exit_code is not None:
            pytest.fail(f"postgres exited ({exit_code}):\n{log_path.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(
                f"postgres did not accept connections within {READY_TIMEOUT_S:.0f}s "
                f"({last_error}):\n{log_path.read_text()[-3000:]}"
            )
