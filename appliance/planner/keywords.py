"""The keyword parser: a sentence in English or Korean becomes a `Draft` by fixed rules, for
when there is no champion model to plan (or its answer was not usable). Pure and
deterministic: the names it can recognise (endpoints, tags, slugs) are an argument.

How it reads a sentence:
- the number of samples first ("3 samples", "x3", "3 each", "샘플 3개", "표본 3개", "3번씩"), cut out;
- then words, longest first: a model name ("strong-model", "strong model", "strong@2"), an
  alias ("champion", "챔피언"), a baseline ("examples", "reference", "예제", "참조"), a
  difficulty ("hard", "very easy", "어려운"), a tag ("boundary" for boundaries, "경계"), a
  slug, or "all" problems or models ("every problem", "모든 모델");
- a word it does not know is a model name when it stands where models do (after "compare",
  joined to a model by "and", "vs", ..., shaped like a name as "gpt-4o" or "qwen2", or any
  Latin word in a Korean sentence), a tag or slug when it stands where a filter does
  (before "problems", after "tagged" or "on"), and an ignored word otherwise. Unknown names
  go into the draft as they are: the check reports them; nothing is guessed.

Korean words carry particles ("strong과", "문제에서"): a Latin name ends where the Hangul
starts, and Korean keywords match the start of a word."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TypeVar

from appliance.planner.plans import Draft
from appliance.vocabulary import Baseline, Difficulty

_EN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_KO_NUMBERS = {
    "한": 1, "하나": 1, "두": 2, "둘": 2, "세": 3, "셋": 3, "네": 4, "넷": 4, "다섯": 5,
    "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10,
}  # fmt: skip
_EN = r"(\d+|" + "|".join(_EN_NUMBERS) + r")"
_KO = r"(\d+|" + "|".join(sorted(_KO_NUMBERS, key=len, reverse=True)) + r")"
# Each finds one number of samples; Korean number words only where they cannot mean "once".
SAMPLE_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        r"\b" + _EN + r"\s*(?:samples?|tries|attempts|times|runs|completions|generations)\b",
        r"\b(?:samples?|k)\s*(?:[:=]|of|is)?\s*" + _EN + r"\b",
        r"\b" + _EN + r"\s*(?:each|apiece|per problem)\b",
        r"\bx\s?(\d+)\b",
        r"\b(\d+)\s?x\b",
        r"(?:샘플|표본)\s*(?:을|를|은|는|이|가)?\s*" + _KO,
        _KO + r"\s*개의?\s*(?:샘플|표본)",
        _KO + r"\s*(?:개|번|회)\s*씩",
        r"(\d+)\s*(?:번|회)(?!\s*문제)",  # "3번 문제" is problem number 3
    )
)
_TOKEN = re.compile(r"[a-z0-9][a-z0-9._@-]*|[가-힣]+|[,&/+]")
_HANGUL = re.compile(r"[가-힣]")
_NAME_SHAPED = re.compile(r"[0-9._@-]")

ALIAS_WORDS = {"champion": "feedback-champion", "feedback-champion": "feedback-champion",
               "challenger": "challenger"}  # fmt: skip
BASELINE_WORDS: dict[str, tuple[Baseline, ...]] = {
    "examples": ("examples",),
    "examples-only": ("examples",),
    "reference": ("reference",),
    "references": ("reference",),
    "ceiling": ("reference",),
    "baselines": ("examples", "reference"),
}
DIFFICULTY_WORDS: dict[str, Difficulty] = {
    "very-easy": "Very Easy",
    "easiest": "Very Easy",
    "trivial": "Very Easy",
    "easy": "Easy",
    "easier": "Easy",
    "simple": "Easy",
    "medium": "Medium",
    "intermediate": "Medium",
    "moderate": "Medium",
    "hard": "Hard",
    "harder": "Hard",
    "hardest": "Hard",
    "difficult": "Hard",
    "tough": "Hard",
}
ALL_WORDS = frozenset({"all", "every", "each", "whole", "entire"})
MODEL_NOUNS = frozenset({"model", "models", "endpoint", "endpoints", "llm", "llms"})
PROBLEM_NOUNS = frozenset(
    {"problem", "problems", "question", "questions", "exercise", "exercises", "task", "tasks",
     "catalog", "catalogue"}
)  # fmt: skip
# Words after which a name is a model's, and words that join models together.
MODEL_VERBS = frozenset({"compare", "evaluate", "run", "test", "benchmark", "pit", "rank"})
JOINERS = frozenset({"and", "vs", "versus", "against", "with", "or", ",", "&", "/", "+"})
# Words after which a name is a filter's (a tag or a slug).
FILTER_WORDS = frozenset({"tagged", "tag", "tags", "on", "over", "about", "covering"})
# Words that say nothing a plan needs; others not understood are reported as ignored.
# fmt: off
STOPWORDS = frozenset({
    "a", "an", "the", "and", "or", "vs", "versus", "against", "with", "of", "for", "in", "on",
    "over", "to", "from", "at", "by", "as", "is", "are", "be", "it", "its", "this", "that",
    "these", "those", "them", "their", "our", "my", "me", "i", "we", "you", "your", "us",
    "please", "can", "could", "would", "will", "shall", "should", "let", "lets", "let's", "do",
    "does", "done", "want", "need", "like", "see", "show", "tell", "which", "who", "how",
    "well", "better", "best", "between", "both", "only", "just", "also", "plus", "including",
    "include", "same", "new", "registered", "whose", "where", "when", "what", "compare",
    "comparing", "comparison", "evaluate", "evaluation", "evaluations", "run", "runs",
    "running", "test", "tests", "testing", "benchmark", "pit", "rank", "plan", "model",
    "models", "endpoint", "endpoints", "llm", "llms", "problem", "problems", "question",
    "questions", "exercise", "exercises", "task", "tasks", "catalog", "catalogue", "set",
    "sets", "suite", "suites", "pytest", "sample", "samples", "time", "times", "try", "tries",
    "attempt", "attempts", "baseline", "very", "difficulty", "level", "levels", "tagged",
    "tag", "tags", "about", "covering", "every", "all", "each", "whole", "entire", "per",
    "apiece", "using", "use", "get", "give", "make", "find", "out", "up", "some", "any",
    "other", "than", "more", "most", "there", "here", "now", "then", "so", "thanks", "thank",
    "no", "not", "yes", "ok", "okay", "sorry", "mean", "actually", "instead",
})
# fmt: on
# Korean keywords, matched at the start of a Hangul word (its particles follow).
KO_ALIASES = {"챔피언": "feedback-champion", "도전자": "challenger", "챌린저": "challenger"}
KO_BASELINES: dict[str, tuple[Baseline, ...]] = {
    "예제": ("examples",),
    "참조": ("reference",),
    "레퍼런스": ("reference",),
    "모범": ("reference",),
    "베이스라인": ("examples", "reference"),
    "기준선": ("examples", "reference"),
}
KO_DIFFICULTIES: dict[str, Difficulty] = {
    "쉬운": "Easy",
    "쉬움": "Easy",
    "쉽": "Easy",
    "보통": "Medium",
    "중간": "Medium",
    "중급": "Medium",
    "어려운": "Hard",
    "어려움": "Hard",
    "어렵": "Hard",
    "까다로운": "Hard",
    "고급": "Hard",
}
KO_VERY = frozenset({"아주", "매우", "가장", "제일"})
KO_ALL = ("모든", "전체", "전부")
# Korean words for the catalog's tags (DESIGN.md 5); a tag no published problem has is
# reported by the check like any unknown tag.
KO_TAGS = {
    "경계": "boundaries",
    "검증": "validation",
    "유효성": "validation",
    "날짜": "dates",
    "윤년": "leap-years",
    "문자열": "strings",
    "파싱": "parsing",
    "구문": "parsing",
    "금액": "money",
    "돈": "money",
    "화폐": "money",
    "반올림": "rounding",
    "서식": "formatting",
    "포맷": "formatting",
    "상태머신": "state-machines",
    "상태": "state",
    "클래스": "classes",
    "컬렉션": "collections",
    "정렬": "sorting",
    "시간": "time",
    "부작용": "side-effects",
    "부수": "side-effects",
    "오류": "error-handling",
    "예외": "error-handling",
    "음수": "negative-numbers",
    "인코딩": "encoding",
    "반복": "loops",
    "루프": "loops",
    "체크섬": "checksums",
    "부동소수": "floating-point",
    "범위": "ranges",
    "텍스트": "text",
    "웹": "web",
    "명세": "specifications",
}
_KO_TAG_WORDS = sorted(KO_TAGS, key=len, reverse=True)
T = TypeVar("T")


@dataclass(frozen=True)
class Vocabulary:
    """The names the parser can recognise: endpoints, tags and slugs that exist."""

    models: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    slugs: frozenset[str] = frozenset()


@dataclass
class _Reading:
    """What the parser has understood so far, in the order the sentence said it."""

    models: list[str] = field(default_factory=list)
    baselines: list[Baseline] = field(default_factory=list)
    difficulties: list[Difficulty] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    all_problems: bool = False


def parse(sentence: str, known: Vocabulary) -> Draft:
    text = unicodedata.normalize("NFKC", sentence).lower()
    numbers, text = samples_in(text)
    # A name ends before the punctuation that ends its sentence ("weak.").
    tokens = [token.rstrip("._@-") for token in _TOKEN.findall(text)]
    reading = _Reading()
    korean = bool(_HANGUL.search(text))
    index = 0
    while index < len(tokens):
        index += _read(tokens, index, known, korean, reading)
    return Draft(
        models=_unique(reading.models),
        baselines=_unique(reading.baselines),
        difficulties=_unique(reading.difficulties),
        tags=_unique(reading.tags),
        slugs=_unique(reading.slugs),
        all_problems=reading.all_problems,
        samples=numbers[0] if numbers else None,
        other_samples=tuple(numbers[1:]),
        ignored=_unique(reading.ignored),
    )


def samples_in(text: str) -> tuple[list[int], str]:
    """The numbers of samples the text gives, in order, and the text without them."""
    found: list[tuple[int, int, int]] = []
    for pattern in SAMPLE_PATTERNS:
        for match in pattern.finditer(text):
            if not any(start < match.end() and match.start() < end for start, end, _ in found):
                found.append((match.start(), match.end(), _number(match)))
    found.sort()
    for start, end, _ in reversed(found):
        text = text[:start] + " " + text[end:]
    return [number for _, _, number in found], text


def _number(match: re.Match[str]) -> int:
    word = next(group for group in match.groups() if group is not None)
    if word.isdigit():
        return int(word)
    return _EN_NUMBERS.get(word) or _KO_NUMBERS[word]


def _read(tokens: list[str], index: int, known: Vocabulary, korean: bool, into: _Reading) -> int:
    """Reads the word at `index` (with the ones after it that belong to it) into `into`;
    how many words it took."""
    token = tokens[index]
    if _HANGUL.match(token):
        return _read_korean(tokens, index, known, into)
    taken = _read_phrase(tokens, index, known, into)
    if taken:
        return taken
    if token not in STOPWORDS and token not in JOINERS:
        _read_unknown(tokens, index, known, korean, into)
    return 1


def _read_phrase(tokens: list[str], index: int, known: Vocabulary, into: _Reading) -> int:
    """A known word or run of words (joined by '-', as names are) at `index`."""
    for size in (3, 2, 1):
        words = tokens[index : index + size]
        if len(words) < size or not all(w[0].isascii() and w[0].isalnum() for w in words):
            continue
        if _read_words("-".join(words), size > 1, known, into):
            return size
    return _read_all(tokens, index, known, into)


def _read_words(words: str, joined: bool, known: Vocabulary, into: _Reading) -> bool:
    name, _, version = words.partition("@")
    if name in known.models and (not version or version.isdigit()):
        into.models.append(words)
    elif words in ALIAS_WORDS:
        into.models.append(ALIAS_WORDS[words])
    elif words in BASELINE_WORDS:
        into.baselines.extend(BASELINE_WORDS[words])
    elif words in DIFFICULTY_WORDS:
        into.difficulties.append(DIFFICULTY_WORDS[words])
    elif not joined and words in known.slugs:
        into.slugs.append(words)
    elif tag := tag_for(words, known.tags):
        into.tags.append(tag)
    elif joined and words in known.slugs:
        into.slugs.append(words)
    else:
        return False
    return True


def tag_for(word: str, tags: frozenset[str]) -> str | None:
    """The known tag a word names, singular or plural ("boundary": boundaries)."""
    variants = [word, word + "s", word + "es"]
    if word.endswith("s"):
        variants.append(word[:-1])
    if word.endswith("y"):
        variants.append(word[:-1] + "ies")
    if word.endswith("ies"):
        variants.append(word[:-3] + "y")
    return next((v for v in variants if v in tags), None)


def _read_all(tokens: list[str], index: int, known: Vocabulary, into: _Reading) -> int:
    """ "all models", "every problem", "the whole catalog"."""
    if tokens[index] not in ALL_WORDS:
        return 0
    following = [t for t in tokens[index + 1 : index + 4] if t not in ("the", "of")]
    if following and following[0] in MODEL_NOUNS:
        into.models.extend(sorted(known.models))
        return 1
    if following and following[0] in PROBLEM_NOUNS:
        into.all_problems = True
        return 1
    return 0


def _read_unknown(
    tokens: list[str], index: int, known: Vocabulary, korean: bool, into: _Reading
) -> None:
    token = tokens[index]
    if token.isdigit():  # a number that is no count of samples ("5 hard problems")
        into.ignored.append(token)
    elif _in_filter_slot(tokens, index):
        (into.slugs if _NAME_SHAPED.search(token) else into.tags).append(token)
    elif korean or _NAME_SHAPED.search(token) or _in_model_slot(tokens, index, known, into):
        into.models.append(token)
    else:
        into.ignored.append(token)


def _in_filter_slot(tokens: list[str], index: int) -> bool:
    after = tokens[index + 1] if index + 1 < len(tokens) else ""
    before = _word(tokens, _previous(tokens, index))
    return after in PROBLEM_NOUNS or after.startswith("문제") or before in FILTER_WORDS


def _in_model_slot(tokens: list[str], index: int, known: Vocabulary, into: _Reading) -> bool:
    """After "compare", before "model", or joined to a model ("strong and llama")."""
    before_at = _previous(tokens, index)
    before = _word(tokens, before_at)
    after = tokens[index + 1 : index + 3]
    if before in MODEL_VERBS or (after and after[0] in MODEL_NOUNS):
        return True
    if before in JOINERS and _is_model(_word(tokens, _previous(tokens, before_at)), known, into):
        return True
    return len(after) == 2 and after[0] in JOINERS and _is_model(after[1], known, into)


def _is_model(word: str, known: Vocabulary, into: _Reading) -> bool:
    return word.partition("@")[0] in known.models or word in ALIAS_WORDS or word in into.models


def _previous(tokens: list[str], index: int) -> int:
    """Where the word before `index` is, skipping "the"; -1 at the start."""
    for at in range(index - 1, -1, -1):
        if tokens[at] != "the":
            return at
    return -1


def _word(tokens: list[str], index: int) -> str:
    return tokens[index] if index >= 0 else ""


def _read_korean(tokens: list[str], index: int, known: Vocabulary, into: _Reading) -> int:
    word = tokens[index]
    after = tokens[index + 1] if index + 1 < len(tokens) else ""
    if word in KO_VERY and after.startswith("쉬"):
        into.difficulties.append("Very Easy")
        return 2
    if word.startswith(KO_ALL):
        if after.startswith("모델"):
            into.models.extend(sorted(known.models))
            return 2
        into.all_problems = True
        return 1
    if word.startswith("문제") and after.startswith(KO_ALL):
        into.all_problems = True
        return 2
    if word == "상태" and after.startswith(("기계", "머신")):
        into.tags.append("state-machines")
        return 2
    _read_korean_word(word, into)
    return 1


def _read_korean_word(token: str, into: _Reading) -> None:
    for word, alias in KO_ALIASES.items():
        if token.startswith(word):
            into.models.append(alias)
            return
    for word, baselines in KO_BASELINES.items():
        if token.startswith(word):
            into.baselines.extend(baselines)
            return
    for word, difficulty in KO_DIFFICULTIES.items():
        if token.startswith(word):
            into.difficulties.append(difficulty)
            return
    tag = next((KO_TAGS[w] for w in _KO_TAG_WORDS if token.startswith(w)), None)
    if tag is not None:
        into.tags.append(tag)


def _unique(items: list[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))
