"""What a learner may read of a judge run (DESIGN.md 4.4, "nothing hidden leaks"). Pure.

The reference monitor keeps hidden code out of reach of a suite; this is the last line: any
line of text the suite produced (output, messages, test ids) that quotes a line of a
mutant, or of golden when golden is hidden, is withheld before it is stored."""

from __future__ import annotations

import re
from collections.abc import Iterable

WITHHELD_LINE = "[line withheld: it quotes hidden code]"
WITHHELD_NAME = "<test id withheld: it quotes hidden code>"
# Shorter lines ("return x", "else:") say nothing a learner could not guess, and are
# common in honest output.
MIN_SECRET_CHARS = 12
TEXT_LIMIT = 64 * 1024
NAME_LIMIT = 500
MESSAGE_LIMIT = 2000
# PostgreSQL text holds neither NUL nor a lone surrogate (which UTF-8 cannot encode).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean(text: str) -> str:
    """`text` with every character PostgreSQL cannot store replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def _code_lines(source: str) -> set[str]:
    return {line.strip() for line in source.splitlines()}


def _telling(line: str) -> bool:
    return len(line) >= MIN_SECRET_CHARS and any(c.isalnum() for c in line)


class Redactor:
    """Finds quoted hidden lines by their first MIN_SECRET_CHARS characters, so that the
    cost is one dictionary lookup per character of text, whatever the number of mutants."""

    def __init__(self, hidden: Iterable[str], public: Iterable[str]) -> None:
        known = "\n".join(public)
        secrets = set().union(*(_code_lines(source) for source in hidden))
        self._by_prefix: dict[str, list[str]] = {}
        for line in secrets:
            if _telling(line) and line not in known:
                self._by_prefix.setdefault(line[:MIN_SECRET_CHARS], []).append(line)

    def quotes_hidden_code(self, line: str) -> bool:
        for start in range(len(line) - MIN_SECRET_CHARS + 1):
            candidates = self._by_prefix.get(line[start : start + MIN_SECRET_CHARS])
            if candidates and any(line.startswith(c, start) for c in candidates):
                return True
        return False

    def text(self, text: str, limit: int = TEXT_LIMIT) -> str:
        """`text` bounded, storable, and without lines that quote hidden code."""
        if not self._by_prefix:
            return clean(text[:limit])
        lines = clean(text[:limit]).split("\n")
        return "\n".join(WITHHELD_LINE if self.quotes_hidden_code(x) else x for x in lines)

    def name(self, name: str) -> str:
        clipped = clean(name[:NAME_LIMIT])
        return WITHHELD_NAME if self._by_prefix and self.quotes_hidden_code(clipped) else clipped


def redactor_for(
    suite: str, golden: str, show_golden: bool, mutant_codes: Iterable[str]
) -> Redactor:
    """Mutants are always hidden; golden only where the problem does not show it. What the
    learner wrote or may read is never withheld."""
    public = [suite, golden] if show_golden else [suite]
    hidden = [*mutant_codes, *([] if show_golden else [golden])]
    return Redactor(hidden, public)
