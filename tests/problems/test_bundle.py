"""Reading and checking problem bundles: the catalog format and the API's JSON."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from appliance.errors import Invalid
from appliance.problems.bundle import from_directory, from_mapping
from appliance.problems.examples import Example
from tests.bundles import GOLDEN, mini_bundle


def as_json(**changes: Any) -> dict[str, Any]:
    bundle = mini_bundle()
    data = dataclasses.asdict(bundle)
    data["limits"] = {"wall_seconds": data.pop("wall_seconds")}
    data["tags"] = list(data["tags"])
    data["mutants"] = [dict(m) for m in data["mutants"]]
    data["examples"] = [dict(e) for e in data["examples"]]
    data.update(changes)
    return data


def test_the_api_json_round_trips_to_the_same_bundle() -> None:
    assert from_mapping(as_json()) == mini_bundle()


def test_the_content_hash_changes_with_any_field() -> None:
    changed = dataclasses.replace(mini_bundle(), title="Another title")
    assert changed.content_hash() != mini_bundle().content_hash()


EXAMPLES = [
    {"call": "clamp(5, 0, 3)", "result": "3"},
    {"call": "clamp(1, 5, 0)", "raises": "ValueError"},
]


def test_a_bundle_without_examples_has_none() -> None:
    data = as_json()
    del data["examples"]
    assert from_mapping(data).examples == ()


def test_the_examples_are_read_from_the_api_json() -> None:
    bundle = from_mapping(as_json(examples=EXAMPLES))
    assert bundle.examples == (
        Example(call="clamp(5, 0, 3)", result="3"),
        Example(call="clamp(1, 5, 0)", raises="ValueError"),
    )
    assert from_mapping(as_json(examples=[dict(e) for e in EXAMPLES])) == bundle


def test_the_content_hash_changes_with_the_examples() -> None:
    with_examples = from_mapping(as_json(examples=EXAMPLES))
    assert with_examples.content_hash() != mini_bundle().content_hash()
    reworded = from_mapping(as_json(examples=[EXAMPLES[0], {**EXAMPLES[1], "raises": "TypeError"}]))
    assert reworded.content_hash() != with_examples.content_hash()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "Bad Slug"}, "slug"),
        ({"slug": "new"}, "slug 'new' is reserved"),
        ({"slug": "attempts"}, "slug 'attempts' is reserved"),
        ({"difficulty": "Trivial"}, "difficulty"),
        ({"limits": {"wall_seconds": 0}}, "wall_seconds"),
        ({"limits": {"wall_seconds": "5"}}, "wall_seconds"),
        ({"mutants": []}, "1 to 50 mutants"),
        ({"title": ""}, "title"),
        ({"tags": "x"}, "tags"),
        ({"show_golden": "yes"}, "show_golden"),
        ({"golden_code": "def f(:\n"}, "syntax error"),
        ({"mutants": [{"name": "same", "code": GOLDEN, "weight": 1}]}, "equals the golden"),
        (
            {"mutants": [{"name": "m", "code": GOLDEN + "\n# only a comment\n", "weight": 1}]},
            "equals the golden",
        ),
        ({"mutants": [{"name": "m", "code": "x = 1\n", "weight": 6}]}, "weight"),
        ({"mutants": [{"name": "m", "code": "x = 1\n", "weight": True}]}, "weight"),
        ({"mutants": [{"name": "Bad-Name", "code": "x = 1\n", "weight": 1}]}, "mutant name"),
        (
            {"mutants": [{"name": "m", "code": "x = 1\n"}, {"name": "m", "code": "x = 2\n"}]},
            "two mutants",
        ),
        (
            {"mutants": [{"name": "m", "code": "x = 1\n"}, {"name": "n", "code": "x = 1\n"}]},
            "equals mutant m",
        ),
        ({"limits": []}, "limits"),
        ({"examples": "clamp(1, 2, 3)"}, "examples: expected `array`"),
        ({"examples": [{"call": "clamp(", "result": "1"}]}, r"examples\[1\]\.call"),
        ({"examples": [{"call": "clamp(1, 2, 3)"}]}, "exactly one of result and raises"),
    ],
)
def test_a_bad_bundle_is_refused_with_a_clear_message(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        from_mapping(as_json(**changes))


def write_folder(root: Path, examples: tuple[str, ...] = ()) -> Path:
    folder = root / "mini-clamp"
    (folder / "mutants").mkdir(parents=True)
    bundle = mini_bundle()
    toml = [
        'slug = "mini-clamp"',
        'title = "Clamp (test problem)"',
        'difficulty = "Easy"',
        'tags = ["boundaries"]',
        'function_signature = "def clamp(x, lo, hi)"',
        "show_golden = true",
        "[limits]",
        "wall_seconds = 5",
        *examples,
    ]
    for mutant in bundle.mutants:
        toml += [
            "[[mutants]]",
            f'name = "{mutant.name}"',
            f"weight = {mutant.weight}",
            f'hint = "{mutant.hint}"',
        ]
        (folder / "mutants" / f"{mutant.name}.py").write_text(mutant.code)
    (folder / "problem.toml").write_text("\n".join(toml) + "\n")
    (folder / "description.md").write_text(bundle.description_md)
    (folder / "golden.py").write_text(bundle.golden_code)
    (folder / "reference_test.py").write_text(bundle.reference_tests)
    return folder


def test_a_catalog_folder_reads_as_the_same_bundle(tmp_path: Path) -> None:
    assert from_directory(write_folder(tmp_path)) == mini_bundle()


def test_the_examples_of_a_catalog_folder_are_read(tmp_path: Path) -> None:
    examples = (
        "[[examples]]",
        "call = 'clamp(5, 0, 3)'",
        "result = '3'",
        "[[examples]]",
        "setup = '''\nlo = 5\nhi = 0'''",
        "call = 'clamp(1, lo, hi)'",
        "raises = 'ValueError'",
    )
    bundle = from_directory(write_folder(tmp_path, examples))
    assert bundle.examples == (
        Example(call="clamp(5, 0, 3)", result="3"),
        Example(call="clamp(1, lo, hi)", raises="ValueError", setup="lo = 5\nhi = 0"),
    )
    assert dataclasses.replace(bundle, examples=()) == mini_bundle()


def test_a_mutant_file_without_an_entry_is_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    (folder / "mutants" / "stray.py").write_text("x = 1\n")
    with pytest.raises(Invalid, match="stray"):
        from_directory(folder)


def test_a_folder_named_unlike_its_slug_is_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    with pytest.raises(Invalid, match="differs from the folder"):
        from_directory(folder.rename(tmp_path / "other"))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    (folder / "golden.py").unlink()
    with pytest.raises(Invalid, match="golden.py"):
        from_directory(folder)
