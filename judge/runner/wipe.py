"""Between two runs, everything a run could leave for the next one goes (DESIGN.md 4.4,
"runs are strangers"): files in the scratch space, /dev/shm and /dev/mqueue, and every
System V shared memory segment, semaphore set and message queue of the container's IPC
namespace. Processes (and with them abstract unix sockets) are the sweep's, in supervisor.py.

Only the supervisor calls this, and only as PID 1 of the container for what lies outside
its own scratch directory: on a developer's host it would destroy the user's own state."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from .system import running_as_init

# Other places where a test can leave state for the next run (only wiped as PID 1).
SCRATCH_EXTRAS = ("/dev/shm", "/dev/mqueue")  # noqa: S108 - emptied, not used
IPC_RMID = 0
# /proc/sysvipc/<kind>: a header line, then one object per line with its id second.
SYSV_KINDS = ("shm", "sem", "msg")


def wipe_between_runs(scratch: str) -> None:
    remove_contents(scratch)
    if running_as_init():
        for extra in SCRATCH_EXTRAS:
            remove_contents(extra)
        wipe_sysv_ipc()


def remove_contents(directory: str) -> None:
    """Empty a directory, including entries a test made read-only."""
    import shutil

    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                _make_tree_writable(entry.path)
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


def _make_tree_writable(path: str) -> None:
    for root, dirs, _files in os.walk(path):
        for name in dirs:
            with contextlib.suppress(OSError, NotImplementedError):
                os.chmod(os.path.join(root, name), 0o700, follow_symlinks=False)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)


def wipe_sysv_ipc() -> int:
    """IPC_RMID every System V object of the namespace; returns how many were removed.
    Nothing to remove costs three small reads of /proc. The owner or creator may remove an
    object whatever its mode, and every process of the sandbox runs as the same uid."""
    removed = 0
    for kind in SYSV_KINDS:
        for ipc_id in sysv_ids(kind):
            removed += _remove(kind, ipc_id)
    return removed


def sysv_ids(kind: str) -> list[int]:
    try:
        with open(f"/proc/sysvipc/{kind}", "rb") as listing:
            lines = listing.read().splitlines()[1:]
    except OSError:
        return []
    return parse_sysv_ids(lines)


def parse_sysv_ids(lines: list[bytes]) -> list[int]:
    ids = []
    for line in lines:
        fields = line.split()
        if len(fields) > 1 and fields[1].isdigit():
            ids.append(int(fields[1]))
    return ids


def _remove(kind: str, ipc_id: int) -> int:
    libc = _libc()
    if kind == "shm":
        status = libc.shmctl(ipc_id, IPC_RMID, None)
    elif kind == "sem":
        status = libc.semctl(ipc_id, 0, IPC_RMID)
    else:
        status = libc.msgctl(ipc_id, IPC_RMID, None)
    return 1 if status == 0 else 0


_LIBC: list[Any] = []


def _libc() -> Any:
    """Loaded on the first object to remove: most runs leave none."""
    if not _LIBC:
        import ctypes

        _LIBC.append(ctypes.CDLL(None, use_errno=True))
    return _LIBC[0]
