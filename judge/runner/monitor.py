"""The reference monitor (DESIGN.md 4.4): a PEP 578 audit hook that lets a suite call the
code under test but not read it.

``install_monitor(suite_path, report_refusal)`` is called by the worker after
``install_target`` and right before ``pytest.main``. From then on the hook sees every audit
event of the process (and of the children it forks) and, for the operations below, either
lets them pass or calls ``report_refusal(description)`` and ends the process with
``os._exit(REFUSED_EXIT_STATUS)``, so that a suite can neither catch the refusal nor go on.

Target: a frame whose globals are the target module's dictionary, a function whose
``__globals__`` is that dictionary, a generator/coroutine whose frame is such a frame, and
the code objects compiled by install_target (by identity). Code objects are what must never
reach a suite: they hold the bytecode, the constants and the names, i.e. the code itself.
Trusted: code whose file is in the stdlib (not site-packages), in pytest, _pytest, pluggy,
iniconfig, packaging, in this package, a frozen module, or the frames that called
install_monitor (the worker's). Suite: anything else ("<string>", code the suite compiles).

Refused, whoever asks (a code object or raw memory would be the code itself):
  * a target function's ``__code__``, except inspect.signature and inspect.is*function
    reading it at their own instruction (parameters and flags are the interface);
    ``__defaults__``/``__kwdefaults__`` pass for the same reason;
  * a target frame's ``f_code``; ``gi_code``/``gi_frame`` (``cr_``, ``ag_``) of a generator
    whose frame is target code or is gone (a finished one cannot be told apart), except
    asyncio's repr of a task (a name and "target.py:1"); the loader's suspended executor;
  * a frame of inspect._signature_from_function (it holds a target code object in a local)
    through ``sys._getframe``, ``tb_frame`` or a generator;
  * ``exec`` or ``function.__new__`` of a target code object (the loader's one ``exec`` of
    the module body excepted); ``marshal.dumps`` of one;
  * ``compile`` with the file name ``target.py``, or with the name of a trusted file unless
    the source is that file's content (importlib compiling a module without byte code);
    ``marshal.loads`` unless importlib loads the byte code file of a trusted module;
    ``marshal.load``; ``code.__new__`` (``CodeType``, ``code.replace``) naming such a file
    or with a frame that is not trusted on the stack (types.coroutine excepted): a suite
    cannot dress its own code as trusted;
  * ``ctypes.*``, ``gc.get_objects``/``get_referrers``/``get_referents``,
    ``sys._current_frames``, ``sys.settrace``, ``sys.setprofile``, ``sys.addaudithook``,
    a subinterpreter (it has no monitor, and ctypes there reads this one's memory), the
    import of _testcapi, _testinternalcapi, _xxsubinterpreters and the like;
  * reading ``__defaults__``/``__kwdefaults__`` or setting ``__code__``/``__defaults__``/
    ``__kwdefaults__`` of a function of this module; ``_imp.create_builtin`` and
    ``_imp.exec_builtin`` of ``_signal`` or ``_imp`` (a fresh ``signal.signal``);
  * opening ``/proc/<self|thread-self|pid>[/task/<tid>]/{mem,pagemap,map_files/...}``,
    on any path the kernel walks (symbolic links followed);
  * starting a program: ``subprocess.Popen``, ``os.exec*``, ``os.posix_spawn*``,
    ``os.system`` (it would run without this monitor); more than MAX_FORKS forks.

Frames (data, not code) of target code: ``sys._getframe`` returning a frame whose
``f_back`` chain holds a target frame, and ``tb_frame`` of such a frame, are refused when a
frame of the suite is on the stack. While the target module body executes (``import
target``) only the frames it called count, so namedtuple, enum, typing and dataclasses may
look at their caller. Otherwise, with no suite frame on the stack, ``tb_frame`` passes only
inside pytest's report of a failure: pytest reads the frames for ``__tracebackhide__``,
which target.py sets in the target module, so reports end at the learner's own lines and
pytest never needs a target frame's code (its f_code stays refused even there).

traceback.format_exception reads f_code for file and function names: that read passes
only at traceback's own instruction, for pytest's report of an exception in a thread (not
the main thread, where signal handlers run), and those traceback frames are never handed
out either.

The hook never reads ``f_code``: a frame's file name comes from ``repr(frame)`` and the
target is recognised by the identity of ``f_globals``. It reads only C attributes of objects
whose exact type it checked first, so no code of the suite runs inside it. It has no
re-entrancy switch: the only audited attributes it reads itself (``tb_frame``,
``gi_frame``) pass by a per-thread token naming the object, and its own
``sys._getframe(0)`` passes because the frame returned is its own (in ``raiser``).

A Python signal handler receives the frame it interrupts: were it one of the hook's, its
locals would hand the suite the hook's closures (and cells can be rewritten). So
``_signal.signal`` and ``_signal.getsignal`` are replaced: a handler is installed through
the hook as ``types.MethodType(_dispatch_signal, handler)`` (immutable), which defers a
signal that interrupts the hook until the hook is done and then calls the handler with the
frame that raised the event. Its defaults, like every function of this module, cannot be
read or replaced, and ``_signal`` cannot be created or initialised anew.

Its state lives in closures and no name in the hook is looked up in this module's globals
or in builtins (a test checks the byte code): a suite that imports this module and rebinds
its names changes nothing; a second hook is refused (``sys.addaudithook``) and
install_target's registration is taken once.
"""

