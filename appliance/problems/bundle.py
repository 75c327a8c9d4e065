"""A problem bundle: the catalog format of DESIGN.md section 5, read from a folder or from
the API's JSON, checked, and fingerprinted. Pure: text in, data or Invalid out."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import msgspec

from appliance.errors import Invalid
from appliance.problems.examples import MAX_EXAMPLES, MAX_FIELD_CHARS, Example, parse_examples
from appliance.vocabulary import Difficulty

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# Words the console's pages use beside a slug in their paths (/problems/new,
# /learn/attempts...): a problem so named could not be opened there.
RESERVED_SLUGS = frozenset({"new", "attempts", "progress", "results"})
MUTANT_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
# PostgreSQL text holds no NUL: a bundle with one anywhere is refused at the edge.
NO_NUL = "^[^\x00]*$"
MAX_SOURCE_BYTES = 256 * 1024
MAX_LINE_CHARS = 500
MAX_MUTANTS = 50
MAX_TAGS = 20
MAX_TAG_CHARS = 64
MAX_WALL_SECONDS = 60.0

# The edge's bounds, in the body's types (and so in the OpenAPI document). Non-blank
# strings, mutant names, sizes in bytes and everything about code are checked by `check`,
# with the catalog's messages.
Line = Annotated[str, msgspec.Meta(max_length=MAX_LINE_CHARS, pattern=NO_NUL)]
Source = Annotated[str, msgspec.Meta(max_length=MAX_SOURCE_BYTES, pattern=NO_NUL)]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TAG_CHARS, pattern=NO_NUL)]
ExampleField = Annotated[str, msgspec.Meta(max_length=MAX_FIELD_CHARS, pattern=NO_NUL)]


class LimitsBody(msgspec.Struct, forbid_unknown_fields=True):
    wall_seconds: Annotated[float, msgspec.Meta(gt=0, le=MAX_WALL_SECONDS)] = 5.0


class MutantBody(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=64, pattern=NO_NUL)]
    code: Source
    weight: Annotated[int, msgspec.Meta(ge=1, le=5)] = 1
    hint: Line = ""


class ExampleBody(msgspec.Struct, forbid_unknown_fields=True):
    """One `[[examples]]` entry: `call` and exactly one of `result` and `raises`."""

    call: ExampleField
    result: ExampleField | None = None
    raises: ExampleField | None = None
    setup: ExampleField | None = None


class BundleBody(msgspec.Struct, forbid_unknown_fields=True):
    """A problem as the API takes it (DESIGN.md 5, 6): the problem.toml fields with each
    mutant's code, plus the statement, the golden code and the reference suite."""

    slug: Annotated[str, msgspec.Meta(pattern=SLUG.pattern)]
    title: Line
    difficulty: Difficulty
    function_signature: Line
    description_md: Source
    golden_code: Source
    reference_tests: Source
    mutants: Annotated[list[MutantBody], msgspec.Meta(max_length=MAX_MUTANTS)]
    tags: Annotated[list[Tag], msgspec.Meta(max_length=MAX_TAGS)] = []
    show_golden: bool = False
    limits: LimitsBody = msgspec.field(default_factory=LimitsBody)
    examples: Annotated[list[ExampleBody], msgspec.Meta(max_length=MAX_EXAMPLES)] = []


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
    difficulty: Difficulty
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


def from_body(body: BundleBody) -> ProblemBundle:
    """Build and check a bundle from the API's body (problem.toml fields plus code;
    "examples" is the list of `[[examples]]`, DESIGN.md section 5)."""
    bundle = ProblemBundle(
        slug=body.slug,
        title=body.title,
        difficulty=body.difficulty,
        tags=tuple(body.tags),
        function_signature=body.function_signature,
        show_golden=body.show_golden,
        wall_seconds=body.limits.wall_seconds,
        description_md=body.description_md,
        golden_code=body.golden_code,
        reference_tests=body.reference_tests,
        mutants=tuple(MutantSpec(m.name, m.code, m.weight, m.hint) for m in body.mutants),
        examples=parse_examples([msgspec.structs.asdict(e) for e in body.examples]),
    )
    check(bundle)
    return bundle


