"""/learn/results/{id}: one attempt's result, live while it is judged. Every role may open
it; a user sees only their own submissions (an admin any), and another user's id reads
exactly like an unknown one."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance.vocabulary import ROLES
from ui import session
from ui.console import Console
from ui.layout import frame
from ui.learner.result import ResultPanel


def register(console: Console) -> None:
    @ui.page("/learn/results/{submission_id}")
    async def result_page(request: Request, submission_id: str) -> RedirectResponse | None:
        page = await session.guard(console, request, ROLES)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "result.title"):
            panel = ResultPanel(page, link_problem=True)
            await panel.show(submission_id)
            ui.link(page.t("result.attempts"), "/learn/attempts").mark("result-attempts")
        return None