from __future__ import annotations

import _signal as _signal_module  # type: ignore[import-not-found]
import functools
import os
import sys
import sysconfig
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

REFUSED_EXIT_STATUS = 87
MAX_FORKS = 16
TRUSTED_PACKAGES = ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "py")

# object.__getattr__ names (all audited by CPython 3.11)
# inspect's readers of a function's __code__ that keep only its interface (parameter names,
# flags): (function name, offset of its LOAD_ATTR __code__), found at install time.
_INTERFACE_READERS = ("_signature_from_function", "_has_code_flag")
# traceback's readers of a frame's f_code (file and function names for a formatted
# traceback), let through in pytest's report of an exception in a thread only.
_TRACEBACK_READERS = ("_walk_tb_with_full_positions", "_extract_from_extended_frame_gen")
# Functions that hold a target code object in a local once let through: their frames are
# never handed out (inspect's and traceback's, by module).
_HOLDERS = {
    "inspect": ("_signature_from_function",),
    "traceback": ("_get_code_position", *_TRACEBACK_READERS),
}
_GENERATOR_ATTRS = {
    "gi_code": "gi_frame",
    "gi_frame": "gi_frame",
    "cr_code": "cr_frame",
    "cr_frame": "cr_frame",
    "ag_code": "ag_frame",
    "ag_frame": "ag_frame",
}
_GENERATOR_TYPES = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)
FORK_EXEC_EVENT = "runner.monitor.fork_exec"
_ALWAYS_REFUSED = {
    "gc.get_objects": "gc: gc.get_objects",
    "gc.get_referrers": "gc: gc.get_referrers",
    "gc.get_referents": "gc: gc.get_referents",
    "sys._current_frames": "inspect: sys._current_frames",
    "sys.settrace": "inspect: sys.settrace",
    "sys.setprofile": "inspect: sys.setprofile",
    "sys.addaudithook": "monitor: sys.addaudithook",
    "marshal.load": "code: marshal.load",
    "subprocess.Popen": "process: subprocess.Popen",
    "os.exec": "process: os.exec",
    "os.posix_spawn": "process: os.posix_spawn",
    "os.spawn": "process: os.spawn",
    "os.system": "process: os.system",
    "os.startfile": "process: os.startfile",
    "pty.spawn": "process: pty.spawn",
    # another interpreter has no monitor (and ctypes there reads this one's memory)
    "cpython.PyInterpreterState_New": "memory: a subinterpreter",
    FORK_EXEC_EVENT: "process: _posixsubprocess.fork_exec",
}
# Modules whose import is refused: raw memory or other interpreters without this monitor.
_REFUSED_IMPORTS = frozenset(
    {
        "_testcapi",
        "_testinternalcapi",
        "_testbuffer",
        "_testmultiphase",
        "_testsinglephase",
        "_testimportmultiple",
        "_xxsubinterpreters",
        "_xxinterpchannels",
        "_xxtestfuzz",
    }
)
# Raised by target.py's loader when anything asks it for the target's source.
GET_SOURCE_EVENT = "runner.target.get_source"
SIGNAL_EVENT = "runner.monitor.signal"
IMP_EVENT = "runner.monitor.imp"
# Functions of pytest that build the report of a failure (of a test, of a thread, of a
# __del__): tb_frame through target code passes only with one of them on the stack.
_REPORT_FUNCTIONS = frozenset(
    {
        "_repr_failure_py",
        "repr_failure",
        "from_item_and_call",
        "_getreprcrash",
        "getrepr",
        "thread_exception_hook",
        "unraisable_hook",
    }
)
_PROC_FILES = ("mem", "pagemap", "map_files")
_S_IFMT = 0o170000
_S_IFLNK = 0o120000


def install_monitor(suite_path: str, report_refusal: Callable[[str], None]) -> None:
    """Install the audit hook. Requires install_target first (its registration is taken
    here, once). `suite_path` must not lie in a trusted directory."""
    from .target import TARGET_FILE, take_registration

    registration = take_registration()
    if registration is None:
        raise RuntimeError("install_monitor needs install_target first, and only once")
    module, codes = registration
    trusted = _trusted_files()
    if trusted.contains(os.path.abspath(suite_path)):
        raise RuntimeError(f"the suite {suite_path!r} lies in a trusted directory")
    # The frames that called this function (the worker's, down to the zygote's) stay on
    # the stack below pytest.main: whatever their file, they are the runner's.
    caller: types.FrameType | None = sys._getframe(1)
    base = []
    while caller is not None:
        base.append(caller)
        caller = caller.f_back
    hook = _make_hook(
        _Context(module.__dict__, codes, trusted, TARGET_FILE, take_registration.__globals__),
        report_refusal,
        base,
    )
    del base, caller
    _guard_signals_and_builtin_modules()
    # Keeps every code object compiled for target alive, so that no id in the hook's
    # registry can ever be reused by another object; a C callable with no frame and no
    # attribute path from anywhere a test can reach (audit hooks cannot be listed).
    sys.addaudithook(_keep_alive(codes))
    sys.addaudithook(hook)


