"""The frame around every console page: the header with the pages the user may open, the
language switch and the logout; and small widgets the pages share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

from appliance.accounts.users import set_locale
from appliance.audit import trail
from appliance.vocabulary import LOCALES, Locale, Role
from ui import session
from ui.session import Page

# (path, message key, roles that see it), in the order of the header.
NAVIGATION: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("/", "nav.overview", session.ADMIN),
    ("/metrics", "nav.metrics", session.ADMIN),
    ("/latency", "nav.latency", session.ADMIN),
    ("/problems", "nav.problems", session.AUTHORS),
    ("/submissions", "nav.submissions", session.ADMIN),
    ("/users", "nav.users", session.ADMIN),
    ("/evaluations", "nav.evaluations", session.ADMIN),
    ("/models", "nav.models", session.ADMIN),
    ("/registry", "nav.registry", session.ADMIN),
    ("/audit", "nav.audit", session.ADMIN),
    ("/learn", "learn.nav.problems", session.EVERYONE),
    ("/learn/attempts", "learn.nav.attempts", session.EVERYONE),
    ("/learn/progress", "learn.nav.progress", session.EVERYONE),
)
LANGUAGE_NAMES: dict[Locale, str] = {"ko": "한국어", "en": "English"}


@contextmanager
def frame(page: Page, title_key: str) -> Iterator[None]:
    """The header, then the page's own content inside a centred column."""
    t = page.t
    ui.page_title(f"{t(title_key)} · {t('app.title')}")
    # Wraps rather than scrolls sideways on a tablet (an admin's header holds ten links).
    with ui.header().classes(
        "items-center flex-wrap gap-x-4 gap-y-1 bg-slate-800 text-white px-4 py-2"
    ):
        ui.label(t("app.title")).classes("text-lg font-bold")
        with ui.row().classes("gap-1 flex-wrap").props('role="navigation"'):
            here = _current_path()
            for path, key, roles in NAVIGATION:
                if page.user.role in roles:
                    link = ui.link(t(key), path).classes("text-white px-2 no-underline")
                    if path == here:  # told to screen readers, and seen as underlined
                        link.props('aria-current="page"').classes(
                            "underline", remove="no-underline"
                        )
        ui.space()
        # The language, the user and the logout wrap together, never apart.
        with ui.row().classes("items-center gap-3 no-wrap ml-auto"):
            _language_switch(page)
            ui.label(page.user.name).classes("opacity-80")
            ui.button(t("nav.logout"), on_click=lambda: _log_out(page)).props("flat color=white")
    with ui.column().classes("w-full max-w-screen-2xl mx-auto p-4 gap-4"):
        ui.label(t(title_key)).classes("text-2xl font-semibold").props('role="heading"')
        yield


def _current_path() -> str:
    try:
        return ui.context.client.request.url.path
    except RuntimeError:  # a client without a request: not a page anyone opened
        return ""


def _language_switch(page: Page) -> None:
    async def choose(locale: Locale) -> None:
        await page.console.call(set_locale, page.user.id, locale)
        ui.navigate.reload()

    toggle = ui.toggle(
        {locale: LANGUAGE_NAMES[locale] for locale in LOCALES}, value=page.locale
    ).props(f'dense unelevated color=grey-8 aria-label="{page.t("nav.language")}"')
    toggle.on_value_change(lambda event: choose(event.value))


async def _log_out(page: Page) -> None:
    await page.console.call(trail.record, page.user, "logout", page.user.name, page.source)
    session.forget()
    ui.navigate.to("/login")
