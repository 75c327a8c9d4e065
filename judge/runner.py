"""Judge runner of the QA Arena sandbox: protocol 1 (judge/PROTOCOL.md, DESIGN.md 4.1-4.4).

Stdlib only; pytest is imported by the zygote. One file plays three roles, so that the image
ships nothing but this script and pytest:

* supervisor (PID 1 of the container, ``runner.py``): reads the request on stdin, plans the
  runs, enforces the per-variant limits, kills and wipes everything after each run and prints
  the report. It never runs user code. It holds every variant's source, so it makes itself
  non-dumpable: no test can read its memory or open its files through /proc.
* zygote (``runner.py --zygote FD``): started by the supervisor through exec, so its memory
  never held the request. It imports pytest once and forks one worker per run.
* worker: a fork of the zygote. It receives the suite and ONE variant's source through a
  memfd, runs pytest with that source as module ``target`` and streams events back. Because
  it is not a fork of the supervisor, no other variant's source is in its memory, not even
  as freed heap bytes that a test could scan through /proc/self/mem.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import select
import signal
import socket
import sys
import time
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import random
    from collections.abc import Callable
    from typing import NoReturn

    Executor = Callable[[str, str, float, str], dict[str, Any]]

PROTOCOL = 1
TEST_FILE = "test_submission.py"
TARGET_FILE = "target.py"
DEFAULT_WALL_SECONDS = 5.0
DEFAULT_OUTPUT_LIMIT = 65536
MESSAGE_CHARS = 2000  # a failure message is a hint for the learner, not a log
MESSAGE_LINES = 20
NAME_CHARS = 500
MAX_TESTS = 20000  # per run; beyond that a suite is abusive, not thorough
MAX_EVENT_LINE = 1 << 20
SPAWN_TIMEOUT = 30.0  # the first spawn waits for the zygote to import pytest
QUIET_TIMEOUT = 2.0  # how long SIGKILLed processes may take to disappear
EXIT_NOTICE_WAIT = 0.5
PR_SET_DUMPABLE = 4
GOLDEN, TWIN, MUTANT = "golden", "twin", "mutant"
TEST_OUTCOMES = frozenset({"passed", "failed", "error", "skipped"})
# Other places where a test can leave state for the next run (only wiped as PID 1).
SCRATCH_EXTRAS = ("/dev/shm", "/dev/mqueue")  # noqa: S108
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
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


class RunnerError(Exception):
    """The runner itself cannot do its job: reported as ``runner_error``, exit status 2."""


# --------------------------------------------------------------------------- request


class Request:
    __slots__ = ("golden", "mutants", "output_limit", "tests", "wall_seconds")

    def __init__(
        self,
        tests: str,
        golden: str,
        mutants: list[tuple[str, str]],
        wall_seconds: float,
        output_limit: int,
    ) -> None:
        self.tests = tests
        self.golden = golden
        self.mutants = mutants
        self.wall_seconds = wall_seconds
        self.output_limit = output_limit


def parse_request(raw: bytes) -> Request:
    """Decode and validate the request; any defect is the worker's bug, hence RunnerError."""
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RunnerError(f"request is not JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("protocol") != PROTOCOL:
        raise RunnerError(f"request is not a protocol {PROTOCOL} object")
    mutants = doc.get("mutants", [])
    if not isinstance(mutants, list):
        raise RunnerError("request.mutants must be a list")
    return Request(
        tests=_text_field(doc, "tests"),
        golden=_text_field(doc, "golden"),
        mutants=[_parse_mutant(item) for item in mutants],
        wall_seconds=float(_number_field(doc, "wall_seconds", DEFAULT_WALL_SECONDS)),
        output_limit=int(_number_field(doc, "output_limit_bytes", DEFAULT_OUTPUT_LIMIT)),
    )


def _parse_mutant(item: object) -> tuple[str, str]:
    if not isinstance(item, dict):
        raise RunnerError("each mutant must be an object")
    return _text_field(item, "name"), _text_field(item, "code")


def _text_field(doc: dict[str, object], key: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str):
        raise RunnerError(f"request field {key!r} must be a string")
    return value


def _number_field(doc: dict[str, object], key: str, default: float) -> float:
    value = doc.get(key, default)
    # bool is an int to Python, never a meaningful limit.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise RunnerError(f"request field {key!r} must be a positive number")
    return value


def syntax_error_of(source: str) -> str | None:
    """Compile the suite without running it; the learner sees the compiler's own words."""
    import traceback
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings belong to pytest's output
            compile(source, TEST_FILE, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError) as exc:
        return "".join(traceback.format_exception_only(exc)).strip()
    return None


# ----------------------------------------------------------------------- equivalent twin


def make_twin(source: str, rng: random.Random) -> str:
    """Golden's equivalent twin (DESIGN 4.4): same behaviour, different text and code.

    Every function, method, nested function and async function starts (after its docstring
    and leading global/nonlocal declarations) with ``<local> = <nonce>; del <local>``, every
    lambda body becomes ``(<nonce>, body)[1]``: each code object gets another co_code and
    co_consts, yet no local stays bound (``locals()`` is unchanged). The text is regenerated
    by ast.unparse (comments and layout differ) and pushed below the last line of golden,
    so no function keeps its co_firstlineno. Raises SyntaxError when golden does not parse.
    """
    tree = ast.parse(source, TARGET_FILE)
    nonce = rng.getrandbits(62) | (1 << 62)  # large, so it never equals a golden constant
    local = "_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(12))
    _TwinTransformer(nonce, local).visit(tree)
    padding = "\n" * (source.count("\n") + 1 + rng.randrange(1, 97))
    twin = padding + ast.unparse(tree) + "\n"
    compile(twin, TARGET_FILE, "exec", dont_inherit=True)  # fail here, not in the sandbox
    return twin


class _TwinTransformer(ast.NodeTransformer):
    def __init__(self, nonce: int, local: str) -> None:
        self._nonce = nonce
        self._local = local

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._function(node)

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self.generic_visit(node)
        pair = ast.Tuple(elts=[ast.Constant(self._nonce), node.body], ctx=ast.Load())
        node.body = ast.Subscript(value=pair, slice=ast.Constant(1), ctx=ast.Load())
        return node

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        self.generic_visit(node)
        at = _nonce_position(node.body)
        node.body[at:at] = ast.parse(f"{self._local} = {self._nonce}\ndel {self._local}").body
        return node


def _nonce_position(body: list[ast.stmt]) -> int:
    """After the docstring (it must stay first) and global/nonlocal (they precede uses)."""
    at = 0
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        at = 1 if isinstance(first.value.value, str) else 0
    while at < len(body) and isinstance(body[at], (ast.Global, ast.Nonlocal)):
        at += 1
    return at


# ------------------------------------------------------------------------ orchestration


def judge(request: Request, execute: Executor, rng: random.Random) -> dict[str, Any]:
    """Protocol order: suite compiles, golden passes (else one rerun), then twin, mutants
    and a last golden run in a random order, so that a test cannot tell the variants apart
    by their position (its pid or the time since the container started)."""
    error = syntax_error_of(request.tests)
    if error is not None:
        return _report(syntax_error=error)
    golden = [execute(GOLDEN, request.golden, request.wall_seconds, GOLDEN)]
    if golden[0]["verdict"] != "passed":
        golden.append(execute(GOLDEN, request.golden, request.wall_seconds, GOLDEN))
        return _report(golden=golden)
    limit = mutant_limit(request.wall_seconds, golden[0]["duration_ms"] / 1000)
    jobs: list[tuple[str, int]] = [(TWIN, 0), (GOLDEN, 0)]
    jobs += [(MUTANT, index) for index in range(len(request.mutants))]
    rng.shuffle(jobs)
    twin: dict[str, Any] | None = None
    mutants: dict[int, dict[str, Any]] = {}
    for kind, index in jobs:
        if kind == TWIN:
            twin = _run_twin(request, execute, rng)
        elif kind == GOLDEN:
            golden.append(execute(GOLDEN, request.golden, request.wall_seconds, GOLDEN))
        else:
            name, code = request.mutants[index]
            mutants[index] = execute(name, code, limit, MUTANT)
    return _report(golden=golden, twin=twin, mutants=[mutants[i] for i in sorted(mutants)])


def mutant_limit(wall_seconds: float, golden_seconds: float) -> float:
    return min(wall_seconds, max(1.0, 5 * golden_seconds + 0.5))


def _run_twin(request: Request, execute: Executor, rng: random.Random) -> dict[str, Any]:
    try:
        source = make_twin(request.golden, rng)
    except (SyntaxError, ValueError, RecursionError) as exc:
        # Deterministic for a given golden: problem validation (DESIGN 4.5) rejects it.
        limit_ms = round(request.wall_seconds * 1000)
        return run_entry(TWIN, "error", 0, limit_ms, [], f"cannot derive the twin: {exc}", False)
    return execute(TWIN, source, request.wall_seconds, TWIN)


def _report(
    syntax_error: str | None = None,
    golden: list[dict[str, Any]] | None = None,
    twin: dict[str, Any] | None = None,
    mutants: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL,
        "syntax_error": syntax_error,
        "golden": golden or [],
        "twin": twin,
        "mutants": mutants or [],
    }


def run_entry(
    name: str,
    verdict: str,
    duration_ms: int,
    limit_ms: int,
    tests: list[dict[str, Any]],
    output: str,
    truncated: bool,
) -> dict[str, Any]:
    return {
        "name": name,
        "verdict": verdict,
        "duration_ms": duration_ms,
        "limit_ms": limit_ms,
        "tests": tests,
        "output": output,
        "output_truncated": truncated,
    }


# ------------------------------------------------------------------------------ verdicts


class Outcome:
    """What the supervisor learnt about one run, before it is judged."""

    __slots__ = ("collection_errors", "exit_code", "tests", "timed_out")

    def __init__(
        self,
        tests: list[dict[str, Any]],
        exit_code: int | None,
        collection_errors: int,
        timed_out: bool,
    ) -> None:
        self.tests = tests
        self.exit_code = exit_code  # None: the worker died before pytest returned
        self.collection_errors = collection_errors
        self.timed_out = timed_out

    def broken(self) -> bool:
        """Crash, collection error, or pytest ending with interrupted/internal/usage error."""
        return self.exit_code not in (0, 1, 5) or self.collection_errors > 0

    def outcomes(self) -> set[str]:
        return {str(test["outcome"]) for test in self.tests}


def golden_verdict(outcome: Outcome) -> str:
    """passed / failed / error / timeout / no_tests, for golden and twin (DESIGN 4.2)."""
    seen = outcome.outcomes()
    if outcome.timed_out:
        return "timeout"
    if outcome.broken():
        return "error"
    if "failed" in seen:
        return "failed"
    if "error" in seen or outcome.exit_code == 1:
        return "error"
    # All tests skipped counts as nothing to judge by, like an empty suite.
    return "passed" if "passed" in seen else "no_tests"


def mutant_verdict(outcome: Outcome) -> str:
    """killed / survived / timeout; any failure, error or crash exposes the mutant."""
    if outcome.timed_out:
        return "timeout"
    if outcome.broken() or outcome.exit_code == 1 or outcome.outcomes() & {"failed", "error"}:
        return "killed"
    return "survived"


# ---------------------------------------------------------------- capture of one run's data


class CappedOutput:
    """Keeps the first and the last halves of at most `limit` bytes: a flood of output can
    neither fill memory nor hide pytest's summary, which comes at the end."""

    def __init__(self, limit: int) -> None:
        self._head_cap = limit // 2
        self._tail_cap = limit - self._head_cap
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self._head_cap - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        self._tail += data
        if len(self._tail) > 2 * self._tail_cap:  # trim rarely: amortised O(1) per byte
            del self._tail[: -self._tail_cap]

    @property
    def truncated(self) -> bool:
        return self.total > self._head_cap + self._tail_cap

    def text(self) -> str:
        tail = bytes(self._tail[-self._tail_cap :]) if self._tail_cap else b""
        if not self.truncated:
            return (bytes(self._head) + bytes(self._tail)).decode("utf-8", "replace")
        omitted = self.total - len(self._head) - len(tail)
        marker = f"\n[... {omitted} bytes of output omitted ...]\n"
        return self._head.decode("utf-8", "replace") + marker + tail.decode("utf-8", "replace")


class EventStream:
    """Parses the worker's JSON lines. A test can write to this pipe too, so every field is
    checked and capped; a forged line can only misreport the run the test itself is in."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skip_line = False
        self.tests: list[dict[str, Any]] = []
        self.running: str | None = None
        self.running_since = 0.0
        self.exit_code: int | None = None
        self.collection_errors = 0
        self.ready = False  # the worker is set up; from here on, user code runs

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if not self._skip_line:
                self._handle(line)
            self._skip_line = False
        if len(self._buffer) > MAX_EVENT_LINE:
            self._buffer.clear()
            self._skip_line = True

    def _handle(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        kind = event.get("event")
        if kind == "ready":
            self.ready = True
        elif kind == "start":
            self.running = _clip(event.get("name"), NAME_CHARS)
            self.running_since = time.monotonic()
        elif kind in ("test", "collect_error"):
            self._add_test(event, collected=kind == "test")
        elif kind == "done" and isinstance(event.get("exit_code"), int):
            self.exit_code = event["exit_code"]

    def _add_test(self, event: dict[str, Any], collected: bool) -> None:
        outcome = event.get("outcome") if collected else "error"
        if outcome not in TEST_OUTCOMES or len(self.tests) >= MAX_TESTS:
            return
        duration = event.get("duration_ms")
        self.collection_errors += 0 if collected else 1
        self.running = None
        self.tests.append(
            test_entry(
                _clip(event.get("name"), NAME_CHARS) or "<collection>",
                str(outcome),
                duration if isinstance(duration, int) and duration >= 0 else 0,
                _clip(event.get("message"), MESSAGE_CHARS),
            )
        )


def test_entry(name: str, outcome: str, duration_ms: int, message: str) -> dict[str, Any]:
    return {"name": name, "outcome": outcome, "duration_ms": duration_ms, "message": message}


def _clip(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


# ------------------------------------------------------------------- process hygiene


def set_dumpable(dumpable: bool) -> None:
    """A non-dumpable process cannot be ptraced and its /proc files (mem, environ, fd)
    belong to root: a test running as the same uid cannot read the supervisor's memory."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, int(dumpable), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def running_as_init() -> bool:
    """Only PID 1 of a container may signal "every process" (kill(-1)) and wipe /tmp;
    anywhere else (a developer's host) that would hit the user's own processes and files."""
    return os.getpid() == 1


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def remove_contents(directory: str) -> None:
    """Empty a scratch directory, including entries a test made read-only."""
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


# ------------------------------------------------------------ supervisor: the zygote handle


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
        argv = [executable, "-s", "-P", os.path.abspath(__file__), "--zygote"]
        argv.append(str(theirs.fileno()))
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        ]
        env = worker_environment(self.scratch, os.path.dirname(executable))
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
            _signal(self.pid, signal.SIGKILL)
            _reap_children(self)
        self._close()

    def resume(self) -> None:
        if self.pid is not None:
            _signal(self.pid, signal.SIGCONT)

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