def _guard_signals_and_builtin_modules() -> None:
    """A Python signal handler receives the frame it interrupts, which could be one of the
    hook's. From now on signal.signal installs handlers through the hook, wrapped so that
    they run after the hook (see _dispatch_signal), and _signal cannot be created or
    initialised again (that would give back the unwrapped function)."""
    import _imp
    import _posixsubprocess
    import _signal
    import inspect
    import traceback

    _dispatch_signal.__kwdefaults__["_holders"] = (  # type: ignore[index]
        (vars(inspect), tuple(f", code {name}>" for name in _HOLDERS["inspect"])),
        (vars(traceback), tuple(f", code {name}>" for name in _HOLDERS["traceback"])),
    )
    _signal.signal = _signal_signal  # signal.signal calls it
    _signal.getsignal = _signal_getsignal
    _imp.create_builtin = _imp_create_builtin
    _imp.exec_builtin = _imp_exec_builtin
    _imp.create_dynamic = _imp_create_dynamic
    _imp.exec_dynamic = _imp_exec_dynamic
    # It starts a program without any audit event (subprocess audits before calling it).
    _posixsubprocess.fork_exec = _refused_fork_exec
    subprocess = sys.modules.get("subprocess")
    if subprocess is not None:
        subprocess._fork_exec = _refused_fork_exec  # type: ignore[attr-defined]


def _signal_signal(signalnum: int, handler: Any) -> Any:
    """signal.signal, through the monitor (which keeps the real one)."""
    box: list[Any] = []
    sys.audit(SIGNAL_EVENT, signalnum, handler, box)
    if not box or box[0] is not None:
        raise box[0] if box else RuntimeError("the reference monitor is not installed")
    return box[1]


def _signal_getsignal(
    signalnum: int,
    *,
    _real: Any = _signal_module.getsignal,
    _dispatch: Any = None,
    _method: Any = types.MethodType,
    _type: Any = type,
) -> Any:
    """signal.getsignal: the handler as it was given to signal.signal."""
    handler = _real(signalnum)
    if _type(handler) is _method and handler.__func__ is _dispatch:
        return handler.__self__
    return handler


def _imp_create_builtin(spec: Any) -> Any:
    box: list[Any] = []
    sys.audit(IMP_EVENT, "create_builtin", spec, (), box)
    if not box or box[0] is not None:
        raise box[0] if box else RuntimeError("the reference monitor is not installed")
    return box[1]


def _imp_exec_builtin(module: Any) -> Any:
    box: list[Any] = []
    sys.audit(IMP_EVENT, "exec_builtin", module, (), box)
    if not box or box[0] is not None:
        raise box[0] if box else RuntimeError("the reference monitor is not installed")
    return box[1]


def _imp_create_dynamic(spec: Any, *file: Any) -> Any:
    box: list[Any] = []
    sys.audit(IMP_EVENT, "create_dynamic", spec, file, box)
    if not box or box[0] is not None:
        raise box[0] if box else RuntimeError("the reference monitor is not installed")
    return box[1]


def _imp_exec_dynamic(module: Any) -> Any:
    box: list[Any] = []
    sys.audit(IMP_EVENT, "exec_dynamic", module, (), box)
    if not box or box[0] is not None:
        raise box[0] if box else RuntimeError("the reference monitor is not installed")
    return box[1]


def _refused_fork_exec(*args: Any) -> Any:
    sys.audit(FORK_EXEC_EVENT)
    raise RuntimeError("the reference monitor refuses _posixsubprocess.fork_exec")


def _dispatch_signal(
    handler: Any,
    signum: int,
    frame: Any,
    *,
    _pending: list[Any] = [],  # noqa: B006 - one list for the process, on purpose
    _my_globals: dict[str, Any] = globals(),  # noqa: B008
    _holders: tuple[tuple[dict[str, Any], tuple[str, ...]], ...] = (),
    _repr: Any = types.FrameType.__repr__,
) -> None:
    """The handler installed for a Python signal handler (as types.MethodType(this, handler),
    which cannot be altered). Interrupting the hook, or a function that holds a target code
    object in a local (_HOLDERS), it only notes the signal: the hook calls the handler at the
    end of a later event, with the frame that raised it. No global names: a suite could
    rebind them in this module; its defaults cannot be read nor replaced (the hook refuses
    __defaults__, __kwdefaults__ and __code__ of this module's functions)."""
    probe = frame
    while probe is not None:
        if probe.f_globals is _my_globals:
            _pending.append((handler, signum))
            return
        for globals_, suffixes in _holders:
            if probe.f_globals is globals_ and _repr(probe).endswith(suffixes):
                _pending.append((handler, signum))
                return
        probe = probe.f_back
    handler(signum, frame)


_signal_getsignal.__kwdefaults__["_dispatch"] = _dispatch_signal  # type: ignore[index]


def _keep_alive(objects: tuple[Any, ...]) -> Any:
    import functools

    return functools.partial(slice, objects)  # slice(objects, event, args): no effect


