"""Running the judge runner in a Docker sandbox (DESIGN.md 4.1). Only workers call this."""

from __future__ import annotations

import contextlib
import logging
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import docker
import docker.errors
import requests.exceptions
from docker.types import LogConfig, Ulimit

from appliance.errors import InfrastructureError
from appliance.judging.request import JudgeRequest
from appliance.settings import Settings

log = logging.getLogger(__name__)
SANDBOX_LABEL = "arena.sandbox"
WORKER_LABEL = "arena.worker"
# The appliance (its database's appliance_instance id) a sandbox belongs to.
INSTANCE_LABEL = "arena.instance"
FILE_SIZE_LIMIT = 16 * 1024 * 1024
# The runner prints one report line; more than this means something is badly wrong.
REPORT_LIMIT_BYTES = 32 * 1024 * 1024
# What docker-py raises when the daemon fails, and when it is not there at all (restarted,
# stopped): requests' errors are no DockerException.
DOCKER_ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException)


@dataclass(frozen=True)
class SandboxRun:
    container_id: str
    stdout: bytes


@dataclass
class Sandbox:
    """A started sandbox container whose runner waits for its request on stdin. Its Python
    and pytest load while it waits, so a worker keeps one ready for its next submission.
    Each one judges exactly one request and is then removed."""

    container_id: str
    attached: Any  # the hijacked attach connection; its socket is the container's stdin

    @property
    def stdin(self) -> socket.socket:
        return self.attached._sock  # type: ignore[no-any-return]

    def close_stdin(self) -> None:
        """Close both the socket and its wrapper (which forgets the socket); idempotent."""
        raw = getattr(self.attached, "_sock", None)
        with contextlib.suppress(OSError):
            if raw is not None:
                raw.close()
            self.attached.close()


@dataclass
class Sandboxes:
    """Where one worker gets its sandboxes. It keeps one started ahead for the next
    submission (`refill`), so container start-up and `import pytest` are off that
    submission's path; `take` hands it out, or starts a new one when there is none."""

    client: docker.DockerClient
    settings: Settings
    labels: dict[str, str]
    ready: Sandbox | None = None

    def take(self) -> Sandbox:
        """A started sandbox for one request (InfrastructureError when none can start)."""
        box, self.ready = self.ready, None
        if box is not None and is_running(self.client, box):
            return box
        if box is not None:
            discard(self.client, box)
        return start(self.client, self.settings, self.labels)

    def refill(self) -> None:
        """Start the sandbox for the next request now. Best effort: without it, the next
        request starts its own."""
        if self.ready is not None:
            return
        try:
            self.ready = start(self.client, self.settings, self.labels)
        except InfrastructureError as exc:
            log.warning("no sandbox prepared for the next submission: %s", exc.detail)

    def close(self) -> None:
        if self.ready is not None:
            discard(self.client, self.ready)
            self.ready = None


def docker_client(timeout_s: float = 30.0) -> docker.DockerClient:
    try:
        return docker.from_env(timeout=int(timeout_s))
    except docker.errors.DockerException as exc:
        raise InfrastructureError(f"Docker is not reachable: {exc}") from exc


def _scratch_options(settings: Settings) -> str:
    """The sandbox's writable places (/tmp, and /dev/shm for POSIX shared memory), capped in
    size and in inodes: what a run leaves is wiped before the next, within bounds."""
    size, inodes = settings.judge_tmpfs_mb, settings.judge_tmpfs_inodes
    return f"rw,nosuid,nodev,size={size}m,nr_inodes={inodes},mode=1777"


def host_config(client: docker.DockerClient, settings: Settings) -> dict[str, object]:
    memory = f"{settings.judge_memory_mb}m"
    return client.api.create_host_config(
        network_mode="none",
        read_only=True,
        tmpfs={
            "/tmp": _scratch_options(settings),  # noqa: S108 - inside the sandbox
            "/dev/shm": _scratch_options(settings) + ",noexec",  # noqa: S108 - likewise
        },
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        pids_limit=settings.judge_pids_limit,
        mem_limit=memory,
        memswap_limit=memory,
        nano_cpus=int(settings.judge_cpus * 1e9),
        ulimits=[
            Ulimit(name="nofile", soft=256, hard=256),
            Ulimit(name="fsize", soft=FILE_SIZE_LIMIT, hard=FILE_SIZE_LIMIT),
        ],
        log_config=LogConfig(type="json-file", config={"max-size": "40m"}),
        runtime=settings.judge_runtime,
        ipc_mode="private",
    )


