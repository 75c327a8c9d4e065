"""The console's strings in Korean and English, one key per string (ko.py, en.py), and
numbers and moments formatted per locale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from appliance.vocabulary import Locale
from ui.i18n import en, ko

CATALOGS: dict[Locale, dict[str, str]] = {"ko": ko.MESSAGES, "en": en.MESSAGES}
Translate = Callable[..., str]


def translator(locale: Locale) -> Translate:
    """`t(key, **values)`: the string for `key` in `locale`, with `{name}` filled in. An
    unknown key fails loudly (tests check both catalogs hold every key the code uses)."""
    catalog = CATALOGS[locale]

    def t(key: str, **values: object) -> str:
        return catalog[key].format(**values) if values else catalog[key]

    return t


def number(value: float | int | None, locale: Locale, digits: int = 0) -> str:
    """Grouped thousands with the locale's separators (both use ',' and '.'), '-' for none."""
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def moment(value: datetime | None, zone: ZoneInfo, locale: Locale) -> str:
    """A moment in the display time zone, in the locale's order."""
    if value is None:
        return "-"
    local = value.astimezone(zone)
    if locale == "ko":
        return local.strftime("%Y. %m. %d. %H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M:%S")
