"""Small process and descriptor helpers shared by the supervisor, the zygote and the worker."""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

PR_SET_DUMPABLE = 4


def set_dumpable(dumpable: bool) -> None:
    """A non-dumpable process cannot be ptraced and its /proc files (mem, environ, fd)
    belong to root: a process of the same uid, itself included, cannot read its memory."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, int(dumpable), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def running_as_init() -> bool:
    """Only PID 1 of a container may signal "every process" (kill(-1)) and wipe /tmp, /dev/shm
    and IPC; anywhere else (a developer's host) that would hit the user's own processes."""
    return os.getpid() == 1


def signal_quietly(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def pump(fd: int, sink: Callable[[bytes], None]) -> bool:
    """Move what is readable now from `fd` to `sink`; False once every writer closed it."""
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not data:
            return False
        sink(data)
