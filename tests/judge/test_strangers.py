"""Runs are strangers (DESIGN.md 4.4, judge/PROTOCOL.md): nothing one run leaves (files,
/dev/shm, System V IPC, POSIX message queues, processes, abstract sockets) reaches another,
and a suite that recognises golden's first run gains nothing: every later run, golden's
reruns and the twins included, has the same time limit as the mutants."""

from __future__ import annotations

from collections.abc import Callable

from tests.judge.conftest import MUTANTS, JudgeRun, judge_request, outcomes

RunJudge = Callable[..., JudgeRun]

# The suite passes on golden only if its first test finds nothing left by any other run.
STRANGER_GOLDEN = '''\
def verdict(found):
    """True when a run found nothing that another run left behind."""
    return found == []
'''

LEFTOVERS = """\
import os
import socket
import subprocess
import sys
import time

import target


def sysv(kind):
    with open(f"/proc/sysvipc/{kind}") as listing:
        return listing.read().splitlines()[1:]


def abstract_sockets():
    with open("/proc/net/unix") as listing:
        lines = listing.read().splitlines()[1:]
    return [line.split()[-1] for line in lines if line.split()[-1].startswith("@arena")]


def leftovers():
    found = [f"sysv {kind}" for kind in ("shm", "sem", "msg") for _ in sysv(kind)]
    found += [f"mqueue {name}" for name in os.listdir("/dev/mqueue")]
    found += [f"shm-file {name}" for name in os.listdir("/dev/shm")]
    found += [f"abstract-socket {name}" for name in abstract_sockets()]
    others = {int(p) for p in os.listdir("/proc") if p.isdigit()}
    found += [f"process {pid}" for pid in others - {1, os.getppid(), os.getpid()}]
    return found


def kinds():
    return sorted(item.split()[0] for item in leftovers())


def test_a_nothing_is_left_from_another_run():
    assert target.verdict(leftovers())
"""

# With the reference monitor: no program can be started, no ctypes; what a suite can still
# leave is files in /dev/shm (POSIX shared memory and semaphores among them) and processes
# it forked (one holding an abstract unix socket).
STRANGER_SUITE = (
    LEFTOVERS
    + """

def hold_an_abstract_socket():
    ready, told = os.pipe()
    if os.fork() == 0:
        os.setsid()
        holder = socket.socket(socket.AF_UNIX)
        holder.bind("\\0arena-stranger")
        holder.listen()
        os.write(told, b"ready")
        time.sleep(1000)
        os._exit(0)
    assert os.read(ready, 5) == b"ready"


def test_b_leave_everything_behind():
    import _multiprocessing
    import _posixshmem

    with open("/dev/shm/arena-stranger", "w") as handle:
        handle.write("left behind")
    _posixshmem.shm_open("/arena-posix-shm", os.O_CREAT | os.O_RDWR, 0o600)
    _multiprocessing.SemLock(1, 1, 1, "/arena-posix-sem", False)
    hold_an_abstract_socket()
    assert kinds() == ["abstract-socket", "process"] + ["shm-file"] * 3, leftovers()
"""
)

# Without the monitor (a suite that found a way around it): System V objects and POSIX
# message queues too, made by a program the suite starts.
MAKE_EVERYTHING = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for key in (0x4152454E, 0):  # a named and a private object of each kind
    assert libc.shmget(key, 4096, 0o1600) >= 0
    assert libc.semget(key, 1, 0o1600) >= 0
    assert libc.msgget(key, 0o1600) >= 0
assert libc.mq_open(b"/arena-stranger", os.O_CREAT | os.O_RDWR, 0o600, None) >= 0
"""
HOLD = """
import socket, time
holder = socket.socket(socket.AF_UNIX)
holder.bind("\\0arena-stranger")
holder.listen()
print("ready", flush=True)
time.sleep(1000)
"""
UNMONITORED_STRANGER_SUITE = (
    LEFTOVERS
    + f"\nMAKE_EVERYTHING = {MAKE_EVERYTHING!r}\nHOLD = {HOLD!r}\nHOLDERS = []\n"
    + """

def test_b_leave_everything_behind():
    subprocess.run([sys.executable, "-c", MAKE_EVERYTHING], check=True)
    with open("/dev/shm/arena-stranger", "w") as handle:
        handle.write("left behind")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD], stdout=subprocess.PIPE, start_new_session=True
    )
    HOLDERS.append(holder)
    assert holder.stdout.readline() == b"ready\\n"
    expected = ["abstract-socket", "mqueue", "process", "shm-file"] + ["sysv"] * 6
    assert kinds() == expected, leftovers()
"""
)


def assert_no_run_found_anything(run: JudgeRun, mutants: dict[str, str]) -> None:
    expected = {"test_a_nothing_is_left_from_another_run": "passed"}
    expected["test_b_leave_everything_behind"] = "passed"
    for result in run.golden + run.twins:
        assert result["verdict"] == "passed", result["output"]
        assert outcomes(result) == expected
    assert run.mutant_verdicts() == dict.fromkeys(mutants, "survived")


def test_nothing_a_run_leaves_reaches_another_run(run_judge: RunJudge) -> None:
    # Two mutants identical to golden: every one of the 11 runs leaves everything behind
    # and is followed by runs that look for it (in a random order).
    mutants = {"same_as_golden_1": STRANGER_GOLDEN, "same_as_golden_2": STRANGER_GOLDEN}
    run = run_judge(judge_request(STRANGER_SUITE, STRANGER_GOLDEN, mutants))

    assert_no_run_found_anything(run, mutants)


def test_nothing_a_run_leaves_reaches_another_run_even_without_the_monitor(
    run_judge: RunJudge, unmonitored_image: str
) -> None:
    mutants = {"same_as_golden_1": STRANGER_GOLDEN, "same_as_golden_2": STRANGER_GOLDEN}
    request = judge_request(UNMONITORED_STRANGER_SUITE, STRANGER_GOLDEN, mutants)
    run = run_judge(request, image=unmonitored_image)

    assert_no_run_found_anything(run, mutants)


# The first run is golden's, and the only one sure to be within 64 pids of the zygote (up
# to 63 pids are burnt before each fork). A suite that is fast there and sleeps elsewhere
# would have scored 100 when only mutants ran under the short limit.
SLEEPS_BUT_FIRST = """\
import os
import time

from target import clamp

def test_looks_fine():
    if os.getpid() - os.getppid() > 64:
        time.sleep(4.5)
    assert clamp(5, 0, 10) == 5
"""


def test_a_suite_that_is_slow_except_on_the_first_run_times_out_on_golden_and_twins(
    run_judge: RunJudge,
) -> None:
    mutants = {name: MUTANTS[name] for name in ("no_upper_bound", "bounds_swapped")}
    run = run_judge(judge_request(SLEEPS_BUT_FIRST, mutants=mutants, wall_seconds=5.0))

    first, *others = run.runs()
    assert first["verdict"] == "passed" and first["limit_ms"] == 5000
    limit = others[0]["limit_ms"]
    assert limit < 4500  # max(1 s, 5 x golden + 0.5 s): the sleep does not fit
    assert {result["limit_ms"] for result in others} == {limit}
    # Golden's reruns and the twins are among the runs that slept: not a mutant-only timeout.
    control = [*run.golden[1:], *run.twins]
    assert "timeout" in {result["verdict"] for result in control}
    for result in others:
        if result["verdict"] == "timeout":
            assert limit <= result["duration_ms"] < 4500
