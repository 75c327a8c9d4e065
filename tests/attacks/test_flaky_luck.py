"""A suite whose only test fails at random half the time gets no luck (issue 6, item 5):
it scores above 30 in at most 1 of 50 submissions, and its reason is `flaky`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

from tests.submissions.helpers import result, submit

COIN_TOSS = """
import random

def test_a_coin_toss():
    assert random.SystemRandom().random() < 0.5
"""
SUBMISSIONS = 50


def test_a_coin_toss_suite_scores_above_30_at_most_once_in_50(
    api: TestClient[Any], admin_token: str, drain: Callable[[], None]
) -> None:
    ids = [submit(api, admin_token, COIN_TOSS)["id"] for _ in range(SUBMISSIONS)]
    drain()
    got = [result(api, admin_token, submission_id) for submission_id in ids]

    lucky = [g for g in got if g["status"] == "SUCCESS" and g["score"] > 30]
    assert len(lucky) <= 1, lucky
    reasons = Counter(g["reason"] for g in got if g["status"] == "FAILURE")
    # Failing golden's first run and its one rerun looks like a suite that is simply wrong
    # (golden_failed, about 1 in 4); passing every golden run and failing only a twin looks
    # like introspection (about 1 in 700). Everything else shows the coin: flaky.
    assert set(reasons) <= {"flaky", "golden_failed", "introspection"}, reasons
    assert reasons["flaky"] >= SUBMISSIONS // 2, reasons