def _reap_children(zygote: Zygote) -> None:
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
    fork bomb, not a stopped process group. As PID 1, freeze every process at once with
    kill(-1, SIGSTOP) (a fork racing with it fails), then SIGKILL all but the zygote."""
    if running_as_init():
        _signal(-1, signal.SIGSTOP)
        spared = {os.getpid(), zygote.pid}
        for pid in _pids():
            if pid not in spared:
                _signal(pid, signal.SIGKILL)
        zygote.resume()
        _wait_until_alone(zygote)
    else:
        _signal(-worker, signal.SIGKILL)
        _signal(worker, signal.SIGKILL)
        zygote.resume()
        _reap_children(zygote)


def _wait_until_alone(zygote: Zygote) -> None:
    """Killed processes keep their pid (counted by --pids-limit) until reaped."""
    deadline = time.monotonic() + QUIET_TIMEOUT
    while time.monotonic() < deadline:
        _reap_children(zygote)
        zygote.read_messages(0)  # the zygote reports the worker it reaped
        if not [pid for pid in _pids() if pid not in (os.getpid(), zygote.pid)]:
            return
        time.sleep(0.001)


def wipe_scratch(scratch: str) -> None:
    """Every run starts with empty scratch space: a full /tmp cannot break the next run, and
    no file can carry what one variant revealed into the run of another."""
    remove_contents(scratch)
    if running_as_init():
        for extra in SCRATCH_EXTRAS:
            remove_contents(extra)


# --------------------------------------------------------------- supervisor: running a variant


class Channels:
    """The three descriptors a worker gets: its job (a memfd, never a file), the event pipe
    and the output pipe. The supervisor keeps the read ends, non-blocking."""

    def __init__(self, job: bytes) -> None:
        self.job = os.memfd_create("arena-job", os.MFD_CLOEXEC)
        _write_all(self.job, job)
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


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _pump(fd: int, sink: Callable[[bytes], None]) -> bool:
    """Move what is readable now from `fd` to `sink`; False once every writer closed it."""
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not data:
            return False
        sink(data)


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
        self.seconds = 0.0
        self.ended = 0.0
        self.spawn_seconds = 0.0

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
            self.seconds = self.ended - started
            sweep(self.zygote, self.worker)
            _pump(channels.output, self.output.feed)  # what the killed processes left
            _pump(channels.events, self.events.feed)
        finally:
            channels.close()
        if not self.events.ready:
            # No user code ran yet: this failure is the runner's, not the suite's.
            raise RunnerError(f"worker failed before the suite ran: {self.output.text()[-500:]}")

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
                if not _pump(fd, open_fds[fd]):
                    del open_fds[fd]
            if control in ready:
                self.zygote.read_messages(0)
            self.exit_status = self.zygote.exit_status(self.worker)
            if self.exit_status is not None or channels.events not in open_fds:
                _pump(channels.events, self.events.feed)
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

    def outcome(self) -> Outcome:
        tests = list(self.events.tests)
        running = self.events.running
        if running is not None and self.events.exit_code is None:
            # The test that hung or crashed the run is an error: it shows who killed a mutant.
            spent = round((self.ended - self.events.running_since) * 1000)
            tests.append(test_entry(running, "error", spent, self.ending()))
        return Outcome(tests, self.events.exit_code, self.events.collection_errors, self.timed_out)

    def ending(self) -> str:
        """A note for the learner when the run did not end by itself."""
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
        verdict = mutant_verdict(outcome) if kind == MUTANT else golden_verdict(outcome)
        output = self.output.text()
        if self.timed_out or self.events.exit_code is None:
            output += f"\n[judge] {self.ending()}\n"
        return run_entry(
            name,
            verdict,
            round(self.seconds * 1000),
            round(self.limit * 1000),
            outcome.tests,
            output,
            self.output.truncated,
        )


class Supervisor:
    """Executes runs for `judge` and keeps the time each phase takes."""

    def __init__(self, zygote: Zygote, tests: str, output_limit: int) -> None:
        self.zygote = zygote
        self.tests = tests
        self.output_limit = output_limit
        self.run_seconds = 0.0
        self.between_seconds = 0.0  # spawning, sweeping and wiping, once the zygote is up

    def execute(self, name: str, source: str, limit: float, kind: str) -> dict[str, Any]:
        job = {"tests": self.tests, "source": source, "scratch": self.zygote.scratch}
        run = VariantRun(self.zygote, limit, self.output_limit)
        first = self.zygote.ready_at is None
        begin = time.monotonic()
        run.execute(json.dumps(job).encode())
        wipe_scratch(self.zygote.scratch)
        spent = time.monotonic() - begin - run.seconds
        self.run_seconds += run.seconds
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
        raw = sys.stdin.buffer.read()
        read_at = time.monotonic()
        request = parse_request(raw)
        del raw
        supervisor = Supervisor(zygote, request.tests, request.output_limit)
        report = judge(request, supervisor.execute, _system_random())
        report["timing_ms"] = _timings(started, read_at, zygote, supervisor)
    finally:
        zygote.stop()
        if not running_as_init():
            _remove_private_scratch(scratch)
    _print_line(report)
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


def _print_line(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
    sys.stdout.flush()


# ------------------------------------------------------------------------------- zygote


def zygote_main(control_fd: int) -> None:
    """Serve spawn requests until the supervisor goes away. Reaped workers are reported, so
    the supervisor learns at once that a worker crashed (an OOM kill, os._exit)."""
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
            _pump(wake_r, _discard)
            _report_exits(control)
        if control_fd in ready and not _serve_spawn(control, own_fds):
            return


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


def _serve_spawn(control: socket.socket, own_fds: tuple[int, ...]) -> bool:
    try:
        message, fds, _flags, _addr = socket.recv_fds(control, 64, 3)
    except OSError:
        return False
    if not message:
        return False
    pid = -1
    if len(fds) == 3:
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


# ------------------------------------------------------------------------------- worker


def worker_main(fds: list[int], zygote_fds: tuple[int, ...]) -> NoReturn:
    """Never returns: a worker that fell back into the zygote's loop would serve spawns."""
    status = 70
    try:
        job_fd, events_fd, output_fd = fds
        _isolate(events_fd, output_fd, zygote_fds)
        with open(job_fd, "rb") as job_file:
            job = json.loads(job_file.read())
        os.closerange(3, events_fd)
        os.closerange(events_fd + 1, 1 << 16)
        status = _run_job(job, _emitter(events_fd, os.getpid()))
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
    set_dumpable(True)  # a normal process: its own memory is all it could see
    _raise_oom_score()
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(null)
    os.close(output_fd)
    os.set_inheritable(events_fd, False)  # a subprocess of a test need not hold it


