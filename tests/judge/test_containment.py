"""Hostile suites and hostile variants: each gets a verdict, the runner still prints its
report and exits 0 in bounded time, and nothing of one run reaches the next."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.judge.conftest import GOLDEN, MUTANTS, STRONG_SUITE, JudgeRun, judge_request, outcomes

RunJudge = Callable[..., JudgeRun]


def hostile_suite(body: str, imports: str = "import os") -> str:
    lines = "\n".join(f"    {line}" for line in body.splitlines())
    return f"{imports}\n\ndef test_hostile():\n{lines}\n"


FORK_BOMB = "while True:\n    try:\n        os.fork()\n    except OSError:\n        pass"


def test_fork_bomb_is_refused_and_runner_still_reports(run_judge: RunJudge) -> None:
    run = run_judge(judge_request(hostile_suite(FORK_BOMB), wall_seconds=1.5))

    assert run.golden_verdicts() == ["error", "error"]  # refused: the monitor caps forks
    assert all("fork" in (r["refused"] or "") for r in run.golden), run.golden[0]["refused"]
    assert run.seconds < 20


def test_fork_bomb_without_the_monitor_times_out_and_runner_still_reports(
    run_judge: RunJudge, unmonitored_image: str
) -> None:
    request = judge_request(hostile_suite(FORK_BOMB), wall_seconds=1.5)
    run = run_judge(request, image=unmonitored_image)

    assert run.golden_verdicts() == ["timeout", "timeout"]  # the rerun could fork again
    assert run.seconds < 20


def test_memory_bomb_is_killed_and_runner_still_reports(run_judge: RunJudge) -> None:
    bomb = "hoard = []\nwhile True:\n    hoard.append(b'x' * 10_000_000)"
    run = run_judge(judge_request(hostile_suite(bomb), wall_seconds=10.0))

    assert run.golden_verdicts() == ["error", "error"]
    assert "killed by signal 9 (out of memory?)" in run.golden[0]["output"]
    assert outcomes(run.golden[0]) == {"test_hostile": "error"}
    assert run.golden[0]["duration_ms"] < 10_000


def test_filling_tmp_fails_the_test_and_the_next_run_starts_empty(run_judge: RunJudge) -> None:
    suite = """\
import os

def test_scratch_starts_empty():
    assert os.listdir("/tmp") == [os.path.basename(os.path.dirname(__file__))]
    assert os.listdir("/dev/shm") == []

def test_fill_tmp():
    for index in range(100):
        with open(f"/tmp/fill-{index}", "wb") as handle:
            handle.write(b"x" * 15_000_000)

def test_fill_shm():
    with open("/dev/shm/left-behind", "wb") as handle:
        handle.write(b"x" * 1000)
