"""The zygote: started by exec (so its memory never held the request), it imports pytest
and the worker's modules once, then forks one worker per spawn request. Reaped workers are
reported, so the supervisor learns at once that a worker crashed (an OOM kill, os._exit)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket

from .system import pump, set_dumpable
from .worker import worker_main

# What a pytest session imports lazily (found with sys.modules in a worker): the zygote
# imports them once instead of every worker again.
PRELOADED_MODULES = (
    "_pytest._argcomplete",
    "pdb",
    "faulthandler",
    "readline",
    "difflib",
    "pprint",
    "unittest",
    "tempfile",
    "importlib.util",
)
PID_BURN_MASK = 63  # 0..63 pids burnt before each fork


def zygote_main(control_fd: int) -> None:
    """Serve spawn requests until the supervisor goes away."""
    os.environ.pop("PYTHONPATH", None)  # only the zygote's own start needed it
    _raise_oom_score()  # inherited by every worker; writable only while still dumpable
    set_dumpable(False)
    _preload_pytest()
    import gc

    gc.freeze()  # workers share these objects copy-on-write; their gc skips them
    control = socket.socket(fileno=control_fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, _on_sigchld)
    own_fds = (control_fd, wake_r, wake_w)
    while True:
        ready, _, _ = select.select([control_fd, wake_r], [], [])
        if wake_r in ready:
            pump(wake_r, _discard)
            _report_exits(control)
        if control_fd in ready and not _serve_spawn(control, own_fds):
            return


def _raise_oom_score() -> None:
    """Under memory pressure the kernel must pick a test, not the supervisor. A worker is
    non-dumpable, so its /proc files belong to root and it could not set this itself."""
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as handle:
        handle.write("1000")


def _on_sigchld(_signum: int, _frame: object) -> None:
    """A Python-level handler, so that the wakeup fd is written on SIGCHLD."""


def _discard(_data: bytes) -> None:
    pass


def _preload_pytest() -> None:
    """Import once here what every pytest session needs, so that workers only fork."""
    import importlib

    import pytest  # noqa: F401
    from _pytest.config import default_plugins

    for name in default_plugins:
        importlib.import_module(f"_pytest.{name}")
    for name in PRELOADED_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    from . import monitor

    monitor.prepare()  # what every worker's monitor needs, computed once


def _report_exits(control: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        try:
            control.send(b"exit %d %d" % (pid, status))
        except OSError:
            return


def burn_pids(count: int) -> None:
    """Start `count` short threads, one after the other: each takes the next pid of the
    namespace, so a worker's pid is not the zygote's plus a run counter (DESIGN.md 4.4,
    runs are strangers). About 25 us a thread; the last one may still be ending when the
    zygote forks, which only the zygote sees (a forked child has the calling thread only)."""
    import _thread

    done = _thread.allocate_lock()
    for _ in range(count):
        done.acquire()
        _thread.start_new_thread(done.release, ())
    with done:  # the last thread released it
        pass


def _serve_spawn(control: socket.socket, own_fds: tuple[int, ...]) -> bool:
    try:
        message, fds, _flags, _addr = socket.recv_fds(control, 64, 3)
    except OSError:
        return False
    if not message:
        return False
    pid = -1
    if len(fds) == 3:
        with contextlib.suppress(RuntimeError):  # cannot start a thread: the pids limit
            burn_pids(os.urandom(1)[0] & PID_BURN_MASK)
        try:
            pid = os.fork()
        except OSError:
            pid = -1
        if pid == 0:
            worker_main(fds, own_fds)
    for fd in fds:
        os.close(fd)
    try:
        control.send(b"pid %d" % pid)
    except OSError:
        return False
    return True
