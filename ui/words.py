"""Words and colours the admin and learner pages share: difficulties and submission
statuses."""

from __future__ import annotations

from appliance.vocabulary import Difficulty, Status
from ui.session import Page

DIFFICULTY_KEYS: dict[Difficulty, str] = {
    "Very Easy": "problems.difficulty.very_easy",
    "Easy": "problems.difficulty.easy",
    "Medium": "problems.difficulty.medium",
    "Hard": "problems.difficulty.hard",
}
# Quasar colours of a status badge: the appliance's fault stands out from the suite's.
STATUS_COLOURS: dict[Status, str] = {
    "PENDING": "grey-7",
    "RUNNING": "blue-7",
    "SUCCESS": "positive",
    "FAILURE": "warning",
    "ERROR": "negative",
}


def difficulty_label(page: Page, difficulty: Difficulty) -> str:
    return page.t(DIFFICULTY_KEYS[difficulty])
