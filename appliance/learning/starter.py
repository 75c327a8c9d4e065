"""The starter suite the editor opens with when the learner has no draft: the statement's
examples as tests, and skeletons of the learner's own tests, generated from the problem's
function signature (a function, or a class with its methods). Pure: text in, text out.

The examples pass on the golden code, so the starter as it stands earns the
examples-only score; the skeletons are comments (an empty test would pass everywhere and
teach nothing), each valid Python once uncommented."""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass

from appliance.problems.examples import SUITE_HEADER, Example, examples_suite

# What examples may use besides the target's names (DESIGN.md 5), and its import.
_EXTRAS = {
    "datetime": "from datetime import {}",
    "date": "from datetime import {}",
    "timedelta": "from datetime import {}",
    "Decimal": "from decimal import {}",
    "Fraction": "from fractions import {}",
    "math": "import {}",
}
_CLASS = re.compile(r"\bclass\s+([A-Za-z_]\w*)")
_MEMBER = re.compile(r"^([A-Za-z_]\w*)\s*(\(.*\))?\s*(->.*)?$", re.DOTALL)
# How a special method is called: by an operator or a builtin, not by its name.
_SPECIAL_CALLS = {
    "__len__": "assert len({obj}) == ...",
    "__contains__": "assert ... in {obj}",
    "__iter__": "assert list({obj}) == ...",
    "__getitem__": "assert {obj}[...] == ...",
    "__eq__": "assert {obj} == ...",
    "__repr__": "assert repr({obj}) == ...",
    "__str__": "assert str({obj}) == ...",
    "__bool__": "assert bool({obj}) is ...",
}


@dataclass(frozen=True)
class _Callable:
    """A function or method as the signature gives it: its required parameters (passed
    by keyword in a skeleton, positional-only ones by position) and its optional ones."""

    name: str
    positional: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    returns_value: bool = False  # annotated with a return type other than None

    def call(self, prefix: str = "") -> str:
        arguments = [*("..." for _ in self.positional), *(f"{n}=..." for n in self.required)]
        return f"{prefix}{self.name}({', '.join(arguments)})"


def starter_suite(signature: str, examples: Sequence[Example]) -> str:
    """A parseable pytest suite for the problem; a generic skeleton when the signature is
    not one this understands."""
    try:
        text = _class_suite(signature, examples) if _is_class(signature) else None
        text = text or _function_suite(signature, examples)
        ast.parse(text)
    except Exception:  # an author's odd signature may break any assumption made here
        return _generic_suite(signature)
    return text


def _is_class(signature: str) -> bool:
    return signature.lstrip().startswith("class ")


# -- functions -------------------------------------------------------------------------------


def _function_suite(signature: str, examples: Sequence[Example]) -> str:
    function = _parsed_function(signature.strip())
    tests = _example_tests(examples)
    skeleton = [
        f"def test_{function.name}():",
        f"    assert {function.call()} == ...",
    ]
    parts = [
        _header([function.name], tests),
        tests,
        _commented(_own_tests_intro(function)),
        _commented(skeleton),
    ]
    return _joined(parts)


def _parsed_function(signature: str) -> _Callable:
    """`def name(params) -> returns`, the colon optional."""
    source = signature.rstrip().removesuffix(":") + ":\n    ..."
    node = ast.parse(source).body[0]
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        raise ValueError("not a function signature")
    return _callable(node)


def _callable(node: ast.FunctionDef | ast.AsyncFunctionDef, skip_self: bool = False) -> _Callable:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    if skip_self and positional and positional[0].arg in ("self", "cls"):
        positional = positional[1:]
    first_default = len(positional) - len(args.defaults)
    by_position = [a.arg for a in positional[:first_default] if a in args.posonlyargs]
    required = [a.arg for a in positional[:first_default] if a not in args.posonlyargs]
    optional = [a.arg for a in positional[first_default:]]
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        (optional if default is not None else required).append(arg.arg)
    returns_value = node.returns is not None and not (
        isinstance(node.returns, ast.Constant) and node.returns.value is None
    )
    return _Callable(node.name, tuple(by_position), tuple(required), tuple(optional), returns_value)


def _own_tests_intro(function: _Callable) -> list[str]:
    lines = [
        "Your own tests: choose inputs, call the code and check what it returns or raises,",
        "so that each wrong version of it fails at least one test.",
    ]
    if function.optional:
        lines.append(f"Optional parameters of {function.name}: {', '.join(function.optional)}.")
    return lines


# -- classes ---------------------------------------------------------------------------------


def _class_suite(signature: str, examples: Sequence[Example]) -> str | None:
    """None when the signature names no class."""
    names = [match.group(1) for match in _CLASS.finditer(signature)]
    if not names:
        return None
    cls = names[0]
    attributes, methods, init = _members(signature, cls)
    tests = _example_tests(examples)
    fixture_name = _fixture_name(cls, names)
    parts = [
        _header(names, tests),
        _fixture(cls, fixture_name, init, examples),
        tests,
        _commented(_class_intro(cls, attributes)),
        *(_commented(_method_skeleton(fixture_name, m)) for m in methods),
    ]
    return _joined(parts)


def _members(signature: str, cls: str) -> tuple[list[str], list[_Callable], _Callable | None]:
    """Attributes, public and special methods, and __init__ of the first class: the text
    after `class X:` up to the next class, its members separated by ';'."""
    start = _CLASS.search(signature)
    assert start is not None
    rest = signature[start.end() :]
    body = rest.split(":", 1)[1] if ":" in rest.split("class ", 1)[0] else ""
    body = _CLASS.split(body, maxsplit=1)[0]
    attributes: list[str] = []
    methods: list[_Callable] = []
    init = None
    for part in (piece.strip().rstrip(".").strip() for piece in body.split(";")):
        member = _member(part)
        if isinstance(member, _Callable):
            if member.name == "__init__":
                init = member
            elif not member.name.startswith("_") or member.name in _SPECIAL_CALLS:
                methods.append(member)
        else:
            attributes.extend(member)
    return attributes, methods, init


