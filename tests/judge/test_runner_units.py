"""The runner's pure parts, imported on the host: twin transformation, run planning,
verdicts, output capping and the parsing of the worker's events."""

from __future__ import annotations

import importlib.util
import inspect
import json
import random
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.judge.goldens import ORDINARY, SHAPES

ROOT = Path(__file__).resolve().parents[2]
CATALOG_GOLDENS = sorted(ROOT.glob("catalog/*/golden.py"))


def load_runner() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("judge_runner", ROOT / "judge" / "runner.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = load_runner()


def functions(source: str) -> dict[str, types.CodeType]:
    """Code objects of the functions (not class bodies, not comprehensions) by qualname."""

    def walk(code: types.CodeType) -> Iterator[types.CodeType]:
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                yield const
                yield from walk(const)

    module = compile(source, "target.py", "exec", dont_inherit=True)
    return {
        code.co_qualname: code
        for code in walk(module)
        if code.co_flags & inspect.CO_OPTIMIZED
        and (not code.co_name.startswith("<") or code.co_name == "<lambda>")
    }


GOLDENS = {name: golden for name, (golden, _suite) in ORDINARY.items()}
GOLDENS["shapes"] = SHAPES
GOLDENS.update({path.parent.name: path.read_text() for path in CATALOG_GOLDENS})


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_the_twin_changes_every_function_s_bytecode_constants_and_first_line(name: str) -> None:
    golden = GOLDENS[name]
    twin = runner.make_twin(golden, random.Random(7))

    before, after = functions(golden), functions(twin)
    assert before.keys() == after.keys() and before
    for qualname, code in before.items():
        changed = after[qualname]
        assert changed.co_code != code.co_code, qualname
        assert changed.co_consts != code.co_consts, qualname
        assert changed.co_firstlineno != code.co_firstlineno, qualname
        assert changed.co_argcount == code.co_argcount, qualname
        assert changed.co_name == code.co_name, qualname
    assert twin != golden


def test_the_twin_keeps_docstrings_and_module_structure() -> None:
    golden = '"""Module doc."""\nfrom __future__ import annotations\n\ndef f(x: int) -> int:\n    """F doc."""\n    global G\n    G = x\n    return x\n'
    namespace: dict[str, Any] = {}
    exec(compile(runner.make_twin(golden, random.Random(1)), "target.py", "exec"), namespace)

    assert namespace["__doc__"] == "Module doc."
    assert namespace["f"].__doc__ == "F doc."
    assert namespace["f"].__annotations__ == {"x": "int", "return": "int"}
    assert namespace["f"](3) == 3 and namespace["G"] == 3


def test_the_twin_differs_from_run_to_run() -> None:
    golden = GOLDENS["sequences"]
    assert runner.make_twin(golden, random.Random(1)) != runner.make_twin(golden, random.Random(2))


def test_a_golden_that_does_not_parse_has_no_twin() -> None:
    with pytest.raises(SyntaxError):
        runner.make_twin("def f(:\n", random.Random(1))


class FakeExecutor:
    """Stands in for the sandbox: records the runs, answers with given verdicts."""

    def __init__(self, verdicts: dict[str, list[str]], golden_ms: int = 100) -> None:
        self.verdicts = verdicts
        self.golden_ms = golden_ms
        self.calls: list[tuple[str, float]] = []

    def __call__(self, name: str, source: str, limit: float, kind: str) -> dict[str, Any]:
        self.calls.append((name, limit))
        verdict = self.verdicts[name].pop(0)
        duration = self.golden_ms if kind == "golden" else 10
        entry: dict[str, Any] = runner.run_entry(
            name, verdict, duration, round(limit * 1000), [], "", False
        )
        return entry


def request(mutants: int = 3, tests: str = "def test_x():\n    pass\n") -> Any:
    pairs = [(f"m{i}", "def f():\n    return 1\n") for i in range(mutants)]
    return runner.Request(tests, "def f():\n    return 1\n", pairs, 5.0, 65536)


def test_golden_runs_first_and_the_rest_in_a_random_order() -> None:
    orders = set()
    for seed in range(20):
        execute = FakeExecutor(
            {
                "golden": ["passed", "passed"],
                "twin": ["passed"],
                **{f"m{i}": ["killed"] for i in range(3)},
            }
        )
        report = runner.judge(request(), execute, random.Random(seed))
        names = [name for name, _limit in execute.calls]
        assert names[0] == "golden"
        assert sorted(names[1:]) == ["golden", "m0", "m1", "m2", "twin"]
        assert [m["name"] for m in report["mutants"]] == ["m0", "m1", "m2"]
        assert len(report["golden"]) == 2 and report["twin"]["verdict"] == "passed"
        orders.add(tuple(names))
    assert len(orders) > 10


def test_mutants_get_the_short_limit_golden_and_twin_the_wall_limit() -> None:
    execute = FakeExecutor(
        {"golden": ["passed", "passed"], "twin": ["passed"], "m0": ["killed"]}, golden_ms=300
    )
    runner.judge(request(mutants=1), execute, random.Random(0))

    limits = dict(execute.calls)
    assert limits["m0"] == pytest.approx(2.0)  # max(1, 5 x 0.3 + 0.5)
    assert limits["twin"] == limits["golden"] == 5.0


@pytest.mark.parametrize(("golden_s", "limit"), [(0.01, 1.0), (0.3, 2.0), (0.9, 5.0), (3.0, 5.0)])
def test_the_mutant_limit_formula(golden_s: float, limit: float) -> None:
    assert runner.mutant_limit(5.0, golden_s) == pytest.approx(limit)


def test_a_golden_that_does_not_pass_is_rerun_once_and_nothing_else_runs() -> None:
    execute = FakeExecutor({"golden": ["failed", "passed"]})
    report = runner.judge(request(), execute, random.Random(0))

    assert [name for name, _ in execute.calls] == ["golden", "golden"]
    assert [run["verdict"] for run in report["golden"]] == ["failed", "passed"]
    assert report["twin"] is None and report["mutants"] == []


def test_a_suite_that_does_not_compile_runs_nothing() -> None:
    execute = FakeExecutor({})
    report = runner.judge(request(tests="def test(:\n"), execute, random.Random(0))

    assert execute.calls == [] and "SyntaxError" in report["syntax_error"]


def test_a_twin_that_cannot_be_derived_is_a_twin_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_twin(source: str, rng: random.Random) -> str:
        raise ValueError("unparsable")

    monkeypatch.setattr(runner, "make_twin", no_twin)
    execute = FakeExecutor(
        {"golden": ["passed", "passed"], **{f"m{i}": ["killed"] for i in range(3)}}
    )
    report = runner.judge(request(), execute, random.Random(0))

    assert report["twin"]["verdict"] == "error" and "unparsable" in report["twin"]["output"]


def outcome(
    tests: list[str], exit_code: int | None = 0, errors: int = 0, timed_out: bool = False
) -> Any:
    entries = [runner.test_entry(f"t{i}", o, 1, "") for i, o in enumerate(tests)]
    return runner.Outcome(entries, exit_code, errors, timed_out)


@pytest.mark.parametrize(
    ("result", "golden", "mutant"),
    [
        (outcome(["passed", "passed"]), "passed", "survived"),
        (outcome(["passed", "skipped"]), "passed", "survived"),
        (outcome(["passed", "failed"], 1), "failed", "killed"),
        (outcome(["passed", "error"], 1), "error", "killed"),
        (outcome(["failed", "error"], 1), "failed", "killed"),
        (outcome([], 2, errors=1), "error", "killed"),
        (outcome(["passed"], None), "error", "killed"),  # the worker crashed
        (outcome(["passed"], 3), "error", "killed"),  # pytest internal error
        (outcome([], 5), "no_tests", "survived"),
        (outcome(["skipped"]), "no_tests", "survived"),
        (outcome(["passed"], None, timed_out=True), "timeout", "timeout"),
    ],
)
def test_verdicts(result: Any, golden: str, mutant: str) -> None:
    assert runner.golden_verdict(result) == golden
    assert runner.mutant_verdict(result) == mutant


def test_capped_output_keeps_head_and_tail_and_says_what_it_dropped() -> None:
    output = runner.CappedOutput(20)
    output.feed(b"0123456789")
    output.feed(b"x" * 1000)
    output.feed(b"abcdefghij")

    assert output.truncated
    assert output.text() == "0123456789\n[... 1000 bytes of output omitted ...]\nabcdefghij"


def test_output_up_to_the_limit_is_kept_whole() -> None:
    output = runner.CappedOutput(20)
    output.feed(b"a" * 15)
    output.feed(b"b" * 5)

    assert not output.truncated and output.text() == "a" * 15 + "b" * 5


def test_the_event_stream_ignores_garbage_and_clips_what_it_keeps() -> None:
    events = runner.EventStream()
    test = {"event": "test", "name": "t" * 5000, "outcome": "passed", "duration_ms": 3}
    lines = [
        b'{"event": "ready"}',
        b"not json",
        b"[1, 2]",
        json.dumps({"event": "test", "name": "x", "outcome": "great"}).encode(),
        b"y" * (2 << 20),  # an endless line is skipped as a whole
        json.dumps(test).encode(),
        json.dumps({"event": "done", "exit_code": 0}).encode(),
    ]
    for line in lines:
        events.feed(line[: len(line) // 2])
        events.feed(line[len(line) // 2 :] + b"\n")

    assert [t["outcome"] for t in events.tests] == ["passed"]
    assert len(events.tests[0]["name"]) == runner.NAME_CHARS
    assert events.exit_code == 0 and events.ready


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff",
        b"[]",
        b'{"protocol": 2}',
        b'{"protocol": 1, "tests": 1, "golden": ""}',
        b'{"protocol": 1, "tests": "", "golden": "", "mutants": [{"name": "m"}]}',
        b'{"protocol": 1, "tests": "", "golden": "", "wall_seconds": true}',
        b'{"protocol": 1, "tests": "", "golden": "", "output_limit_bytes": 0}',
    ],
)
def test_a_malformed_request_is_a_runner_error(raw: bytes) -> None:
    with pytest.raises(runner.RunnerError):
        runner.parse_request(raw)


def test_a_minimal_request_gets_the_default_limits() -> None:
    parsed = runner.parse_request(b'{"protocol": 1, "tests": "t", "golden": "g"}')

    assert (parsed.wall_seconds, parsed.output_limit, parsed.mutants) == (5.0, 65536, [])
