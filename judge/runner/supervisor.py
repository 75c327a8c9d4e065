"""The supervisor (PID 1 of the container): reads the request, executes the plan's runs one
by one through the zygote, enforces each run's limit, sweeps every process and wipes every
trace after each run, and prints the report. It never runs user code, and it makes itself
non-dumpable before the request is in its memory."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import sys
import time
from typing import TYPE_CHECKING, Any

from .bounds import bound_report, fit_run, with_omitted
from .capture import CappedOutput, EventStream
from .monitor import REFUSED_EXIT_STATUS
from .plan import Outcome, judge, verdict
from .protocol import (
    REFUSED_BY_STATUS,
    RunnerError,
    encode_line,
    parse_request,
    run_entry,
    test_entry,
)
from .system import pids, pump, running_as_init, set_dumpable, signal_quietly, write_all
from .wipe import remove_contents, wipe_between_runs

if TYPE_CHECKING:
    import random

SPAWN_TIMEOUT = 30.0  # the first spawn waits for the zygote to import pytest
QUIET_TIMEOUT = 2.0  # how long SIGKILLed processes may take to disappear
EXIT_NOTICE_WAIT = 0.5
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PACKAGE = __name__.rpartition(".")[0]


def package_root() -> str:
    """The directory to put on PYTHONPATH so that `python3 -m PACKAGE` finds this package."""
    root = os.path.dirname(os.path.abspath(__file__))
    for _part in PACKAGE.split("."):
        root = os.path.dirname(root)
    return root


class Zygote:
    """The supervisor's side of the zygote: start (by exec, so it is clean), ask for a worker,
    hear about exits. A test may kill or stop the zygote; then it is simply started again."""

    def __init__(self, scratch: str) -> None:
        self.scratch = scratch
        self.pid: int | None = None
        self.sock: socket.socket | None = None
        self.ready_at: float | None = None
        self._exits: dict[int, int] = {}

    def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        theirs.set_inheritable(True)
        executable = sys.executable or "python3"
        argv = [executable, "-s", "-P", "-m", PACKAGE, "--zygote", str(theirs.fileno())]
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        ]
        env = worker_environment(self.scratch, os.path.dirname(executable))
        env["PYTHONPATH"] = package_root()  # the zygote drops it before any worker starts
        self.pid = os.posix_spawn(
            executable, argv, env, file_actions=actions, setsigdef=[signal.SIGINT]
        )
        theirs.close()
        self.sock = ours

    def alive(self) -> bool:
        return self.pid is not None and self.sock is not None

    def forget(self, pid: int) -> None:
        """Called when `pid` was reaped by the supervisor: it may have been the zygote."""
        if pid == self.pid:
            self.pid = None
            self._close()

    def stop(self) -> None:
        if self.pid is not None:
            signal_quietly(self.pid, signal.SIGKILL)
            reap_children(self)
        self._close()

    def resume(self) -> None:
        if self.pid is not None:
            signal_quietly(self.pid, signal.SIGCONT)

    def spawn(self, fds: list[int]) -> int:
        """Fork a worker holding `fds`; restart a dead or wedged zygote once."""
        for _attempt in range(2):
            if not self.alive():
                self.start()
            pid = self._try_spawn(fds)
            if pid > 0:
                if self.ready_at is None:
                    self.ready_at = time.monotonic()
                return pid
            self.stop()
        raise RunnerError("the zygote cannot fork workers")

    def _try_spawn(self, fds: list[int]) -> int:
        assert self.sock is not None
        self.resume()  # a test may have stopped it
        self._exits.clear()  # notices about earlier workers
        try:
            socket.send_fds(self.sock, [b"spawn"], fds)
        except OSError:
            return -1
        deadline = time.monotonic() + SPAWN_TIMEOUT
        while time.monotonic() < deadline:
            for message in self.read_messages(deadline - time.monotonic()):
                if message.startswith(b"pid "):
                    return int(message[4:])
            if self.sock is None:
                return -1
        return -1

    def read_messages(self, timeout: float) -> list[bytes]:
        """Packets from the zygote; exit notices are remembered, not returned."""
        if self.sock is None:
            return []
        ready, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        messages: list[bytes] = []
        while ready:
            try:
                packet = self.sock.recv(64, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            except OSError:
                packet = b""
            if not packet:
                self._close()
                break
            messages.append(packet)
        return [m for m in messages if not self._record_exit(m)]

    def _record_exit(self, message: bytes) -> bool:
        if not message.startswith(b"exit "):
            return False
        pid, status = message[5:].split()
        self._exits[int(pid)] = int(status)
        return True

    def exit_status(self, pid: int) -> int | None:
        return self._exits.pop(pid, None)

    def _close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def worker_environment(scratch: str, bindir: str) -> dict[str, str]:
    """Built from nothing, so no variable of the container (a URL, a token) reaches tests."""
    return {
        "PATH": f"{bindir}:{SAFE_PATH}",
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


def reap_children(zygote: Zygote) -> None:
    """Collect exited children: orphans re-parented to PID 1, or the zygote itself."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        zygote.forget(pid)


