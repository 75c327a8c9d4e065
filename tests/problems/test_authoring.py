"""What authors do besides creating (tests/problems/test_problems_api.py): every problem
listed with its latest version, filtered in SQL; retiring; the diff between versions; and
the audit trail of creating, publishing and retiring, through the API too."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from litestar.testing import TestClient

from appliance import db
from appliance.accounts.users import User
from appliance.audit.trail import Actor
from appliance.errors import Conflict, NotFound
from appliance.problems import changes, queries, versions
from tests.bundles import GOLDEN, mini_bundle
from tests.conftest import bearer
from tests.problems.test_bundle import as_json


@pytest.fixture
def by(conn: db.Connection) -> Actor:
    row = conn.execute(
        "INSERT INTO users (name, role) VALUES ('grace', 'author') RETURNING id"
    ).fetchone()
    assert row is not None
    return Actor(User(row["id"], "grace", "author"), "10.0.0.7")


def actions(conn: db.Connection) -> list[tuple[str, str, str, str]]:
    rows = conn.execute(
        "SELECT actor_name, action, target, source FROM audit_events ORDER BY id"
    ).fetchall()
    return [(r["actor_name"], r["action"], r["target"], r["source"]) for r in rows]


def slugs(rows: list[dict[str, Any]]) -> list[str]:
    return [row["slug"] for row in rows]


def test_the_list_shows_every_problem_by_its_latest_version(conn: db.Connection) -> None:
    versions.add_version(conn, dataclasses.replace(mini_bundle(), difficulty="Hard"), None)
    rows = queries.list_problems(conn, None, None, None, 10, 0)
    assert slugs(rows) == ["mini-clamp", "mini-clamp-fast", "mini-clamp-hidden"]
    first = rows[0]
    assert (first["latest"], first["published"], first["status"]) == (2, 1, "validating")
    assert (first["difficulty"], first["mutant_count"]) == ("Hard", 3)


def test_the_list_filters_and_counts_in_sql(conn: db.Connection) -> None:
    hard = dataclasses.replace(mini_bundle("hard-one"), difficulty="Hard", title="Hard")
    versions.add_version(conn, hard, None)
    cases: list[tuple[Any, ...]] = [
        ("hidden", None, None, ["mini-clamp-hidden"]),
        ("CLAMP (TEST", None, None, ["mini-clamp", "mini-clamp-fast", "mini-clamp-hidden"]),
        (None, "Hard", None, ["hard-one"]),
        (None, None, "validating", ["hard-one"]),
        (None, "Easy", "published", ["mini-clamp", "mini-clamp-fast", "mini-clamp-hidden"]),
        ("_", None, None, []),  # LIKE wildcards are literal
        ("%", None, None, []),
    ]
    for text, difficulty, status, expected in cases:
        assert slugs(queries.list_problems(conn, text, difficulty, status, 10, 0)) == expected
        assert queries.count_problems(conn, text, difficulty, status) == len(expected)
    page_two = queries.list_problems(conn, None, None, None, 2, 2)
    assert slugs(page_two) == ["mini-clamp-fast", "mini-clamp-hidden"]


def test_retiring_withdraws_the_problem_and_publishing_brings_it_back(
    conn: db.Connection, by: Actor
) -> None:
    assert versions.retire(conn, "mini-clamp", by) == 1
    assert queries.current_version(conn, "mini-clamp") is None
    assert queries.version(conn, "mini-clamp", 1)["status"] == "retired"  # type: ignore[index]
    with pytest.raises(Conflict, match="no published version"):
        versions.retire(conn, "mini-clamp", by)
    versions.publish_by(conn, "mini-clamp", 1, by)
    assert queries.current_version(conn, "mini-clamp")["number"] == 1  # type: ignore[index]
    assert actions(conn) == [
        ("grace", "problem.retire", "mini-clamp v1", "10.0.0.7"),
        ("grace", "problem.publish", "mini-clamp v1", "10.0.0.7"),
    ]


def test_retiring_an_unknown_problem_is_not_found(conn: db.Connection, by: Actor) -> None:
    with pytest.raises(NotFound):
        versions.retire(conn, "nothing-here", by)


def test_a_failed_publish_leaves_no_record(conn: db.Connection, by: Actor) -> None:
    versions.add_version(conn, dataclasses.replace(mini_bundle(), title="Second"), None)
    with pytest.raises(Conflict):
        versions.publish_by(conn, "mini-clamp", 2, by)
    assert actions(conn) == []


def test_a_retired_problem_refuses_new_submissions(
    api: TestClient[Any], conn: db.Connection, by: Actor, learner_token: str
) -> None:
    versions.retire(conn, "mini-clamp", by)
    response = api.post(
        "/api/v1/submissions",
        json={"problem": "mini-clamp", "code": "def test_x():\n    assert True\n"},
        headers=bearer(learner_token),
    )
    assert response.status_code == 404


def test_creating_and_publishing_through_the_api_are_recorded(
    api: TestClient[Any], conn: db.Connection, author_token: str
) -> None:
    created = api.post(
        "/api/v1/problems", json=as_json(slug="new-clamp"), headers=bearer(author_token)
    )
    assert created.status_code == 201
    conn.execute(
        "UPDATE problem_versions SET status = 'valid' WHERE number = 1"
        " AND problem_id = (SELECT id FROM problems WHERE slug = 'new-clamp')"
    )
    published = api.post(
        "/api/v1/problems/new-clamp/versions/1/publish", headers=bearer(author_token)
    )
    assert published.status_code == 200
    assert [(a, action, target) for a, action, target, _ in actions(conn)] == [
        ("grace", "problem.create", "new-clamp v1"),
        ("grace", "problem.publish", "new-clamp v1"),
    ]


def test_the_diff_names_the_files_that_changed(conn: db.Connection) -> None:
    second = dataclasses.replace(
        mini_bundle(),
        golden_code=GOLDEN.replace("lo must not exceed hi", "bad range"),
        mutants=mini_bundle().mutants[:2],
        tags=("boundaries", "errors"),
    )
    versions.add_version(conn, second, None)
    files = []
    for number in (1, 2):
        version = queries.version(conn, "mini-clamp", number)
        assert version is not None
        files.append(changes.catalog_files(version, queries.mutants_of(conn, version["id"])))
    found = {change.path: change.diff for change in changes.changes(*files, "v1", "v2")}
    assert set(found) == {"golden.py", "problem.toml", "mutants/bounds_swapped.py"}
    assert '+        raise ValueError("bad range")' in found["golden.py"]
    assert '+tags = ["boundaries", "errors"]' in found["problem.toml"]
    assert "+++ /dev/null" in found["mutants/bounds_swapped.py"]
    assert changes.changes(files[0], files[0], "v1", "v1") == []


def test_a_long_diff_is_cut() -> None:
    old = {"golden.py": "".join(f"a{i}\n" for i in range(5000))}
    new = {"golden.py": "".join(f"b{i}\n" for i in range(5000))}
    (change,) = changes.changes(old, new, "v1", "v2")
    assert change.diff.count("\n") == changes.MAX_DIFF_LINES + 1
    assert change.diff.endswith(f"... (cut at {changes.MAX_DIFF_LINES} lines)\n")
