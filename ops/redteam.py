"""The sandbox red-team check of `arenactl doctor`: feeds the installed judge image a few
hostile test suites, with the same `docker run` limits as the appliance's workers
(appliance/judging/sandbox.py), and checks that each attack is contained.

Each hostile suite asserts that its attack FAILS; the judge runner reports the suite as
`passed` on the golden code only if every assertion held, i.e. the sandbox contained it,
or reports the run as `refused` when its reference monitor stopped the attack first.
Standard library only, so it runs with the host's python3 (no install, no network).

    python3 redteam.py [--image arena/judge:latest]      exit 0: all contained
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

GOLDEN = "def answer():\n    return 42\n"

# Each suite: what it attacks -> pytest source whose tests pass only when contained.
SUITES = {
    "fork bomb": """
import os, signal

def test_fork_bomb_hits_the_pids_limit():
    children = []
    try:
        for _ in range(5000):
            pid = os.fork()
            if pid == 0:
                signal.pause()
                os._exit(0)
            children.append(pid)
    except OSError:
        pass
    finally:
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        for pid in children:
            os.waitpid(pid, 0)
    assert len(children) < 5000
""",
    "network": """
import socket
import pytest

@pytest.mark.parametrize("address", [("1.1.1.1", 53), ("172.17.0.1", 2375), ("10.0.0.1", 80)])
def test_no_outbound_connection(address):
    with pytest.raises(OSError):
        socket.create_connection(address, timeout=2)

def test_no_name_resolution():
    with pytest.raises(OSError):
        socket.getaddrinfo("example.com", 80)

def test_only_loopback_exists():
    names = [name for _, name in socket.if_nameindex()]
    assert set(names) <= {"lo"}, names
""",
    "environment and secrets": """
import os

def test_no_appliance_settings_or_secrets_in_the_environment():
    leaked = [k for k in os.environ
              if k.startswith("ARENA") or any(w in k for w in ("SECRET", "TOKEN", "PASSWORD", "DATABASE", "REDIS"))]
    assert leaked == []

def test_no_docker_socket():
    assert not os.path.exists("/var/run/docker.sock")
    assert not os.path.exists("/run/docker.sock")
""",
    "writes outside /tmp": """
import os
import pytest

@pytest.mark.parametrize("path", ["/etc/evil", "/opt/judge/runner/__main__.py", "/usr/evil", "/evil"])
def test_root_filesystem_is_read_only(path):
    with pytest.raises(OSError):
        with open(path, "a") as handle:
            handle.write("x")

def test_tmp_is_writable_and_small():
    with open("/tmp/ok", "w") as handle:
        handle.write("x")
    with pytest.raises(OSError):
        with open("/tmp/big", "wb") as handle:
            for _ in range(1024):
                handle.write(b"x" * 1024 * 1024)
                handle.flush()
""",
    "root": """
import os
import pytest

def test_not_root():
    assert os.getuid() != 0 and os.geteuid() != 0

def test_cannot_become_root():
    with pytest.raises(PermissionError):
        os.setuid(0)

def test_no_capabilities():
    with open("/proc/self/status") as status:
        caps = {line.split(":")[0]: int(line.split()[1], 16) for line in status if line.startswith("Cap")}
    assert caps["CapEff"] == 0 and caps["CapPrm"] == 0
""",
}

# The worker's limits (appliance/judging/sandbox.py, DESIGN.md 4.1), at their defaults. Not
# the arena.sandbox label: the appliance's reaper removes containers that carry it.
DOCKER_RUN = [
    "docker", "run", "-i", "--rm", "--network", "none", "--read-only",
    "--tmpfs", "/tmp:rw,nosuid,nodev,size=64m,nr_inodes=20000,mode=1777", "--user", "10001:10001",  # noqa: S108
    "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--pids-limit", "128",
    "--memory", "512m", "--memory-swap", "512m", "--cpus", "1", "--ipc", "private",
    "--ulimit", "nofile=256:256", "--ulimit", "fsize=16777216:16777216",
    "--hostname", "sandbox", "--label", "arena.redteam=1",
]  # fmt: skip


def run_suite(image: str, tests: str) -> tuple[bool, str]:
    # Judge protocol 2 (judge/PROTOCOL.md); only golden's first run is looked at, so the
    # fewest reruns and twins the protocol allows.
    request = {
        "protocol": 2,
        "tests": tests,
        "golden": GOLDEN,
        "wall_seconds": 20.0,
        "golden_reruns": 1,
        "twins": 1,
    }
    try:
        done = subprocess.run(
            [*DOCKER_RUN, image],
            input=json.dumps(request).encode(),
            capture_output=True,
            timeout=180,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False, "the sandbox did not finish within 180 s"
    lines = done.stdout.decode(errors="replace").strip().splitlines()
    if done.returncode != 0 or not lines:
        return (
            False,
            f"runner exit {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}",
        )
    report = json.loads(lines[-1])
    golden = (report.get("golden") or [{}])[0]
    if golden.get("verdict") == "passed":
        return True, f"{len(golden.get('tests', []))} checks held"
    if golden.get("refused"):
        # The runner's reference monitor stopped the attack before the sandbox had to.
        return True, f"refused by the reference monitor: {golden['refused']}"
    failed = [
        f"{t['name']}: {t.get('message', '')[:300]}"
        for t in golden.get("tests", [])
        if t.get("outcome") != "passed"
    ]
    return False, f"verdict {golden.get('verdict')}: " + "; ".join(
        failed or [golden.get("output", "")[-300:]]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="sandbox red-team check")
    parser.add_argument("--image", default="arena/judge:latest")
    image = parser.parse_args(argv).image
    escaped = 0
    for attack, tests in SUITES.items():
        contained, detail = run_suite(image, tests)
        escaped += not contained
        print(f"        {'contained' if contained else 'NOT CONTAINED'}: {attack} ({detail})")
    return 1 if escaped else 0


if __name__ == "__main__":
    sys.exit(main())
