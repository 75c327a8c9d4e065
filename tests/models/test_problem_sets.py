"""Problem sets: what a filter matches among the published versions, frozen by the database,
with a content hash over the (slug, version content hash) pairs."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest

from appliance import db
from appliance.accounts.users import User, create_user
from appliance.audit.trail import Actor
from appliance.errors import Conflict, Invalid, NotFound
from appliance.models import problem_sets
from appliance.models.problem_sets import SetFilter, content_hash
from appliance.problems import queries as problem_queries
from appliance.problems import versions
from appliance.problems.bundle import ProblemBundle
from tests.bundles import mini_bundle
from tests.conftest import FAST_PROBLEM, HIDDEN_PROBLEM, PROBLEM

ALL = [PROBLEM, FAST_PROBLEM, HIDDEN_PROBLEM]


def publish(conn: db.Connection, bundle: ProblemBundle) -> None:
    """Publish a variant of the test problem the template validated through the judge (its
    code is the same, so the judge's verdict is too)."""
    ref = versions.add_version(conn, bundle, None)
    problem_queries.set_validation(conn, ref.id, "valid", {"by": "the test, as the template"})
    versions.publish(conn, ref.slug, ref.number)


def slugs(found: dict[str, object]) -> list[str]:
    return [item["slug"] for item in found["items"]]  # type: ignore[attr-defined]


def test_a_set_freezes_every_published_version_with_its_hash(conn: db.Connection) -> None:
    made = problem_sets.create(conn, "all-easy", SetFilter())
    assert made["name"] == "all-easy" and made["item_count"] == 3
    assert sorted(slugs(made)) == sorted(ALL)
    pairs = [(i["slug"], i["content_hash"]) for i in made["items"]]
    assert made["content_hash"] == content_hash(pairs)
    assert all(i["number"] == 1 for i in made["items"])
    assert problem_sets.show(conn, "all-easy") == made


def test_the_hash_depends_on_the_pairs_not_their_order() -> None:
    pairs = [("a", "1"), ("b", "2")]
    assert content_hash(pairs) == content_hash(list(reversed(pairs)))
    assert content_hash(pairs) != content_hash([("a", "1"), ("b", "3")])
    assert content_hash(pairs) != content_hash([("a", "1")])
    assert len(content_hash([])) == 64


def test_sets_of_the_same_versions_share_a_hash_whatever_their_names(conn: db.Connection) -> None:
    first = problem_sets.create(conn, "one", SetFilter())
    second = problem_sets.create(conn, "two", SetFilter(slugs=list(reversed(ALL))))
    assert first["content_hash"] == second["content_hash"]


def test_filters_match_any_difficulty_any_tag_and_exact_slugs(conn: db.Connection) -> None:
    hard = mini_bundle("hard-clamp")
    publish(conn, dataclasses.replace(hard, difficulty="Hard", tags=("errors",)))
    by_difficulty = problem_sets.create(conn, "hard", SetFilter(difficulties=["Hard"]))
    assert slugs(by_difficulty) == ["hard-clamp"]
    either = problem_sets.create(conn, "either", SetFilter(difficulties=["Easy", "Hard"]))
    assert either["item_count"] == 4 and slugs(either)[-1] == "hard-clamp"  # easiest first
    by_tag = problem_sets.create(conn, "errors", SetFilter(tags=["errors", "nothing"]))
    assert slugs(by_tag) == ["hard-clamp"]
    both = SetFilter(difficulties=["Easy"], tags=["boundaries"], slugs=[PROBLEM])
    assert slugs(problem_sets.create(conn, "exact", both)) == [PROBLEM]
    assert problem_sets.show(conn, "exact")["filter"] == {
        "difficulties": ["Easy"],
        "tags": ["boundaries"],
        "slugs": [PROBLEM],
    }


def test_a_filter_that_matches_nothing_or_names_an_unpublished_slug_is_refused(
    conn: db.Connection,
) -> None:
    with pytest.raises(Invalid, match="no published problem matches"):
        problem_sets.create(conn, "none", SetFilter(difficulties=["Hard"]))
    with pytest.raises(Invalid, match="not published or not matching the filter: nope"):
        problem_sets.create(conn, "some", SetFilter(slugs=[PROBLEM, "nope"]))
    with pytest.raises(Invalid, match=PROBLEM):
        problem_sets.create(conn, "some", SetFilter(difficulties=["Hard"], slugs=[PROBLEM]))
    assert problem_sets.all_sets(conn) == []


def test_a_taken_name_is_a_conflict(conn: db.Connection) -> None:
    problem_sets.create(conn, "mine", SetFilter())
    with pytest.raises(Conflict, match="mine"):
        problem_sets.create(conn, "mine", SetFilter(slugs=[PROBLEM]))
    assert problem_sets.show(conn, "mine")["item_count"] == 3
    with pytest.raises(NotFound):
        problem_sets.show(conn, "yours")


def test_a_new_published_version_does_not_change_a_set(conn: db.Connection) -> None:
    before = problem_sets.create(conn, "frozen", SetFilter(slugs=[PROBLEM]))
    publish(conn, dataclasses.replace(mini_bundle(), title="Clamp, retitled"))
    after = problem_sets.show(conn, "frozen")
    assert after == before and after["items"][0]["number"] == 1
    newer = problem_sets.create(conn, "newer", SetFilter(slugs=[PROBLEM]))
    assert newer["items"][0]["number"] == 2
    assert newer["content_hash"] != before["content_hash"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE problem_set_items SET version_id = version_id",
        "DELETE FROM problem_set_items",
        "UPDATE problem_sets SET name = 'renamed'",
        "DELETE FROM problem_sets",
        "INSERT INTO problem_set_items SELECT s.id, v.id FROM problem_sets s, problem_versions v"
        " WHERE v.id NOT IN (SELECT version_id FROM problem_set_items) LIMIT 1",
    ],
)
def test_the_database_refuses_any_change_of_a_set(conn: db.Connection, statement: str) -> None:
    made = problem_sets.create(conn, "frozen", SetFilter(slugs=[PROBLEM, FAST_PROBLEM]))
    with pytest.raises(psycopg.errors.RestrictViolation):
        conn.execute(statement)
    assert problem_sets.show(conn, "frozen") == made


def test_creating_a_set_is_audited(conn: db.Connection) -> None:
    user, _ = create_user(conn, "root", "admin")
    by = Actor(User(user.id, user.name, user.role), "127.0.0.1")
    made = problem_sets.create(conn, "audited", SetFilter(), by)
    assert made["created_by"] == "root"
    row = conn.execute("SELECT action, target, detail FROM audit_events").fetchone()
    assert row == {
        "action": "problem_set.create",
        "target": "audited",
        "detail": {"items": 3, "content_hash": made["content_hash"]},
    }
