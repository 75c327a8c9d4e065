"""The judge's self-test (issue 8): a tiny problem whose grade is known in advance, judged
by a worker in a real sandbox every few minutes. A wrong grade, or none, says the judge is
broken even when every process looks alive. Pure: the problem, the suite and the check.

The suite kills exactly one of two mutants (weights 1 and 3), so a correct judge grades it
SUCCESS with score 30 + 70 * 3 // 4 = 82; a judge that kills nothing, everything, or
fails the golden code gives another answer."""

from __future__ import annotations

from appliance.judging.request import JudgeRequest, Variant
from appliance.scoring.grade import Grade

GOLDEN = "def double(x):\n    return 2 * x\n"
MUTANTS = {
    "adds_instead": ("def double(x):\n    return x + 2\n", 3),
    "negative_flips_sign": ("def double(x):\n    return 2 * abs(x)\n", 1),
}
SUITE = (
    "from target import double\n\n\n"
    "def test_doubles_a_positive_number():\n"
    "    assert double(5) == 10\n"
)
EXPECTED = Grade("SUCCESS", None, 82, 3, 4, 1, 2)
WALL_SECONDS = 5.0
# Its name in job_runs, where the health report reads the latest outcome.
SELFTEST_JOB = "judge_selftest"


def request(output_limit_bytes: int) -> JudgeRequest:
    return JudgeRequest(
        tests=SUITE,
        golden=GOLDEN,
        mutants=[Variant(name, code) for name, (code, _) in MUTANTS.items()],
        wall_seconds=WALL_SECONDS,
        output_limit_bytes=output_limit_bytes,
    )


def weights() -> dict[str, int]:
    return {name: weight for name, (_, weight) in MUTANTS.items()}


def mismatch(graded: Grade) -> str | None:
    """What is wrong with the judge's grade of the self-test, or None when it is right."""
    if graded == EXPECTED:
        return None
    return (
        f"the self-test graded {graded.status} {graded.reason or ''} score {graded.score}"
        f" (killed {graded.killed_count} of {graded.total_count}); expected SUCCESS score 82"
    )
