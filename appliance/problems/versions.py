"""Creating, validating and publishing problem versions (DESIGN.md 4.5)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from appliance.db import Connection
from appliance.errors import Conflict, NotFound
from appliance.judging import judge
from appliance.judging.worker import WorkerContext
from appliance.problems import queries
from appliance.problems.bundle import ProblemBundle
from appliance.problems.examples import examples_suite, parse_examples
from appliance.problems.validation import judge_validation, refused


@dataclass(frozen=True)
class VersionRef:
    id: int
    slug: str
    number: int
    status: str
    created: bool


def add_version(conn: Connection, bundle: ProblemBundle, created_by: int | None) -> VersionRef:
    """A new draft version, or the existing one when this exact content was seen before."""
    with conn.transaction():
        problem_id = queries.ensure_problem(conn, bundle.slug)
        existing = queries.version_by_hash(conn, problem_id, bundle.content_hash())
        if existing is not None:
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


def validate(ctx: WorkerContext, version_id: int) -> str:
    """Run the reference suite through the judge and record the verdict; the new status."""
    conn = ctx.conn
    version = queries.version_by_id(conn, version_id)
    if version is None:
        raise NotFound(f"no problem version with id {version_id}")
    if version["status"] != "validating":
        return str(version["status"])
    validation = _judge_reference(ctx, version)
    status = "valid" if validation["ok"] else "invalid"
    queries.set_validation(conn, version_id, status, validation)
    return status


def _judge_reference(ctx: WorkerContext, version: dict[str, Any]) -> dict[str, Any]:
    mutants = queries.mutants_of(ctx.conn, version["id"])
    if not mutants:
        return refused("a problem needs at least one mutant")
    reference = judge.judge_version(ctx, version["reference_tests"], version, mutants)
    examples = parse_examples(version["examples"])
    examples_report = None
    if examples:
        suite = examples_suite(examples)
        examples_report = judge.judge_version(ctx, suite, version, mutants).report
    weights = {m["name"]: m["weight"] for m in mutants}
    return judge_validation(reference.report, examples_report, weights)


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
