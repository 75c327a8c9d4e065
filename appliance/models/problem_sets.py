"""Problem sets: named, frozen selections of problem versions to evaluate models on. A set
is what a filter matched among the currently published versions when it was made; later
versions of those problems do not change it (the database refuses any change of its
items). Its content hash is over the sorted (slug, version content hash) pairs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from appliance.audit import trail
from appliance.audit.trail import Actor
from appliance.db import Connection, Row
from appliance.errors import Conflict, Invalid, NotFound
from appliance.models import queries
from appliance.vocabulary import Difficulty


@dataclass(frozen=True)
class SetFilter:
    """Empty matches anything; a difficulty or tag matches any of those given, and every
    slug given must name a published problem."""

    difficulties: list[Difficulty] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)


def content_hash(items: Iterable[tuple[str, str]]) -> str:
    """SHA-256 of the (slug, version content hash) pairs, one per line, in slug order."""
    lines = "".join(f"{slug}\t{version_hash}\n" for slug, version_hash in sorted(items))
    return hashlib.sha256(lines.encode()).hexdigest()


def create(conn: Connection, name: str, chosen: SetFilter, by: Actor | None = None) -> Row:
    """The new set (as `show` returns it). Conflict when the name is taken; Invalid when
    nothing matches or a named slug is not published."""
    with conn.transaction():
        matched = queries.published_versions(
            conn, list(chosen.difficulties), chosen.tags, chosen.slugs
        )
        _check_matched(chosen, matched)
        digest = content_hash((row["slug"], row["content_hash"]) for row in matched)
        described = {
            "difficulties": chosen.difficulties,
            "tags": chosen.tags,
            "slugs": chosen.slugs,
        }
        user_id = by.user.id if by else None
        row = queries.insert_problem_set(conn, name, described, len(matched), digest, user_id)
        if row is None:
            raise Conflict(f"a problem set named {name!r} already exists")
        queries.insert_set_items(conn, row["id"], [r["id"] for r in matched])
        if by is not None:
            trail.record_by(
                conn, by, "problem_set.create", name, items=len(matched), content_hash=digest
            )
    return show(conn, name)


def _check_matched(chosen: SetFilter, matched: list[Row]) -> None:
    missing = sorted(set(chosen.slugs) - {row["slug"] for row in matched})
    if missing:
        raise Invalid(f"not published or not matching the filter: {', '.join(missing)}")
    if not matched:
        raise Invalid("no published problem matches the filter")


def all_sets(conn: Connection) -> list[Row]:
    return queries.problem_sets(conn)


def show(conn: Connection, name: str) -> Row:
    """The set with its `items` (slug, version number, content hash, title, ...)."""
    found = queries.problem_set(conn, name)
    if found is None:
        raise NotFound(f"no problem set named {name!r}")
    return {**found, "items": queries.set_items(conn, found["id"])}
