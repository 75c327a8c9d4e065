"""What changed between two versions of a problem, file by file as the catalog folder
(DESIGN.md 5) lays it out, as unified diffs. Pure: stored rows in, text out."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# A diff longer than this is cut (the rest is one line saying so): two 256 KiB sources
# that differ everywhere would otherwise fill the page.
MAX_DIFF_LINES = 2000
_META_KEYS = ("title", "difficulty", "tags", "function_signature", "show_golden", "wall_seconds")


@dataclass(frozen=True)
class FileChange:
    path: str  # as in a catalog folder: problem.toml, golden.py, mutants/<name>.py, ...
    diff: str


def catalog_files(
    version: Mapping[str, Any], mutants: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """A stored version (its row and its mutants' rows) as the files of a catalog folder;
    problem.toml in a canonical form, so only real changes show."""
    files = {
        "problem.toml": _problem_toml(version, mutants),
        "description.md": version["description_md"],
        "golden.py": version["golden_code"],
        "reference_test.py": version["reference_tests"],
    }
    files.update({f"mutants/{m['name']}.py": m["code"] for m in mutants})
    return files


def _problem_toml(version: Mapping[str, Any], mutants: Sequence[Mapping[str, Any]]) -> str:
    # JSON strings, numbers, booleans and lists are TOML values too.
    lines = [
        f"{key} = {json.dumps(_plain(version[key]), ensure_ascii=False)}" for key in _META_KEYS
    ]
    for example in version.get("examples") or ():
        lines += ["", "[[examples]]"]
        lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in example.items()]
    for mutant in mutants:
        lines += ["", "[[mutants]]", f"name = {json.dumps(mutant['name'])}"]
        lines += [
            f"weight = {mutant['weight']}",
            f"hint = {json.dumps(mutant['hint'], ensure_ascii=False)}",
        ]
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def changes(
    old: Mapping[str, str], new: Mapping[str, str], old_name: str, new_name: str
) -> list[FileChange]:
    """The files that differ (added and removed ones too), in path order."""
    found = []
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        lines = difflib.unified_diff(
            (before or "").splitlines(keepends=True),
            (after or "").splitlines(keepends=True),
            fromfile=f"{old_name}/{path}" if before is not None else "/dev/null",
            tofile=f"{new_name}/{path}" if after is not None else "/dev/null",
        )
        found.append(FileChange(path, _bounded(lines)))
    return found


def _bounded(lines: Any) -> str:
    kept = []
    for index, line in enumerate(lines):
        if index == MAX_DIFF_LINES:
            kept.append(f"... (cut at {MAX_DIFF_LINES} lines)\n")
            break
        kept.append(line if line.endswith("\n") else line + "\n")
    return "".join(kept)
