"""Faults of the learner's code end in an honest verdict (issue 7, item 2): never a runner
error, never an unbounded cost. Each case runs the real judge image as the worker does and
checks the verdicts, the runner's exit status, the report's size (judge/PROTOCOL.md,
"Bounds"), that the appliance's own decoder accepts the report as printed, and a wall time
far below "minutes" (a loose bound: the machine may be busy)."""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from appliance.judging.report import decode
from tests.judge.conftest import (
    CONTAINER_TIMEOUT_S,
    MUTANTS,
    SANDBOX_FLAGS,
    TEST_LABEL,
    judge_request,
    outcomes,
)

REPORT_BYTES = 1 << 20  # judge/runner/protocol.py REPORT_BYTES
LISTED_TESTS = 2000  # judge/runner/protocol.py LISTED_TESTS
WALL_MARGIN_S = 60.0
# The appliance's scratch space (issue 7): an inode cap bounds what a run can leave.
CAPPED_TMP: tuple[str, ...] = (
    ()  # conftest's flags have it already (a second --tmpfs /tmp would be refused)
    if any("nr_inodes=" in flag for flag in SANDBOX_FLAGS)
    else ("--tmpfs", "/tmp:rw,nosuid,nodev,size=64m,nr_inodes=20000,mode=1777")
)
KILLER = {"no_upper_bound": MUTANTS["no_upper_bound"]}


@dataclass(frozen=True)
class Judged:
    stdout: bytes
    returncode: int
    seconds: float
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        return dict(json.loads(self.stdout.splitlines()[-1]))

    def golden_verdicts(self) -> list[str]:
        return [run["verdict"] for run in self.report["golden"]]

    def runs(self) -> list[dict[str, Any]]:
        report = self.report
        return [*report["golden"], *report["twins"], *report["mutants"]]


Judge = Callable[..., Judged]


@pytest.fixture(scope="module")
def judge(judge_image: str) -> Judge:
    """The image run as in conftest.run_container, keeping stdout as printed: the bytes
    are what the appliance decodes."""

    def run(request: dict[str, Any], extra_args: Sequence[str] = ()) -> Judged:
        name = f"arena-judge-test-{uuid.uuid4().hex[:12]}"
        command = ["docker", "run", "-i", "--rm", "--name", name, "--label", TEST_LABEL]
        command += [*SANDBOX_FLAGS, *extra_args, judge_image]
        started = time.monotonic()
        try:
            done = subprocess.run(
                command,
                input=json.dumps(request).encode(),
                capture_output=True,
                timeout=CONTAINER_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True)
            pytest.fail(f"the judge container ran longer than {CONTAINER_TIMEOUT_S} s")
        judged = Judged(
            done.stdout, done.returncode, time.monotonic() - started, done.stderr.decode()
        )
        assert done.returncode == 0, (done.stdout[-2000:], judged.stderr[-3000:])
        assert "runner_error" not in judged.report
        return judged

    return run


def assert_sound(judged: Judged, wall_s: float = WALL_MARGIN_S) -> None:
    """Exit 0, one report line of at most 1 MiB that strict decoders accept, in time."""
    line = judged.stdout.splitlines()[-1]
    assert len(line) + 1 <= REPORT_BYTES
    line.decode("utf-8", "strict")
    decoded = decode(judged.stdout)  # msgspec, as the appliance's worker decodes it
    assert decoded.runner_error is None
    assert not [text for text in strings(judged.report) if UNSAFE.search(text)]
    assert judged.seconds < wall_s


UNSAFE = re.compile("[\x00\ud800-\udfff]")


def strings(value: object) -> list[str]:
    """Every string of a decoded JSON document, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(text for item in value.values() for text in strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


# --- 1. the wipe between runs --------------------------------------------------------

MESS_SUITE = """\
import os
from target import clamp

ROOT = "/tmp/mess"


def test_a_nothing_is_left_then_leave_a_mess():
    assert not os.path.lexists(ROOT)  # whatever ran before, its mess is gone
    assert not os.listdir("/dev/shm")
    here = os.getcwd()
    os.mkdir(ROOT)
    os.chdir(ROOT)
    for _ in range(1200):  # deeper than Python's recursion limit
        os.mkdir("d")
        os.chdir("d")
    with open("bottom", "w") as handle:
        handle.write("x")
    os.chdir(ROOT)
    os.makedirs("ro/sub")
    open("ro/sub/file", "w").close()
    os.chmod("ro/sub", 0o500)
    os.chmod("ro", 0o500)
    os.makedirs("closed/inner")
    open("closed/inner/file", "w").close()
    os.chmod("closed/inner", 0)
    os.chmod("closed", 0)
    odd = os.path.join(ROOT.encode(), b"\\xff\\xfe -rf \\n\\x01*")
    os.mkdir(odd)
    open(os.path.join(odd, b"--"), "w").close()
    os.symlink("/opt/judge/runner", "link")  # removed, never followed
    os.symlink("/", "root")
    os.mkfifo("fifo")
    os.makedirs("/dev/shm/deep/er")
    os.chdir(here)