"""
    run = run_judge(judge_request(suite))

    for golden in run.golden:
        assert outcomes(golden) == {
            "test_scratch_starts_empty": "passed",
            "test_fill_tmp": "failed",  # no space left on the 64 MB tmpfs
            "test_fill_shm": "passed",
        }
    assert "No space left on device" in run.golden[0]["tests"][1]["message"]


def test_output_flood_is_truncated_and_flagged(run_judge: RunJudge) -> None:
    flood = "for _ in range(100):\n    print('x' * 1_000_000)\nassert False"
    run = run_judge(judge_request(hostile_suite(flood), output_limit_bytes=10_000))

    golden = run.golden[0]
    assert golden["verdict"] == "failed"
    assert golden["output_truncated"] is True
    assert len(golden["output"].encode()) < 10_500
    assert "bytes of output omitted" in golden["output"]
    assert "1 failed" in golden["output"]  # the tail, with pytest's summary, is kept


def test_an_endless_loop_at_import_time_times_out(run_judge: RunJudge) -> None:
    run = run_judge(
        judge_request("while True:\n    pass\n\ndef test_x():\n    pass\n", wall_seconds=1.0)
    )

    assert run.golden_verdicts() == ["timeout", "timeout"]
    assert run.golden[0]["tests"] == []
    assert "time limit of 1 s exceeded" in run.golden[0]["output"]


def test_a_long_sleep_times_out(run_judge: RunJudge) -> None:
    run = run_judge(
        judge_request(hostile_suite("time.sleep(1000)", "import time"), wall_seconds=1.0)
    )

    assert run.golden_verdicts() == ["timeout", "timeout"]
    assert run.seconds < 15


# kill(-1, ...) signals every process but init and the caller: here also the zygote.
STOP_EVERYTHING = "os.kill(-1, signal.SIGSTOP)\nos.kill(os.getpid(), signal.SIGSTOP)"


@pytest.mark.parametrize(
    "stop",
    ["os.killpg(0, signal.SIGSTOP)", "os.kill(os.getpid(), signal.SIGSTOP)", STOP_EVERYTHING],
    ids=["own-group", "itself", "everything"],
)
def test_a_stopped_test_process_times_out(run_judge: RunJudge, stop: str) -> None:
    run = run_judge(judge_request(hostile_suite(stop, "import os, signal"), wall_seconds=1.0))

    # The rerun works, so the zygote (stopped too by kill(-1)) was woken up.
    assert run.golden_verdicts() == ["timeout", "timeout"]


def test_a_suite_that_kills_its_parent_does_not_break_later_runs(run_judge: RunJudge) -> None:
    # The parent is the zygote: it is started again for every following run.
    suite = STRONG_SUITE + "\n\ndef test_zz_kill_parent():\n    os.kill(os.getppid(), 9)\n"
    run = run_judge(judge_request("import os\n" + suite, mutants=MUTANTS))

    assert run.golden_verdicts() == ["passed"] * 7
    assert run.twin_verdicts() == ["passed", "passed"]
    assert run.mutant_verdicts() == dict.fromkeys(MUTANTS, "killed")


def test_a_test_that_forks_does_not_report_twice(run_judge: RunJudge) -> None:
    # The child goes on with pytest like its parent; only the worker's events count.
    suite = "import os\n\ndef test_forks():\n    os.fork()\n\ndef test_after():\n    pass\n"
    run = run_judge(judge_request(suite))

    assert run.golden_verdicts() == ["passed"] * 7
    assert [t["name"] for t in run.golden[0]["tests"]] == ["test_forks", "test_after"]


SANDBOX_PROBES = """\
import os
import signal
import socket

import pytest

def test_no_network():
    with pytest.raises(OSError):
        socket.create_connection(("10.1.2.3", 80), timeout=2)

def test_not_root():
    assert os.getuid() != 0 and os.geteuid() != 0

def test_environment_is_clean():
    assert [name for name in os.environ if name.startswith("ARENA")] == []

@pytest.mark.parametrize("path", ["/evil", "/opt/judge/evil", "/opt/judge/runner/__main__.py", "/etc/passwd"])
def test_nothing_outside_tmp_is_writable(path):
    with pytest.raises(OSError):
        open(path, "a").close()

@pytest.mark.parametrize(("name", "mode"), [("environ", "rb"), ("fd/0", "rb"), ("fd/1", "wb")])
def test_supervisor_environment_and_stdout_are_closed(name, mode):
    with pytest.raises(PermissionError):
        open(f"/proc/1/{name}", mode).close()

def test_signals_to_the_supervisor_are_ignored():
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL, signal.SIGSTOP):
        os.kill(1, signum)

def test_zygote_environment_is_closed():
    with pytest.raises(PermissionError):
        open(f"/proc/{os.getppid()}/environ", "rb").close()

def test_tmp_is_writable():
    with open("/tmp/ok", "w") as handle:
        handle.write("fine")
