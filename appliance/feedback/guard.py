"""The last line before a learner reads feedback (DESIGN.md 4.4, "nothing hidden leaks").
Pure. The prompt carries no hidden code, but a model may still be handed some by a bug, or
echo what it was told by a statement's injected instructions: any text that quotes a line
of hidden code (a mutant's, or golden's where the problem hides it, that the public code
does not share) or holds a planted canary is refused whole, never shown in part.

A canary is a token `ARENA-CANARY-...` an author plants in hidden code (a comment will
do): unlike a line of code it is caught anywhere in a line, however short the line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from appliance.submissions.disclosure import Redactor

CANARY = re.compile(r"ARENA-CANARY-[A-Za-z0-9_-]+")
QUOTES_HIDDEN_CODE = "it quotes a line of hidden code"
HOLDS_CANARY = "it holds a canary string planted in hidden code"


@dataclass(frozen=True)
class Guard:
    redactor: Redactor
    canaries: frozenset[str]

    def refusal(self, text: str) -> str | None:
        """Why `text` may not be shown, or None when it may."""
        if any(canary in text for canary in self.canaries):
            return HOLDS_CANARY
        if any(self.redactor.quotes_hidden_code(line) for line in text.split("\n")):
            return QUOTES_HIDDEN_CODE
        return None


def guard_for(
    golden: str,
    show_golden: bool,
    mutants: Iterable[tuple[str, str]],
    public: Iterable[str],
) -> Guard:
    """`mutants` are (name, code) pairs; `public` is what the learner may read anyway (their
    suite, the statement, the survivors' hints), never withheld. Canaries are taken from
    every hidden text, mutants' names included."""
    pairs = list(mutants)
    hidden = [code for _, code in pairs] + ([] if show_golden else [golden])
    shown = [*public, *([golden] if show_golden else [])]
    canaries = {c for text in [*hidden, *(name for name, _ in pairs)] for c in CANARY.findall(text)}
    return Guard(Redactor(hidden, shown), frozenset(canaries))
