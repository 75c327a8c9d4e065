"""The problems pages: the list filtered and paged in SQL, the detail with mutants and the
validation report, authoring by form and by zip (validated through the real judge),
publish, retire and the diff between versions; for authors and admins only."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from nicegui import ui
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.problems import queries, versions
from tests.bundles import GOLDEN, mini_bundle
from tests.ui.conftest import log_in, make_console_user

CATALOG = Path(__file__).resolve().parents[2] / "catalog"


def zipped(folder: Path, top: str | None = None) -> bytes:
    """The catalog folder as a zip, its files under `top/` (the folder's name by default)."""
    prefix = folder.name if top is None else top
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                name = path.relative_to(folder).as_posix()
                archive.write(path, f"{prefix}/{name}" if prefix else name)
    return buffer.getvalue()


async def upload(user: SimulatedUser, name: str, data: bytes) -> None:
    element = next(iter(user.find(marker="problem-upload").elements))
    assert isinstance(element, ui.upload)
    await element.handle_uploads([ui.upload.SmallFileUpload(name, "application/zip", data)])


async def eventually(check: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition did not hold in time")


def status_badge(user: SimulatedUser) -> str | None:
    """The version's status badge as shown now (the page reloads itself when it changes)."""
    try:
        badges = user.find(marker="problem-status").elements
    except AssertionError:  # between two versions of the page
        return None
    return next((badge.text for badge in badges), None)  # type: ignore[attr-defined]


def version_row(conn: db.Connection, slug: str, number: int) -> dict[str, object] | None:
    return queries.version(conn, slug, number)


def audit_actions(conn: db.Connection) -> list[tuple[str, str]]:
    rows = conn.execute("SELECT action, target FROM audit_events WHERE action LIKE 'problem.%'")
    return [(row["action"], row["target"]) for row in rows.fetchall()]


def problem_count(conn: db.Connection) -> int:
    return int(conn.execute("SELECT count(*) AS n FROM problem_versions").fetchone()["n"])


# -- who may open them -----------------------------------------------------------------


async def test_a_learner_is_redirected_away_from_every_problems_page(
    visitor: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "lee", "learner")
    await log_in(visitor, "lee")
    for path in ("/problems", "/problems/mini-clamp", "/problems/new"):
        await visitor.open(path)
        await visitor.should_see(marker="learn-filter-text")  # the learner's own home
        await visitor.should_not_see(marker="problems-table")


async def test_an_admin_sees_every_problem_with_its_latest_and_published_version(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    versions.add_version(conn, dataclasses.replace(mini_bundle(), title="Clamp again"), None)
    await admin_user.open("/problems")
    await admin_user.should_see(marker="problem-mini-clamp")
    with admin_user.scope(marker="problem-mini-clamp"):
        await admin_user.should_see("v2 · validating")
        await admin_user.should_see("Clamp again")
        await admin_user.should_see("v1")
    await admin_user.should_see("3 problems · page 1 of 1")


# -- the list's filters ------------------------------------------------------------------


async def test_the_list_filters_by_text_difficulty_and_status(
    author_user: SimulatedUser, conn: db.Connection
) -> None:
    hard = dataclasses.replace(mini_bundle("hard-clamp"), difficulty="Hard", title="A hard one")
    versions.add_version(conn, hard, None)
    await author_user.open("/problems?difficulty=Hard")
    await author_user.should_see(marker="problem-hard-clamp")
    await author_user.should_not_see(marker="problem-mini-clamp")
    await author_user.open("/problems?status=validating")
    await author_user.should_see(marker="problem-hard-clamp")
    await author_user.should_not_see(marker="problem-mini-clamp-fast")
    await author_user.open("/problems?q=FAST")
    await author_user.should_see(marker="problem-mini-clamp-fast")
    await author_user.should_not_see(marker="problem-hard-clamp")
    await author_user.open("/problems?q=%25_")  # LIKE wildcards are taken literally
    await author_user.should_see(marker="problems-empty")


async def test_choosing_a_filter_reloads_the_list_with_it(
    author_user: SimulatedUser, conn: db.Connection
) -> None:
    versions.add_version(
        conn, dataclasses.replace(mini_bundle("hard-clamp"), difficulty="Hard"), None
    )
    await author_user.open("/problems")
    author_user.find(marker="problems-filter-difficulty").elements.pop().set_value("Hard")
    await author_user.should_see(marker="problem-hard-clamp", retries=50)
    await author_user.should_not_see(marker="problem-mini-clamp")


async def test_the_list_is_paged(author_user: SimulatedUser, conn: db.Connection) -> None:
    for index in range(25):
        versions.add_version(conn, mini_bundle(f"z-{index:02d}"), None)
    await author_user.open("/problems")
    await author_user.should_see("28 problems · page 1 of 2")
    await author_user.should_not_see(marker="problem-z-24")
    await author_user.open("/problems?page=2")
    await author_user.should_see(marker="problem-z-24")
    await author_user.open("/problems?page=99")  # past the end: the last page
    await author_user.should_see("page 2 of 2")


# -- the detail ------------------------------------------------------------------------


async def test_the_detail_shows_the_mutants_with_their_code_and_the_validation_report(
    author_user: SimulatedUser,
) -> None:
    await author_user.open("/problems/mini-clamp")
    await author_user.should_see("Clamp (test problem)")
    await author_user.should_see(marker="mutant-upper_exclusive")
    await author_user.should_see("upper_exclusive · mutant")
    await author_user.should_see("weight 3")
    await author_user.should_see("Try x equal to hi.")
    await author_user.should_see("min(x, hi - 1)")  # the mutant's code
    await author_user.should_see("Valid: the reference tests pass")
    await author_user.should_see(marker="variant-twin-twin")
    await author_user.should_see(marker="variant-mutant-bounds_swapped")
    await author_user.should_see("Smallest killing suite: test_")
    await author_user.should_see("Published version: v1")


async def test_an_unknown_problem_says_so(author_user: SimulatedUser) -> None:
    await author_user.open("/problems/no-such-thing")
    await author_user.should_see("There is no problem no-such-thing.")


async def test_the_diff_between_two_versions_shows_what_changed(
    author_user: SimulatedUser, conn: db.Connection
) -> None:
    changed = dataclasses.replace(
        mini_bundle(), golden_code=GOLDEN.replace("lo must not exceed hi", "bad range")
    )
    versions.add_version(conn, changed, None)
    await author_user.open("/problems/mini-clamp?version=2")
    author_user.find(marker="diff-show").click()
    await author_user.should_see(marker="diff-golden.py", retries=50)
    await author_user.should_see('+        raise ValueError("bad range")')
    await author_user.should_not_see(marker="diff-description.md")


# -- authoring -------------------------------------------------------------------------


async def test_a_zipped_catalog_folder_becomes_a_version_that_validates_and_is_published(
    author_user: SimulatedUser, conn: db.Connection, drain: Callable[[], None]
) -> None:
    await author_user.open("/problems/new")
    await upload(author_user, "leap-year.zip", zipped(CATALOG / "leap-year"))
    await eventually(lambda: version_row(conn, "leap-year", 1) is not None)
    assert version_row(conn, "leap-year", 1)["status"] == "validating"  # type: ignore[index]
    # The upload leads to the new version, which says it is validating until a worker is
    # done, then shows the result by itself.
    await author_user.should_see(marker="problem-validating", retries=50)
    drain()
    await eventually(lambda: status_badge(author_user) == "v1 · valid")  # not "validating"
    await author_user.should_see("Score of the examples alone:")
    await author_user.should_see(marker="mutant-ignores_400_rule")
    author_user.find(marker="problem-publish").click()
    await eventually(lambda: version_row(conn, "leap-year", 1)["status"] == "published")  # type: ignore[index]
    assert queries.current_version(conn, "leap-year") is not None
    assert audit_actions(conn) == [
        ("problem.create", "leap-year v1"),
        ("problem.publish", "leap-year v1"),
    ]


async def test_a_zip_of_the_folder_s_files_without_the_folder_is_read_too(
    author_user: SimulatedUser, conn: db.Connection
) -> None:
    await author_user.open("/problems/new")
    await upload(author_user, "files.zip", zipped(CATALOG / "leap-year", top=""))
    await eventually(lambda: version_row(conn, "leap-year", 1) is not None)


async def test_a_broken_zip_is_refused_with_a_clear_message_and_saves_nothing(
    author_user: SimulatedUser, conn: db.Connection, tmp_path: Path
) -> None:
    before = problem_count(conn)
    await author_user.open("/problems/new")
    await upload(author_user, "notes.zip", b"this is not a zip file")
    await author_user.should_see("notes.zip was not imported, nothing was saved", retries=50)
    await author_user.should_see("not a zip archive")
    folder = tmp_path / "leap-year"
    zip_source = zipped(CATALOG / "leap-year")
    with zipfile.ZipFile(io.BytesIO(zip_source)) as source:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as target:
            for item in source.infolist():
                if not item.filename.endswith("golden.py"):
                    target.writestr(item, source.read(item))
    await upload(author_user, f"{folder.name}.zip", buffer.getvalue())
    await author_user.should_see("golden.py is missing from the archive", retries=50)
    assert problem_count(conn) == before
    assert audit_actions(conn) == []


async def test_a_zip_for_another_problem_is_refused_on_a_new_version_page(
    author_user: SimulatedUser, conn: db.Connection
) -> None:
    await author_user.open("/problems/mini-clamp/new-version")
    await upload(author_user, "leap-year.zip", zipped(CATALOG / "leap-year"))
    await author_user.should_see("This archive is for the problem leap-year", retries=50)
    assert version_row(conn, "leap-year", 1) is None


async def test_the_form_starts_from_the_latest_version_and_creates_the_next(
    author_user: SimulatedUser, conn: db.Connection
) -> None:
    await author_user.open("/problems/mini-clamp/new-version")
    await author_user.should_see("Starting from mini-clamp v1")
    author_user.find(marker="form-title").clear().type("Clamp, second edition")
    author_user.find(marker="form-submit").click()
    await eventually(lambda: version_row(conn, "mini-clamp", 2) is not None)
    created = version_row(conn, "mini-clamp", 2)
    assert created is not None and created["title"] == "Clamp, second edition"
    assert created["status"] == "validating" and created["mutant_count"] == 3
    assert audit_actions(conn) == [("problem.create", "mini-clamp v2")]


async def test_a_form_with_a_mistake_says_what_and_saves_nothing(
    author_user: SimulatedUser, conn: db.Connection
) -> None:
    before = problem_count(conn)
    await author_user.open("/problems/mini-clamp/new-version")
    author_user.find(marker="form-golden").clear().type("def clamp(:\n")
    author_user.find(marker="form-submit").click()
    await author_user.should_see("Nothing was saved: golden_code has a syntax error on line 1")
    author_user.find(marker="form-mutant-weight-0").elements.pop().set_value(9)
    author_user.find(marker="form-submit").click()
    await author_user.should_see("Nothing was saved:")
    assert problem_count(conn) == before


# -- publish and retire ------------------------------------------------------------------


async def test_retiring_a_problem_withdraws_it_from_learners_and_submissions(
    author_user: SimulatedUser, conn: db.Connection
) -> None:
    await author_user.open("/problems/mini-clamp")
    author_user.find(marker="problem-retire").click()
    author_user.find(marker="problem-retire-confirm").click()
    await eventually(lambda: version_row(conn, "mini-clamp", 1)["status"] == "retired")  # type: ignore[index]
    # Submissions and the learners' catalog find the problem through its current version.
    assert queries.current_version(conn, "mini-clamp") is None
    assert audit_actions(conn) == [("problem.retire", "mini-clamp v1")]
    await author_user.open("/problems/mini-clamp")
    await author_user.should_see("Not published: learners cannot see it")


async def test_an_invalid_version_cannot_be_published(
    author_user: SimulatedUser, conn: db.Connection
) -> None:
    versions.add_version(conn, dataclasses.replace(mini_bundle(), title="Second"), None)
    await author_user.open("/problems/mini-clamp?version=2")
    await author_user.should_see("Only a valid version can be published.")
    assert not next(iter(author_user.find(marker="problem-publish").elements)).enabled


# -- Korean ------------------------------------------------------------------------------


async def test_the_pages_render_in_korean(visitor: SimulatedUser, conn: db.Connection) -> None:
    make_console_user(conn, "kim", "author")
    await log_in(visitor, "kim")
    await visitor.open("/problems")
    await visitor.should_see("최신 버전")
    await visitor.should_see("문제 3개 · 1쪽 중 1쪽")
    await visitor.open("/problems/mini-clamp")
    await visitor.should_see("검증 보고서")
    await visitor.should_see("게시 버전: v1")
