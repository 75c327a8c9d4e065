"""Throwaway PostgreSQL and Redis servers for the test session: real servers on free
loopback ports, data in a temporary folder, gone when the session ends. Tests may restart
them in place, and restart the host's Docker daemon."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

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


class _PostgresServer:
    """One running PostgreSQL server, which a test may restart in place (same port, same
    data directory)."""

    def __init__(self, command: list[str], data: Path, log: Path, port: int) -> None:
        self.command, self.data, self.log, self.port = command, data, log, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=log)
        _wait_for_port(self.port, 30, "PostgreSQL")
        self._wait_for_sessions(30)

    def _wait_for_sessions(self, timeout_s: float) -> None:
        """Listening is not accepting: a server starting up refuses sessions a moment."""
        url = f"postgresql://arena@127.0.0.1:{self.port}/postgres"
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                psycopg.connect(url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        """A fast shutdown (SIGINT): every session ends at once. The signal goes to the
        postmaster itself, not to runuser (when root) in front of it."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self._postmaster_pid(), signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(self._postmaster_pid(), signal.SIGQUIT)  # immediate shutdown
            self.process.wait(timeout=30)

    def _postmaster_pid(self) -> int:
        assert self.process is not None
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


_postgres_servers: dict[str, _PostgresServer] = {}


def restart_postgres(admin_url: str) -> None:
    """Restart the server of `postgres()` that yielded `admin_url`, as an operator would
    (fast shutdown, then start on the same port and data): every session ends. The server
    is started again even if the shutdown fails."""
    server = _postgres_servers[admin_url]
    try:
        server.stop()
    finally:
        server.start()


def ensure_postgres(admin_url: str) -> None:
    """Start the server of `admin_url` again if it is not running (a test's safety net)."""
    server = _postgres_servers[admin_url]
    if not server.running():
        server.start()


@contextmanager
def database_refusing(admin_url: str, database_url: str) -> Iterator[None]:
    """For the block, the database of `database_url` refuses new connections and its open
    sessions are ended, as when PostgreSQL goes away; the server and the other tests'
    databases are untouched."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            yield
        finally:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")


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
        command = _as_postgres(
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
        )
        url = f"postgresql://arena@127.0.0.1:{port}/postgres"
        server = _PostgresServer(command, data, base / "server.log", port)
        _postgres_servers[url] = server
        try:
            server.start()
            yield url
        finally:
            del _postgres_servers[url]
            server.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


class _RedisServer:
    """One running Redis server that saves nothing, which a test may restart in place (same
    port): what it held is gone, as when an operator restarts a Redis without persistence."""

    def __init__(self, command: list[str], port: int) -> None:
        self.command, self.port = command, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_for_port(self.port, 15, "Redis")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


_redis_servers: dict[str, _RedisServer] = {}


def restart_redis(url: str, down_s: float = 0.0) -> None:
    """Restart the server of `redis_server()` that yielded `url` (stop, `down_s` seconds
    without it, then start on the same port): every connection ends, every key is lost."""
    server = _redis_servers[url]
    try:
        server.stop()
        time.sleep(down_s)
    finally:
        server.start()


def ensure_redis(url: str) -> None:
    """Start the server of `url` again if it is not running (a test's safety net)."""
    server = _redis_servers[url]
    if not server.running():
        server.start()


@contextmanager
def redis_server(base: Path, bind: str = "127.0.0.1") -> Iterator[str]:
    port = free_port()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    command = [
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
    ]
    url = f"redis://127.0.0.1:{port}/0"
    server = _RedisServer(command, port)
    _redis_servers[url] = server
    try:
        server.start()
        yield url
    finally:
        del _redis_servers[url]
        server.stop()


# -- the Docker daemon -------------------------------------------------------------------

DOCKERD_PID_FILE = Path("/var/run/docker.pid")
_OPS_LIB = Path(__file__).resolve().parent.parent / "ops" / "lib.sh"


def restart_docker(down_s: float = 0.0) -> None:
    """Restart the host's Docker daemon as an operator would: SIGTERM (it stops its
    containers and exits), `down_s` seconds without it, then start it as ops/lib.sh does and
    wait until `docker info` answers. Images persist; the containers that ran are stopped.
    Every Docker user on the host sees the daemon go away meanwhile."""
    pid = int(DOCKERD_PID_FILE.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
        _wait_for_exit(pid, 90, "dockerd")
        time.sleep(down_s)
    finally:
        ensure_docker()


def ensure_docker() -> None:
    """Start the Docker daemon if none answers (ops/lib.sh `ensure_dockerd`), and wait."""
    done = subprocess.run(
        ["bash", "-c", 'source "$0" && ensure_dockerd', str(_OPS_LIB)],
        capture_output=True,
        text=True,
        timeout=150,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the Docker daemon did not start again: {done.stderr}")


def _wait_for_exit(pid: int, timeout_s: float, what: str) -> None:
    """Until process `pid` has ended (a zombie counts: nobody may reap it in a container)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} (pid {pid}) did not exit within {timeout_s} s")