"""


def test_the_sandbox_has_no_network_no_root_no_secrets_and_a_read_only_root(
    run_judge: RunJudge,
) -> None:
    # An ARENA_ variable given to the container does not reach the tests either.
    run = run_judge(judge_request(SANDBOX_PROBES), ["-e", "ARENA_SECRET=hunter2"])

    assert set(run.golden_verdicts()) == {"passed"}, run.golden[0]["output"]
    assert run.twin_verdicts() == ["passed", "passed"]


# Every process of the runner is non-dumpable: its /proc files belong to root, so a test
# (same uid) can read neither its own memory, nor its parent's (the zygote), nor PID 1's.
NOT_DUMPABLE = """\
import os

import pytest

@pytest.mark.parametrize("pid", [os.getpid(), os.getppid(), 1], ids=["self", "zygote", "init"])
def test_proc_files_belong_to_root(pid):
    assert os.stat(f"/proc/{pid}/environ").st_uid == 0
    with pytest.raises(PermissionError):
        open(f"/proc/{pid}/environ", "rb").close()
    if pid != os.getpid():  # a process may always list its own descriptors
        with pytest.raises(PermissionError):
            os.listdir(f"/proc/{pid}/fd")

def test_a_forked_child_cannot_read_the_test_process_either():
    parent = os.getpid()
    child = os.fork()
    if child == 0:
        try:
            open(f"/proc/{parent}/environ", "rb").close()
        except PermissionError:
            os._exit(0)
        os._exit(1)
    assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
"""

# Without the monitor, reading memory through /proc is what non-dumpability alone stops,
# for the test process, the zygote, PID 1, and a program the test starts.
MEMORY_PROBES = """\
import os
import subprocess
import sys

import pytest

@pytest.mark.parametrize("pid", [os.getpid(), os.getppid(), 1], ids=["self", "zygote", "init"])
def test_memory_is_unreadable(pid):
    with pytest.raises(PermissionError):
        open(f"/proc/{pid}/mem", "rb").close()

def test_a_program_started_by_the_test_cannot_read_it_either():
    code = f"open('/proc/{os.getpid()}/mem', 'rb')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "PermissionError" in done.stderr, done.stderr
"""


def test_every_process_of_the_runner_is_not_dumpable(run_judge: RunJudge) -> None:
    run = run_judge(judge_request(NOT_DUMPABLE, golden_reruns=1, twins=1))

    assert run.golden_verdicts() == ["passed", "passed"], run.golden[0]["output"]
    assert run.twin_verdicts() == ["passed"], run.twin["output"]


@pytest.mark.parametrize(
    "pid", ["os.getpid()", "os.getppid()", "1"], ids=["self", "zygote", "init"]
)
def test_reading_memory_through_proc_is_refused(run_judge: RunJudge, pid: str) -> None:
    suite = f"import os\n\ndef test_read():\n    open(f'/proc/{{{pid}}}/mem', 'rb')\n"
    run = run_judge(judge_request(suite, golden_reruns=1, twins=1))

    assert run.golden_verdicts() == ["error", "error"]
    assert "mem" in run.golden[0]["refused"]


def test_memory_stays_unreadable_without_the_monitor(
    run_judge: RunJudge, unmonitored_image: str
) -> None:
    run = run_judge(judge_request(MEMORY_PROBES, golden_reruns=1, twins=1), image=unmonitored_image)

    assert run.golden_verdicts() == ["passed", "passed"], run.golden[0]["output"]


GAUNTLET_SUITE = (
    "import os\n"
    + STRONG_SUITE
    + """

def test_zz_no_process_survives_from_an_earlier_run():
    pids = {int(entry) for entry in os.listdir("/proc") if entry.isdigit()}
    assert pids <= {1, os.getppid(), os.getpid()}

def test_zz_scratch_space_starts_empty():
    assert os.listdir("/tmp") == [os.path.basename(os.path.dirname(__file__))]
    assert os.listdir("/dev/shm") == []

def test_zz_no_ipc_object_survives():
    for kind in ("shm", "sem", "msg"):
        with open(f"/proc/sysvipc/{kind}") as listing:
            assert listing.read().splitlines()[1:] == [], kind
    assert os.listdir("/dev/mqueue") == []
