"""A problem bundle: the catalog format of DESIGN.md section 5, read from a folder or from
the API's JSON, checked, and fingerprinted. Pure: text in, data or Invalid out."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from appliance.errors import Invalid
from appliance.problems.examples import Example, parse_examples

DIFFICULTIES = ("Very Easy", "Easy", "Medium", "Hard")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MUTANT_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
MAX_SOURCE_BYTES = 256 * 1024
MAX_MUTANTS = 50
MAX_WALL_SECONDS = 60.0


@dataclass(frozen=True)
class MutantSpec:
    name: str
    code: str
    weight: int
    hint: str


@dataclass(frozen=True)
class ProblemBundle:
    slug: str
    title: str
    difficulty: str
    tags: tuple[str, ...]
    function_signature: str
    show_golden: bool
    wall_seconds: float
    description_md: str
    golden_code: str
    reference_tests: str
    mutants: tuple[MutantSpec, ...]
    examples: tuple[Example, ...] = ()

    def content_hash(self) -> str:
        canonical = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def from_mapping(data: Mapping[str, Any]) -> ProblemBundle:
    """Build and check a bundle from the API's JSON body (problem.toml fields plus code;
    "examples" is the list of `[[examples]]`, DESIGN.md section 5)."""
    limits = _mapping(data.get("limits", {}), "limits")
    bundle = ProblemBundle(
        slug=_text(data, "slug"),
        title=_text(data, "title"),
        difficulty=_text(data, "difficulty"),
        tags=tuple(_strings(data.get("tags", []), "tags")),
        function_signature=_text(data, "function_signature"),
        show_golden=_bool(data.get("show_golden", False), "show_golden"),
        wall_seconds=_number(limits.get("wall_seconds", 5), "limits.wall_seconds"),
        description_md=_text(data, "description_md"),
        golden_code=_text(data, "golden_code"),
        reference_tests=_text(data, "reference_tests"),
        mutants=tuple(_mutant(m) for m in _sequence(data.get("mutants"), "mutants")),
        examples=parse_examples(data.get("examples", [])),
    )
    check(bundle)
    return bundle


def from_directory(folder: Path) -> ProblemBundle:
    """Read one catalog folder (DESIGN.md section 5)."""
    try:
        meta = tomllib.loads((folder / "problem.toml").read_text())
        data = dict(meta)
        data["description_md"] = (folder / "description.md").read_text()
        data["golden_code"] = (folder / "golden.py").read_text()
        data["reference_tests"] = (folder / "reference_test.py").read_text()
        data["mutants"] = [
            {**entry, "code": (folder / "mutants" / f"{entry.get('name')}.py").read_text()}
            for entry in _sequence(meta.get("mutants"), "mutants")
            if isinstance(entry, Mapping)
        ]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise Invalid(f"{folder.name}: {exc}") from exc
    _check_mutant_files(folder, data["mutants"])
    bundle = from_mapping(data)
    if bundle.slug != folder.name:
        raise Invalid(f"{folder.name}: slug {bundle.slug!r} differs from the folder name")
    return bundle


def _check_mutant_files(folder: Path, declared: Sequence[Mapping[str, Any]]) -> None:
    files = {path.stem for path in (folder / "mutants").glob("*.py")}
    undeclared = files - {str(m.get("name")) for m in declared}
    if undeclared:
        raise Invalid(f"{folder.name}: mutant files without an entry: {sorted(undeclared)}")


def check(bundle: ProblemBundle) -> None:
    """Everything that can be known without running code."""
    if not SLUG.match(bundle.slug):
        raise Invalid("slug must be lowercase letters, digits and '-', at most 64 characters")
    if bundle.difficulty not in DIFFICULTIES:
        raise Invalid(f"difficulty must be one of {', '.join(DIFFICULTIES)}")
    if not 0 < bundle.wall_seconds <= MAX_WALL_SECONDS:
        raise Invalid(f"limits.wall_seconds must be in (0, {MAX_WALL_SECONDS:g}]")
    if not 1 <= len(bundle.mutants) <= MAX_MUTANTS:
        raise Invalid(f"a problem needs 1 to {MAX_MUTANTS} mutants")
    for name, source in _sources(bundle):
        _check_source(name, source)
    _check_mutants(bundle)


def _sources(bundle: ProblemBundle) -> list[tuple[str, str]]:
    return [
        ("golden_code", bundle.golden_code),
        ("reference_tests", bundle.reference_tests),
        *((f"mutant {m.name}", m.code) for m in bundle.mutants),
    ]


def _check_source(name: str, source: str) -> None:
    if len(source.encode()) > MAX_SOURCE_BYTES:
        raise Invalid(f"{name} is larger than {MAX_SOURCE_BYTES} bytes")
    try:
        ast.parse(source)
    except SyntaxError as exc:
        raise Invalid(f"{name} has a syntax error on line {exc.lineno}: {exc.msg}") from None


def _check_mutants(bundle: ProblemBundle) -> None:
    seen_names: set[str] = set()
    seen_shapes = {normalised(bundle.golden_code): "the golden code"}
    for mutant in bundle.mutants:
        if not MUTANT_NAME.match(mutant.name):
            raise Invalid(f"mutant name {mutant.name!r} must match [a-z0-9_]{{1,64}}")
        if mutant.name in seen_names:
            raise Invalid(f"two mutants are named {mutant.name!r}")
        if not 1 <= mutant.weight <= 5:
            raise Invalid(f"mutant {mutant.name}: weight must be an integer from 1 to 5")
        shape = normalised(mutant.code)
        if shape in seen_shapes:
            raise Invalid(f"mutant {mutant.name} equals {seen_shapes[shape]} after normalisation")
        seen_names.add(mutant.name)
        seen_shapes[shape] = f"mutant {mutant.name}"


def normalised(source: str) -> str:
    """The AST of the source without positions: equal for sources that differ only in
    comments, blank lines and formatting."""
    return ast.dump(ast.parse(source), annotate_fields=False, include_attributes=False)


def _mutant(raw: Any) -> MutantSpec:
    entry = _mapping(raw, "mutants[]")
    weight = entry.get("weight", 1)
    if not isinstance(weight, int) or isinstance(weight, bool):
        raise Invalid("mutant weight must be an integer from 1 to 5")
    return MutantSpec(
        name=_text(entry, "name"),
        code=_text(entry, "code"),
        weight=weight,
        hint=str(entry.get("hint", "")),
    )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{key} is required and must be a non-empty string")
    return value


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(f"{key} must be a list of strings")
    return value


def _sequence(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise Invalid(f"{key} must be a list")
    return value


def _mapping(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid(f"{key} must be an object")
    return value


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{key} must be true or false")
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"{key} must be a number")
    return float(value)
