"""Hostile suites, judged through the whole pipeline: each one is contained, ends in
FAILURE (never ERROR, never stuck), and leaves no sandbox container behind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import docker
import pytest
from litestar.testing import TestClient

from appliance import db
from tests.conftest import FAST_PROBLEM, PROBLEM
from tests.submissions.helpers import result, submit
from tests.submissions.test_flow import assert_no_sandbox_left

HEADER = "import os, socket, signal, sys, time\nfrom target import clamp\n\n"

# Each suite asserts that its attack worked; contained, the test fails or times out on golden.
ATTACKS = {
    "fork_bomb": (
        "def test_fork_bomb():\n"
        "    while True:\n"
        "        try:\n"
        "            os.fork()\n"
        "        except OSError:\n"
        "            pass\n",
        # the reference monitor refuses more than a handful of forks per run
        {"golden_timeout", "golden_failed", "introspection"},
    ),
    "memory_bomb": (
        "def test_memory_bomb():\n"
        "    hog = []\n"
        "    while True:\n"
        "        hog.append(bytearray(64 * 1024 * 1024))\n",
        # the kernel's OOM killer ends the test process itself: the run errors out
        {"golden_failed", "golden_timeout", "collection_error"},
    ),
    "disk_fill": (
        "def test_disk_fill():\n"
        "    with open('/tmp/fill', 'wb') as f:\n"
        "        for _ in range(4096):\n"
        "            f.write(b'x' * 1024 * 1024)\n",
        {"golden_failed"},
    ),
    "shm_inode_flood": (
        "def test_shm_inode_flood():\n"
        "    for index in range(100_000):\n"
        "        open(f'/dev/shm/f{index}', 'w').close()\n",
        {"golden_failed"},  # /dev/shm has an inode cap, like /tmp
    ),
    "output_flood": (
        "def test_output_flood():\n"
        "    for _ in range(200000):\n"
        "        sys.__stdout__.write('x' * 1000 + '\\n')\n"
        "    assert False\n",
        {"golden_failed", "golden_timeout"},
    ),
    "endless_loop_at_import": ("while True:\n    pass\n", {"golden_timeout"}),
    "long_sleep": ("def test_sleep():\n    time.sleep(3600)\n", {"golden_timeout"}),
    "sigstop_own_group": (
        "def test_stop():\n    os.killpg(0, signal.SIGSTOP)\n",
        {"golden_timeout", "golden_failed"},
    ),
    "network": (
        "def test_network():\n    socket.create_connection(('10.0.0.1', 80), timeout=2).close()\n",
        {"golden_failed"},
    ),
    "environment": (
        "def test_environment_has_secrets():\n"
        "    leaked = [k for k in os.environ if k.startswith('ARENA') or 'TOKEN' in k\n"
        "              or 'PASSWORD' in k or 'DATABASE' in k or 'REDIS' in k]\n"
        "    assert leaked\n",
        {"golden_failed"},
    ),
    "write_outside_tmp": (
        "def test_write_outside_tmp():\n"
        "    for path in ('/evil', '/opt/judge/evil', '/etc/evil', os.path.expanduser('~/evil')):\n"
        "        open(path, 'w').write('x')\n",
        {"golden_failed"},
    ),
    "running_as_root": ("def test_root():\n    assert os.geteuid() == 0\n", {"golden_failed"}),
    "read_other_variants": (
        "def test_find_mutant_source():\n"
        "    import gc\n"
        "    texts = [o for o in gc.get_objects() if isinstance(o, str) and 'hi - 1' in o]\n"
        "    assert texts\n",
        {"introspection"},  # gc walks are refused by the reference monitor
    ),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_hostile_suite_is_contained_and_fails(
    api: TestClient[Any],
    learner_token: str,
    drain: Callable[[], None],
    docker_engine: docker.DockerClient,
    conn: db.Connection,
    attack: str,
) -> None:
    code, reasons = ATTACKS[attack]
    accepted = submit(api, learner_token, HEADER + code, FAST_PROBLEM)
    drain()
    got = result(api, learner_token, accepted["id"])
    assert got["status"] == "FAILURE", got
    assert got["reason"] in reasons
    assert_no_sandbox_left(conn, docker_engine, accepted["id"])


def test_an_output_flood_is_truncated_and_marked(
    api: TestClient[Any], learner_token: str, drain: Callable[[], None]
) -> None:
    accepted = submit(api, learner_token, HEADER + ATTACKS["output_flood"][0], FAST_PROBLEM)
    drain()
    golden = result(api, learner_token, accepted["id"])["golden"]
    assert golden["output_truncated"] is True
    assert len(golden["output"]) <= 70_000


SHM_FILLER = """\
import os
from target import clamp


def test_fill_shared_memory_then_check_the_upper_bound():
    made = 0
    for index in range(100_000):
        try:
            open(f"/dev/shm/f{index}", "w").close()
        except OSError:
            break
        made += 1
    assert made > 10_000  # each run finds /dev/shm empty again, up to its cap
    assert clamp(11, 0, 10) == 10
"""


def test_a_suite_filling_shared_memory_in_every_run_is_judged_not_errored(
    api: TestClient[Any],
    learner_token: str,
    drain: Callable[[], None],
    docker_engine: docker.DockerClient,
    conn: db.Connection,
) -> None:
    # The 5 s problem, not the 1 s one: 10,000 files a run must not race a busy machine.
    accepted = submit(api, learner_token, SHM_FILLER, PROBLEM)
    drain()
    got = result(api, learner_token, accepted["id"])
    # Every golden-like run passes (the space is wiped between runs, at the run's cost),
    # so the suite is graded on what it tests: it kills the mutants that break the bound.
    assert (got["status"], got["reason"]) == ("SUCCESS", None), got
    assert got["killed_count"] >= 1
    assert_no_sandbox_left(conn, docker_engine, accepted["id"])