"""
)

HOSTILE_BODIES = {
    "fork_bomb": "    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass",
    "memory_bomb": "    hoard = []\n    while True:\n        hoard.append(b'x' * 10_000_000)",
    "stop_everything": "    os.kill(-1, signal.SIGSTOP)\n    os.kill(os.getpid(), signal.SIGSTOP)",
    "escape_and_linger": "    if os.fork() == 0:\n        os.setsid()\n        time.sleep(1000)",
    "leave_files": "    open('/tmp/left', 'w').close()\n    open('/dev/shm/left', 'w').close()",
    # Refused with the monitor (it starts programs); without it, its own run sees the objects.
    "leave_sysv_ipc": "    for kind in ('-M 64', '-S 1', '-Q'):\n        os.system(f'ipcmk {kind} >/dev/null')",
    "leave_posix_ipc": "    import _multiprocessing, _posixshmem\n    _posixshmem.shm_open('/left', os.O_CREAT | os.O_RDWR, 0o600)\n    _multiprocessing.SemLock(1, 1, 1, '/left', False)",
    # Waits until it is an orphan: the zygote is then a zombie, which its own run sees.
    "kill_zygote": "    os.kill(os.getppid(), signal.SIGKILL)\n    while os.getppid() != 1:\n        time.sleep(0.01)",
}


def hostile_mutant(body: str) -> str:
    marker = "    if lo > hi:\n"
    return "import os, signal, time\n" + GOLDEN.replace(marker, body + "\n" + marker)


@pytest.mark.parametrize("monitored", [True, False], ids=["monitored", "unmonitored"])
def test_hostile_mutants_get_verdicts_and_later_runs_start_clean(
    run_judge: RunJudge, judge_image: str, request: pytest.FixtureRequest, monitored: bool
) -> None:
    """Twins, mutants and golden's reruns in random order, so each hostile run is followed
    by others that check for leftovers (processes, files, IPC) in every order; with the
    reference monitor and without it (what the sweep and the wipe alone guarantee)."""
    image = judge_image if monitored else request.getfixturevalue("unmonitored_image")
    mutants = {name: hostile_mutant(body) for name, body in HOSTILE_BODIES.items()}
    mutants["import_loop"] = "while True:\n    pass\n" + GOLDEN
    mutants["upper_exclusive"] = MUTANTS["upper_exclusive"]
    run = run_judge(judge_request(GAUNTLET_SUITE, mutants=mutants), image=image)

    assert run.golden_verdicts() == ["passed"] * 7, run.golden[-1]["output"]
    assert run.twin_verdicts() == ["passed", "passed"], run.twin["output"]
    verdicts = run.mutant_verdicts()
    # The OOM killer needs 0.4-0.8 s to strike, against a 1 s limit: both verdicts kill.
    assert verdicts.pop("memory_bomb") in ("killed", "timeout")
    assert verdicts == {
        "fork_bomb": "killed" if monitored else "timeout",  # the monitor caps forks
        "stop_everything": "timeout",
        "escape_and_linger": "killed",  # its own run sees the lingering process
        "leave_files": "killed",
        "leave_sysv_ipc": "killed",
        "leave_posix_ipc": "killed",
        "kill_zygote": "killed",
        "import_loop": "timeout",
        "upper_exclusive": "killed",
    }
    assert (
        outcomes(run.mutant("escape_and_linger"))["test_zz_no_process_survives_from_an_earlier_run"]
        == "failed"
    )
    sysv = run.mutant("leave_sysv_ipc")
    if monitored:
        assert "process" in sysv["refused"] and "fork" in run.mutant("fork_bomb")["refused"]
    else:
        assert outcomes(sysv)["test_zz_no_ipc_object_survives"] == "failed"
    assert outcomes(run.mutant("leave_posix_ipc"))["test_zz_scratch_space_starts_empty"] == "failed"