def start(client: docker.DockerClient, settings: Settings, labels: dict[str, str]) -> Sandbox:
    """Create and start a sandbox, attached to its stdin."""
    container_id = _create(client, settings, labels)
    try:
        attached = client.api.attach_socket(container_id, params={"stdin": 1, "stream": 1})
        client.api.start(container_id)
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        remove(client, container_id)
        raise InfrastructureError(f"cannot start a sandbox: {exc}") from exc
    return Sandbox(container_id, attached)


def is_running(client: docker.DockerClient, box: Sandbox) -> bool:
    try:
        return bool(client.api.inspect_container(box.container_id)["State"]["Running"])
    except DOCKER_ERRORS:  # the daemon restarted: the warm sandbox is gone with it
        return False


def ended_before(client: docker.DockerClient, container: dict[str, object], age_s: float) -> bool:
    """Whether a sandbox container stopped (or was created and never started) more than
    `age_s` ago: no worker reads it any more, its removal failed while Docker was away."""
    now = datetime.now(UTC)
    if container.get("State") == "created":
        return now.timestamp() - float(container["Created"]) > age_s  # type: ignore[arg-type]
    if container.get("State") not in ("exited", "dead"):
        return False
    try:
        finished = client.api.inspect_container(str(container["Id"]))["State"]["FinishedAt"]
    except DOCKER_ERRORS:
        return False
    return (now - datetime.fromisoformat(finished)).total_seconds() > age_s


def run(client: docker.DockerClient, box: Sandbox, request: JudgeRequest) -> SandboxRun:
    """Feed the request to a started sandbox, wait, return its stdout.

    The container is always removed, whatever happens."""
    try:
        _send(box, request.encode())
        _wait(client, box.container_id, request.budget_seconds())
        stdout = client.api.logs(box.container_id, stdout=True, stderr=False)
    except (docker.errors.DockerException, OSError) as exc:
        raise InfrastructureError(f"sandbox failed: {exc}") from exc
    finally:
        discard(client, box)
    if len(stdout) > REPORT_LIMIT_BYTES:
        raise InfrastructureError("the judge runner printed more than a report")
    return SandboxRun(box.container_id, stdout)


def _create(client: docker.DockerClient, settings: Settings, labels: dict[str, str]) -> str:
    try:
        created = client.api.create_container(
            settings.judge_image,
            stdin_open=True,  # with detach=False this sets StdinOnce: EOF when we close
            detach=False,
            environment={},
            hostname="sandbox",
            labels={SANDBOX_LABEL: "1", **labels},
            host_config=host_config(client, settings),
            network_disabled=True,
        )
    except docker.errors.ImageNotFound as exc:
        raise InfrastructureError(f"judge image {settings.judge_image} is missing") from exc
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise InfrastructureError(f"cannot create a sandbox: {exc}") from exc
    return str(created["Id"])


def _send(box: Sandbox, payload: bytes) -> None:
    try:
        box.stdin.sendall(payload)
        box.stdin.shutdown(socket.SHUT_WR)
    finally:
        box.close_stdin()


def _wait(client: docker.DockerClient, container_id: str, budget_s: float) -> None:
    """Until the container exits; its report, or the lack of one, says how it went."""
    try:
        client.api.wait(container_id, timeout=int(budget_s))
    except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as exc:
        raise InfrastructureError(
            f"the sandbox exceeded its {budget_s:.0f} s budget and was killed"
        ) from exc


def discard(client: docker.DockerClient, box: Sandbox) -> None:
    box.close_stdin()
    remove(client, box.container_id)


def remove(client: docker.DockerClient, container_id: str) -> None:
    """Remove a container; if Docker fails now, the reaper removes it later by its label."""
    with contextlib.suppress(docker.errors.DockerException, requests.exceptions.RequestException):
        client.api.remove_container(container_id, force=True)


def sandbox_containers(
    client: docker.DockerClient, instance: str, *labels: str
) -> list[dict[str, object]]:
    """This appliance's sandbox containers (with every `labels` "key=value" too), never
    another appliance's on the same Docker engine."""
    wanted = [SANDBOX_LABEL, f"{INSTANCE_LABEL}={instance}", *labels]
    return list(client.api.containers(all=True, filters={"label": wanted}))


def unclaimed_sandbox_containers(client: docker.DockerClient) -> list[dict[str, object]]:
    """Sandbox containers without an appliance's id: left by a version from before the
    label (migration 0015), which no appliance's reaper would otherwise remove."""
    found = client.api.containers(all=True, filters={"label": SANDBOX_LABEL})
    return [c for c in found if INSTANCE_LABEL not in (c.get("Labels") or {})]


def image_id(client: docker.DockerClient, image: str) -> str | None:
    try:
        return str(client.api.inspect_image(image)["Id"])  # type: ignore[no-untyped-call]
    except DOCKER_ERRORS:
        return None
