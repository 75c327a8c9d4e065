"""Every attack of tests/attacks/corpus.py, through the whole pipeline (API, queue, worker,
the real judge image): none earns a kill, none reads hidden code, and where the reference
monitor must step in the reason is `introspection` (DESIGN.md 4.4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from appliance.submissions.disclosure import MIN_SECRET_CHARS
from tests.attacks.corpus import ATTACKS, Attack
from tests.bundles import GOLDEN, MUTANTS
from tests.conftest import HIDDEN_PROBLEM, PROBLEM
from tests.submissions.helpers import result, submit

# Lines that only the hidden code has (long enough to say something): none may reach a
# learner.
HIDDEN_LINES = sorted(
    line
    for line in {line.strip() for code, _, _ in MUTANTS.values() for line in code.splitlines()}
    - {line.strip() for line in GOLDEN.splitlines()}
    if len(line) >= MIN_SECRET_CHARS
)


def judged(api: TestClient[Any], token: str, drain: Callable[[], None], attack: Attack) -> Any:
    problem = HIDDEN_PROBLEM if attack.hidden_golden else PROBLEM
    accepted = submit(api, token, attack.suite, problem)
    drain()
    return result(api, token, accepted["id"])


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_an_attack_earns_nothing_and_reads_nothing(
    api: TestClient[Any], learner_token: str, drain: Callable[[], None], attack: Attack
) -> None:
    got = judged(api, learner_token, drain, attack)
    outcome = (got["status"], got["reason"], got["score"], got["killed_count"])

    assert got["status"] in ("SUCCESS", "FAILURE"), got
    if attack.reason is not None:
        assert outcome[:3] == ("FAILURE", attack.reason, 0), got
    assert got["status"] == "FAILURE" or outcome[2:] == (30, 0), got
    text = str(got)
    assert not [line for line in HIDDEN_LINES if line in text], got
    if attack.hidden_golden:
        assert "max(lo, min(x, hi))" not in text, got


def test_the_corpus_is_large_and_covers_every_channel() -> None:
    assert len(ATTACKS) >= 25
    assert len({a.name for a in ATTACKS}) == len(ATTACKS)
    assert sum(a.reason == "introspection" for a in ATTACKS) >= 12
