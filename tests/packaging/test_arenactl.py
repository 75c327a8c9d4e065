"""The operator's path for real: `arenactl bundle`, then `install` from the bundle alone (with
pip unable to reach any index, and proven unused), grading, backup, data loss and restore,
an upgrade with a new migration and an upgrade that fails and rolls back by itself.

Slow (images are saved, loaded and started for real). Everything runs under a temporary
--dir with its own Compose project, free ports and `uninstall --purge` at the end."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
APPLIANCE_LATEST = "arena/appliance:latest"
PROBLEM = "leap-year"
TERMINAL = {"SUCCESS", "FAILURE", "ERROR"}

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3000)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def docker(*args: str, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=check, timeout=600, **kwargs
    )


@dataclass
class Install:
    dir: Path
    arenactl: Path
    bundle: Path
    env: dict[str, str]
    api: str

    def ctl(
        self, *args: str, check: bool = True, timeout: float = 1200
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.arenactl), *args, "--dir", str(self.dir)],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            pytest.fail(
                f"arenactl {' '.join(args)} exited {done.returncode}:\n{done.stderr[-4000:]}"
            )
        return done

    def config(self) -> dict[str, str]:
        lines = (self.dir / "arena.env").read_text().splitlines()
        return dict(
            line.split("=", 1) for line in lines if "=" in line and not line.startswith("#")
        )

    def container(self) -> str:
        project = self.config()["ARENA_PROJECT"]
        ids = docker(
            "ps", "-q", "--filter", f"label=com.docker.compose.project={project}"
        ).stdout.split()
        assert len(ids) == 1, ids
        return ids[0]

    def exec(self, *args: str) -> str:
        return docker("exec", self.container(), *args).stdout

    def call(self, method: str, path: str, token: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.api + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.api + "/readyz", timeout=5) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def admin(self) -> str:
        return (self.dir / "admin.token").read_text().strip()


def _fake_pip(bin_dir: Path, marker: Path) -> None:
    """pip, pip3 and `python3 -m pip` that record being run (and fail)."""
    bin_dir.mkdir()
    for name in ("pip", "pip3", "pip3.11"):
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\necho "{name} $*" >>{marker}\nexit 1\n')
        script.chmod(0o755)
    real = shutil.which("python3")
    wrapper = bin_dir / "python3"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = -m ] && [ "$2" = pip ]; then echo "python3 $*" >>{marker}; exit 1; fi\n'
        f'exec {real} "$@"\n'
    )
    wrapper.chmod(0o755)


def make_bundle(out: Path) -> Path:
    """`arenactl bundle`, or the bundle ARENA_TEST_BUNDLE names (to iterate on the tests)."""
    if os.environ.get("ARENA_TEST_BUNDLE"):
        return Path(os.environ["ARENA_TEST_BUNDLE"])
    bundled = subprocess.run(
        [str(REPO / "ops" / "arenactl"), "bundle", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=2400,
        check=False,
    )
    assert bundled.returncode == 0, bundled.stderr[-4000:]
    return Path(bundled.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        pytest.fail("no Docker daemon answers")
    work = tmp_path_factory.mktemp("arenactl")
    bundle = make_bundle(work / "dist")
    assert bundle.is_file() and bundle.suffix == ".tgz"

    # The operator has only the bundle: arenactl comes out of it, not from the repository.
    carried = work / "carried"
    carried.mkdir()
    with tarfile.open(bundle) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("/arenactl"))
        member.name = "arenactl"
        archive.extract(member, carried, filter="data")
    marker = work / "pip-was-run"
    _fake_pip(work / "fakebin", marker)
    api_port = free_port()
    env = {
        **os.environ,
        "PATH": f"{work / 'fakebin'}:{os.environ['PATH']}",
        "PIP_INDEX_URL": "http://127.0.0.1:9/",
        "PIP_NO_INDEX": "1",
        "ARENA_API_PORT": str(api_port),
        "ARENA_CONSOLE_PORT": str(free_port()),
        "ARENA_READY_TIMEOUT": "240",
    }
    env.pop("ARENA_IMAGE", None)
    setup = Install(
        work / "opt-arena", carried / "arenactl", bundle, env, f"http://127.0.0.1:{api_port}"
    )
    try:
        started = time.monotonic()
        setup.ctl("install", str(bundle))
        print(f"install from the bundle to ready: {time.monotonic() - started:.1f} s")
        assert not marker.exists(), marker.read_text()
        yield setup
    finally:
        setup.ctl("uninstall", "--purge", "--keep-images", check=False)
        for image in docker("images", "-q", "--filter", "label=arena.test=arenactl").stdout.split():
            docker("rmi", "-f", image, check=False)
        docker("rmi", "arena/judge:0.1.1-test", check=False)  # a second tag: only the tag goes


def import_problem(setup: Install) -> None:
    """Publishes one catalog problem (validated through the judge, as an operator would)."""
    setup.exec(
        "sh",
        "-c",
        f"rm -rf /tmp/one && mkdir /tmp/one && cp -r /opt/arena/app/catalog/{PROBLEM} /tmp/one/",
    )
    setup.exec("python", "-m", "appliance", "catalog", "import", "/tmp/one")


def learner(setup: Install, name: str) -> str:
    created = setup.call("POST", "/api/v1/users", setup.admin(), {"name": name, "role": "learner"})
    return str(created["token"])


def grade(setup: Install, token: str) -> dict[str, Any]:
    code = (REPO / "catalog" / PROBLEM / "reference_test.py").read_text()
    submission = setup.call(
        "POST", "/api/v1/submissions", token, {"problem": PROBLEM, "code": code}
    )
    deadline = time.monotonic() + 300
    while submission["status"] not in TERMINAL and time.monotonic() < deadline:
        time.sleep(1)
        submission = setup.call("GET", f"/api/v1/submissions/{submission['id']}", token)
    assert submission["status"] == "SUCCESS", submission
    return dict(submission)


def derived_image(setup: Install, tag: str, migration: str, sql: str) -> str:
    """The installed image plus one migration, with a new version: an upgrade candidate."""
    base = setup.config()["ARENA_IMAGE"]
    context = setup.dir.parent / f"ctx-{tag.replace(':', '-').replace('/', '-')}"
    context.mkdir()
    (context / migration).write_text(sql)
    version = tag.rsplit(":", 1)[1]
    (context / "Dockerfile").write_text(
        f"FROM {base}\n"
        f"COPY {migration} /opt/arena/app/migrations/{migration}\n"
        f"RUN sed -i 's/^__version__ = .*/__version__ = \"{version}\"/' /opt/arena/app/appliance/__init__.py\n"
        f'LABEL org.opencontainers.image.version="{version}" arena.test="arenactl"\n'
    )
    docker("build", "-q", "-t", tag, str(context))
    return tag


def test_install_from_the_bundle_is_ready_and_grades_a_submission(installed: Install) -> None:
    assert installed.ready()
    token_file = installed.dir / "admin.token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    password_file = installed.dir / "admin.password"
    assert password_file.stat().st_mode & 0o777 == 0o600
    assert admin_password_matches(installed, password_file.read_text().strip())
    assert (installed.dir / "arena.env").stat().st_mode & 0o077 == 0
    import_problem(installed)
    grade(installed, learner(installed, "ada"))
    status = installed.ctl("status")
    assert "RUNNING" in status.stdout


def test_the_learners_client_installs_from_the_bundle_alone_and_talks_to_it(
    installed: Install, tmp_path: Path
) -> None:
    """A learner's machine inside the air gap: the `arena` client from the bundle's
    wheelhouse, pip with no index, then a login and the catalog from the installed appliance."""
    with tarfile.open(installed.bundle) as archive:
        wheels = [m for m in archive.getmembers() if "/wheels/" in m.name and m.isfile()]
        archive.extractall(tmp_path / "bundle", members=wheels, filter="data")
    (wheelhouse,) = (tmp_path / "bundle").glob("*/wheels")
    assert list(wheelhouse.glob("arena_client-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    offline = {**os.environ, "PIP_INDEX_URL": "http://127.0.0.1:9/", "PIP_NO_INDEX": "1"}
    install = ["install", "--no-index", "--find-links", str(wheelhouse), "arena-client"]
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), *install],
        capture_output=True,
        text=True,
        env=offline,
        timeout=600,
        check=False,
    )
    assert pip.returncode == 0, pip.stderr[-4000:]
    import_problem(installed)
    token = learner(installed, "margaret")
    env = {**offline, "ARENA_CONFIG": str(tmp_path / "arena" / "config.json")}

    def arena(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(venv / "bin" / "arena"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    login = arena("login", "--url", installed.api, stdin=token + "\n")
    assert login.returncode == 0, login.stderr
    problems = arena("problems")
    assert problems.returncode == 0, problems.stderr
    assert PROBLEM in problems.stdout


def test_install_again_changes_nothing(installed: Install) -> None:
    def state() -> tuple[str, str, str, str]:
        password = (installed.dir / "admin.password").read_text()
        config = (installed.dir / "arena.env").read_text()
        return config, installed.admin(), password, installed.container()

    before = state()
    done = installed.ctl("install", str(installed.bundle))
    assert state() == before
    assert admin_password_matches(installed, before[2].strip())
    assert "console      http://" in done.stdout and "admin.password" in done.stdout


def admin_password_matches(setup: Install, password: str) -> bool:
    """Whether the console account `admin` has this password (checked inside the container,
    against the stored argon2id hash)."""
    check = (
        "import sys\n"
        "from appliance import db\n"
        "from appliance.accounts.passwords import matches\n"
        "from appliance.settings import load\n"
        "conn = db.connect(load().database_url)\n"
        "row = conn.execute(\"SELECT password_hash FROM users WHERE name = 'admin'\").fetchone()\n"
        "print(matches(row['password_hash'], sys.stdin.readline().strip()))\n"
    )
    done = subprocess.run(
        ["docker", "exec", "-i", setup.container(), "python", "-c", check],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip() == "True"


def test_a_tampered_bundle_is_refused(installed: Install, tmp_path: Path) -> None:
    root = tmp_path / "unpacked"
    with tarfile.open(installed.bundle) as archive:
        archive.extractall(root, filter="data")
    (top,) = root.iterdir()
    with (top / "compose.prod.yml").open("a") as compose:
        compose.write("# altered\n")
    bad = tmp_path / "bad.tgz"
    with tarfile.open(bad, "w:gz", compresslevel=1) as archive:
        archive.add(top, arcname=top.name)
    done = installed.ctl("install", str(bad), check=False)
    assert done.returncode != 0
    assert "checksum mismatch" in done.stderr


def test_restore_brings_back_data_that_was_destroyed(installed: Install) -> None:
    import_problem(installed)
    token = learner(installed, "grace")
    before = grade(installed, token)
    backup = Path(installed.ctl("backup").stdout.strip().splitlines()[-1])
    assert backup.is_file() and backup.stat().st_mode & 0o077 == 0

    # Disaster: the container and the data volume are gone; reinstall from the bundle.
    project = installed.config()["ARENA_PROJECT"]
    installed.ctl("uninstall")
    docker("volume", "rm", f"{project}_data")
    installed.ctl("install", str(installed.bundle))
    with pytest.raises(urllib.error.HTTPError):
        installed.call("GET", f"/api/v1/submissions/{before['id']}", token)

    installed.ctl("restore", str(backup))
    again = installed.call("GET", f"/api/v1/submissions/{before['id']}", token)
    assert again["status"] == "SUCCESS" and again["score"] == before["score"]
    grade(installed, token)


def test_a_damaged_backup_is_refused(installed: Install, tmp_path: Path) -> None:
    backup = Path(installed.ctl("backup", "--out", str(tmp_path)).stdout.strip().splitlines()[-1])
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))
    done = installed.ctl("restore", str(damaged), check=False)
    assert done.returncode != 0


def test_upgrade_from_a_bundle_applies_a_new_migration_and_keeps_the_data(
    installed: Install, tmp_path: Path
) -> None:
    import_problem(installed)
    token = learner(installed, "linus")
    before = grade(installed, token)
    old_image = installed.config()["ARENA_IMAGE"]
    schema = installed.call("GET", "/api/v1/version", token)["schema_version"]
    new = derived_image(
        installed,
        "arena/appliance:0.1.1-test",
        "0900_upgrade_marker.sql",
        "CREATE TABLE upgrade_marker (id int PRIMARY KEY);\n",
    )
    # Carried in as a bundle, like the operator's: verified, loaded, backed up first.
    judge = installed.config()["ARENA_JUDGE_IMAGE"]
    docker("tag", judge, "arena/judge:0.1.1-test")
    bundled = subprocess.run(
        [str(REPO / "ops" / "arenactl"), "bundle", "--no-build", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "ARENA_VERSION": "0.1.1-test"},
        timeout=1200,
        check=False,
    )
    assert bundled.returncode == 0, bundled.stderr[-4000:]
    # Installed before model endpoints existed: its configuration has no model key.
    config = installed.dir / "arena.env"
    lines = config.read_text().splitlines(keepends=True)
    config.write_text("".join(x for x in lines if not x.startswith("ARENA_MODEL_KEY=")))
    installed.ctl("upgrade", bundled.stdout.strip().splitlines()[-1])
    assert installed.config()["ARENA_IMAGE"] == new
    assert len(base64.b64decode(installed.config()["ARENA_MODEL_KEY"], validate=True)) == 32
    assert config.stat().st_mode & 0o077 == 0
    assert installed.config()["ARENA_JUDGE_IMAGE"] == "arena/judge:0.1.1-test"
    assert (installed.dir / "previous-image").read_text().strip() == old_image
    version = installed.call("GET", "/api/v1/version", token)
    assert version["version"] == "0.1.1-test" and version["schema_version"] == 900 > schema
    assert (
        installed.call("GET", f"/api/v1/submissions/{before['id']}", token)["status"] == "SUCCESS"
    )
    grade(installed, token)
    # A backup of the old version is refused by the new one.
    previous_backup = (installed.dir / "previous-backup").read_text().strip()
    refused = installed.ctl("restore", previous_backup, check=False)
    assert refused.returncode != 0 and "refusing" in refused.stderr


def test_an_upgrade_that_fails_readiness_rolls_back_by_itself(installed: Install) -> None:
    import_problem(installed)
    token = learner(installed, "barbara")
    before = grade(installed, token)
    current = installed.config()["ARENA_IMAGE"]
    previous_image = (installed.dir / "previous-image").read_text()
    version = installed.call("GET", "/api/v1/version", token)
    broken = derived_image(
        installed,
        "arena/appliance:0.1.2-broken",
        "0950_broken.sql",
        "CREATE TABLE half_done (id int);\nSELECT 1 / 0;\n",
    )
    installed.env["ARENA_READY_TIMEOUT"] = "90"
    try:
        done = installed.ctl("upgrade", "--image", broken, check=False)
    finally:
        installed.env["ARENA_READY_TIMEOUT"] = "240"
    assert done.returncode != 0
    assert "rolled back" in done.stderr
    assert installed.config()["ARENA_IMAGE"] == current
    assert (installed.dir / "previous-image").read_text() == previous_image
    assert installed.ready()
    assert installed.call("GET", "/api/v1/version", token) == version
    assert (
        installed.call("GET", f"/api/v1/submissions/{before['id']}", token)["status"] == "SUCCESS"
    )
    grade(installed, token)


def test_rollback_returns_to_the_image_and_the_data_from_before_the_upgrade(
    installed: Install,
) -> None:
    upgraded = installed.config()["ARENA_IMAGE"]
    previous = (installed.dir / "previous-image").read_text().strip()
    assert upgraded != previous
    # The upgrade migrated the database: the old image cannot run on it without the backup.
    refused = installed.ctl("rollback", check=False)
    assert refused.returncode != 0 and "rollback --restore" in refused.stderr
    installed.ctl("rollback", "--restore")
    assert installed.config()["ARENA_IMAGE"] == previous
    assert not (installed.dir / "previous-image").exists()
    version = installed.call("GET", "/api/v1/version", installed.admin())
    assert version["schema_version"] == version["schema_head"] < 900
    grade(installed, learner(installed, "edsger"))
    # What the upgrade's migration created is gone, so the same upgrade applies again.
    installed.ctl("upgrade", "--image", upgraded)
    assert installed.call("GET", "/api/v1/version", installed.admin())["schema_version"] == 900


def test_doctor_passes_and_the_sandbox_contains_the_red_team(installed: Install) -> None:
    done = installed.ctl("doctor")
    assert "all checks passed" in done.stdout
    for attack in ("fork bomb", "network", "environment", "writes outside /tmp", "root"):
        assert f"contained: {attack}" in done.stdout


def test_doctor_warns_about_a_model_endpoint_that_does_not_answer(installed: Install) -> None:
    # Port 9 (discard) on the container's own loopback: nothing listens there.
    model = {"name": "doctor-down", "base_url": "http://127.0.0.1:9", "model": "strong"}
    installed.call("POST", "/api/v1/models", installed.admin(), model)
    done = installed.ctl("doctor")
    assert "all checks passed, with 1 warning(s)" in done.stdout
    [line] = [line for line in done.stdout.splitlines() if "doctor-down" in line]
    assert line.startswith("  warn  model doctor-down@1 ('strong'):")
    assert "127.0.0.1:9" in line and "connection" in line


def test_support_bundle_masks_the_secrets(installed: Install, tmp_path: Path) -> None:
    path = Path(installed.ctl("support-bundle", "--out", str(tmp_path)).stdout.strip())
    config = installed.config()
    secrets = (config["ARENA_SECRET_KEY"], config["ARENA_MODEL_KEY"])
    assert len(base64.b64decode(config["ARENA_MODEL_KEY"], validate=True)) == 32
    with tarfile.open(path) as archive:
        names = archive.getnames()
        texts = [
            archive.extractfile(m).read().decode(errors="replace")  # type: ignore[union-attr]
            for m in archive.getmembers()
            if m.isfile()
        ]
    assert any(n.endswith("supervisorctl-status.txt") for n in names)
    assert any(n.endswith("container.log") for n in names)
    assert all(secret not in text for text in texts for secret in secrets)
    assert all(installed.admin() not in text for text in texts)


def test_logs_of_one_program(installed: Install) -> None:
    done = installed.ctl("logs", "api", "-n", "20")
    assert done.stdout.strip()
