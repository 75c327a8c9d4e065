"""English strings of the console: one module per page, merged (a key is never in two)."""

from ui.i18n.en import (
    audit,
    common,
    evaluations,
    latency,
    learn,
    metrics,
    models,
    overview,
    planner,
    problems,
    registry,
    result,
    submissions,
    users,
)

MODULES = (
    common,
    overview,
    metrics,
    latency,
    problems,
    submissions,
    users,
    audit,
    learn,
    result,
    evaluations,
    models,
    registry,
    planner,
)
MESSAGES: dict[str, str] = {
    key: text for module in MODULES for key, text in module.MESSAGES.items()
}
