"""The keyword parser: English and Korean sentences become drafts by fixed rules; names it
does not know go in as written (the check reports them), words it does not understand are
listed, nothing is guessed."""

from __future__ import annotations

import pytest

from appliance.planner.keywords import Vocabulary, parse, samples_in, tag_for
from appliance.planner.plans import Draft

KNOWN = Vocabulary(
    models=frozenset({"strong", "weak", "strong-model", "weak-model", "qwen2.5-coder"}),
    tags=frozenset(
        {"boundaries", "dates", "leap-years", "parsing", "state-machines", "strings", "money"}
    ),
    slugs=frozenset({"mini-clamp", "leap-year", "to-roman"}),
)
EVERY_MODEL = ("qwen2.5-coder", "strong", "strong-model", "weak", "weak-model")

# (sentence, the fields of the draft it gives; the others are the Draft's defaults)
SENTENCES: list[tuple[str, dict[str, object]]] = [
    (
        "compare strong-model and weak-model on the hard boundary problems, 3 samples each",
        {"models": ("strong-model", "weak-model"), "difficulties": ("Hard",),
         "tags": ("boundaries",), "samples": 3},
    ),
    (
        "어려운 문제에서 strong과 weak를 비교해 줘, 샘플 3개",
        {"models": ("strong", "weak"), "difficulties": ("Hard",), "samples": 3},
    ),
    (
        "Compare STRONG vs weak on all problems",
        {"models": ("strong", "weak"), "all_problems": True},
    ),
    (
        "strong model against weak model, medium and hard date problems, x5",
        {"models": ("strong-model", "weak-model"), "difficulties": ("Medium", "Hard"),
         "tags": ("dates",), "samples": 5},
    ),
    (
        "evaluate qwen2.5-coder on mini-clamp and to-roman with two samples",
        {"models": ("qwen2.5-coder",), "slugs": ("mini-clamp", "to-roman"), "samples": 2},
    ),
    (
        "run strong@2 against the champion and the challenger on very easy problems",
        {"models": ("strong@2", "feedback-champion", "challenger"),
         "difficulties": ("Very Easy",)},
    ),
    (
        "how do the baselines do on the leap year problems?",
        {"baselines": ("examples", "reference"), "tags": ("leap-years",)},
    ),
    (
        "compare strong with the examples baseline and the reference, k=4",
        {"models": ("strong",), "baselines": ("examples", "reference"), "samples": 4},
    ),
    (
        "compare all models on every problem",
        {"models": EVERY_MODEL, "all_problems": True},
    ),
    (
        "state machine and string parsing problems: strong, weak (3 tries)",
        {"models": ("strong", "weak"), "tags": ("state-machines", "strings", "parsing"),
         "samples": 3},
    ),
    # Names it does not know, where models stand: kept as written for the check to report.
    (
        "compare llama and weak on easy problems",
        {"models": ("llama", "weak"), "difficulties": ("Easy",)},
    ),
    (
        "compare weak, mistral and llama",
        {"models": ("weak", "mistral", "llama")},
    ),
    (
        "run gpt-4o on hard problems",
        {"models": ("gpt-4o",), "difficulties": ("Hard",)},
    ),
    (
        "the phi3 model versus strong",
        {"models": ("phi3", "strong")},
    ),
    # ... and where filters stand: an unknown tag or slug, kept as written.
    (
        "compare strong and weak on frobnicate problems",
        {"models": ("strong", "weak"), "tags": ("frobnicate",)},
    ),
    (
        "compare strong and weak on mini-clampy",
        {"models": ("strong", "weak"), "slugs": ("mini-clampy",)},
    ),
    (
        "compare strong and weak on problems tagged recursion",
        {"models": ("strong", "weak"), "tags": ("recursion",)},
    ),
    # Words it does not understand are listed, not guessed at.
    (
        "kindly compare strong and weak quickly",
        {"models": ("strong", "weak"), "ignored": ("kindly", "quickly")},
    ),
    (
        "please compare strong and weak on hard problems, thanks",
        {"models": ("strong", "weak"), "difficulties": ("Hard",)},
    ),
    (
        "compare strong and weak on 5 hard problems",
        {"models": ("strong", "weak"), "difficulties": ("Hard",), "ignored": ("5",)},
    ),
    (
        "3번 문제에서 strong",
        {"models": ("strong",), "ignored": ("3",)},
    ),
    # Korean: particles after names and keywords, number words, "all".
    (
        "strong이랑 weak-model을 날짜 문제로 비교해 주세요. 세 번씩",
        {"models": ("strong", "weak-model"), "tags": ("dates",), "samples": 3},
    ),
    (
        "모든 모델을 경계 문제 전체에서 평가, 샘플은 2",
        {"models": EVERY_MODEL, "tags": ("boundaries",), "all_problems": True, "samples": 2},
    ),
    (
        "아주 쉬운 문제에서 챔피언과 도전자를 비교",
        {"models": ("feedback-champion", "challenger"), "difficulties": ("Very Easy",)},
    ),
    (
        "보통 난이도와 어려운 문자열 문제, strong@3, 5회",
        {"models": ("strong@3",), "difficulties": ("Medium", "Hard"), "tags": ("strings",),
         "samples": 5},
    ),
    (
        "예제와 참조 기준으로 mini-clamp 문제만",
        {"baselines": ("examples", "reference"), "slugs": ("mini-clamp",)},
    ),
    (
        "베이스라인을 모든 문제에서 4개씩 돌려 줘",
        {"baselines": ("examples", "reference"), "all_problems": True, "samples": 4},
    ),
    (
        "llama와 weak를 어려운 문제에서 비교",
        {"models": ("llama", "weak"), "difficulties": ("Hard",)},
    ),
    (
        "strong과 weak를 frobnicate 문제에서 비교",
        {"models": ("strong", "weak"), "tags": ("frobnicate",)},
    ),
    (
        "상태 기계 문제와 금액 문제에서 strong, 샘플 세 개",
        {"models": ("strong",), "tags": ("state-machines", "money"), "samples": 3},
    ),
    # Several numbers of samples: the first counts, the others are kept to be reported.
    (
        "strong on hard problems with 2 samples, no, 4 samples",
        {"models": ("strong",), "difficulties": ("Hard",), "samples": 2, "other_samples": (4,)},
    ),
    # Nothing it recognises.
    ("", {}),
    ("비교해 줘", {}),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "expected"), SENTENCES)
