"""The reference monitor and the source-less target loader (DESIGN.md 4.4: the code under
test can be called, not read), on the host without Docker.

An audit hook cannot be removed, so every case runs in a fresh interpreter that does what
the worker does: install_target(golden), install_monitor(suite, report), pytest.main. The
refusal is reported on a descriptor of its own (pytest captures 1 and 2 while tests run)
and the process ends with REFUSED_EXIT_STATUS."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.judge.goldens import ORDINARY

ROOT = Path(__file__).resolve().parents[2]
JUDGE = ROOT / "judge"
CATALOG = sorted(path.parent for path in (ROOT / "catalog").glob("*/reference_test.py"))
REFUSED = 87
TIMEOUT = 60

HARNESS = """\
import os, sys
sys.path.insert(0, {judge!r})
sys.dont_write_bytecode = True  # as the worker: no __pycache__ next to the suite
import pytest
from runner.monitor import REFUSED_EXIT_STATUS, install_monitor
from runner.target import install_target

assert REFUSED_EXIT_STATUS == {refused}
events = os.dup(1)
suite, golden = sys.argv[1], sys.argv[2]
with open(golden, encoding="utf-8") as handle:
    install_target(handle.read())
del handle


def report_refusal(what):
    os.write(events, ("\\nREFUSED " + what + "\\n").encode())


install_monitor(suite, report_refusal)
status = pytest.main(
    [suite, "-q", "--color=no", "--tb=short", "-p", "no:cacheprovider", "-c", "/dev/null",
     "--rootdir", os.path.dirname(suite)]
)
sys.stdout.flush()
os._exit(int(status))
"""

GOLDEN = '''\
"""The code under test of these cases."""
import asyncio
import enum
import typing
from collections import namedtuple
from dataclasses import dataclass, field

SECRET_CONSTANT = 982451653
Point = namedtuple("Point", "x y")


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Pair(typing.NamedTuple):
    left: int
    right: int


T = typing.TypeVar("T")


@dataclass(order=True)
class Box:
    width: int
    height: int = 1
    tags: list = field(default_factory=list, compare=False)

    def area(self):
        return self.width * self.height


def clamp(value, low=0, high=10):
    if value < low:
        return low
    if value > high:
        return high
    return value


def deep(depth):
    if depth == 0:
        raise ValueError(f"bottom reached {SECRET_CONSTANT % 7}")
    return deep(depth - 1)


def apply(function, value):
    return function(value)


def countdown(n):
    while n > 0:
        yield n
        n -= 1


async def double_later(value):
    await asyncio.sleep(0)
    return 2 * value


def spin(seconds):
    import time

    end = time.monotonic() + seconds
    total = 0
    while time.monotonic() < end:
        total += 1
    return total
'''

MARKER = "982451653"  # a constant of GOLDEN: a suite that can read it has read the code


@dataclass(frozen=True)
class Run:
    status: int
    output: str
    refused: list[str]


def run_suite(
    tmp_path: Path, suite: str, golden: str = GOLDEN, extra_env: dict[str, str] | None = None
) -> Run:
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "harness.py").write_text(HARNESS.format(judge=str(JUDGE), refused=REFUSED))
    (tmp_path / "golden.py").write_text(golden)
    suite_path = work / "test_submission.py"
    suite_path.write_text(textwrap.dedent(suite))
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the host's venv has plugins; the image none
    env.update(extra_env or {})
    done = subprocess.run(
        [
            sys.executable,
            "-s",
            str(tmp_path / "harness.py"),
            str(suite_path),
            str(tmp_path / "golden.py"),
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    lines = done.stdout.splitlines()
    refused = [line.removeprefix("REFUSED ") for line in lines if line.startswith("REFUSED ")]
    return Run(done.returncode, done.stdout + done.stderr, refused)


def assert_refused(run: Run, *words: str) -> None:
    assert run.status == REFUSED, run.output[-3000:]
    assert len(run.refused) == 1, run.output[-3000:]
    for word in words:
        assert word in run.refused[0], run.refused
    assert MARKER not in run.output


def assert_passed(run: Run, passed: int) -> None:
    assert run.status == 0, run.output[-3000:]
    assert run.refused == []
    assert f"{passed} passed" in run.output, run.output[-3000:]
    assert MARKER not in run.output


# ------------------------------------------------------------------------ honest suites


HONEST_SUITE = """\
import asyncio
import enum
import functools
import inspect
import linecache
import threading
import traceback
from collections import namedtuple
from dataclasses import dataclass