def sweep(zygote: Zygote, worker: int) -> None:
    """After every run nothing of it may survive: not an escaped setsid() grandchild, not a
    fork bomb, not a stopped process group, not a process holding an abstract socket. As
    PID 1, freeze every process at once with kill(-1, SIGSTOP) (a fork racing with it
    fails), then SIGKILL all but the zygote."""
    if running_as_init():
        signal_quietly(-1, signal.SIGSTOP)
        spared = {os.getpid(), zygote.pid}
        for pid in pids():
            if pid not in spared:
                signal_quietly(pid, signal.SIGKILL)
        zygote.resume()
        _wait_until_alone(zygote)
    else:
        signal_quietly(-worker, signal.SIGKILL)
        signal_quietly(worker, signal.SIGKILL)
        zygote.resume()
        reap_children(zygote)


def _wait_until_alone(zygote: Zygote) -> None:
    """Killed processes keep their pid (counted by --pids-limit) until reaped."""
    deadline = time.monotonic() + QUIET_TIMEOUT
    while time.monotonic() < deadline:
        reap_children(zygote)
        zygote.read_messages(0)  # the zygote reports the worker it reaped
        if not [pid for pid in pids() if pid not in (os.getpid(), zygote.pid)]:
            return
        time.sleep(0.001)


class Channels:
    """The three descriptors a worker gets: its job (a memfd, never a file), the event pipe
    and the output pipe. The supervisor keeps the read ends, non-blocking."""

    def __init__(self, job: bytes) -> None:
        self.job = os.memfd_create("arena-job", os.MFD_CLOEXEC)
        write_all(self.job, job)
        os.lseek(self.job, 0, os.SEEK_SET)
        self.events, self.events_w = os.pipe()
        self.output, self.output_w = os.pipe()
        os.set_blocking(self.events, False)
        os.set_blocking(self.output, False)

    def worker_side(self) -> list[int]:
        return [self.job, self.events_w, self.output_w]

    def close_worker_side(self) -> None:
        for fd in self.worker_side():
            os.close(fd)

    def close(self) -> None:
        os.close(self.events)
        os.close(self.output)