def _member(part: str) -> _Callable | list[str]:
    """A method (`name(params) -> returns`, or a special method's bare name) or a list of
    attribute names."""
    match = _MEMBER.match(part)
    if match and (match.group(2) or match.group(1).startswith("__")):
        source = f"def {match.group(1)}{match.group(2) or '(self)'} {match.group(3) or ''}:\n ..."
        try:
            node = ast.parse(source).body[0]
        except SyntaxError:
            return _Callable(match.group(1))
        assert isinstance(node, ast.FunctionDef)
        return _callable(node, skip_self=True)
    return [name.strip() for name in part.split(",") if name.strip().isidentifier()]


def _fixture_name(cls: str, taken: list[str]) -> str:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", cls).lower()
    while keyword.iskeyword(name) or name in taken or name in ("pytest", "target"):
        name += "_"
    return name


def _fixture(cls: str, name: str, init: _Callable | None, examples: Sequence[Example]) -> str:
    """A fixture building the class the way the first example that builds one does, else
    from __init__'s parameters (values for the learner to choose)."""
    lines = _built_in_example(cls, examples)
    if lines is None:
        call = (init or _Callable("__init__")).call()
        lines = [f"return {cls}{call.removeprefix('__init__')}  # choose the arguments"]
    body = "\n".join(f"    {line}" for line in lines)
    return f"@pytest.fixture\ndef {name}():\n{body}\n"


def _built_in_example(cls: str, examples: Sequence[Example]) -> list[str] | None:
    """An example's setup up to its first `x = Cls(...)`, then `return x`."""
    for example in examples:
        statements = ast.parse(example.setup).body if example.setup else []
        for index, statement in enumerate(statements):
            if _builds(statement, cls):
                assert isinstance(statement, ast.Assign)
                target = statement.targets[0]
                assert isinstance(target, ast.Name)
                kept = [ast.unparse(s) for s in statements[: index + 1]]
                return [*"\n".join(kept).splitlines(), f"return {target.id}"]
    return None


def _builds(statement: ast.stmt, cls: str) -> bool:
    return (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Name)
        and statement.value.func.id == cls
    )


def _class_intro(cls: str, attributes: list[str]) -> list[str]:
    lines = [
        f"Your own tests, one or more per method of {cls}: build one (the fixture above),",
        "act on it and check what it returns, raises or changes,",
        "so that each wrong version of it fails at least one test.",
    ]
    if attributes:
        lines.append(f"Attributes to check: {', '.join(attributes)}.")
    return lines


def _method_skeleton(obj: str, method: _Callable) -> list[str]:
    test = method.name.strip("_") or "method"
    if method.name in _SPECIAL_CALLS:
        body = [_SPECIAL_CALLS[method.name].format(obj=obj)]
    elif method.returns_value:
        body = [f"assert {method.call(f'{obj}.')} == ..."]
    else:
        body = [method.call(f"{obj}."), "assert ..."]
    lines = [f"def test_{test}({obj}):", *(f"    {line}" for line in body)]
    if method.optional:
        lines.insert(1, f"    # optional: {', '.join(method.optional)}")
    return lines


# -- shared ----------------------------------------------------------------------------------


def _example_tests(examples: Sequence[Example]) -> str:
    """One test per example, exactly as examples_suite writes them, without its header."""
    if not examples:
        return ""
    return examples_suite(examples).removeprefix(SUITE_HEADER).strip("\n") + "\n"


def _header(names: Sequence[str], tests: str) -> str:
    """`import pytest`, what the examples use besides the target, and the target's names:
    those of the signature and any other name the examples use without defining it."""
    free = _free_names(tests)
    extras: dict[str, list[str]] = {}
    for name in sorted(free & _EXTRAS.keys()):
        extras.setdefault(_EXTRAS[name], []).append(name)
    stdlib = sorted(template.format(", ".join(found)) for template, found in extras.items())
    targets = sorted({*names, *(free - _EXTRAS.keys() - {"pytest"})})
    lines = [
        *stdlib,
        "" if stdlib else None,
        "import pytest",
        "",
        f"from target import {', '.join(targets)}",
    ]
    return "\n".join(line for line in lines if line is not None) + "\n"


def _free_names(source: str) -> set[str]:
    """Names the code reads but neither binds nor finds among the builtins."""
    tree = ast.parse(source)
    read: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
    return read - bound - set(dir(builtins))


def _commented(lines: list[str]) -> str:
    return "\n".join(f"# {line}" if line else "#" for line in lines) + "\n"


def _joined(parts: Sequence[str]) -> str:
    return "\n\n\n".join(part.rstrip("\n") for part in parts if part) + "\n"


def _generic_suite(signature: str) -> str:
    """For a signature this does not understand: the first name it defines, if any."""
    found = re.search(r"\b(?:def|class)\s+([A-Za-z_]\w*)", signature)
    name = found.group(1) if found and not keyword.iskeyword(found.group(1)) else None
    target = f"from target import {name}" if name else "import target"
    call = name or "target.NAME"
    intro = _commented(["Your own tests: call the code, check what it returns or raises."])
    skeleton = _commented(["def test_it():", f"    assert {call}(...) == ..."])
    return f"import pytest\n\n{target}\n\n\n{intro}\n\n{skeleton}"
