"""Running the appliance image for real: docker CLI calls, throwaway containers, volumes
and servers, always removed again, and HTTP to the published ports on 127.0.0.1 only."""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests import services

REPO = Path(__file__).resolve().parents[2]
IMAGE = "arena/appliance:latest"
TERMINAL = {"SUCCESS", "FAILURE", "ERROR"}
SAMPLE_PROBLEM = "leap-year"


def docker(
    *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: exit {result.returncode}\n{result.stderr}")
    return result


def build_images() -> None:
    """ops/build-images.sh: rebuilds only what changed (ops/dev.sh test ran it already)."""
    subprocess.run([str(REPO / "ops" / "build-images.sh")], check=True, timeout=1800)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@contextmanager
def volume() -> Iterator[str]:
    name = unique("arena-test-data")
    docker("volume", "create", name)
    try:
        yield name
    finally:
        docker("volume", "rm", "-f", name, check=False)


@contextmanager
def container(*args: str, name: str | None = None) -> Iterator[str]:
    """`docker run -d ARGS`; yields the container's name; removes it (and prints its logs
    when the test failed, through pytest's captured output) whatever happens."""
    name = name or unique("arena-test")
    try:
        docker("run", "-d", "--name", name, *args)
        yield name
    finally:
        logs = docker("logs", "--tail", "60", name, check=False)
        print(f"--- docker logs {name}\n{logs.stdout}{logs.stderr}")
        docker("rm", "-f", "-v", name, check=False)


def execute(name: str, *command: str, timeout: float = 300) -> str:
    result = docker("exec", name, *command, timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(command)}: {result.stdout}{result.stderr}"
    return result.stdout


def host_port(name: str, port: int = 8000) -> int:
    mapping = docker("port", name, f"{port}/tcp").stdout.split()[0]
    return int(mapping.rsplit(":", 1)[1])


def readyz(port: int) -> tuple[int, dict[str, Any]]:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        return response.status_code, response.json()
    except (httpx.HTTPError, ValueError):
        return 0, {}


def wait_ready(name: str, port: int, timeout_s: float = 60) -> float:
    """Seconds until /readyz answered 200; fails early when the container stopped."""
    start = time.monotonic()
    while True:
        code, body = readyz(port)
        if code == 200:
            return time.monotonic() - start
        state = docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip()
        assert state == "true", f"{name} stopped before it was ready"
        assert time.monotonic() - start < timeout_s, f"not ready after {timeout_s} s: {body}"
        time.sleep(0.5)


def first_admin(name: str) -> str:
    return execute(
        name, "python", "-m", "appliance", "users", "create", "admin", "--role", "admin"
    ).strip()


def import_sample_problem(name: str) -> None:
    """One catalog problem rather than all of them: a minute less per test."""
    execute(
        name,
        "sh",
        "-c",
        f"rm -rf /tmp/one && mkdir /tmp/one && cp -r catalog/{SAMPLE_PROBLEM} /tmp/one/",
    )
    execute(name, "python", "-m", "appliance", "catalog", "import", "/tmp/one")


def grade(port: int, token: str, timeout_s: float = 300) -> dict[str, Any]:
    """Posts the sample problem's reference suite and polls it to a terminal status."""
    api = f"http://127.0.0.1:{port}/api/v1/submissions"
    headers = {"Authorization": f"Bearer {token}"}
    code = (REPO / "catalog" / SAMPLE_PROBLEM / "reference_test.py").read_text()
    response = httpx.post(
        api, json={"problem": SAMPLE_PROBLEM, "code": code}, headers=headers, timeout=30
    )
    assert response.status_code == 202, response.text
    submission = response.json()
    deadline = time.monotonic() + timeout_s
    while submission["status"] not in TERMINAL:
        assert time.monotonic() < deadline, f"not judged within {timeout_s} s: {submission}"
        time.sleep(1)
        submission = httpx.get(f"{api}/{submission['id']}", headers=headers, timeout=30).json()
    return dict(submission)


def supervisor_status(name: str) -> dict[str, str]:
    result = docker("exec", name, "supervisorctl", "status", check=False)
    return {line.split()[0]: line.split()[1] for line in result.stdout.splitlines() if line.strip()}


def bridge_gateway() -> tuple[str, str]:
    """The default bridge's gateway address (this host, seen from containers) and subnet."""
    config = json.loads(docker("network", "inspect", "bridge").stdout)[0]["IPAM"]["Config"][0]
    # Docker leaves Gateway out when it is the subnet's first address.
    gateway = config.get("Gateway") or str(ipaddress.ip_network(config["Subnet"])[1])
    return gateway, config["Subnet"]


@contextmanager
def shared_services() -> Iterator[tuple[str, str, str, str]]:
    """PostgreSQL and Redis on this host, reachable from containers through the bridge's
    gateway address; yields (database URL for containers, Redis URL for containers,
    database URL for this process, Redis URL for this process)."""
    gateway, subnet = bridge_gateway()
    with services.postgres(listen=f"127.0.0.1,{gateway}", trust=subnet) as admin_url:
        port = int(admin_url.rsplit(":", 1)[1].split("/")[0])
        base = Path(tempfile.mkdtemp(prefix="arena-redis-"))
        try:
            with services.redis_server(base, bind=f"127.0.0.1 {gateway}") as redis_url:
                redis_port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
                yield (
                    f"postgresql://arena@{gateway}:{port}/postgres",
                    f"redis://{gateway}:{redis_port}/0",
                    admin_url,
                    redis_url,
                )
        finally:
            shutil.rmtree(base, ignore_errors=True)