def test_b_clamps_above():
    assert clamp(11, 0, 10) == 10
"""


def test_nested_read_only_and_oddly_named_leftovers_are_wiped(judge: Judge) -> None:
    judged = judge(judge_request(MESS_SUITE, mutants=KILLER))

    assert_sound(judged)
    report = judged.report
    # Every later run (in a random order) found nothing of the runs before it.
    assert judged.golden_verdicts() == ["passed"] * 7
    assert [run["verdict"] for run in report["twins"]] == ["passed", "passed"]
    assert [run["verdict"] for run in report["mutants"]] == ["killed"]
    assert outcomes(report["mutants"][0])["test_b_clamps_above"] == "failed"
    assert report["timing_ms"]["cleanup"] >= 0


INODE_SUITE = """\
import os
from target import clamp


def test_leave_300000_directories():
    for index in range(300_000):
        os.mkdir(f"/tmp/d{index}")
    assert clamp(11, 0, 10) == 10
"""


def test_a_suite_that_leaves_300000_directories_fails_on_the_inode_cap(judge: Judge) -> None:
    judged = judge(judge_request(INODE_SUITE, mutants=KILLER), CAPPED_TMP)

    assert_sound(judged)
    golden = judged.report["golden"]
    assert judged.golden_verdicts() == ["failed", "failed"]  # the same on the rerun: wiped
    assert "No space left on device" in golden[0]["tests"][0]["message"]
    assert judged.report["mutants"] == []


CLEANED_SUITE = """\
import os
from target import clamp


def test_leave_as_many_directories_as_the_cap_allows():
    made = 0
    for index in range(300_000):
        try:
            os.mkdir(f"/tmp/d{index}")
        except OSError:
            break
        made += 1
    assert made > 10_000
    assert clamp(11, 0, 10) == 10
"""


def test_every_run_may_fill_the_inode_cap_and_its_cleanup_counts(judge: Judge) -> None:
    judged = judge(judge_request(CLEANED_SUITE, mutants=KILLER), CAPPED_TMP)

    assert_sound(judged)
    report = judged.report
    # Each run finds the space empty again (else it could not make 10,000 directories).
    assert judged.golden_verdicts() == ["passed"] * 7
    assert [run["verdict"] for run in report["twins"]] == ["passed", "passed"]
    assert [run["verdict"] for run in report["mutants"]] == ["killed"]
    # Each run's duration includes removing its ~20,000 directories.
    timing = report["timing_ms"]
    assert 0 < timing["cleanup"] <= timing["runs"]
    assert sum(run["duration_ms"] for run in judged.runs()) >= timing["cleanup"]


# --- 2. a suite the compiler refuses ---------------------------------------------------


@pytest.mark.parametrize(
    ("suite", "error"),
    [
        ("x = " + "-" * 10_000 + "1\n", "MemoryError"),  # the parser's stack (3.11)
        ("x = " + "not " * 10_000 + "1\n", "MemoryError"),
        ("x = " + "+".join(["1"] * 30_000) + "\n", "RecursionError"),  # the compiler's
        ("x = f" + "()" * 30_000 + "\n", "RecursionError"),
    ],
    ids=["unary", "not", "sum", "calls"],
)
def test_a_suite_the_compiler_cannot_handle_is_a_syntax_error(
    judge: Judge, suite: str, error: str
) -> None:
    assert len(suite.encode()) <= 64 * 1024  # the appliance's code size limit
    judged = judge(judge_request(suite, mutants=KILLER))

    assert_sound(judged, wall_s=30.0)
    report = judged.report
    assert report["syntax_error"].startswith(f"{error}: the suite is too deeply nested")
    assert report["golden"] == [] and report["mutants"] == []


# --- 3. the report is bounded ----------------------------------------------------------

SKIPS_SUITE = """\
import pytest


@pytest.mark.parametrize("index", range({count}))
def test_skipped(index):
    pytest.skip({reason!r} * 2000)
