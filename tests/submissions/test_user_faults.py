"""Faults of the user's code, however odd, through the whole pipeline (issue 7, item 2):
each ends in FAILURE or an honest SUCCESS, never ERROR, never stuck, in bounded time and
with a bounded result."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import bearer
from tests.submissions.helpers import submit

HEADER = "import os\nimport pytest\nfrom target import clamp\n\n"
PASSES = "def test_inside():\n    assert clamp(5, 0, 10) == 5\n"

FAULTS = {
    "lone_surrogate_in_a_message": (
        "def test_surrogate():\n    assert clamp(5, 0, 10) == 6, '\\ud800 broken'\n",
        {"golden_failed"},
    ),
    "nested_directories_left_behind": (
        PASSES + "\ndef test_nest():\n"
        "    path = '/tmp/n'\n"
        "    for _ in range(1200):\n"
        "        path += '/d'\n"
        "        os.makedirs(path, exist_ok=True)\n",
        {None},
    ),
    "empty_directories_by_the_thousand": (
        PASSES + "\ndef test_litter():\n"
        "    for i in range(300_000):\n"
        "        try:\n"
        "            os.mkdir(f'/tmp/e{i}')\n"
        "        except OSError:\n"
        "            break\n",
        {None},
    ),
    "a_suite_the_compiler_cannot_hold": (
        "X = " + "-" * 10_000 + "1\n\n" + PASSES,
        {"syntax_error"},
    ),
    "many_skips_with_long_emoji_reasons": (
        "@pytest.mark.parametrize('i', range(800))\n"
        "def test_skip(i):\n"
        "    pytest.skip('\\U0001F600' * 2000)\n\n" + PASSES,
        {None},
    ),
    "thousands_of_skips_with_long_reasons": (
        # 800 x 30 KB of reasons: a hundred times a run's report budget (RUN_BYTES), and
        # quick enough for the problem's 5 s on a busy machine.
        "@pytest.mark.parametrize('i', range(800))\n"
        "def test_skip(i):\n"
        "    pytest.skip('x' * 30_000)\n\n" + PASSES,
        {None},
    ),
}
# The problem's wall limit is 5 s a run; a submission runs at most 9 + 3 times, plus the
# sandbox's start and cleanup. Far above that means a fault escaped its bounds.
SECONDS_BOUND = 120


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_of_the_suite_ends_honestly_in_bounded_time_and_size(
    api: TestClient[Any], learner_token: str, drain: Callable[[], None], fault: str
) -> None:
    code, reasons = FAULTS[fault]
    accepted = submit(api, learner_token, HEADER + code)
    started = time.monotonic()
    drain()
    seconds = time.monotonic() - started
    response = api.get(f"/api/v1/submissions/{accepted['id']}", headers=bearer(learner_token))
    got = response.json()

    assert got["status"] in ("SUCCESS", "FAILURE"), got
    assert got["reason"] in reasons, got
    assert seconds < SECONDS_BOUND
    assert len(response.content) < 1_000_000