import pytest

import target
from target import Box, Color, Pair, Point, clamp

Coordinates = namedtuple("Coordinates", "lat lon")


@dataclass
class Case:
    value: int
    expected: int


class Level(enum.IntEnum):
    LOW = 0
    HIGH = 10


@pytest.fixture
def box():
    yield Box(3, 4)


@pytest.fixture(params=[Case(-5, 0), Case(5, 5), Case(50, 10)], ids=lambda case: str(case.value))
def case(request):
    return request.param


@pytest.mark.parametrize(("value", "expected"), [(-1, 0), (3, 3), (11, 10)])
def test_parametrize(value, expected):
    assert clamp(value) == expected


def test_fixture_params(case):
    assert clamp(case.value) == case.expected


def test_generator_fixture(box):
    assert box.area() == 12


def test_raises_with_match():
    with pytest.raises(ValueError, match=r"bottom reached \\d"):
        target.deep(5)


def test_approx():
    assert clamp(2.5) == pytest.approx(2.5000001)


def test_monkeypatch_target_function(monkeypatch):
    monkeypatch.setattr(target, "clamp", lambda value, low=0, high=10: 42)
    assert target.clamp(1) == 42


def test_monkeypatch_restored():
    assert target.clamp(1) == 1


def test_capsys(capsys):
    print(clamp(12))
    assert capsys.readouterr().out == "10\\n"


def test_tmp_path(tmp_path):
    path = tmp_path / "value.txt"
    path.write_text(str(clamp(-3)))
    assert path.read_text() == "0"


class TestGrouped:
    def test_namedtuple_and_enum_of_the_suite(self):
        assert Coordinates(1, 2).lon == 2
        assert clamp(Level.HIGH + 5) == 10

    def test_target_types(self):
        assert Point(1, 2).y == 2
        assert Color.RED.value == 1
        assert Pair(1, 2).right == 2
        assert Box(2) < Box(3)
        assert Box(2, tags=["a"]) == Box(2)


def test_callbacks_generators_coroutines_threads():
    assert target.apply(lambda value: value + 1, 1) == 2
    assert list(target.countdown(3)) == [3, 2, 1]
    assert asyncio.run(target.double_later(4)) == 8
    results = []
    thread = threading.Thread(target=lambda: results.append(clamp(99)))
    thread.start()
    thread.join()
    assert results == [10]


def test_a_function_made_by_the_suite_is_its_own():
    def helper(x=1):
        return x

    assert helper.__code__.co_name == "helper"
    assert helper.__defaults__ == (1,)
    assert inspect.signature(helper).parameters["x"].default == 1
    assert functools.wraps(clamp)(helper).__name__ == "clamp"


def test_the_interface_of_target_functions_is_readable():
    assert str(inspect.signature(clamp)) == "(value, low=0, high=10)"
    assert clamp.__defaults__ == (0, 10)
    assert inspect.isgeneratorfunction(target.countdown)
    assert inspect.iscoroutinefunction(target.double_later)
    assert not inspect.isgeneratorfunction(clamp)
    assert list(inspect.signature(Box).parameters) == ["width", "height", "tags"]


def test_own_tracebacks_are_readable():
    try:
        raise KeyError("mine")
    except KeyError:
        text = traceback.format_exc()
    assert "test_own_tracebacks_are_readable" in text


def test_the_module_tells_nothing():
    assert target.__file__ == "target.py"
    assert linecache.getlines("target.py") == []
    assert target.clamp.__globals__ is vars(target)  # the namespace, not the code


def test_lazy_stdlib_imports():
    import fractions
    import statistics
    import decimal

    assert clamp(fractions.Fraction(1, 2)) == fractions.Fraction(1, 2)
    assert statistics.mean([clamp(20), clamp(-20)]) == 5
    assert clamp(decimal.Decimal("12.5")) == 10


def test_fork_once():
    import os

    pid = os.fork()
    if pid == 0:
        os._exit(0 if clamp(3) == 3 else 1)
    assert os.waitpid(pid, 0)[1] == 0