def test_a_sentence_becomes_the_draft_it_says(sentence: str, expected: dict[str, object]) -> None:
    assert parse(sentence, KNOWN) == Draft(**expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("3 samples each", [3]),
        ("samples: 7", [7]),
        ("x10 on hard", [10]),
        ("4x", [4]),
        ("three times", [3]),
        ("5 per problem", [5]),
        ("샘플 3개", [3]),
        ("샘플을 다섯 개", [5]),
        ("세 개의 샘플", [3]),
        ("표본 4개", [4]),
        ("두 번씩", [2]),
        ("3회", [3]),
        ("6번씩", [6]),
        ("2 samples then 3 samples", [2, 3]),
        ("3번 문제", []),  # problem number 3, not three samples
        ("한 번 비교해 줘", []),  # "once", as in "just compare them"
        ("gpt4 samples", []),  # a name's digit is not a count
        ("compare strong and weak", []),
    ],
)
def test_the_number_of_samples_is_read_in_both_languages(text: str, numbers: list[int]) -> None:
    assert samples_in(text)[0] == numbers


def test_the_number_of_samples_is_cut_out_of_the_sentence() -> None:
    assert samples_in("strong, 3 samples each, hard")[1].split() == ["strong,", "each,", "hard"]


@pytest.mark.parametrize(
    ("word", "tag"),
    [
        ("boundary", "boundaries"),
        ("boundaries", "boundaries"),
        ("date", "dates"),
        ("leap-year", "leap-years"),
        ("string", "strings"),
        ("moneys", "money"),
        ("recursion", None),
    ],
)
def test_a_tag_is_found_singular_or_plural(word: str, tag: str | None) -> None:
    assert tag_for(word, KNOWN.tags) == tag


def test_a_slug_written_as_it_is_wins_over_a_tag_written_as_words() -> None:
    assert parse("strong on leap-year", KNOWN).slugs == ("leap-year",)
    assert parse("strong on leap year problems", KNOWN).tags == ("leap-years",)


def test_a_known_name_is_matched_whatever_its_case_and_punctuation() -> None:
    draft = parse("Compare Strong-Model, and WEAK.", KNOWN)
    assert draft.models == ("strong-model", "weak")


def test_the_same_sentence_always_gives_the_same_draft() -> None:
    sentence = "compare strong and weak on hard date problems, 3 samples"
    assert {parse(sentence, KNOWN) for _ in range(5)} == {parse(sentence, KNOWN)}


def test_without_known_names_every_name_is_kept_for_the_check_to_report() -> None:
    draft = parse("compare strong and weak on boundary problems", Vocabulary())
    assert draft.models == ("strong", "weak") and draft.tags == ("boundary",)


@pytest.mark.parametrize(
    "sentence",
    ["\x00\x01", "🙂" * 50, "a" * 2000, "@@@ --- ...", "샘플 99999999999999999999개", "x" * 5],
)
def test_odd_input_never_raises(sentence: str) -> None:
    assert isinstance(parse(sentence, KNOWN), Draft)
