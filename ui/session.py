"""Who is looking at a page: the console session kept in NiceGUI's per-browser storage
(signed cookie, server-side data), checked against PostgreSQL on every page load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app
from psycopg_pool import PoolTimeout

from appliance.accounts import logins
from appliance.accounts.users import User
from appliance.audit.trail import Actor
from appliance.vocabulary import LOCALES, Locale, Role
from ui.console import Console
from ui.i18n import Translate, translator

_KEY = "session"
# The browser's language while nobody is logged in (the login page, the database down page):
# its own choice there, else the last user's.
LOCALE_KEY = "locale"
ADMIN: tuple[Role, ...] = ("admin",)
AUTHORS: tuple[Role, ...] = ("admin", "author")
# The learner's area is open to every role: authors and admins try their own problems there.
EVERYONE: tuple[Role, ...] = ("admin", "author", "learner")


def now() -> datetime:
    """The clock of sessions and throttling (tests move it)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Page:
    """What a page builder needs: the console, the user, their language and time zone."""

    console: Console
    user: User
    source: str

    @property
    def locale(self) -> Locale:
        return self.user.locale

    @property
    def t(self) -> Translate:
        return translator(self.user.locale)

    @property
    def actor(self) -> Actor:
        return Actor(self.user, self.source)

    @property
    def zone(self) -> ZoneInfo:
        return self.console.settings.timezone


def safe_next(target: str | None) -> str | None:
    """Only a path of this console: never another host (`//host`, `/\\host`)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


def browser_locale(request: Request) -> Locale:
    """The language while nobody is logged in: this browser's last choice, else its
    Accept-Language."""
    chosen = app.storage.user.get(LOCALE_KEY)
    if chosen in LOCALES:
        return chosen  # type: ignore[no-any-return]
    accepted = request.headers.get("accept-language", "")
    return "en" if accepted.lower().startswith("en") else "ko"


def source_of(request: Request) -> str:
    """Where a request comes from, for the audit trail and login throttling."""
    return request.client.host if request.client else "unknown"


def remember(session: logins.Session) -> None:
    app.storage.user[_KEY] = {
        "user_id": session.user_id,
        "epoch": session.epoch,
        "opened_at": session.opened_at.isoformat(),
    }


def forget() -> None:
    app.storage.user.pop(_KEY, None)


def _stored() -> logins.Session | None:
    raw = app.storage.user.get(_KEY)
    if not isinstance(raw, dict):
        return None
    try:
        return logins.Session(
            int(raw["user_id"]), int(raw["epoch"]), datetime.fromisoformat(raw["opened_at"])
        )
    except (KeyError, TypeError, ValueError):
        return None


async def current_user(console: Console) -> User | None:
    session = _stored()
    if session is None:
        return None
    lifetime = timedelta(hours=console.settings.console_session_hours)
    user = await console.call(logins.session_user, session, lifetime, now())
    if user is None:
        forget()
    return user


def home_of(user: User) -> str:
    return {"admin": "/", "author": "/problems", "learner": "/learn"}[user.role]


async def guard(
    console: Console, request: Request, roles: tuple[Role, ...]
) -> Page | RedirectResponse:
    """The page's context when a live session of one of `roles` opened it; otherwise the
    redirect to answer instead: to the login, to the user's own home, or to the page that
    waits for PostgreSQL when no session can be checked."""
    try:
        user = await current_user(console)
    except (PoolTimeout, psycopg.OperationalError):
        return RedirectResponse(f"/unavailable?next={request.url.path}", status_code=303)
    if user is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    if user.role not in roles:
        return RedirectResponse(home_of(user), status_code=303)
    if app.storage.user.get(LOCALE_KEY) != user.locale:  # each write schedules a file save
        app.storage.user[LOCALE_KEY] = user.locale
    return Page(console, user, source_of(request))
