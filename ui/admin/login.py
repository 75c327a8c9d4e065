"""/login: name and password (then each role's home); /learner: an old address of /learn."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from appliance.accounts import logins
from appliance.audit import trail
from appliance.db import Connection
from appliance.errors import RateLimited, Unauthorized
from appliance.vocabulary import Locale
from ui import session
from ui.console import Console
from ui.i18n import translator


def _open_session(conn: Connection, name: str, password: str, source: str) -> logins.Session:
    """Logs in and records it, in one transaction with the audit row."""
    opened, user = logins.log_in(conn, name, password, source, session.now())
    trail.record(conn, user, "login", user.name, source)
    return opened


def register(console: Console) -> None:
    @ui.page("/login")
    async def login_page(request: Request, next: str | None = None) -> RedirectResponse | None:
        user = await session.current_user(console)
        if user is not None:
            return RedirectResponse(
                session.safe_next(next) or session.home_of(user), status_code=303
            )
        locale = session.browser_locale(request)
        t = translator(locale)
        source = session.source_of(request)
        ui.page_title(f"{t('login.title')} · {t('app.title')}")

        async def submit() -> None:
            try:
                opened = await console.call(_open_session, name.value, password.value, source)
            except RateLimited:
                message.text = t("login.throttled")
                return
            except Unauthorized:
                message.text = t("login.wrong")
                password.value = ""
                return
            session.remember(opened)
            user = await session.current_user(console)
            target = session.safe_next(next) or (session.home_of(user) if user else "/login")
            ui.navigate.to(target)

        def choose(value: Locale) -> None:
            app.storage.user[session.LOCALE_KEY] = value
            ui.navigate.reload()

        with ui.card().classes("mx-auto mt-24 w-96 gap-3"):
            ui.label(t("app.title")).classes("text-xl font-bold")
            ui.toggle(
                {"ko": "한국어", "en": "English"}, value=locale, on_change=lambda e: choose(e.value)
            ).mark("login-language")
            name = ui.input(t("login.name")).props("autofocus autocomplete=username")
            name.classes("w-full").mark("login-name")
            password = ui.input(t("login.password"), password=True)
            password.props("autocomplete=current-password").classes("w-full").mark("login-password")
            password.on("keydown.enter", submit)
            message = (
                ui.label("").classes("text-negative").props('role="alert"').mark("login-message")
            )
            ui.button(t("login.submit"), on_click=submit).classes("w-full").mark("login-submit")
        return None

    @ui.page("/learner")
    def old_learner_home() -> RedirectResponse:
        """The learner's first home, before the learner's area: kept for old bookmarks."""
        return RedirectResponse("/learn", status_code=308)
