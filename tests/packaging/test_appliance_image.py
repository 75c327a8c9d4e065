"""The appliance image for real (DESIGN.md 2, 10; issue 3 items 1-4, 7, 8): the wheelhouse
installs offline, the image starts on its embedded default and grades a submission,
supervisord restarts a killed program and stops the container when migrate fails, and a
worker-only container adds judging capacity against a shared PostgreSQL and Redis."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from tests.packaging import containers as c
from tests.packaging.containers import IMAGE, REPO, docker
from tests.programs import wait_for

DOCKER_SOCKET = "/var/run/docker.sock:/var/run/docker.sock"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module", autouse=True)
def images() -> None:
    c.build_images()


def test_the_wheelhouse_installs_offline_with_hashes_and_every_module_imports() -> None:
    result = subprocess.run(
        [str(REPO / "ops" / "offline-wheels" / "check.sh")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "wheelhouse OK" in result.stderr


def test_the_image_is_labelled_with_its_version_and_git_sha() -> None:
    labels = docker("image", "inspect", "-f", "{{json .Config.Labels}}", IMAGE).stdout
    assert '"org.opencontainers.image.version":"0.1.0"' in labels
    assert '"org.opencontainers.image.revision":"' in labels
    assert docker("image", "inspect", "arena/judge:0.1.0").returncode == 0


@pytest.fixture(scope="module")
def bundled() -> Iterator[tuple[str, int, float]]:
    """One appliance on its embedded default; yields (container, API port, seconds to ready)."""
    with (
        c.volume() as data,
        c.container(
            "-p",
            "127.0.0.1::8000",
            "-p",
            "127.0.0.1::8080",
            "-v",
            f"{data}:/var/lib/arena",
            "-v",
            DOCKER_SOCKET,
            IMAGE,
        ) as name,
    ):
        port = c.host_port(name)
        seconds = c.wait_ready(name, port, timeout_s=60)
        yield name, port, seconds


def test_the_bundled_appliance_is_ready_within_a_minute_and_grades_a_submission(
    bundled: tuple[str, int, float],
) -> None:
    name, port, seconds = bundled
    print(f"start to ready: {seconds:.1f} s")
    token = c.first_admin(name)
    c.import_sample_problem(name)
    submission = c.grade(port, token)
    assert submission["status"] == "SUCCESS", submission
    assert submission["score"] >= 30


def test_the_api_reports_the_images_version_and_git_sha(bundled: tuple[str, int, float]) -> None:
    _, port, _ = bundled
    revision = docker(
        "image",
        "inspect",
        "-f",
        '{{index .Config.Labels "org.opencontainers.image.revision"}}',
        IMAGE,
    ).stdout.strip()
    version = httpx.get(f"http://127.0.0.1:{port}/api/v1/version", timeout=10).json()
    assert (version["version"], version["git_sha"]) == ("0.1.0", revision)
    assert revision not in ("", "unknown")


def test_the_programs_run_as_their_own_users_and_only_the_worker_reaches_docker(
    bundled: tuple[str, int, float],
) -> None:
    name, _, _ = bundled
    programs = ("postgres", "redis", "api", "console", "scheduler", "worker:worker-00", "watchdog")

    def all_running() -> dict[str, str] | None:
        status = c.supervisor_status(name)
        return status if all(status.get(p) == "RUNNING" for p in programs) else None

    status = wait_for(all_running, 60, f"{', '.join(programs)} RUNNING")
    assert status["migrate"] == "EXITED"
    processes = c.execute(name, "ps", "-eo", "user:20=,args=").splitlines()

    def users_running(pattern: str) -> set[str]:
        return {line.split()[0] for line in processes if pattern in line}

    assert users_running(" -m appliance worker") == {"arena-worker"}
    assert users_running(" -m appliance api") == {"arena"}
    assert users_running(" -m ui") == {"arena"}
    assert users_running(" -m appliance scheduler") == {"arena"}
    assert users_running("postgres -D") == {"postgres"}
    assert users_running("redis-server ") == {"redis"}
    socket_group = c.execute(name, "stat", "-c", "%G", "/var/run/docker.sock").strip()
    assert socket_group in c.execute(name, "id", "-nG", "arena-worker").split()
    assert socket_group not in c.execute(name, "id", "-nG", "arena").split()
    for secret in ("postgres-password", "redis-password", "console-secret"):
        mode = c.execute(name, "stat", "-c", "%a %U", f"/var/lib/arena/secrets/{secret}")
        assert mode.split() == ["600", "root"]
    # Passwords, not trust: another local user gets nowhere without them.
    redis = docker("exec", "-u", "nobody", name, "redis-cli", "-p", "56379", "ping").stdout
    assert "NOAUTH" in redis
    psql = docker(
        "exec",
        "-u",
        "nobody",
        name,
        "psql",
        "-h",
        "127.0.0.1",
        "-p",
        "55432",
        "-U",
        "arena",
        "-w",
        "-c",
        "SELECT 1",
        "arena",
        check=False,
    )
    assert psql.returncode != 0 and "password" in psql.stderr


def test_the_logs_tag_each_line_with_its_program(bundled: tuple[str, int, float]) -> None:
    name, _, _ = bundled
    logs = docker("logs", name).stdout
    # (The console prints nothing when all is well: it is not in this list.)
    for program in ("postgres", "redis", "migrate", "api", "scheduler", "worker-00"):
        assert f"\n{program} | " in logs, program


def test_the_console_answers_on_its_port_and_sends_strangers_to_the_login(
    bundled: tuple[str, int, float],
) -> None:
    name, _, _ = bundled
    port = c.host_port(name, 8080)
    deadline = time.monotonic() + 30  # ready means the API; the console starts beside it
    while True:
        try:
            login = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "the console does not answer"
            time.sleep(0.5)
    assert login.status_code == 200
    assert "QA Arena" in login.text
    guarded = httpx.get(f"http://127.0.0.1:{port}/learn/attempts", timeout=5)
    assert guarded.status_code == 303
    assert guarded.headers["location"] == "/login?next=/learn/attempts"


def test_supervisord_restarts_a_killed_api(bundled: tuple[str, int, float]) -> None:
    name, port, _ = bundled
    before = c.execute(name, "supervisorctl", "pid", "api").strip()
    c.execute(name, "kill", "-KILL", before)
    deadline = time.monotonic() + 60
    while True:
        after = c.execute(name, "supervisorctl", "pid", "api").strip()
        # RUNNING once it stayed up for startsecs: the killed one's port was freed.
        running = c.supervisor_status(name)["api"] == "RUNNING"
        if after not in ("0", before) and running and c.readyz(port)[0] == 200:
            break
        assert time.monotonic() < deadline, c.supervisor_status(name)
        time.sleep(0.5)


def test_a_second_start_keeps_the_secrets_and_the_data(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with c.volume() as data:
        args = ("-p", "127.0.0.1::8000", "-v", f"{data}:/var/lib/arena", "-v", DOCKER_SOCKET, IMAGE)
        with c.container(*args) as name:
            c.wait_ready(name, c.host_port(name))
            secret = c.execute(name, "cat", "/var/lib/arena/secrets/postgres-password")
            console_secret = c.execute(name, "cat", "/var/lib/arena/secrets/console-secret")
            c.first_admin(name)
            # A hard kill leaves postmaster.pid and supervisord's pid and socket behind.
            docker("kill", name)
            docker("start", name)
            c.wait_ready(name, c.host_port(name))
            assert c.execute(name, "cat", "/var/lib/arena/secrets/postgres-password") == secret
            # The same console secret: the sessions of before the restart stay valid.
            assert c.execute(name, "cat", "/var/lib/arena/secrets/console-secret") == console_secret
            users = c.execute(
                name,
                "sh",
                "-c",
                'runuser -u postgres -- psql -h /var/lib/arena/run/postgres -p 55432 -U arena -XtAc "SELECT name FROM users" arena',
            )
            assert users.split() == ["admin"]


def test_a_failing_migration_stops_the_container(tmp_path_factory: pytest.TempPathFactory) -> None:
    broken = tmp_path_factory.mktemp("migrations") / "0999_broken.sql"
    broken.write_text("THIS IS NOT SQL;\n")
    broken.chmod(0o644)
    broken.parent.chmod(0o755)
    mount = f"{broken}:/opt/arena/app/migrations/0999_broken.sql:ro"
    with (
        c.volume() as data,
        c.container(
            "-v", f"{data}:/var/lib/arena", "-v", mount, "-v", DOCKER_SOCKET, IMAGE
        ) as name,
    ):
        start = time.monotonic()
        # A bound, not a measure: first boot (initdb) on a machine busy with other tests.
        exit_code = docker("wait", name, timeout=300).stdout.strip()
        print(f"container exited {exit_code} after {time.monotonic() - start:.1f} s")
        assert exit_code == "1"
        logs = docker("logs", name).stdout + docker("logs", name).stderr
        assert "migrate | " in logs and "0999_broken" in logs
        assert "watchdog: migrate entered PROCESS_STATE_EXITED" in logs


def test_the_worker_role_refuses_to_start_without_external_services() -> None:
    result = docker("run", "--rm", "-e", "ARENA_ROLE=worker", IMAGE, check=False)
    assert result.returncode != 0
    assert "set ARENA_DATABASE_URL and ARENA_REDIS_URL" in result.stderr


def test_a_worker_only_container_judges_for_an_appliance_sharing_its_services() -> None:
    with c.shared_services() as (database, cache, local_database, _):
        external = ("-e", f"ARENA_DATABASE_URL={database}", "-e", f"ARENA_REDIS_URL={cache}")
        common = ("-e", "ARENA_WORKERS=1", "-v", DOCKER_SOCKET, *external)
        with c.container("-p", "127.0.0.1::8000", *common, IMAGE) as main:
            port = c.host_port(main)
            c.wait_ready(main, port)
            assert "postgres" not in c.supervisor_status(main)
            # External services, and still a console with a secret of its own (it may still
            # be within supervisord's start seconds when the API is ready).
            wait_for(
                lambda: c.supervisor_status(main).get("console") == "RUNNING", 60, "the console"
            )
            mode = c.execute(main, "stat", "-c", "%a %U", "/var/lib/arena/secrets/console-secret")
            assert mode.split() == ["600", "root"]
            with c.container("-e", "ARENA_ROLE=worker", *common, IMAGE) as extra:
                deadline = time.monotonic() + 60
                while c.readyz(port)[1].get("workers") != 2:
                    assert time.monotonic() < deadline, c.readyz(port)
                    time.sleep(1)
                assert set(c.supervisor_status(extra)) == {"watchdog", "worker:worker-00"}
                token = c.first_admin(main)
                c.import_sample_problem(main)
                c.execute(main, "supervisorctl", "stop", "worker:*")
                submission = c.grade(port, token)
                assert submission["status"] == "SUCCESS", submission
                hostname = c.execute(extra, "hostname").strip()
                with psycopg.connect(local_database) as conn:
                    row = conn.execute(
                        "SELECT claimed_by FROM submissions WHERE id = %s", (submission["id"],)
                    ).fetchone()
                assert row is not None and row[0].startswith(f"{hostname}-"), row