class _TrustedFiles:
    """Which code file names are the stdlib's, pytest's (and its dependencies') or this
    package's. Only canonical absolute names count (no '..', '.', '//' parts), so that a
    name cannot point into a trusted directory from elsewhere; frozen modules too."""

    def __init__(self) -> None:
        prefixes: set[str] = set()
        files: set[str] = set()
        stdlib: set[str] = set()
        for key in ("stdlib", "platstdlib"):
            path = sysconfig.get_paths().get(key)
            if path:
                stdlib.update({path, os.path.realpath(path)})
        for name in TRUSTED_PACKAGES:
            loaded = sys.modules.get(name)
            filename = getattr(loaded, "__file__", None) if loaded is not None else None
            if not isinstance(filename, str):
                continue
            if os.path.basename(filename) == "__init__.py":
                for path in (
                    os.path.dirname(filename),
                    os.path.dirname(os.path.realpath(filename)),
                ):
                    prefixes.add(path)
            else:
                files.update({filename, os.path.realpath(filename)})
        here = os.path.dirname(os.path.abspath(__file__))
        prefixes.update({here, os.path.realpath(here)})
        self.stdlib = tuple(sorted(path + "/" for path in stdlib))
        self.prefixes = tuple(sorted(path + "/" for path in prefixes))
        self.files = frozenset(files)
        self.type_of, self.str_type = type, str

    def contains(self, filename: str) -> bool:
        """Used by the hook: no global name (a suite could rebind those of this module)."""
        if self.type_of(filename) is not self.str_type:
            return False
        if filename.startswith("<frozen ") and filename.endswith(">"):
            return True
        if not filename.startswith("/") or "//" in filename:
            return False
        if "/./" in filename or "/../" in filename or filename.endswith(("/.", "/..")):
            return False
        if filename in self.files or filename.startswith(self.prefixes):
            return True
        for prefix in self.stdlib:
            if filename.startswith(prefix):
                rest = filename.removeprefix(prefix)
                return not rest.startswith(("site-packages/", "dist-packages/"))
        return False


def prepare() -> None:
    """What install_monitor needs that does not depend on the variant, computed once in
    the zygote (after pytest is imported) so that every forked worker inherits it."""
    _trusted_files()
    _code_readers()


@functools.cache
def _trusted_files() -> _TrustedFiles:
    return _TrustedFiles()


@functools.cache
def _code_readers() -> tuple[frozenset[tuple[str, int]], frozenset[tuple[str, int]]]:
    """(inspect's readers of __code__ that keep only the interface, traceback's readers of
    f_code): (function name, offset of the LOAD_ATTR) pairs."""
    import dis
    import inspect
    import traceback

    interface = set()
    for name in _INTERFACE_READERS:
        for instruction in dis.get_instructions(getattr(inspect, name)):
            if instruction.opname == "LOAD_ATTR" and instruction.argval == "__code__":
                interface.add((name, instruction.offset))
    tracebacks = set()
    for function in (
        traceback._walk_tb_with_full_positions,  # type: ignore[attr-defined]
        traceback.StackSummary._extract_from_extended_frame_gen,  # type: ignore[attr-defined]
    ):
        for instruction in dis.get_instructions(function):
            if instruction.opname == "LOAD_ATTR" and instruction.argval == "f_code":
                tracebacks.add((function.__name__, instruction.offset))
    return frozenset(interface), frozenset(tracebacks)


class _Context:
    """What the hook needs to know, gathered before it is installed."""

    def __init__(
        self,
        target_globals: dict[str, Any],
        codes: tuple[types.CodeType, ...],
        trusted: _TrustedFiles,
        target_file: str,
        loader_globals: dict[str, Any],
    ) -> None:
        import inspect
        import traceback

        self.target_globals = target_globals
        self.codes = codes
        self.trusted = trusted
        self.target_file = target_file
        self.loader_globals = loader_globals
        self.inspect_globals = vars(inspect)
        self.interface_readers, self.traceback_readers = _code_readers()
        self.traceback_globals = vars(traceback)
        self.holders = (
            (vars(inspect), frozenset(_HOLDERS["inspect"])),
            (vars(traceback), frozenset(_HOLDERS["traceback"])),
        )
        import threading

        self.main_thread = threading.main_thread().ident


def _frame_location(text: str) -> tuple[str | None, str]:
    """(file name, code name) from repr(frame): "<frame at 0x.., file 'F', line N, code C>".
    A file name that repr had to escape is returned as None (never trusted): repr picks the
    quote the name does not contain, so without a backslash the first closing quote ends it."""
    start = text.find(", file ")
    if start < 0:
        return None, ""
    start += 7
    quote = text[start : start + 1]
    end = text.find(quote, start + 1) if quote in ("'", '"') else -1
    name_at = text.rfind(", code ")
    code_name = text[name_at + 7 : -1] if name_at > end else ""
    if end < 0 or "\\" in text[start:end]:
        return None, code_name
    return text[start + 1 : end], code_name