class VariantRun:
    """One variant's run as seen from the supervisor."""

    def __init__(self, zygote: Zygote, limit: float, output_limit: int) -> None:
        self.zygote = zygote
        self.limit = limit
        self.output = CappedOutput(output_limit)
        self.events = EventStream()
        self.worker = 0
        self.exit_status: int | None = None
        self.timed_out = False
        self.seconds = 0.0  # from the worker's start to the end of the cleanup after it
        self.ended = 0.0
        self.spawn_seconds = 0.0
        self.cleanup_seconds = 0.0  # sweep and wipe
        self.removed = 0  # files and directories the run left
        self.cleanup_overran = False  # within its limit, but not with its cleanup
        self._outcome: Outcome | None = None

    def execute(self, job: bytes) -> None:
        channels = Channels(job)
        try:
            asked = time.monotonic()
            self.worker = self.zygote.spawn(channels.worker_side())
            channels.close_worker_side()
            started = time.monotonic()
            self.spawn_seconds = started - asked
            self._watch(channels, started + self.limit)
            self.ended = time.monotonic()
            sweep(self.zygote, self.worker)
            pump(channels.output, self.output.feed)  # what the killed processes left
            pump(channels.events, self.events.feed)
            self.removed = wipe_between_runs(self.zygote.scratch)
        finally:
            channels.close()
        self._charge_cleanup(started, time.monotonic())
        if not self.events.ready:
            # No user code ran yet: this failure is the runner's, not the suite's.
            raise RunnerError(f"worker failed before the suite ran: {self.output.text()[-500:]}")

    def _charge_cleanup(self, started: float, cleaned: float) -> None:
        """What a run leaves is its own cost: killing its processes and removing its files
        count against its limit, so a suite cannot make the judge work for free between
        runs (e.g. by leaving 100,000 directories behind each time)."""
        self.seconds = cleaned - started
        self.cleanup_seconds = cleaned - self.ended
        if self.seconds > self.limit and not self.timed_out:
            self.timed_out = self.cleanup_overran = True

    def _watch(self, channels: Channels, deadline: float) -> None:
        """Until pytest is done, the worker is gone, or the deadline passes. Pipes are
        drained all along so that a worker never blocks on a full pipe."""
        open_fds = {channels.output: self.output.feed, channels.events: self.events.feed}
        while self.events.exit_code is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.timed_out = True
                return
            control = self.zygote.sock.fileno() if self.zygote.sock else -1
            watched = [*open_fds, *([control] if control >= 0 else [])]
            ready, _, _ = select.select(watched, [], [], remaining)
            for fd in [fd for fd in ready if fd in open_fds]:
                if not pump(fd, open_fds[fd]):
                    del open_fds[fd]
            if control in ready:
                self.zygote.read_messages(0)
            self.exit_status = self.zygote.exit_status(self.worker)
            if self.exit_status is not None or channels.events not in open_fds:
                pump(channels.events, self.events.feed)
                self._await_exit_status(min(deadline, time.monotonic() + EXIT_NOTICE_WAIT))
                return

    def _await_exit_status(self, until: float) -> None:
        """The pipes close when the worker dies, a moment before the zygote reports how it
        died (e.g. SIGKILL by the OOM killer), which the learner should be told."""
        while self.exit_status is None and self.events.exit_code is None:
            remaining = until - time.monotonic()
            if remaining <= 0 or self.zygote.sock is None:
                return
            self.zygote.read_messages(remaining)
            self.exit_status = self.zygote.exit_status(self.worker)

    def refused(self) -> str | None:
        """The monitor's description, or a generic one when only its exit status is known."""
        if self.events.refused is not None:
            return self.events.refused
        status = self.exit_status
        if status is None or not os.WIFEXITED(status):
            return None
        return REFUSED_BY_STATUS if os.WEXITSTATUS(status) == REFUSED_EXIT_STATUS else None

    def outcome(self) -> Outcome:
        if self._outcome is not None:
            return self._outcome
        tests = self.events.tests
        running = self.events.running
        if running is not None and self.events.exit_code is None:
            # The test that hung or crashed the run is an error: it shows who killed a mutant.
            spent = round((self.ended - self.events.running_since) * 1000)
            tests.add(test_entry(running, "error", spent, self.ending()), budgeted=False)
        self._outcome = Outcome(
            tests.entries(),
            self.events.exit_code,
            self.events.collection_errors,
            self.timed_out,
            self.refused(),
            seen=tests.seen(),
        )
        return self._outcome

    def ending(self) -> str:
        """A note for the learner when the run did not end by itself."""
        refused = self.refused()
        if refused is not None:
            return refused if refused == REFUSED_BY_STATUS else f"{REFUSED_BY_STATUS}: {refused}"
        if self.cleanup_overran:
            return (
                f"time limit of {self.limit:g} s exceeded by the cleanup after the run: "
                f"removing the {self.removed} files and directories it left and ending its "
                f"processes took {self.cleanup_seconds:.2f} s"
            )
        if self.timed_out:
            where = f"while running {self.events.running}" if self.events.running else ""
            return f"time limit of {self.limit:g} s exceeded {where}".strip()
        status = self.exit_status
        if status is not None and os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            hint = " (out of memory?)" if sig == signal.SIGKILL else ""
            return f"test process killed by signal {sig}{hint}"
        if status is not None:
            return f"test process exited with status {os.waitstatus_to_exitcode(status)}"
        return "test process ended before pytest finished"

    def entry(self, name: str, kind: str) -> dict[str, Any]:
        outcome = self.outcome()
        output = self.output.text()
        if self.timed_out or self.events.exit_code is None or outcome.refused is not None:
            output += f"\n[judge] {self.ending()}\n"
        entry = run_entry(
            name,
            verdict(kind, outcome),  # on every test's outcome, whatever is listed
            round(self.seconds * 1000),
            round(self.limit * 1000),
            outcome.tests,
            output,
            self.output.truncated,
            outcome.refused,
        )
        return fit_run(with_omitted(entry, self.events.tests.omitted))


