"""The learner's problem browser (/learn): every published problem with the learner's own
best score and state, filters that narrow it in SQL, the learner's home after login, and
the admin pages closed to learners."""

from __future__ import annotations

from nicegui import ElementFilter, ui
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.learning import workspace
from tests.ui.conftest import judged_submission, log_in, make_console_user, text_of, user_id

SLUGS = ("mini-clamp", "mini-clamp-fast", "mini-clamp-hidden")


async def test_every_row_shows_the_learners_best_score_and_state(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    judged_submission(conn, "lee", "mini-clamp", score=41, minutes_ago=5)
    judged_submission(conn, "lee", "mini-clamp", score=100)
    judged_submission(conn, "lee", "mini-clamp-fast", score=41)
    make_console_user(conn, "kim", "learner")
    judged_submission(conn, "kim", "mini-clamp-hidden", score=100)  # not lee's
    await learner_user.open("/learn")
    assert "100 / 100" in text_of(learner_user, "learn-problem-mini-clamp")
    assert "Solved" in text_of(learner_user, "learn-problem-mini-clamp")
    assert "41 / 100" in text_of(learner_user, "learn-problem-mini-clamp-fast")
    assert "Tried" in text_of(learner_user, "learn-problem-mini-clamp-fast")
    assert "no score" in text_of(learner_user, "learn-problem-mini-clamp-hidden")
    assert "New" in text_of(learner_user, "learn-problem-mini-clamp-hidden")
    await learner_user.should_see("3 problems · page 1 of 1")


async def test_rows_link_to_the_problem_page(learner_user: SimulatedUser) -> None:
    await learner_user.open("/learn")
    links = [link.props["href"] for link in learner_user.find(kind=ui.link).elements]
    assert {f"/learn/{slug}" for slug in SLUGS} <= set(links)


def _shown(user: SimulatedUser) -> set[str]:
    with user:
        return {slug for slug in SLUGS if list(ElementFilter(marker=f"learn-problem-{slug}"))}


async def test_each_filter_narrows_the_list(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    conn.execute(
        "UPDATE problem_versions v SET difficulty = 'Hard', tags = '{sorting}' FROM problems p"
        " WHERE v.id = p.current_version_id AND p.slug = 'mini-clamp-fast'"
    )
    judged_submission(conn, "lee", "mini-clamp", score=100)
    judged_submission(conn, "lee", "mini-clamp-hidden", score=41)
    workspace.set_bookmark(conn, user_id(conn, "lee"), "mini-clamp-hidden", True)
    expected = {
        "/learn?difficulty=Hard": {"mini-clamp-fast"},
        "/learn?tag=sorting": {"mini-clamp-fast"},
        "/learn?state=solved": {"mini-clamp"},
        "/learn?state=tried": {"mini-clamp-hidden"},
        "/learn?state=new": {"mini-clamp-fast"},
        "/learn?q=HIDDEN": {"mini-clamp-hidden"},
        "/learn?bookmarked=1": {"mini-clamp-hidden"},
        "/learn?difficulty=Easy&state=solved": {"mini-clamp"},
        "/learn?difficulty=nonsense": set(SLUGS),
    }
    for address, slugs in expected.items():
        await learner_user.open(address)
        assert _shown(learner_user) == slugs, address


async def test_choosing_a_filter_reloads_the_list_narrowed(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    conn.execute(
        "UPDATE problem_versions v SET difficulty = 'Hard' FROM problems p"
        " WHERE v.id = p.current_version_id AND p.slug = 'mini-clamp-fast'"
    )
    await learner_user.open("/learn")
    (select,) = learner_user.find(marker="learn-filter-difficulty").elements
    with learner_user:
        select.value = "Hard"  # what choosing "Hard" in the list does
    await learner_user.should_not_see(marker="learn-problem-mini-clamp", retries=20)
    assert _shown(learner_user) == {"mini-clamp-fast"}
    learner_user.find(marker="learn-filter-text").type("nothing like it")
    learner_user.find(marker="learn-search").click()
    await learner_user.should_see(marker="learn-empty", retries=20)


async def test_the_search_box_is_labelled(learner_user: SimulatedUser) -> None:
    (search,) = learner_user.find(marker="learn-filter-text").elements
    assert search.props["aria-label"] == "Search title, slug or tag"


async def test_a_learner_visiting_an_admin_page_is_sent_to_the_browser(
    learner_user: SimulatedUser,
) -> None:
    for path in ("/", "/problems", "/submissions", "/users", "/audit", "/learner"):
        await learner_user.open(path)
        await learner_user.should_see(marker="learn-filter-text")
    await learner_user.should_not_see("Users and tokens")


async def test_nobody_logged_in_is_sent_to_the_login(visitor: SimulatedUser) -> None:
    for path in ("/learn", "/learn/mini-clamp", "/learn/attempts", "/learn/progress"):
        await visitor.open(path)
        await visitor.should_see(marker="login-name")


async def test_an_admin_sees_the_learner_links_beside_the_admin_pages(
    admin_user: SimulatedUser,
) -> None:
    await admin_user.should_see("Practice")
    await admin_user.should_see("Users and tokens")
    await admin_user.open("/learn")
    await admin_user.should_see(marker="learn-problem-mini-clamp")
    await admin_user.open("/users")
    await admin_user.should_see("Users and tokens")


async def test_the_browser_speaks_korean(visitor: SimulatedUser, conn: db.Connection) -> None:
    make_console_user(conn, "lee", "learner")
    await log_in(visitor, "lee")
    await visitor.should_see("연습 문제")
    await visitor.should_see("내 제출 기록")
    assert "새 문제" in text_of(visitor, "learn-problem-mini-clamp")
    assert "쉬움" in text_of(visitor, "learn-problem-mini-clamp")


async def test_the_header_marks_the_page_the_learner_is_on(learner_user: SimulatedUser) -> None:
    await learner_user.open("/learn/progress")
    current = [
        link.text
        for link in learner_user.find(kind=ui.link).elements
        if link.props.get("aria-current") == "page"
    ]
    assert current == ["My progress"]