def _make_hook(
    context: _Context,
    report_refusal: Callable[[str], None],
    base_frames: list[Any],
) -> Callable[[str, tuple[Any, ...]], None]:
    """Everything the hook uses is bound here, once: a suite that later replaces a module
    attribute (os._exit, REFUSED_EXIT_STATUS, json.dumps ...) does not change the hook."""
    import _imp
    import _signal
    import _thread
    import builtins
    from importlib.machinery import ModuleSpec

    # Bound here, so that no name in the hook is looked up in this module's globals (or in
    # builtins) when it runs: a suite can rebind those, not these.
    type, id, len, getattr, all = (
        builtins.type,
        builtins.id,
        builtins.len,
        builtins.getattr,
        builtins.all,
    )
    str_, bytes_, memoryview, callable = (
        builtins.str,
        builtins.bytes,
        builtins.memoryview,
        builtins.callable,
    )
    BaseException, OSError, UnicodeEncodeError = (
        builtins.BaseException,
        builtins.OSError,
        builtins.UnicodeEncodeError,
    )
    enumerate, list_, tuple_, any = (
        builtins.enumerate,
        builtins.list,
        builtins.tuple,
        builtins.any,
    )
    TypeError = builtins.TypeError

    my_globals = globals()
    target_globals, target_file = context.target_globals, context.target_file
    loader_globals, inspect_globals = context.loader_globals, context.inspect_globals
    interface_readers = context.interface_readers
    traceback_globals, traceback_readers = context.traceback_globals, context.traceback_readers
    holders, main_thread = context.holders, context.main_thread
    trusted = context.trusted
    registry = frozenset(id(code) for code in context.codes)
    module_code_id = id(context.codes[0]) if context.codes else None
    del context
    # Alive (executing) as long as pytest.main runs, so their ids cannot be reused.
    base = tuple(base_frames)
    del base_frames
    real_signal, default_int_handler = _signal.signal, _signal.default_int_handler
    real_imp = {
        "create_builtin": _imp.create_builtin,
        "exec_builtin": _imp.exec_builtin,
        "create_dynamic": _imp.create_dynamic,
        "exec_dynamic": _imp.exec_dynamic,
    }
    kept_modules = frozenset({"_signal", "_imp", "_posixsubprocess"})
    method = types.MethodType
    dispatch = _dispatch_signal
    pending_signals = _dispatch_signal.__kwdefaults__["_pending"]  # type: ignore[index]
    spec_dict = ModuleSpec.__dict__["__dict__"].__get__
    ModuleSpecType, ModuleType = ModuleSpec, types.ModuleType
    refused_imports = _REFUSED_IMPORTS
    monitor_functions = frozenset(
        {
            "_signal_signal",
            "_imp_create_builtin",
            "_imp_exec_builtin",
            "_imp_create_dynamic",
            "_imp_exec_dynamic",
        }
    )
    hook_events = frozenset({"sys._getframe", "builtins.id"})  # the hook raises them itself
    wrappers = monitor_functions | {"_dispatch_signal", "_signal_getsignal", "_refused_fork_exec"}
    refused_status, max_forks = REFUSED_EXIT_STATUS, MAX_FORKS
    s_ifmt, s_iflnk = _S_IFMT, _S_IFLNK
    getframe = sys._getframe
    get_ident = _thread.get_ident
    exit_now = os._exit
    frame_repr = types.FrameType.__repr__
    os_lstat, os_readlink, os_getcwd = os.lstat, os.readlink, os.getcwd
    os_open, os_read, os_close, os_fsdecode = os.open, os.read, os.close, os.fsdecode
    os_rdonly = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    FrameType, FunctionType, CodeType = types.FrameType, types.FunctionType, types.CodeType
    TracebackType = types.TracebackType
    generator_types = _GENERATOR_TYPES
    generator_attrs = _GENERATOR_ATTRS
    always_refused = dict(_ALWAYS_REFUSED)
    report_functions = _REPORT_FUNCTIONS
    is_trusted = trusted.contains
    location = _frame_location
    proc_files = _PROC_FILES
    # Mutable state: a per-thread token for the one attribute the hook itself reads (so the
    # nested event of that read passes), the forks and whether the module body ran.
    reading: dict[int, Any] = {}
    state = {"forks": 0, "module_executed": False, "refusing": False}
    SUITE, TRUSTED, TARGET = 0, 1, 2

    def refuse(what: str) -> None:
        if state["refusing"]:
            exit_now(refused_status)
        state["refusing"] = True
        try:
            report_refusal(what)
        except BaseException:
            pass
        finally:
            exit_now(refused_status)

    def classify(frame: Any) -> int:
        if frame.f_globals is target_globals:
            return TARGET
        if any(frame is each for each in base):
            return TRUSTED
        filename, _ = location(frame_repr(frame))
        return TRUSTED if filename is not None and is_trusted(filename) else SUITE

    def is_module_body(frame: Any) -> bool:
        if frame.f_globals is not target_globals:
            return False
        filename, code_name = location(frame_repr(frame))
        return filename == target_file and code_name == "<module>"

    def raiser() -> Any:
        """The frame that raised the event: the innermost one that is not the hook's (this
        module's wrappers of signal.signal and _imp count as raisers)."""
        frame: Any = getframe(0)
        while (
            frame is not None
            and frame.f_globals is my_globals
            and location(frame_repr(frame))[1] not in wrappers
        ):
            frame = frame.f_back
        return frame

    def stack() -> list[Any]:
        """The Python frames from the one that raised the event outwards (hook excluded)."""
        frame = raiser()
        frames = []
        while frame is not None:
            frames.append(frame)
            frame = frame.f_back
        return frames

    def chain_has_target(frame: Any) -> bool:
        while frame is not None:
            if frame.f_globals is target_globals:
                return True
            frame = frame.f_back
        return False

    def sensitive(frame: Any) -> bool:
        """A frame of a function that holds a target code object in a local (_HOLDERS) on
        `frame`'s chain: never handed out."""
        while frame is not None:
            if frame.f_globals is my_globals and location(frame_repr(frame))[1] not in wrappers:
                return True  # the hook's own frames (an exception raised through it)
            for globals_, names in holders:
                if frame.f_globals is globals_ and location(frame_repr(frame))[1] in names:
                    return True
            frame = frame.f_back
        return False

    def formatting_thread_exception() -> bool:
        """pytest reports an exception raised in a thread with traceback.format_exception,
        which reads f_code for file and function names. Not in the main thread: a signal
        handler (which gets the interrupted frame) runs only there."""
        if get_ident() == main_thread:
            return False
        frames = stack()
        if not frames or frames[0].f_globals is not traceback_globals:
            return False
        _, code_name = location(frame_repr(frames[0]))
        if (code_name, frames[0].f_lasti) not in traceback_readers:
            return False
        hook_seen = False
        for frame in frames:
            if classify(frame) != TRUSTED:
                return False
            hook_seen = hook_seen or location(frame_repr(frame))[1] == "thread_exception_hook"
        return hook_seen

    def frames_allowed(kind: str) -> bool:
        """May the code now running get a frame whose caller chain runs target code?"""
        frames = stack()
        scope = import_scope(frames)
        if scope is not None:  # only what the module body called counts
            return all(classify(frame) != SUITE for frame in scope)
        scope = frames
        names_seen = False
        for frame in scope:
            kind_of = classify(frame)
            if kind_of == SUITE:
                return False
            if kind == "tb" and not names_seen and kind_of == TRUSTED:
                _, code_name = location(frame_repr(frame))
                names_seen = code_name in report_functions
        return kind != "tb" or names_seen

    def import_scope(frames: list[Any]) -> list[Any] | None:
        """The frames called by the target module body, when it is executing, else None."""
        for index, frame in enumerate(frames):
            if is_module_body(frame):
                return frames[:index]
        return None

    def reading_interface() -> bool:
        """inspect.signature and inspect.isgeneratorfunction (iscoroutinefunction ...) read
        a function's __code__ for its parameters and flags. Passes when the frame that reads
        is one of those functions of inspect at the very instruction that reads __code__: no
        code a suite provided can run at that instruction. (_signature_from_function keeps
        the code object in a local: its frames are never handed out, see sensitive().)"""
        frame = raiser()
        if frame is None or frame.f_globals is not inspect_globals:
            return False
        _, code_name = location(frame_repr(frame))
        return (code_name, frame.f_lasti) in interface_readers and classify(frame) == TRUSTED

    def formatting_coroutine() -> bool:
        """asyncio's repr of a task reads its coroutine's code for a name and "file:line";
        on a real coroutine that function calls nothing a suite could have provided, and it
        returns only a string."""
        frame = raiser()
        if frame is None or classify(frame) != TRUSTED:
            return False
        filename, code_name = location(frame_repr(frame))
        return (
            code_name == "_format_coroutine"
            and filename is not None
            and filename.endswith("/asyncio/coroutines.py")
        )

    def read(obj: Any, name: str) -> Any:
        """obj.<name> for an audited attribute, with this thread's token set, so the nested
        event of this very read passes."""
        ident = get_ident()
        reading[ident] = obj
        try:
            return getattr(obj, name)
        finally:
            reading.pop(ident, None)

    def on_getattr(args: tuple[Any, ...]) -> None:
        obj, name = args[0], args[1]
        if type(name) is not str_:
            return
        if reading and reading.get(get_ident()) is obj:
            reading.pop(get_ident(), None)
            return
        if type(obj) is FunctionType and obj.__globals__ is my_globals:
            if name in ("__defaults__", "__kwdefaults__"):
                refuse(f"monitor: {name} of a function of the monitor")
        elif name == "__code__":
            target_function = type(obj) is FunctionType and obj.__globals__ is target_globals
            if target_function and not reading_interface():
                refuse("inspect: __code__ of a target function")
        elif name == "f_code":
            target_frame = type(obj) is FrameType and obj.f_globals is target_globals
            if target_frame and not formatting_thread_exception():
                refuse("inspect: f_code of a target frame")
        elif name == "tb_frame":
            if type(obj) is TracebackType:
                on_tb_frame(read(obj, "tb_frame"))
        elif name in generator_attrs and type(obj) in generator_types:
            on_generator(name, read(obj, generator_attrs[name]))

    def on_tb_frame(frame: Any) -> None:
        if sensitive(frame):
            refuse("inspect: tb_frame of a frame holding target code")
        if chain_has_target(frame) and not frames_allowed("tb"):
            refuse("inspect: tb_frame of a traceback through target code")

    def on_generator(name: str, frame: Any) -> None:
        if frame is not None and (frame.f_globals is loader_globals or sensitive(frame)):
            refuse(f"inspect: {name} of a generator holding target code")
        targets = frame is None or chain_has_target(frame)  # a finished one: cannot tell
        if targets and not formatting_coroutine():
            refuse(f"inspect: {name} of a target (or finished) generator")

    def on_getframe(args: tuple[Any, ...]) -> None:
        frame: Any = args[0] if args else None
        if type(frame) is not FrameType:
            return
        if frame.f_globals is my_globals and location(frame_repr(frame))[1] == "raiser":
            return  # the hook's own getframe(0), in raiser()
        if sensitive(frame):
            refuse("inspect: sys._getframe into a frame holding target code")
        if chain_has_target(frame) and not frames_allowed("getframe"):
            refuse("inspect: sys._getframe into target code")

    def on_open(args: tuple[Any, ...]) -> None:
        path: Any = args[0] if args else None
        if type(path) is bytes_:
            path = os_fsdecode(path)
        if type(path) is not str_:
            return  # a file descriptor: what it refers to was opened (and checked) before
        for visited in resolve(path):
            if visited.startswith("/proc/"):
                parts = visited.split("/")[2:]  # pid, [task, tid,] file ...
                if parts and (parts[0].isdigit() or parts[0] in ("self", "thread-self")):
                    rest = parts[1:]
                    if len(rest) >= 2 and rest[0] == "task":
                        rest = rest[2:]
                    if rest and rest[0] in proc_files:
                        refuse(f"memory: open {visited}")

    def resolve(path: str) -> list[str]:
        """Every path the kernel walks to open `path`, following symbolic links: the
        resolved one last (a link loop ends the walk; opening fails then anyway)."""
        if not path.startswith("/"):
            try:
                path = os_getcwd() + "/" + path
            except OSError:  # the directory is gone: so is anything relative to it
                return []
        pending = [part for part in path.split("/") if part]
        done: list[str] = []
        visited: list[str] = []
        hops = 0
        while pending:
            part = pending.pop(0)
            if part == ".":
                continue
            if part == "..":
                if done:
                    done.pop()
                continue
            current = "/" + "/".join([*done, part])
            visited.append(current)
            try:
                is_link = (os_lstat(current).st_mode & s_ifmt) == s_iflnk
            except OSError:
                is_link = False
            if not is_link:
                done.append(part)
                continue
            hops += 1
            if hops > 40:
                return visited
            try:
                link = os_readlink(current)
            except OSError:
                done.append(part)
                continue
            if link.startswith("/"):
                done = []
            pending[:0] = [piece for piece in link.split("/") if piece]
        visited.append("/" + "/".join(done))
        return visited

    def file_bytes(path: str) -> bytes | None:
        try:
            fd = os_open(path, os_rdonly)
        except OSError:
            return None
        try:
            chunks: list[bytes] = []
            while True:
                chunk = os_read(fd, 1 << 20)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        except OSError:
            return None
        finally:
            os_close(fd)

    def on_compile(args: tuple[Any, ...]) -> None:
        if len(args) < 2:
            return
        source, filename = args[0], args[1]
        if type(filename) is bytes_:
            filename = os_fsdecode(filename)
        if type(filename) is not str_:
            return
        if filename == target_file:
            refuse("code: compile as target.py")
        if not is_trusted(filename):
            return
        content = file_bytes(filename)
        if content is not None and type(source) is str_:
            try:
                source = source.encode("utf-8")
            except UnicodeEncodeError:
                source = None
        if content is not None and type(source) is bytes_:
            if content == source:
                return  # importlib compiling the module (it has no byte code)
            # Python's own traceback display parses a piece of one line of a frame's file
            # for its carets (an AST, no code): one line of the file dresses nothing up.
            if b"\n" not in source.strip() and source in content:
                return
        refuse(f"code: compile dressed as {filename}")

    def on_marshal_loads(args: tuple[Any, ...]) -> None:
        data: Any = args[0] if args else None
        if type(data) is memoryview:
            data = data.tobytes()
        if type(data) is not bytes_ or not trusted_bytecode(data):
            refuse("code: marshal.loads")

    def trusted_bytecode(data: bytes) -> bool:
        """importlib's _compile_bytecode loading the byte code file of a trusted module:
        the data must be that file's content (after its 16 bytes of header)."""
        frames = stack()
        if not frames or classify(frames[0]) != TRUSTED:
            return False
        filename, code_name = location(frame_repr(frames[0]))
        if code_name != "_compile_bytecode" or filename != "<frozen importlib._bootstrap_external>":
            return False
        path = frames[0].f_locals.get("bytecode_path")
        if type(path) is not str_ or not is_trusted(path):
            return False
        content = file_bytes(path)
        return content is not None and content[16:] == data

    def on_exec(args: tuple[Any, ...]) -> None:
        code: Any = args[0] if args else None
        if type(code) is not CodeType or id(code) not in registry:
            return
        if id(code) == module_code_id and not state["module_executed"]:
            state["module_executed"] = True
            return
        refuse("code: exec of target code")

    def on_code_new(args: tuple[Any, ...]) -> None:
        frames = stack()
        if frames and classify(frames[0]) == TRUSTED:
            where, code_name = location(frame_repr(frames[0]))
            if code_name == "coroutine" and where is not None and where.endswith("/types.py"):
                return  # types.coroutine sets a flag of the function's own code (asyncio)
        filename: Any = args[1] if len(args) > 1 else None
        if type(filename) is str_ and (filename == target_file or is_trusted(filename)):
            refuse(f"code: code object dressed as {filename}")
        for frame in frames:
            if classify(frame) != TRUSTED:
                refuse("code: code object made by the suite")

    def on_function_new(args: tuple[Any, ...]) -> None:
        code: Any = args[0] if args else None
        if type(code) is CodeType and id(code) in registry:
            refuse("code: function from target code")

    def on_marshal_dumps(args: tuple[Any, ...]) -> None:
        value: Any = args[0] if args else None
        if type(value) is CodeType and id(value) in registry:
            refuse("code: marshal.dumps of target code")

    def on_setattr(args: tuple[Any, ...]) -> None:
        obj: Any = args[0] if args else None
        if type(obj) is FunctionType and obj.__globals__ is my_globals:
            refuse("monitor: changing a function of the monitor")

    def on_import(args: tuple[Any, ...]) -> None:
        name: Any = args[0] if args else None
        if type(name) is str_ and name in refused_imports:
            refuse(f"memory: import {name}")

    def on_signal(args: tuple[Any, ...]) -> None:
        """signal.signal(signalnum, handler) for _signal_signal; the result goes in box."""
        if len(args) != 3 or type(args[2]) is not list_ or not sent_by_monitor():
            return
        signalnum, handler, box = args
        if callable(handler) and handler is not default_int_handler:
            handler = method(dispatch, handler)
        try:
            previous = real_signal(signalnum, handler)
        except BaseException as error:  # handed to the caller, as signal.signal raises
            box[:] = [error.with_traceback(None)]
            return
        box[:] = [None, previous]

    def on_imp(args: tuple[Any, ...]) -> None:
        """_imp.create_/exec_builtin/dynamic, except for the modules whose functions the
        monitor replaced (a fresh module would have the originals)."""
        if len(args) != 4 or type(args[3]) is not list_ or not sent_by_monitor():
            return
        kind, subject, extra, box = args
        real: Any = real_imp.get(kind) if type(kind) is str_ else None
        if real is None or type(extra) is not tuple_:
            return
        if type(subject) is ModuleSpecType:
            namespace = spec_dict(subject)
            key = "name"
        elif type(subject) is ModuleType:
            namespace = subject.__dict__
            key = "__name__"
        else:
            box[:] = [TypeError(f"{kind}: not a module spec or module")]
            return
        name = None
        for item in list_(namespace.items()):  # no lookup: keys could be anything
            if type(item[0]) is str_ and item[0] == key:
                name = item[1]
        if type(name) is not str_ or name in kept_modules:
            refuse(f"monitor: {kind} of {name if type(name) is str_ else 'a module'}")
        try:
            result = real(subject, *extra)
        except BaseException as error:  # handed to the caller
            box[:] = [error.with_traceback(None)]
            return
        box[:] = [None, result]

    def sent_by_monitor() -> bool:
        """The event comes from this module's wrappers (sys.audit called by them)."""
        frame = raiser()
        return (
            frame is not None
            and frame.f_globals is my_globals
            and location(frame_repr(frame))[1] in monitor_functions
        )

    def run_pending_signals() -> None:
        """Signals that arrived while the hook ran, now that it is done (outermost)."""
        frame = raiser()
        if sensitive(frame):
            return  # inside another invocation of the hook, or inspect.signature ...: later
        while pending_signals:
            handler, signum = pending_signals.pop(0)
            handler(signum, frame)

    def on_fork(args: tuple[Any, ...]) -> None:
        state["forks"] += 1
        if state["forks"] > max_forks:
            refuse(f"process: more than {max_forks} forks")

    def on_get_source(args: tuple[Any, ...]) -> None:
        # The loader has no source to give; asking for it from the suite is introspection.
        if any(classify(frame) == SUITE for frame in stack()):
            refuse("source: the source of the code under test")

    handlers: dict[str, Callable[[tuple[Any, ...]], None]] = {
        "object.__getattr__": on_getattr,
        GET_SOURCE_EVENT: on_get_source,
        "sys._getframe": on_getframe,
        "open": on_open,
        "compile": on_compile,
        "exec": on_exec,
        "marshal.loads": on_marshal_loads,
        "marshal.dumps": on_marshal_dumps,
        "code.__new__": on_code_new,
        "function.__new__": on_function_new,
        "os.fork": on_fork,
        "os.forkpty": on_fork,
        "object.__setattr__": on_setattr,
        "import": on_import,
        SIGNAL_EVENT: on_signal,
        IMP_EVENT: on_imp,
    }

    def hook(event: str, args: tuple[Any, ...]) -> None:
        handler = handlers.get(event)
        if handler is not None:
            handler(args)
        elif event in always_refused:
            refuse(always_refused[event])
        elif event[:7] == "ctypes.":
            refuse(f"memory: {event}")
        if pending_signals and event not in hook_events:
            run_pending_signals()

    return hook
