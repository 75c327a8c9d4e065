"""Creating and publishing problem versions (DESIGN.md 4.5); validating them is a job
(problems/jobs.py), so this module needs no Docker."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from appliance.db import Connection
from appliance.errors import Conflict, NotFound
from appliance.problems import queries
from appliance.problems.bundle import ProblemBundle
from appliance.problems.validation import failed_by_the_appliance
from appliance.vocabulary import VersionStatus


@dataclass(frozen=True)
class VersionRef:
    id: int
    slug: str
    number: int
    status: VersionStatus
    created: bool


def add_version(conn: Connection, bundle: ProblemBundle, created_by: int | None) -> VersionRef:
    """A new draft version, or the existing one when this exact content was seen before
    (validated again if the appliance itself failed its validation)."""
    with conn.transaction():
        problem_id = queries.ensure_problem(conn, bundle.slug)
        existing = queries.version_by_hash(conn, problem_id, bundle.content_hash())
        if existing is not None:
            if existing["status"] == "invalid" and failed_by_the_appliance(existing["validation"]):
                existing = queries.revalidate(conn, existing["id"]) or existing
            return VersionRef(
                existing["id"], bundle.slug, existing["number"], existing["status"], False
            )
        row = queries.insert_version(conn, problem_id, bundle, created_by)
        queries.insert_mutants(
            conn, row["id"], bundle.mutants, shuffled_labels(len(bundle.mutants))
        )
    return VersionRef(row["id"], bundle.slug, row["number"], row["status"], True)


def shuffled_labels(count: int) -> list[int]:
    """Labels 1..count in a random order, drawn once per version (DESIGN.md 4.4): a label
    tells a learner nothing about a mutant's name, weight or place in the catalog."""
    labels = list(range(1, count + 1))
    secrets.SystemRandom().shuffle(labels)
    return labels


def publish(conn: Connection, slug: str, number: int) -> None:
    """Make a valid version the problem's current one; the previous one is retired."""
    with conn.transaction():
        version = queries.version(conn, slug, number)
        if version is None:
            raise NotFound(f"problem {slug} has no version {number}")
        if version["status"] == "published":
            return
        row = queries.mark_published(conn, version["id"])
        if row is None:
            raise Conflict(f"version {number} of {slug} is {version['status']}, not valid")
        queries.retire_current(conn, row["problem_id"])
        queries.set_current(conn, row["problem_id"], version["id"])
