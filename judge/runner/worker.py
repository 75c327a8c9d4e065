"""The worker: a fork of the zygote that runs the suite against ONE variant.

It reads its job (the suite and the variant's source) from a memfd, writes the suite to a
fresh directory, hands the source to the source-less target loader (target.py), drops
every reference to the job, installs the reference monitor (monitor.py) and runs pytest,
streaming events to the supervisor. It stays non-dumpable, like the zygote it was forked
from: its /proc files belong to root, so not even its own memory can be read through /proc.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
from typing import TYPE_CHECKING, Any

import pytest

from .monitor import install_monitor
from .protocol import REFUSED_CHARS, TEST_FILE
from .recorder import Recorder
from .system import write_all
from .target import install_target

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn

    Emit = Callable[[dict[str, Any]], None]

CRASH_STATUS = 70


def worker_main(fds: list[int], zygote_fds: tuple[int, ...]) -> NoReturn:
    """Never returns: a worker that fell back into the zygote's loop would serve spawns."""
    status = CRASH_STATUS
    try:
        job_fd, events_fd, output_fd = fds
        _isolate(events_fd, output_fd, zygote_fds)
        test_path = _prepare(job_fd)
        os.closerange(3, events_fd)
        os.closerange(events_fd + 1, 1 << 16)
        status = _run_pytest(test_path, events_fd)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        _flush_stdio()
        os._exit(status)


def _isolate(events_fd: int, output_fd: int, zygote_fds: tuple[int, ...]) -> None:
    os.setsid()  # its own process group: the supervisor kills it with everything it forks
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for fd in zygote_fds:
        os.close(fd)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(null)
    os.close(output_fd)
    os.set_inheritable(events_fd, False)  # a subprocess of a test need not hold it


def _prepare(job_fd: int) -> str:
    """Write the suite, load the variant as module `target` (not executed yet), and return
    the suite's path. The job and the source are this frame's locals only: when it returns
    nothing in the worker refers to them any more."""
    with open(job_fd, "rb") as job_file:
        job = json.loads(job_file.read())
    workdir = tempfile.mkdtemp(prefix="run-", dir=job.pop("scratch"))
    test_path = os.path.join(workdir, TEST_FILE)
    with open(test_path, "w", encoding="utf-8") as handle:
        handle.write(job.pop("tests"))
    os.chdir(workdir)
    install_target(job.pop("source"))
    job.clear()
    return test_path


def _run_pytest(test_path: str, events_fd: int) -> int:
    import gc

    gc.collect()  # whatever held the job is gone before the suite runs
    sys.dont_write_bytecode = True  # no __pycache__ next to the suite
    worker = os.getpid()
    emit = _emitter(events_fd, worker)
    install_monitor(test_path, _refusal_reporter(events_fd))
    emit({"event": "ready"})
    args = pytest_args(test_path, os.path.dirname(test_path))
    exit_code = int(pytest.main(args, plugins=[Recorder(emit)]))
    if os.getpid() != worker:
        os._exit(0)  # a test forked and its child came back here: only the worker reports
    _flush_stdio()
    emit({"event": "done", "exit_code": exit_code})
    return 0


def _emitter(fd: int, worker: int) -> Emit:
    def emit(event: dict[str, Any]) -> None:
        if os.getpid() != worker:
            return  # a test forked, and the child went on with pytest: not the run's events
        _send(fd, event)

    return emit


def _refusal_reporter(fd: int) -> Callable[[str], None]:
    """Called by the monitor right before it ends the process with its exit status. Any
    process of the run may report: a refusal in a test's forked child counts as well."""

    def report_refusal(what: str) -> None:
        _send(fd, {"event": "refused", "what": str(what)[:REFUSED_CHARS]})

    return report_refusal


def _send(fd: int, event: dict[str, Any]) -> None:
    # OSError: a test closed or broke the pipe, which only spoils its own run.
    with contextlib.suppress(OSError):
        write_all(fd, (json.dumps(event, separators=(",", ":")) + "\n").encode())


def _flush_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def pytest_args(test_path: str, workdir: str) -> list[str]:
    """No configuration file is looked for (-c /dev/null) nor written (no cacheprovider)."""
    return [
        test_path,
        "-q",
        "--color=no",
        "--tb=short",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:pastebin",
        "-p",
        "no:junitxml",
        "-c",
        "/dev/null",
        "--rootdir",
        workdir,
        "--basetemp",
        os.path.join(workdir, "basetemp"),
    ]
