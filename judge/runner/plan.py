"""The order and the limits of the runs (protocol 2, DESIGN.md 4.2) and the verdicts.

Pure: the runs are executed by an executor the caller passes, the order is drawn from the
rng it passes, the twin is derived by the function it passes; the host tests use fakes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .protocol import GOLDEN, MUTANT, TWIN, report, run_entry, syntax_error_of

if TYPE_CHECKING:
    import random
    from collections.abc import Callable

    from .protocol import Request

    # execute(name, source, limit_seconds, kind) -> RUN
    Executor = Callable[[str, str, float, str], dict[str, Any]]
    TwinMaker = Callable[[str, random.Random], str]

Job = tuple[str, int]


def judge(
    request: Request, execute: Executor, rng: random.Random, make_twin: TwinMaker
) -> dict[str, Any]:
    """The suite compiles; golden's first run passes (else ONE rerun, and stop); then every
    other run under the same limit L, in one random order: golden's reruns, the twins and
    the mutants cannot be told apart by their position nor by their time budget."""
    error = syntax_error_of(request.tests)
    if error is not None:
        return report(syntax_error=error)
    first = execute(GOLDEN, request.golden, request.wall_seconds, GOLDEN)
    if first["verdict"] != "passed":
        rerun = execute(GOLDEN, request.golden, request.wall_seconds, GOLDEN)
        return report(golden=[first, rerun])
    limit = run_limit(request.wall_seconds, first["duration_ms"] / 1000)
    runs = _run_in_order(request, execute, rng, make_twin, limit)
    mutants = [runs[(MUTANT, index)] for index in range(len(request.mutants))]
    golden = [first] + [run for (kind, _), run in runs.items() if kind == GOLDEN]
    twins = [run for (kind, _), run in runs.items() if kind == TWIN]
    return report(golden=golden, twins=twins, mutants=mutants)


def run_limit(wall_seconds: float, golden_seconds: float) -> float:
    """L = min(wall, max(1 s, 5 x t + 0.5 s)), t the duration of golden's first run."""
    return min(wall_seconds, max(1.0, 5 * golden_seconds + 0.5))


def plan_jobs(request: Request, rng: random.Random) -> list[Job]:
    """Every run after golden's first, shuffled (random.SystemRandom in the sandbox)."""
    jobs: list[Job] = [(GOLDEN, index) for index in range(request.golden_reruns)]
    jobs += [(TWIN, index) for index in range(request.twins)]
    jobs += [(MUTANT, index) for index in range(len(request.mutants))]
    rng.shuffle(jobs)
    return jobs


def _run_in_order(
    request: Request, execute: Executor, rng: random.Random, make_twin: TwinMaker, limit: float
) -> dict[Job, dict[str, Any]]:
    """Runs keyed by job, in the order they ran (dicts keep insertion order)."""
    runs: dict[Job, dict[str, Any]] = {}
    for kind, index in plan_jobs(request, rng):
        if kind == GOLDEN:
            runs[kind, index] = execute(GOLDEN, request.golden, limit, GOLDEN)
        elif kind == TWIN:
            runs[kind, index] = _run_twin(request.golden, execute, rng, make_twin, limit)
        else:
            name, code = request.mutants[index]
            runs[kind, index] = execute(name, code, limit, MUTANT)
    return runs


def _run_twin(
    golden: str, execute: Executor, rng: random.Random, make_twin: TwinMaker, limit: float
) -> dict[str, Any]:
    """Each twin is a separate draw from the twin family."""
    try:
        source = make_twin(golden, rng)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        # Deterministic for a given golden: problem validation (DESIGN 4.5) rejects it.
        message = f"cannot derive the twin: {type(exc).__name__}: {exc}"[:2000]
        return run_entry(TWIN, "error", 0, round(limit * 1000), [], message, False)
    return execute(TWIN, source, limit, TWIN)


class Outcome:
    """What the supervisor learnt about one run, before it is judged. `tests` are the
    listed tests; `seen` the outcomes of every test that ran (the list may be capped,
    protocol.LISTED_TESTS), by default those of `tests`."""

    __slots__ = ("collection_errors", "exit_code", "refused", "seen", "tests", "timed_out")

    def __init__(
        self,
        tests: list[dict[str, Any]],
        exit_code: int | None,
        collection_errors: int = 0,
        timed_out: bool = False,
        refused: str | None = None,
        seen: set[str] | None = None,
    ) -> None:
        self.tests = tests
        self.exit_code = exit_code  # None: the worker died before pytest returned
        self.collection_errors = collection_errors
        self.timed_out = timed_out
        self.refused = refused  # the reference monitor refused an operation of the suite
        self.seen = {str(test["outcome"]) for test in tests} if seen is None else seen

    def broken(self) -> bool:
        """Crash, collection error, or pytest ending with interrupted/internal/usage error."""
        return self.exit_code not in (0, 1, 5) or self.collection_errors > 0

    def outcomes(self) -> set[str]:
        return set(self.seen)


def golden_verdict(outcome: Outcome) -> str:
    """passed / failed / error / timeout / no_tests, for golden and twin (DESIGN 4.2)."""
    seen = outcome.outcomes()
    if outcome.refused is not None:
        return "error"
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
    """killed / survived / timeout; any failure, error, crash or refusal exposes the mutant."""
    if outcome.refused is not None:
        return "killed"
    if outcome.timed_out:
        return "timeout"
    if outcome.broken() or outcome.exit_code == 1 or outcome.outcomes() & {"failed", "error"}:
        return "killed"
    return "survived"


def verdict(kind: str, outcome: Outcome) -> str:
    return mutant_verdict(outcome) if kind == MUTANT else golden_verdict(outcome)