def _raise_oom_score() -> None:
    """Under memory pressure the kernel must pick the test, not the supervisor or zygote."""
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as handle:
        handle.write("1000")


def _flush_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def _emitter(fd: int, worker: int) -> Callable[[dict[str, Any]], None]:
    def emit(event: dict[str, Any]) -> None:
        if os.getpid() != worker:
            return  # a test forked, and the child went on with pytest: not the run's events
        # OSError: a test closed or broke the pipe, which only spoils its own run.
        with contextlib.suppress(OSError):
            _write_all(fd, (json.dumps(event, separators=(",", ":")) + "\n").encode())

    return emit


def _run_job(job: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> int:
    import gc
    import tempfile

    import pytest

    worker = os.getpid()
    workdir = tempfile.mkdtemp(prefix="run-", dir=job.pop("scratch"))
    test_path = os.path.join(workdir, TEST_FILE)
    with open(test_path, "w", encoding="utf-8") as handle:
        handle.write(job.pop("tests"))
    os.chdir(workdir)
    install_target(job.pop("source"))
    del job
    gc.collect()
    sys.dont_write_bytecode = True  # no __pycache__ next to the suite
    emit({"event": "ready"})
    exit_code = int(pytest.main(pytest_args(test_path, workdir), plugins=[Recorder(emit)]))
    if os.getpid() != worker:
        os._exit(0)  # a test forked and its child came back here: only the worker reports
    _flush_stdio()
    emit({"event": "done", "exit_code": exit_code})
    return 0


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


class TargetModule:
    """Meta-path finder and loader of module `target`, compiled from memory: the source is
    never on disk. First on sys.meta_path, so a file named target.py cannot shadow it."""

    def __init__(self, source: str) -> None:
        self.source = source

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> Any:
        import importlib.util

        if fullname != "target":
            return None
        # Duck-typed loader: importlib.abc would cost the supervisor 30 ms of imports.
        return importlib.util.spec_from_loader(fullname, cast("Any", self), origin=TARGET_FILE)

    def create_module(self, spec: object) -> None:
        return None  # the default module object

    def exec_module(self, module: Any) -> None:
        module.__file__ = TARGET_FILE  # inspect.getsource finds it in linecache
        code = compile(self.source, TARGET_FILE, "exec", dont_inherit=True)
        exec(code, module.__dict__)  # noqa: S102 - running the variant is the point

    def get_source(self, fullname: str) -> str:
        return self.source


def install_target(source: str) -> None:
    """`import target` runs the variant during collection, so an import error is a pytest
    collection error with its traceback; tracebacks show its lines (mtime None: linecache
    never drops the entry for a missing file)."""
    import linecache

    linecache.cache[TARGET_FILE] = (len(source), None, source.splitlines(True), TARGET_FILE)
    sys.meta_path.insert(0, TargetModule(source))


class Recorder:
    """pytest plugin: streams each test's outcome as soon as its teardown is reported, so
    a run that times out still tells which tests ran and which one hung."""

    def __init__(self, emit: Callable[[dict[str, Any]], None]) -> None:
        self._emit = emit
        self._tests: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._emit({"event": "start", "name": short_name(nodeid)})

    def pytest_runtest_logreport(self, report: Any) -> None:
        entry = self._tests.setdefault(report.nodeid, test_entry("", "passed", 0, ""))
        entry["duration_ms"] += report.duration * 1000
        merge_phase(entry, report)
        if report.when == "teardown":
            del self._tests[report.nodeid]
            entry.update(name=short_name(report.nodeid), event="test")
            entry["duration_ms"] = round(entry["duration_ms"])
            self._emit(entry)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            message = tail_lines(report.longreprtext)  # the exception is at the end
            self._emit(
                {"event": "collect_error", "name": short_name(report.nodeid), "message": message}
            )


def short_name(nodeid: str) -> str:
    """Node id without the file part: test_x, TestA::test_b, test_p[1-2]."""
    return nodeid.partition("::")[2] or "<collection>"


def merge_phase(entry: dict[str, Any], report: Any) -> None:
    """setup/teardown failures are errors, call failures are failures, skips (and xfails)
    are skips; the first message wins."""
    if report.failed:
        entry["outcome"] = "failed" if report.when == "call" else _worse(entry["outcome"])
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"
    else:
        return
    entry["message"] = entry["message"] or failure_message(report)


def _worse(outcome: str) -> str:
    return outcome if outcome == "failed" else "error"


def failure_message(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        return head_lines(str(longrepr[2]))
    crash = getattr(longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    return head_lines(message if isinstance(message, str) else report.longreprtext)


def head_lines(text: str) -> str:
    return "\n".join(text.splitlines()[:MESSAGE_LINES])[:MESSAGE_CHARS]


def tail_lines(text: str) -> str:
    return "\n".join(text.splitlines()[-MESSAGE_LINES:])[-MESSAGE_CHARS:]


# --------------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    if argv[1:2] == ["--zygote"]:
        zygote_main(int(argv[2]))
        return 0
    try:
        return supervisor_main()
    except BaseException as exc:  # the worker must get a decodable line, whatever happened
        import traceback

        traceback.print_exc()
        _print_line({"protocol": PROTOCOL, "runner_error": f"{type(exc).__name__}: {exc}"})
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
