"""What the problem pages share: the words and colours of a version's status."""

from __future__ import annotations

from nicegui import ui

from appliance.vocabulary import VersionStatus
from ui.session import Page

STATUS_KEYS: dict[VersionStatus, str] = {
    "validating": "problems.status.validating",
    "valid": "problems.status.valid",
    "invalid": "problems.status.invalid",
    "published": "problems.status.published",
    "retired": "problems.status.retired",
}
STATUS_COLORS: dict[VersionStatus, str] = {
    "validating": "amber-8",
    "valid": "teal",
    "invalid": "negative",
    "published": "positive",
    "retired": "grey-7",
}


def status_badge(page: Page, status: VersionStatus, prefix: str = "") -> ui.badge:
    return ui.badge(prefix + page.t(STATUS_KEYS[status]), color=STATUS_COLORS[status])
