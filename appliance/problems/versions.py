"""Creating, publishing and retiring problem versions (DESIGN.md 4.5); validating them is
a job (problems/jobs.py), queued here, so this module needs no Docker. What an author or
an admin does (through the API or the console) is recorded in the audit trail within the
same transaction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import redis

from appliance import queue
from appliance.audit import trail
from appliance.audit.trail import Actor
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


def create(conn: Connection, broker: redis.Redis, bundle: ProblemBundle, by: Actor) -> VersionRef:
    """An author's new problem or version (POST /api/v1/problems, the console), recorded;
    its validation is queued once committed, so the worker finds the row."""
    with conn.transaction():
        ref = add_version(conn, bundle, created_by=by.user.id)
        target = f"{ref.slug} v{ref.number}"
        trail.record_by(conn, by, "problem.create", target, created=ref.created)
    if ref.status == "validating":
        queue.enqueue_validation(broker, ref.id)
    return ref


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


def publish_by(conn: Connection, slug: str, number: int, by: Actor) -> None:
    """publish, by an author or an admin, recorded."""
    with conn.transaction():
        publish(conn, slug, number)
        trail.record_by(conn, by, "problem.publish", f"{slug} v{number}")


def retire(conn: Connection, slug: str, by: Actor) -> int:
    """Withdraw a published problem: its current version is retired and it has none, so
    learners no longer see it and new submissions are refused (submissions already made
    keep their version). Publishing a version again brings it back. The retired number."""
    with conn.transaction():
        problem = queries.problem_for_update(conn, slug)
        if problem is None:
            raise NotFound(f"no problem {slug!r}")
        retired = queries.retire_current(conn, problem["id"])
        if retired is None:
            raise Conflict(f"{slug} has no published version to retire")
        queries.set_current(conn, problem["id"], None)
        trail.record_by(conn, by, "problem.retire", f"{slug} v{retired['number']}")
    return int(retired["number"])
