"""Builds the console: registers every page with the shared Console, and opens and closes
its connections with the app."""

from __future__ import annotations

from nicegui import app

from appliance.settings import Settings
from ui.admin import (
    audit,
    evaluation_detail,
    evaluation_new,
    evaluations,
    latency,
    login,
    metrics,
    models,
    overview,
    problems,
    registry,
    submissions,
    users,
)
from ui.console import Console
from ui.learner import attempts, problem, progress, results
from ui.learner import problems as learner_problems
from ui.security import Hardening

# /learn/{slug} last: the fixed learner addresses (attempts, progress) are not problems.
PAGES = (
    login,
    overview,
    metrics,
    latency,
    problems,
    submissions,
    users,
    evaluations,
    evaluation_new,
    evaluation_detail,
    models,
    registry,
    audit,
    learner_problems,
    attempts,
    progress,
    results,
    problem,
)


def build(settings: Settings) -> Console:
    console = Console(settings)
    app.add_middleware(Hardening)
    app.on_startup(console.open)
    app.on_shutdown(console.close)
    for page in PAGES:
        page.register(console)
    return console