"""


def test_an_honest_suite_passes_under_the_monitor(tmp_path: Path) -> None:
    run = run_suite(tmp_path, HONEST_SUITE)
    assert_passed(run, 22)


def test_modules_without_byte_code_compile_under_the_monitor(tmp_path: Path) -> None:
    """The image's stdlib has no byte code: importlib compiles every module it imports."""
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    run = run_suite(tmp_path, HONEST_SUITE, extra_env={"PYTHONPYCACHEPREFIX": str(cache)})
    assert_passed(run, 22)


def test_failures_are_reported_down_to_the_learner_s_lines(tmp_path: Path) -> None:
    suite = """\
    import target

    def helper(value):
        return target.deep(value)

    def test_fails_deep_inside_target():
        helper(3)

    def test_fails_an_assert():
        assert target.clamp(5) == 6

    def test_fails_in_a_callback():
        target.apply(lambda value: 1 / value, 0)
    """
    run = run_suite(tmp_path, suite)
    assert run.status == 1, run.output
    assert run.refused == []
    assert "3 failed" in run.output
    assert "test_submission.py:7: in test_fails_deep_inside_target" in run.output
    assert "test_submission.py:4: in helper" in run.output
    assert "ValueError: bottom reached" in run.output
    assert "assert 5 == 6" in run.output
    assert "ZeroDivisionError" in run.output
    assert MARKER not in run.output


def test_an_error_in_a_thread_is_reported(tmp_path: Path) -> None:
    suite = """\
    import threading
    import target

    def test_thread():
        thread = threading.Thread(target=target.deep, args=(2,))
        thread.start()
        thread.join()
    """
    run = run_suite(tmp_path, suite)
    assert run.refused == [], run.output
    assert "1 passed" in run.output, run.output
    assert "ValueError: bottom reached" in run.output
    assert 'File "target.py", line 1, in deep' in run.output


def test_a_golden_that_raises_at_import_is_a_collection_error(tmp_path: Path) -> None:
    run = run_suite(
        tmp_path,
        "import target\n\ndef test_x():\n    pass\n",
        "x = 1\nraise RuntimeError('broken')\n",
    )
    assert run.status == 2, run.output
    assert run.refused == []
    assert "RuntimeError: broken" in run.output


def test_a_golden_that_does_not_compile_shows_no_line(tmp_path: Path) -> None:
    run = run_suite(
        tmp_path,
        "import target\n\ndef test_x():\n    pass\n",
        "def f(:\n    return 'hidden text'\n",
    )
    assert run.status == 2, run.output
    assert "does not compile (SyntaxError)" in run.output
    assert "hidden text" not in run.output


@pytest.mark.parametrize("name", sorted(ORDINARY))
def test_ordinary_goldens_pass_their_suites(tmp_path: Path, name: str) -> None:
    golden, suite = ORDINARY[name]
    run = run_suite(tmp_path, suite, golden)
    assert run.status == 0, run.output[-3000:]
    assert run.refused == []


@pytest.mark.parametrize("problem", CATALOG, ids=lambda path: path.name)
def test_catalog_goldens_pass_their_reference_suites(tmp_path: Path, problem: Path) -> None:
    suite = (problem / "reference_test.py").read_text()
    run = run_suite(tmp_path, suite, (problem / "golden.py").read_text())
    assert run.status == 0, run.output[-3000:]
    assert run.refused == []


# ---------------------------------------------------- what a suite cannot read, or reach


def introspection(body: str, imports: str = "") -> str:
    return f"import sys\nimport target\n{imports}\n\ndef test_attack():\n" + textwrap.indent(
        textwrap.dedent(body), "    "
    )


