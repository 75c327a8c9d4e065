"""/users: the users and their API tokens, for admins. Create a user (their first token
shown once), change a role, reset a password, disable or enable, issue and revoke tokens.
Every change goes through appliance.accounts.users with the acting admin, which records it
in the audit trail in the change's own transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui
from psycopg_pool import PoolTimeout

from appliance.accounts import directory, passwords, users
from appliance.accounts.directory import Account, Token
from appliance.audit.trail import Actor
from appliance.errors import ArenaError, NotFound
from appliance.vocabulary import ROLES, Role
from ui import i18n, session
from ui.console import Console
from ui.i18n import Translate
from ui.layout import frame
from ui.session import Page
from ui.tables import Paging, cell, table_head

PAGE_SIZE = 25
ROLE_KEYS: dict[Role, str] = {
    "admin": "users.role_admin",
    "author": "users.role_author",
    "learner": "users.role_learner",
}
# Selects the input's text and copies it: the Clipboard API exists only on https or
# localhost, and the console is usually reached over plain http on the local network.
COPY_SCRIPT = """
const input = getHtmlElement({id}).querySelector('input');
input.focus(); input.select();
if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(input.value);
else document.execCommand('copy');
"""


def register(console: Console) -> None:
    @ui.page("/users")
    async def users_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "nav.users"):
            await UsersView(page).build()
        return None


def role_options(t: Translate) -> dict[str, str]:
    return {role: t(ROLE_KEYS[role]) for role in ROLES}


def error_text(t: Translate, exc: ArenaError) -> str:
    """The refusal in the admin's language; an unexpected one in the appliance's words."""
    if isinstance(exc, users.LastAdmin):
        return t("users.last_admin")
    if isinstance(exc, users.NameTaken):
        return t("users.name_taken")
    if isinstance(exc, users.BadName):
        return t("users.bad_name")
    if isinstance(exc, NotFound):
        return t("users.gone")
    return exc.detail


def password_error(t: Translate, first: str, second: str) -> str | None:
    """Why the two typed passwords cannot be set (the rule is passwords.problem's)."""
    if first != second:
        return t("users.password_mismatch")
    problem = passwords.problem(first)
    if problem == "length":
        return t("users.password_length", min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH)
    if problem == "space":
        return t("users.password_space")
    return None


async def acting_admin(page: Page) -> Actor | None:
    """The admin acting now: the page may have been open since their session ended (a
    disable, a password change), so each action checks it again."""
    user = await session.current_user(page.console)
    if user is None or not user.is_admin:
        ui.navigate.to("/login?next=/users")
        return None
    return Actor(user, page.source)


async def confirmed(anchor: ui.element, t: Translate, question: str) -> bool:
    with anchor, ui.dialog() as dialog, ui.card().classes("gap-4"):
        ui.label(question).mark("confirm-question")
        with ui.row().classes("justify-end w-full"):
            no = ui.button(t("common.cancel"), on_click=lambda: dialog.submit(False))
            no.props("flat").mark("confirm-no")
            yes = ui.button(t("users.confirm"), on_click=lambda: dialog.submit(True))
            yes.props("color=negative").mark("confirm-yes")
    answer = await dialog
    dialog.delete()
    return bool(answer)


def show_token(anchor: ui.element, t: Translate, name: str, token: str) -> None:
    """The token, this once: kept nowhere but in this dialog, which is deleted when closed."""
    with anchor, ui.dialog().props("persistent") as dialog, ui.card().classes("gap-3 w-[36rem]"):
        ui.label(t("users.token_title", name=name)).classes("text-lg font-semibold")
        ui.label(t("users.token_once")).classes("text-warning").props('role="alert"')
        field = ui.input(t("users.token"), value=token).props("readonly outlined")
        field.classes("w-full font-mono").mark("token-value")
        with ui.row().classes("justify-end w-full"):
            copy = ui.button(t("users.copy"), icon="content_copy")
            copy.on_click(lambda: copy_from(t, field)).mark("token-copy")
            done = ui.button(t("users.token_done"), on_click=dialog.delete)
            done.props("autofocus").mark("token-done")
    dialog.open()


def closing_deletes(dialog: ui.dialog) -> None:
    """Closed (Escape, a click outside) is gone: nothing of it stays in the page."""
    dialog.on_value_change(lambda e: None if e.value else dialog.delete())


def copy_from(t: Translate, field: ui.input) -> None:
    ui.run_javascript(COPY_SCRIPT.format(id=field.id))
    ui.notify(t("users.copied"), type="positive")


class UsersView:
    """The filters, the page of users and the dialogs that change them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.t = page.t
        self.prefix = ""
        self.role: Role | None = None
        self.paging: Paging[Account] = Paging(
            PAGE_SIZE,
            lambda limit, offset: page.console.call(
                directory.page_of_users, self.prefix, self.role, limit, offset
            ),
        )

    async def build(self) -> None:
        # Dialogs live here: a dialog is deleted with the element it was opened from, and
        # the list and the user dialog are rebuilt after each change.
        self.anchor = ui.element()
        self.toolbar()
        await self.paging.load()
        self.listing()

    def toolbar(self) -> None:
        t = self.t
        with ui.row().classes("items-end gap-4 w-full"):
            name = ui.input(t("users.filter_name")).props("clearable outlined dense debounce=300")
            name.mark("users-filter-name").on_value_change(lambda e: self.filter(prefix=e.value))
            roles = {"": t("users.any_role"), **role_options(t)}
            role = ui.select(roles, value="", label=t("users.filter_role"))
            role.props("outlined dense").classes("w-48").mark("users-filter-role")
            role.on_value_change(lambda e: self.filter(role=e.value or None))
            ui.space()
            new = ui.button(t("users.new"), icon="person_add", on_click=self.create_dialog)
            new.mark("users-new")

    async def filter(self, **changes: Any) -> None:
        self.prefix = (changes.get("prefix", self.prefix) or "").strip()
        self.role = changes.get("role", self.role)
        self.paging.number = 1
        await self.reload()

    async def reload(self) -> None:
        if await self.paging.load():
            self.listing.refresh()

    @ui.refreshable_method
    def listing(self) -> None:
        t = self.t
        ui.label(t("users.count", count=i18n.number(self.paging.total, self.page.locale)))
        if not self.paging.rows:
            ui.label(t("users.empty")).classes("opacity-70").mark("users-empty")
            return
        with ui.element("table").classes("w-full border-collapse").mark("users-table"):
            table_head(t, USER_COLUMNS)
            with ui.element("tbody"):
                for account in self.paging.rows:
                    self.row(account)
        self.paging.pager(t("users.pages"), "users-pages", self.reload)

    def row(self, account: Account) -> None:
        t, page = self.t, self.page
        with ui.element("tr").classes("border-b").mark(f"user-{account.name}"):
            cell(account.name).classes("font-medium")
            cell(t(ROLE_KEYS[account.role]))
            cell(t("users.enabled" if account.enabled else "users.disabled"))
            cell(t("users.yes" if account.has_password else "users.no"))
            cell(i18n.number(account.live_tokens, page.locale))
            cell(i18n.moment(account.created_at, page.zone, page.locale))
            with ui.element("td").classes("px-3 py-2"):
                manage = ui.button(t("users.manage"), on_click=lambda: self.manage(account.id))
                label = t("users.manage_named", name=account.name)
                manage.props(f'flat dense aria-label="{label}"')
                manage.mark(f"manage-{account.name}")

    # -- creating ------------------------------------------------------------------------

    def create_dialog(self) -> None:
        t = self.t
        with self.anchor, ui.dialog() as dialog, ui.card().classes("gap-3 w-[28rem]"):
            ui.label(t("users.new")).classes("text-lg font-semibold")
            name = ui.input(t("users.name")).props("autofocus outlined").classes("w-full")
            name.mark("create-name")
            role = ui.select(role_options(t), value="learner", label=t("users.role"))
            role.props("outlined").classes("w-full").mark("create-role")
            ui.label(t("users.password_optional")).classes("text-sm opacity-70")
            first, second = password_pair(t, "create")
            message = ui.label("").classes("text-negative").props('role="alert"')
            message.mark("create-message")

            async def submit() -> None:
                await self.create(
                    dialog, name.value, role.value, first.value, second.value, message
                )

            for field in (name, first, second):
                field.on("keydown.enter", submit)
            with ui.row().classes("justify-end w-full"):
                ui.button(t("common.cancel"), on_click=dialog.delete).props("flat")
                ui.button(t("users.create"), on_click=submit).mark("create-submit")
        closing_deletes(dialog)
        dialog.open()

    async def create(
        self,
        dialog: ui.dialog,
        name: str,
        role: str,
        first: str,
        second: str,
        message: ui.label,
    ) -> None:
        t = self.t
        wants_password = bool(first or second)
        problem = password_error(t, first, second) if wants_password else None
        if problem is not None:
            message.text = problem
            return
        by = await acting_admin(self.page)
        if by is None:
            return
        password = first if wants_password else None
        done, result = await self.attempt(
            message, users.create_user, name.strip(), role, password, by=by
        )
        if not done:
            return
        created, token = result
        dialog.delete()
        show_token(self.anchor, t, created.name, token)
        await self.reload()

    async def attempt(
        self, message: ui.label, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> tuple[bool, Any]:
        """Whether `fn` did it, and its result; a refusal is shown in `message`."""
        try:
            return True, await self.page.console.call(fn, *args, **kwargs)
        except ArenaError as exc:
            message.text = error_text(self.t, exc)
        except (psycopg.OperationalError, PoolTimeout):
            message.text = self.t("error.unavailable")
        return False, None

    # -- one user ------------------------------------------------------------------------

    async def manage(self, user_id: int) -> None:
        try:
            account = await self.page.console.call(directory.account, user_id)
        except NotFound:
            ui.notify(self.t("users.gone"), type="negative")
            await self.reload()
            return
        tokens = await self.page.console.call(directory.tokens_of, user_id)
        with self.anchor, ui.dialog() as dialog, ui.card().classes("gap-4 w-[44rem] max-w-full"):
            ManageView(self, dialog, account, tokens).build()
        closing_deletes(dialog)
        dialog.open()


USER_COLUMNS = (
    "users.name",
    "users.role",
    "users.status",
    "users.has_password",
    "users.live_tokens",
    "users.created",
    "users.actions",
)


def password_pair(t: Translate, prefix: str) -> tuple[ui.input, ui.input]:
    """A new password and its repetition (browsers should not fill them in)."""
    first = ui.input(t("users.password"), password=True, password_toggle_button=True)
    first.props("outlined autocomplete=new-password").classes("w-full").mark(f"{prefix}-password")
    second = ui.input(t("users.password_again"), password=True)
    second.props("outlined autocomplete=new-password").classes("w-full")
    second.mark(f"{prefix}-password-again")
    return first, second


class ManageView:
    """One user in a dialog: role, password, enabled, tokens."""

    def __init__(
        self, parent: UsersView, dialog: ui.dialog, account: Account, tokens: list[Token]
    ) -> None:
        self.parent = parent
        self.page = parent.page
        self.t = parent.t
        self.dialog = dialog
        self.account = account
        self.tokens = tokens
        self.message: ui.label

    def build(self) -> None:
        t = self.t
        with ui.row().classes("items-center w-full"):
            ui.label(self.account.name).classes("text-lg font-semibold").mark("manage-name")
            ui.space()
            close = ui.button(icon="close", on_click=self.dialog.close).props("flat round")
            close.props(f'aria-label="{t("users.close")}"').mark("manage-close")
        self.message = ui.label("").classes("text-negative").props('role="alert"')
        self.message.mark("manage-message")
        self.details()

    @ui.refreshable_method
    def details(self) -> None:
        self.role_section()
        ui.separator()
        self.password_section()
        ui.separator()
        self.status_section()
        ui.separator()
        self.token_section()

    async def changed(self, notice: str) -> None:
        """After a change: fresh data here and in the list, and a word of what was done."""
        account = self.account
        self.account = await self.page.console.call(directory.account, account.id)
        self.tokens = await self.page.console.call(directory.tokens_of, account.id)
        self.message.text = ""
        self.details.refresh()
        ui.notify(notice, type="positive")
        await self.parent.reload()

    async def act(self, fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """`fn(conn, *args, by=the admin)`: whether it was done, and its result."""
        by = await acting_admin(self.page)
        if by is None:
            return False, None
        return await self.parent.attempt(self.message, fn, *args, by=by)

    # -- role ----------------------------------------------------------------------------

    def role_section(self) -> None:
        t = self.t
        with ui.row().classes("items-end gap-3 w-full"):
            role = ui.select(role_options(t), value=self.account.role, label=t("users.role"))
            role.props("outlined dense").classes("w-48").mark("manage-role")
            save = ui.button(t("users.change_role"), on_click=lambda: self.set_role(role.value))
            save.props("outline").mark("manage-role-save")

    async def set_role(self, role: str) -> None:
        if role == self.account.role:
            return
        done, _ = await self.act(users.set_role, self.account.id, role)
        if done:
            await self.changed(self.t("users.role_changed", name=self.account.name))

    # -- password ------------------------------------------------------------------------

    def password_section(self) -> None:
        t = self.t
        ui.label(t("users.reset_password")).classes("font-semibold")
        first, second = password_pair(t, "manage")
        save = ui.button(t("users.set_password"), on_click=lambda: self.set_password(first, second))
        save.props("outline").mark("manage-password-save")

    async def set_password(self, first: ui.input, second: ui.input) -> None:
        problem = password_error(self.t, first.value, second.value)
        if problem is not None:
            self.message.text = problem
            return
        done, _ = await self.act(users.set_password, self.account.name, first.value)
        if done:
            await self.changed(self.t("users.password_set", name=self.account.name))

    # -- enabled -------------------------------------------------------------------------

    def status_section(self) -> None:
        t = self.t
        with ui.row().classes("items-center gap-3 w-full"):
            key = "users.is_enabled" if self.account.enabled else "users.is_disabled"
            ui.label(t(key)).mark("manage-status")
            ui.space()
            if self.account.enabled:
                off = ui.button(t("users.disable"), on_click=lambda: self.set_disabled(True))
                off.props("outline color=negative").mark("manage-disable")
            else:
                on = ui.button(t("users.enable"), on_click=lambda: self.set_disabled(False))
                on.props("outline").mark("manage-enable")

    async def set_disabled(self, disabled: bool) -> None:
        t, name = self.t, self.account.name
        if disabled and not await confirmed(
            self.parent.anchor, t, t("users.confirm_disable", name=name)
        ):
            return
        done, _ = await self.act(users.set_disabled, self.account.id, disabled)
        if done:
            await self.changed(
                t("users.disabled_now" if disabled else "users.enabled_now", name=name)
            )

    # -- tokens --------------------------------------------------------------------------

    def token_section(self) -> None:
        t = self.t
        with ui.row().classes("items-center w-full"):
            ui.label(t("users.tokens")).classes("font-semibold")
            ui.space()
            issue = ui.button(t("users.issue"), icon="key", on_click=self.issue)
            issue.props("outline").mark("manage-issue")
        if not self.tokens:
            ui.label(t("users.no_tokens")).classes("opacity-70").mark("manage-no-tokens")
            return
        with ui.element("table").classes("w-full border-collapse").mark("manage-tokens"):
            table_head(t, TOKEN_COLUMNS)
            with ui.element("tbody"):
                for token in self.tokens:
                    self.token_row(token)

    def token_row(self, token: Token) -> None:
        t, page = self.t, self.page
        with ui.element("tr").classes("border-b").mark(f"token-{token.id}"):
            cell(f"#{token.id}")
            cell(i18n.moment(token.created_at, page.zone, page.locale))
            revoked = i18n.moment(token.revoked_at, page.zone, page.locale)
            cell(revoked if token.revoked_at else t("users.live"))
            with ui.element("td").classes("px-3 py-2"):
                if token.revoked_at is None:
                    label = t("users.revoke_numbered", id=token.id)
                    revoke = ui.button(t("users.revoke"), on_click=lambda: self.revoke(token.id))
                    revoke.props(f'flat dense color=negative aria-label="{label}"')
                    revoke.mark(f"revoke-{token.id}")

    async def issue(self) -> None:
        done, result = await self.act(users.issue_token, self.account.id)
        if done:
            _, token = result
            show_token(self.parent.anchor, self.t, self.account.name, token)
            await self.changed(self.t("users.issued", name=self.account.name))

    async def revoke(self, token_id: int) -> None:
        t = self.t
        question = t("users.confirm_revoke", id=token_id, name=self.account.name)
        if not await confirmed(self.parent.anchor, t, question):
            return
        done, _ = await self.act(users.revoke, token_id)
        if done:
            await self.changed(t("users.revoked", id=token_id))


TOKEN_COLUMNS = ("users.token_id", "users.created", "users.revoked_at", "users.actions")