"""


@pytest.mark.parametrize(
    ("count", "reason"), [(800, "\U0001f600"), (1900, "long reason ")], ids=["emoji", "ascii"]
)
def test_many_long_skip_reasons_keep_the_report_small(
    judge: Judge, count: int, reason: str
) -> None:
    # What is measured is the report's size; the wall limit only has to let the runs end
    # on a machine busy with other tests.
    suite = SKIPS_SUITE.format(count=count, reason=reason)
    judged = judge(judge_request(suite, wall_seconds=20.0))

    assert_sound(judged)
    report = judged.report
    assert judged.golden_verdicts() == ["no_tests", "no_tests"]
    for run in report["golden"]:
        assert len(run["tests"]) == count  # all listed, their messages cut to a marker
        assert all(test["outcome"] == "skipped" for test in run["tests"])
        kept = [test["message"] for test in run["tests"] if reason * 10 in test["message"]]
        assert 0 < len(kept) < count
        assert run["tests"][-1]["message"] == "[message omitted]"
    # Two runs of 800 or 1,900 skips: a few hundred KiB, not tens of MiB.
    assert len(judged.stdout) < 512 * 1024


TINY_SUITE = """\
import pytest
from target import clamp


@pytest.mark.parametrize("index", range({count}))
def test_tiny(index):
    if index == {killer}:
        assert clamp(11, 0, 10) == 10
"""


def test_thousands_of_tests_are_counted_all_and_listed_up_to_the_cap(judge: Judge) -> None:
    # The mutant is exposed only by test 2,500, past the listing cap: still killed.
    suite = TINY_SUITE.format(count=3000, killer=2500)
    request = judge_request(suite, mutants=KILLER, wall_seconds=30.0, golden_reruns=1, twins=1)
    judged = judge(request)

    assert_sound(judged)
    report = judged.report
    assert judged.golden_verdicts() == ["passed", "passed"]
    assert [run["verdict"] for run in report["twins"]] == ["passed"]
    mutant = report["mutants"][0]
    assert mutant["verdict"] == "killed"
    assert outcomes(mutant)["test_tiny[2500]"] == "failed"  # failures are listed first
    for run in judged.runs():
        assert len(run["tests"]) == LISTED_TESTS + 1
        closing = run["tests"][-1]
        assert closing["name"] == "<1000 more tests not listed>"
        assert closing["outcome"] == "skipped"
        assert closing["message"].startswith("1000 more tests ran and are not listed")


def test_twenty_thousand_tests_keep_the_report_under_a_mebibyte(judge: Judge) -> None:
    # Golden fails at test 15,000: decided on every outcome, not on what is listed.
    suite = TINY_SUITE.format(count=20_000, killer=15_000).replace("clamp(11", "clamp(-11")
    judged = judge(judge_request(suite, wall_seconds=40.0), ())

    assert_sound(judged, wall_s=CONTAINER_TIMEOUT_S)
    golden = judged.report["golden"]
    assert judged.golden_verdicts() == ["failed", "failed"]
    for run in golden:
        assert len(run["tests"]) == LISTED_TESTS + 1
        assert outcomes(run)["test_tiny[15000]"] == "failed"
        assert run["tests"][-1]["name"] == "<18000 more tests not listed>"


# --- 4. any text is valid Unicode ---------------------------------------------------------

TEXT_SUITE = """\
import sys
import pytest


def test_lone_surrogate_message():
    assert False, "lone \\ud800 surrogate"


def test_lone_surrogate_exception():
    raise ValueError("low \\udfff and NUL \\x00 here")


def test_raw_bytes_in_the_output():
    sys.stdout.buffer.write(b"raw \\xff\\xfe \\x00 bytes\\n")
    sys.stdout.flush()
    assert False


@pytest.mark.parametrize("text", ["a\\x00b", "\\udcff"])
def test_odd_ids(text):
    pytest.skip("skip \\ud83d reason \\x00")
"""


def test_surrogates_and_nul_in_any_text_give_a_report_strict_decoders_accept(
    judge: Judge,
) -> None:
    judged = judge(judge_request(TEXT_SUITE, golden_reruns=1, twins=1))

    assert_sound(judged)
    golden = judged.report["golden"]
    assert judged.golden_verdicts() == ["failed", "failed"]
    messages = {test["name"]: test["message"] for test in golden[0]["tests"]}
    assert "lone \ufffd surrogate" in messages["test_lone_surrogate_message"]
    assert "low \ufffd and NUL \ufffd here" in messages["test_lone_surrogate_exception"]
    skips = [m for m in messages.values() if "skip" in m]
    assert len(skips) == 2 and all("skip \ufffd reason \ufffd" in m for m in skips)
    assert "raw \ufffd\ufffd \ufffd bytes" in golden[0]["output"]
    assert "\x00" not in judged.stdout.decode()