ATTACKS = {
    "inspect.getsource": ("import inspect", "inspect.getsource(target.clamp)", "__code__"),
    "inspect.getsource of the module": ("import inspect", "inspect.getsource(target)", "source"),
    "loader.get_source": ("", "target.__spec__.loader.get_source('target')", "source"),
    "inspect.getsourcelines": ("import inspect", "inspect.getsourcelines(target.deep)", "__code__"),
    "dis.dis": ("import dis", "dis.dis(target.clamp)", "__code__"),
    "co_consts": ("", "print(target.deep.__code__.co_consts)", "__code__"),
    "co_code": ("", "print(target.clamp.__code__.co_code)", "__code__"),
    "method __code__": ("", "print(target.Box.area.__code__)", "__code__"),
    "inspect.getfile": ("import inspect", "inspect.getfile(target.clamp)", "__code__"),
    "inspect.getclosurevars": (
        "import inspect",
        "inspect.getclosurevars(target.clamp)",
        "__code__",
    ),
    "gc.get_referents": ("import gc", "print(gc.get_referents(target.clamp))", "gc"),
    "gc.get_objects": ("import gc", "print(len(gc.get_objects()))", "gc"),
    "gc.get_referrers": ("import gc", "print(gc.get_referrers(target))", "gc"),
    "sys._getframe from a callback": (
        "",
        "frame = target.apply(lambda value: sys._getframe(1), 0)\nprint(frame.f_code)",
        "sys._getframe",
    ),
    "inspect.stack from a callback": (
        "import inspect",
        "target.apply(lambda v: inspect.stack(), 0)",
        "sys._getframe",
    ),
    "tb_frame walk": (
        "",
        """\
        try:
            target.deep(2)
        except ValueError as error:
            tb = error.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        print(tb.tb_frame.f_code.co_consts)
        """,
        "tb_frame",
    ),
    "traceback.extract_tb": (
        "import traceback",
        """\
        try:
            target.deep(2)
        except ValueError as error:
            print(traceback.extract_tb(error.__traceback__))
        """,
        "tb_frame",
    ),
    "pytest ExceptionInfo": (
        "import pytest",
        """\
        with pytest.raises(ValueError) as info:
            target.deep(2)
        print(info.traceback[-1].frame.code.raw.co_consts)
        """,
        "tb_frame",
    ),
    "gi_frame": (
        "",
        "generator = target.countdown(3)\nnext(generator)\nprint(generator.gi_frame.f_locals)",
        "gi_frame",
    ),
    "gi_code": ("", "print(target.countdown(3).gi_code.co_consts)", "gi_code"),
    "cr_code": ("", "coroutine = target.double_later(1)\nprint(coroutine.cr_code)", "cr_code"),
    "ctypes.string_at": (
        "import ctypes",
        "print(ctypes.string_at(id(target.clamp), 64))",
        "ctypes",
    ),
    "/proc/self/mem": ("", "open('/proc/self/mem', 'rb')", "/mem"),
    "/proc/self/mem through a symlink": (
        "import os",
        "os.symlink('/proc/self/mem', 'memory')\nopen('memory', 'rb')",
        "/mem",
    ),
    "/proc/self/map_files": (
        "import os",
        "entry = sorted(os.listdir('/proc/self/map_files'))[0]\nopen('/proc/self/map_files/' + entry, 'rb')",
        "map_files",
    ),
    "/proc/self/pagemap": (
        "import os",
        "os.open('/proc/thread-self/pagemap', os.O_RDONLY)",
        "/pagemap",
    ),
    "subprocess": ("import subprocess", "subprocess.run(['true'])", "subprocess"),
    "os.system": ("import os", "os.system('true')", "os.system"),
    "os.execv": ("import os", "os.execv('/bin/true', ['true'])", "os.exec"),
    "_posixsubprocess.fork_exec": (
        "import _posixsubprocess, os",
        "read, write = os.pipe()\n_posixsubprocess.fork_exec([b'/bin/true'], [b'/bin/true'], True, (write,), None, None, -1, -1, -1, -1, -1, -1, read, write, True, False, -1, None, None, -1, -1, None, False)",
        "fork_exec",
    ),
    "multiprocessing spawn": (
        "import multiprocessing",
        "context = multiprocessing.get_context('spawn')\nprocess = context.Process(target=print)\nprocess.start()",
        "process",
    ),
    "os.posix_spawn": ("import os", "os.posix_spawn('/bin/true', ['true'], {})", "posix_spawn"),
    "marshal.loads": (
        "import marshal",
        "marshal.loads(marshal.dumps(compile('1', 'x', 'eval')))",
        "marshal",
    ),
    "code.replace": ("", "print((lambda: 0).__code__.replace(co_name='x'))", "code"),
    "compile dressed as the stdlib": (
        "import os",
        "compile('x = 1', os.path.join(os.path.dirname(os.__file__), 'json', 'x.py'), 'exec')",
        "compile dressed",
    ),
    "compile dressed as target.py": ("", "compile('x = 1', 'target.py', 'exec')", "target.py"),
    "sys.settrace": ("", "sys.settrace(lambda *args: None)", "settrace"),
    "sys.setprofile": ("", "sys.setprofile(lambda *args: None)", "setprofile"),
    "sys._current_frames": ("", "print(sys._current_frames())", "_current_frames"),
    "sys.addaudithook": ("", "sys.addaudithook(lambda event, args: None)", "addaudithook"),
    "many forks": (
        "import os",
        """\
        for _ in range(20):
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
        """,
        "forks",
    ),
    "a second monitor": (
        "import pytest\nfrom runner.monitor import install_monitor",
        """\
        with pytest.raises(RuntimeError):
            install_monitor(__file__, print)  # the registration was taken
        print(target.clamp.__code__)
        """,
        "__code__",
    ),
    "a fresh _signal module": (
        "import _imp\nimport importlib.machinery",
        "_imp.create_builtin(importlib.machinery.ModuleSpec('_signal', None)).signal",
        "_signal",
    ),
    "re-initialising _signal": (
        "import _imp\nimport _signal",
        "_imp.exec_builtin(_signal)",
        "_signal",
    ),
    "a subinterpreter": (
        "import _xxsubinterpreters as interpreters",
        "interpreters.create()",
        "subinterpreter",
    ),
    "_testcapi": ("", "import _testcapi", "_testcapi"),
    "the monitor's dispatcher defaults": (
        "import runner.monitor as monitor",
        "monitor._dispatch_signal.__kwdefaults__['_my_globals'] = {}",
        "__kwdefaults__",
    ),
    "replacing the monitor's dispatcher code": (
        "import runner.monitor as monitor",
        "monitor._dispatch_signal.__code__ = (lambda *args, **kwargs: None).__code__",
        "monitor",
    ),
    "monkeypatching the monitor module": (
        "import runner.monitor as monitor",
        """\
        monitor.REFUSED_EXIT_STATUS = 0
        monitor._make_hook = None
        monitor._TrustedFiles.contains = lambda self, name: True
        monitor._frame_location = lambda text: ('/usr/lib/python3.11/os.py', 'f')
        print(target.clamp.__code__)
        """,
        "__code__",
    ),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_introspection_is_refused(tmp_path: Path, name: str) -> None:
    imports, body, word = ATTACKS[name]
    run = run_suite(tmp_path, introspection(body, imports))
    assert_refused(run, word)


def test_a_finalizer_made_of_c_callables_is_not_pytest(tmp_path: Path) -> None:
    suite = """\
    import functools
    import operator
    import target

    stolen = []

    def test_plant(request):
        request.addfinalizer(
            functools.partial(stolen.extend, map(operator.attrgetter("__code__"), [target.clamp]))
        )

    def test_use():
        print(stolen[0].co_consts)
    """
    assert_refused(run_suite(tmp_path, suite), "__code__")


def test_a_finalizer_cannot_collect_target_frames(tmp_path: Path) -> None:
    suite = """\
    import functools
    import operator
    import target

    stolen = []

    def test_plant(request):
        try:
            target.deep(1)
        except ValueError as error:
            tb = error.__traceback__.tb_next
        request.addfinalizer(
            functools.partial(stolen.extend, map(operator.attrgetter("tb_frame"), [tb]))
        )

    def test_use():
        print(stolen[0].f_locals)
    """
    assert_refused(run_suite(tmp_path, suite), "tb_frame")


def test_pytest_s_code_helpers_are_not_pytest_s_report(tmp_path: Path) -> None:
    suite = """\
    import functools
    from _pytest._code import getrawcode
    import target

    stolen = []

    def test_plant(request):
        request.addfinalizer(functools.partial(stolen.extend, map(getrawcode, [target.clamp])))

    def test_use():
        print(stolen[0].co_consts)
    """
    assert_refused(run_suite(tmp_path, suite), "__code__")


def test_inspect_signature_cannot_be_used_as_a_window(tmp_path: Path) -> None:
    suite = """\
    import functools
    import inspect
    import sys
    import target

    stolen = set()

    class Key:
        # inspect looks the parameter names up in the annotations: this key's __eq__ runs
        # inside inspect._signature_from_function, whose locals hold the code object.
        __hash__ = functools.partial(hash, "value")
        __eq__ = functools.partial(stolen.update, map(sys._getframe, [0]))

    def test_x():
        target.clamp.__annotations__ = {Key(): int}
        inspect.signature(target.clamp)
        print([frame.f_locals.get("func_code") for frame in stolen])
    """
    assert_refused(run_suite(tmp_path, suite), "sys._getframe")


def test_a_signal_handler_gets_a_target_frame_but_not_its_code(tmp_path: Path) -> None:
    suite = """\
    import signal
    import target

    frames = []

    def test_sample():
        signal.signal(signal.SIGALRM, lambda signum, frame: frames.append(frame))
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        target.spin(0.2)
        signal.setitimer(signal.ITIMER_REAL, 0)
        assert frames and frames[0].f_globals is vars(target)
        print(frames[0].f_code.co_consts)
    """
    assert_refused(run_suite(tmp_path, suite), "f_code")


def test_a_signal_handler_never_gets_a_frame_of_the_hook(tmp_path: Path) -> None:
    suite = """\
    import signal
    import runner.monitor
    import target

    frames = []

    def test_sample():
        signal.signal(signal.SIGALRM, lambda signum, frame: frames.append(frame))
        signal.setitimer(signal.ITIMER_REAL, 0.0001, 0.0001)
        try:
            for _ in range(5000):
                open("/dev/null").close()  # the hook resolves the path: it runs a while
                target.apply(len, "xy")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        assert len(frames) > 20
        for frame in frames:
            while frame is not None:
                assert frame.f_globals is not vars(runner.monitor)
                frame = frame.f_back
    """
    assert_passed(run_suite(tmp_path, suite), 1)


def test_a_signal_handler_never_gets_inside_inspect_signature(tmp_path: Path) -> None:
    suite = """\
    import inspect
    import signal
    import target

    frames = []

    def test_sample():
        signal.signal(signal.SIGALRM, lambda signum, frame: frames.append(frame))
        signal.setitimer(signal.ITIMER_REAL, 0.00005, 0.00005)
        try:
            for _ in range(5000):
                inspect.signature(target.clamp)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        assert len(frames) > 20
        for frame in frames:
            while frame is not None:
                assert "func_code" not in frame.f_locals
                frame = frame.f_back
    """
    assert_passed(run_suite(tmp_path, suite), 1)


def test_asyncio_runs_with_its_sigint_handler(tmp_path: Path) -> None:
    suite = """\
    import asyncio
    import signal
    import target

    def test_run():
        assert asyncio.run(target.double_later(2)) == 4
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    """
    assert_passed(run_suite(tmp_path, suite), 1)


def test_the_hook_looks_up_no_global_name() -> None:
    """A suite can import runner.monitor and rebind its globals (or builtins): the hook and
    the signal dispatcher must find every name in their closures or defaults instead."""
    import dis
    import importlib.util
    import types

    spec = importlib.util.spec_from_file_location("monitor_probe", JUDGE / "runner" / "monitor.py")
    assert spec is not None and spec.loader is not None
    source = (JUDGE / "runner" / "monitor.py").read_text()
    module_code = compile(source, str(JUDGE / "runner" / "monitor.py"), "exec")

    def walk(code: types.CodeType) -> list[types.CodeType]:
        found = []
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                found += [const, *walk(const)]
        return found

    functions = {code.co_name: code for code in walk(module_code)}
    checked = [*walk(functions["_make_hook"])]
    checked += [functions[name] for name in ("_dispatch_signal", "_signal_getsignal")]
    checked += [functions[name] for name in ("_frame_location", "contains")]
    assert len(checked) > 20
    for code in checked:
        names = {i.argval for i in dis.get_instructions(code) if i.opname == "LOAD_GLOBAL"}
        assert not names, (code.co_name, names)


def test_a_suite_cannot_watch_the_target_module_body_run(tmp_path: Path) -> None:
    suite = """\
    import collections
    import sys

    real = collections.namedtuple
    seen = []

    def spy(*args, **kwargs):
        seen.append(sys._getframe(1))
        return real(*args, **kwargs)

    collections.namedtuple = spy
    import target

    def test_x():
        print(seen[0].f_code)
    """
    assert_refused(run_suite(tmp_path, suite), "sys._getframe")


def test_reload_and_second_executions_are_import_errors(tmp_path: Path) -> None:
    suite = """\
    import importlib
    import sys
    import types
    import pytest
    import target

    def test_reload():
        with pytest.raises(ImportError, match="once"):
            importlib.reload(target)

    def test_import_again():
        del sys.modules["target"]
        try:
            with pytest.raises(ImportError, match="once"):
                importlib.import_module("target")
        finally:
            sys.modules["target"] = target

    def test_loader_by_hand():
        with pytest.raises(ImportError, match="once"):
            target.__spec__.loader.exec_module(types.ModuleType("target"))

    def test_the_registration_is_gone():
        from runner.target import take_registration
        assert take_registration() is None
    """
    assert_passed(run_suite(tmp_path, suite), 4)


def test_rebinding_the_loader_s_names_shows_nothing(tmp_path: Path) -> None:
    suite = """\
    import runner.target as loader

    seen = []
    loader.exec = lambda *args: seen.append(args)
    loader.cast = lambda kind, value: seen.append(value) or value

    import target

    def test_x():
        assert seen == []
        assert target.clamp(11) == 10
    """
    assert_passed(run_suite(tmp_path, suite), 1)


def test_an_introspection_suite_is_refused_at_once(tmp_path: Path) -> None:
    from tests.judge.goldens import INTROSPECTION_SUITE, SHAPES

    run = run_suite(tmp_path, INTROSPECTION_SUITE.format(golden=SHAPES), SHAPES)
    assert_refused(run, "target.py")


def test_nothing_reachable_from_the_meta_path_holds_code_or_source(tmp_path: Path) -> None:
    suite = """\
    import sys
    import types
    import target

    MARKER = str(982451000 + 653)

    def reachable(root):
        seen, todo, found = set(), [root], []
        while todo:
            obj = todo.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            found.append(obj)
            if isinstance(obj, (str, bytes, int, float, type(None))) or isinstance(obj, types.ModuleType):
                continue
            if isinstance(obj, (list, tuple, set, frozenset)):
                todo.extend(obj)
            elif isinstance(obj, dict):
                todo.extend(obj.keys())
                todo.extend(obj.values())
            for name in ("__dict__", "__closure__", "cell_contents", "__self__", "__func__",
                         "func", "args", "keywords", "__wrapped__"):
                try:
                    todo.append(object.__getattribute__(obj, name))
                except (AttributeError, TypeError, ValueError):
                    pass
            for name in getattr(type(obj), "__slots__", ()):
                try:
                    todo.append(getattr(obj, name))
                except AttributeError:
                    pass
        return found

    def test_meta_path_and_spec():
        objects = reachable([sys.meta_path, target.__spec__, target.__loader__])
        assert not [obj for obj in objects if isinstance(obj, types.CodeType)]
        assert not [obj for obj in objects if isinstance(obj, (str, bytes)) and MARKER in str(obj)]
        assert not [obj for obj in objects if isinstance(obj, types.GeneratorType)]
    """
    assert_passed(run_suite(tmp_path, suite), 1)


def test_the_finder_is_first_and_holds_only_a_suspended_executor_before_import(
    tmp_path: Path,
) -> None:
    suite = """\
    import sys

    finder = [entry for entry in sys.meta_path if type(entry).__name__ == "_TargetFinder"][0]
    executor = finder._pending[0]

    def test_x():
        print(executor.gi_frame.f_locals)
    """
    assert_refused(run_suite(tmp_path, suite), "gi_frame")


def test_the_overhead_is_small(tmp_path: Path) -> None:
    suite = """\
    import pytest
    import target

    @pytest.mark.parametrize("value", range(2000))
    def test_many(value):
        assert 0 <= target.clamp(value) <= 10
    """
    run = run_suite(tmp_path, suite)
    assert_passed(run, 2000)
