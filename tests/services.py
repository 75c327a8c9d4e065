"""Throwaway PostgreSQL and Redis servers for the test session: real servers on free
loopback ports, data in a temporary folder, gone when the session ends."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the postgres user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _wait_for_port(port: int, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout_s} s")


@contextmanager
def postgres(listen: str = "127.0.0.1", trust: str | None = None) -> Iterator[str]:
    """A PostgreSQL server; yields the URL of its `postgres` database as superuser `arena`
    on 127.0.0.1. `listen` adds addresses to listen on, `trust` a network (CIDR) whose
    clients need no password, e.g. containers on a Docker bridge.

    Its folder sits directly under the system temp dir: as root the server runs as the
    postgres user, who cannot enter pytest's private temp folders."""
    base = Path(tempfile.mkdtemp(prefix="arena-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
    try:
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "arena",
                    "--auth=trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        if trust is not None:
            with open(data / "pg_hba.conf", "a") as hba:
                hba.write(f"host all all {trust} trust\n")
        port = free_port()
        with open(base / "server.log", "wb") as log:
            server = subprocess.Popen(
                _as_postgres(
                    [
                        str(PG_BIN / "postgres"),
                        "-D",
                        str(data),
                        "-p",
                        str(port),
                        "-k",
                        str(base),
                        "-c",
                        f"listen_addresses={listen}",
                        "-c",
                        "fsync=off",
                        "-c",
                        "synchronous_commit=off",
                        "-c",
                        "full_page_writes=off",
                        "-c",
                        "max_connections=200",
                    ]
                ),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        try:
            _wait_for_port(port, 30, "PostgreSQL")
            yield f"postgresql://arena@127.0.0.1:{port}/postgres"
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def redis_server(base: Path, bind: str = "127.0.0.1") -> Iterator[str]:
    port = free_port()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            *bind.split(),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(base),
            # Clients beyond loopback (containers) are trusted only when asked for by bind.
            "--protected-mode",
            "yes" if bind == "127.0.0.1" else "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, 15, "Redis")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=15)
