"""Between two runs, everything a run could leave for the next one goes (DESIGN.md 4.4,
"runs are strangers"): files in the scratch space, /dev/shm and /dev/mqueue, and every
System V shared memory segment, semaphore set and message queue of the container's IPC
namespace. Processes (and with them abstract unix sockets) are the sweep's, in supervisor.py.

Only the supervisor calls this, and only as PID 1 of the container for what lies outside
its own scratch directory: on a developer's host it would destroy the user's own state."""

from __future__ import annotations

import os
from typing import Any

from .system import running_as_init

# Other places where a test can leave state for the next run (only wiped as PID 1).
SCRATCH_EXTRAS = ("/dev/shm", "/dev/mqueue")  # noqa: S108 - emptied, not used
IPC_RMID = 0
# /proc/sysvipc/<kind>: a header line, then one object per line with its id second.
SYSV_KINDS = ("shm", "sem", "msg")


def wipe_between_runs(scratch: str) -> int:
    """Returns how many files and directories the run left (counted against its time)."""
    removed = remove_contents(scratch)
    if running_as_init():
        for extra in SCRATCH_EXTRAS:
            removed += remove_contents(extra)
        wipe_sysv_ipc()
    return removed


DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def remove_contents(directory: str) -> int:
    """Empty `directory` and return how many entries went, whatever a test left in it: no
    recursion (a chain of 20,000 nested directories is fine), at most three descriptors open
    (the nofile limit), directories a test made read-only or unreadable, any name (bytes
    that are not UTF-8, newlines, leading dashes). Symbolic links are removed, never
    followed. Every process of the run is dead by now, so nothing changes meanwhile; an
    entry that cannot be removed is left, and never looked at twice."""
    try:
        fd = os.open(directory, DIRECTORY_FLAGS)
    except OSError:
        return 0
    removed = 0
    # The directories entered below `directory`, each with the names in it to leave alone.
    path: list[tuple[str, set[str]]] = []
    skip: set[str] = set()
    try:
        while True:
            child, count = _empty_level(fd, skip)
            removed += count
            if child is not None:
                name, child_fd = child
                path.append((name, skip))
                os.close(fd)
                fd, skip = child_fd, set()
                continue
            if not path:
                return removed
            name, skip = path.pop()
            parent = os.open("..", DIRECTORY_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = parent
            try:
                os.rmdir(name, dir_fd=fd)
                removed += 1
            except OSError:
                skip.add(name)
    finally:
        os.close(fd)


def _empty_level(fd: int, skip: set[str]) -> tuple[tuple[str, int] | None, int]:
    """Remove what can go from the directory at `fd` without descending; stop at the first
    directory that is not empty and return it, opened (the caller goes down into it). A
    directory that cannot be listed is left as it is (its parent then skips it)."""
    removed = 0
    try:
        with os.scandir(fd) as entries:  # a duplicate of fd, rewound when closed
            for entry in entries:
                if entry.name in skip:
                    continue
                try:
                    child = _remove_or_open(fd, entry)
                except OSError:
                    skip.add(entry.name)
                    continue
                if child is not None:
                    return (entry.name, child), removed
                removed += 1
    except OSError:
        pass
    return None, removed


def _remove_or_open(fd: int, entry: os.DirEntry[str]) -> int | None:
    """Remove the entry, or open it when it is a directory that is not empty."""
    name = entry.name
    if not entry.is_dir(follow_symlinks=False):
        os.unlink(name, dir_fd=fd)
        return None
    try:
        os.rmdir(name, dir_fd=fd)  # most directories a run leaves are empty
        return None
    except OSError:
        pass
    # Readable, writable, searchable: a test may have made it none of them. No other
    # process is left to swap it for a symbolic link meanwhile.
    os.chmod(name, 0o700, dir_fd=fd)
    return os.open(name, DIRECTORY_FLAGS, dir_fd=fd)


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