def from_mapping(data: Mapping[str, Any]) -> ProblemBundle:
    """The same from a mapping (a problem.toml with its files), typed as the API types it."""
    try:
        body = msgspec.convert(data, BundleBody, strict=True)
    except msgspec.ValidationError as exc:
        raise Invalid(readable(exc)) from None
    return from_body(body)


def readable(exc: msgspec.ValidationError) -> str:
    """msgspec's "Expected `int` <= 5 - at `$.mutants[0].weight`" as
    "mutants[0].weight: expected `int` <= 5", the field first as in the other messages."""
    what, found, where = str(exc).rpartition(" - at `$.")
    if not found:
        return str(exc)
    return f"{where.rstrip('`')}: {what[:1].lower()}{what[1:]}"


def from_directory(folder: Path) -> ProblemBundle:
    """Read one catalog folder (DESIGN.md section 5)."""
    mutant_files = {path.stem for path in (folder / "mutants").glob("*.py")}
    return from_files(folder.name, lambda name: (folder / name).read_text(), mutant_files)


def from_files(
    folder_name: str, read: Callable[[str], str], mutant_files: Collection[str]
) -> ProblemBundle:
    """A catalog folder given as `read(relative path)` and the stems of its mutants/*.py,
    wherever it is kept (on disk, in an uploaded archive). `read` raises OSError for a
    missing file; the folder must be named as the slug."""
    try:
        meta = tomllib.loads(read("problem.toml"))
        data = dict(meta)
        data["description_md"] = read("description.md")
        data["golden_code"] = read("golden.py")
        data["reference_tests"] = read("reference_test.py")
        data["mutants"] = _with_code(read, meta.get("mutants"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise Invalid(f"{folder_name}: {exc}") from exc
    bundle = from_mapping(data)
    undeclared = set(mutant_files) - {m.name for m in bundle.mutants}
    if undeclared:
        raise Invalid(f"{folder_name}: mutant files without an entry: {sorted(undeclared)}")
    if bundle.slug != folder_name:
        raise Invalid(f"{folder_name}: slug {bundle.slug!r} differs from the folder name")
    return bundle


def _with_code(read: Callable[[str], str], mutants: Any) -> Any:
    """The `[[mutants]]` entries with the code of their files; anything else as it is, for
    the body's types to refuse."""
    if not isinstance(mutants, list):
        return mutants
    return [
        {**entry, "code": read(f"mutants/{entry.get('name')}.py")}
        if isinstance(entry, Mapping)
        else entry
        for entry in mutants
    ]


def check(bundle: ProblemBundle) -> None:
    """Everything that can be known without running code."""
    if bundle.slug in RESERVED_SLUGS:
        reserved = ", ".join(sorted(RESERVED_SLUGS))
        raise Invalid(f"slug {bundle.slug!r} is reserved (not one of: {reserved})")
    for key in ("title", "function_signature", "description_md"):
        if not getattr(bundle, key).strip():
            raise Invalid(f"{key} is required and must be a non-empty string")
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
    if not source.strip():
        raise Invalid(f"{name} is required and must be a non-empty string")
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
        shape = normalised(mutant.code)
        if shape in seen_shapes:
            raise Invalid(f"mutant {mutant.name} equals {seen_shapes[shape]} after normalisation")
        seen_names.add(mutant.name)
        seen_shapes[shape] = f"mutant {mutant.name}"


def normalised(source: str) -> str:
    """The AST of the source without positions: equal for sources that differ only in
    comments, blank lines and formatting."""
    return ast.dump(ast.parse(source), annotate_fields=False, include_attributes=False)
