"""The source-less loader of module ``target`` (DESIGN.md 4.4: the code under test can be
called, not read).

``install_target(source)`` compiles the variant at once and forgets its text:

* every AST node is put on line 1, column 0 before compiling, so tracebacks say
  ``target.py:1``, and neither ``tb_lineno``, ``f_lineno``, ``co_firstlineno`` nor the
  position table carries anything about the layout of the source;
* the module's ``__file__`` is ``target.py``, which exists nowhere, nothing is put in
  ``linecache`` and the loader's ``get_source`` returns None: ``inspect.getsource(target)``
  raises OSError;
* the compiled module code waits for ``import target`` inside a suspended generator (its
  frame is reachable only through ``gi_frame``, which the monitor refuses for any generator
  whose frame runs code of this file or of target); the generator hands it to ``exec`` and
  ends, so after the import nothing in the process refers to the source, and only the
  functions and classes of the module refer to their own code objects;
* it executes once per process: a second import or ``importlib.reload`` raises ImportError.

The monitor (monitor.py) recognises target code by the module's globals dictionary and the
identity of every code object compiled here. install_target leaves both in a one-slot
hand-over that ``install_monitor`` empties before any test code runs (take_registration).
"""

from __future__ import annotations

import ast
import sys
import types
from collections.abc import Callable, Generator, Iterator
from typing import Any

TARGET_NAME = "target"
TARGET_FILE = "target.py"
ONCE_MESSAGE = "module target is executed once per run: it cannot be imported again nor reloaded"

# (module, code objects) from install_target until install_monitor takes it, before the
# suite is imported; empty at any time a test runs.
_registration: list[tuple[types.ModuleType, tuple[types.CodeType, ...]]] = []


def install_target(source: str) -> None:
    """Compile `source` as module `target` and put its finder first on sys.meta_path.

    A variant that does not compile is still installed: ``import target`` then raises
    ImportError naming only the kind of error (a SyntaxError would carry a line of the
    source), so the failure is a collection error of the suite, as for any broken import.
    """
    module = types.ModuleType(TARGET_NAME)
    module.__file__ = TARGET_FILE
    # pytest leaves frames out of failure reports when their globals say so: tracebacks end
    # at the learner's own lines and pytest never needs a target frame's code object.
    module.__dict__["__tracebackhide__"] = True
    try:
        code: types.CodeType | None = _compile(source)
        error = ""
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
        code = None
        error = type(exc).__name__
    del source
    codes = tuple(_code_objects(code)) if code is not None else ()
    _registration[:] = [(module, codes)]
    # exec is bound now: a suite that rebinds names in this module (it can import it) before
    # `import target` must not see the code pass by.
    pending = [_executor([code], exec)] if code is not None else []
    del code, codes
    for executor in pending:
        next(executor)  # runs up to its `yield`: it now holds the code in its own frame only
    sys.meta_path.insert(0, _TargetFinder(module, pending, error))


def take_registration() -> tuple[types.ModuleType, tuple[types.CodeType, ...]] | None:
    """For install_monitor only: the target module and every code object compiled for it,
    once (later calls return None)."""
    return _registration.pop() if _registration else None


def _compile(source: str) -> types.CodeType:
    tree = ast.parse(source, TARGET_FILE)
    for node in ast.walk(tree):
        if "lineno" in node._attributes:
            node.lineno = node.end_lineno = 1  # type: ignore[attr-defined]
            node.col_offset = node.end_col_offset = 0  # type: ignore[attr-defined]
    return compile(tree, TARGET_FILE, "exec", dont_inherit=True)


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if type(const) is types.CodeType:
            yield from _code_objects(const)


def _executor(
    box: list[types.CodeType], run: Callable[[types.CodeType, dict[str, Any]], None]
) -> Generator[None, dict[str, Any], None]:
    """Holds the module code until the import sends the module's namespace; the code leaves
    `box` before it runs, so no frame of this generator refers to it during or after. No
    global name is looked up here: `run` is exec, bound when the generator was made."""
    __tracebackhide__ = True
    namespace = yield
    run(box.pop(), namespace)


class _TargetFinder:
    """Meta-path finder and loader of module ``target``. First on sys.meta_path, so a file
    named target.py cannot shadow it. It holds the (empty until imported) module, the
    suspended executor and the name of a compile error; nothing else."""

    __slots__ = ("_error", "_module", "_pending")

    def __init__(self, module: types.ModuleType, pending: list[Any], error: str) -> None:
        self._module = module
        self._pending = pending
        self._error = error

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> Any:
        if fullname != TARGET_NAME:
            return None
        from importlib.machinery import ModuleSpec

        # No origin: importlib would otherwise call the module a file and set __file__.
        return ModuleSpec(TARGET_NAME, self)  # type: ignore[arg-type]

    def create_module(self, spec: object) -> types.ModuleType:
        return self._module

    def exec_module(self, module: types.ModuleType) -> None:
        __tracebackhide__ = True
        if self._error:
            raise ImportError(f"the code under test does not compile ({self._error})")
        if module is not self._module or not self._pending:
            raise ImportError(ONCE_MESSAGE)
        executor = self._pending.pop()
        module.__file__ = TARGET_FILE
        try:
            executor.send(module.__dict__)
        except StopIteration:
            return
        raise ImportError("the target executor did not finish")  # pragma: no cover

    def get_source(self, fullname: str) -> None:
        """There is none; the monitor refuses the suite that asks (GET_SOURCE_EVENT)."""
        sys.audit("runner.target.get_source", fullname)
        return None

    def is_package(self, fullname: str) -> bool:
        return False