class Supervisor:
    """Executes runs for the plan and keeps the time each phase takes."""

    def __init__(self, zygote: Zygote, tests: str, output_limit: int) -> None:
        self.zygote = zygote
        self.tests = tests
        self.output_limit = output_limit
        self.run_seconds = 0.0  # the runs with their cleanup
        self.cleanup_seconds = 0.0  # sweeping and wiping after each run
        self.between_seconds = 0.0  # spawning and the rest, once the zygote is up

    def execute(self, name: str, source: str, limit: float, kind: str) -> dict[str, Any]:
        job = {"tests": self.tests, "source": source, "scratch": self.zygote.scratch}
        run = VariantRun(self.zygote, limit, self.output_limit)
        first = self.zygote.ready_at is None
        begin = time.monotonic()
        run.execute(json.dumps(job).encode())
        spent = time.monotonic() - begin - run.seconds
        self.run_seconds += run.seconds
        self.cleanup_seconds += run.cleanup_seconds
        self.between_seconds += spent - (run.spawn_seconds if first else 0.0)
        return run.entry(name, kind)


def supervisor_main() -> int:
    started = time.monotonic()
    if running_as_init():
        # PID 1 only receives signals it handles: Python's SIGINT handler would let a test
        # raise KeyboardInterrupt in the supervisor.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    scratch = "/tmp" if running_as_init() else _private_scratch()  # noqa: S108 - the sandbox's tmpfs
    zygote = Zygote(scratch)
    try:
        zygote.start()  # first, so pytest is imported while the request is read
        set_dumpable(False)  # before the request is in memory
        from .twin import make_twin  # imported while the zygote imports pytest

        raw = sys.stdin.buffer.read()
        read_at = time.monotonic()
        request = parse_request(raw)
        del raw
        supervisor = Supervisor(zygote, request.tests, request.output_limit)
        report = judge(request, supervisor.execute, _system_random(), make_twin)
        report["timing_ms"] = _timings(started, read_at, zygote, supervisor)
        report = bound_report(report)
    finally:
        zygote.stop()
        if not running_as_init():
            _remove_private_scratch(scratch)
    print_line(report)
    return 0


def _timings(
    started: float, read_at: float, zygote: Zygote, supervisor: Supervisor
) -> dict[str, int]:
    def ms(seconds: float) -> int:
        return round(seconds * 1000)

    return {
        "read_request": ms(read_at - started),
        "zygote_ready": ms((zygote.ready_at or started) - started),
        "runs": ms(supervisor.run_seconds),
        "cleanup": ms(supervisor.cleanup_seconds),
        "between_runs": ms(supervisor.between_seconds),
        "total": ms(time.monotonic() - started),
    }


def _system_random() -> random.Random:
    import random

    return random.SystemRandom()


def _private_scratch() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="arena-judge-")


def _remove_private_scratch(scratch: str) -> None:
    remove_contents(scratch)
    with contextlib.suppress(OSError):
        os.rmdir(scratch)


def print_line(document: dict[str, Any]) -> None:
    sys.stdout.buffer.write(encode_line(document))
    sys.stdout.flush()
