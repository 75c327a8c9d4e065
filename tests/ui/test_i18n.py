"""Every string of the console exists in Korean and English, once."""

from __future__ import annotations

import re
from pathlib import Path

from appliance.vocabulary import AUDIT_ACTIONS, LOCALES
from ui.i18n import CATALOGS, number
from ui.i18n.en import MODULES as ENGLISH
from ui.i18n.ko import MODULES as KOREAN

UI = Path(__file__).resolve().parents[2] / "ui"
# t("key") and t('key'), and message keys named in tables ("nav.overview", ...).
KEY_USE = re.compile(r"""\bt\(\s*["']([a-z0-9_.-]+)["']|["']([a-z0-9_]+\.[a-z0-9_.-]+)["']""")


def _keys_used_in_code() -> set[str]:
    used = set()
    for path in UI.rglob("*.py"):
        if "i18n" in path.parts:
            continue
        for call, named in KEY_USE.findall(path.read_text()):
            used.add(call or named)
    return used


def test_korean_and_english_have_the_same_keys() -> None:
    assert set(CATALOGS["ko"]) == set(CATALOGS["en"])


def test_no_key_is_defined_in_two_page_modules() -> None:
    for modules in (ENGLISH, KOREAN):
        seen: dict[str, str] = {}
        for module in modules:
            for key in module.MESSAGES:
                assert key not in seen, f"{key} is in {seen[key]} and {module.__name__}"
                seen[key] = module.__name__


def test_every_key_the_code_uses_has_a_string() -> None:
    used = {key for key in _keys_used_in_code() if key.split(".")[0] in _prefixes()}
    assert used, "the scan found no message keys: the pattern is broken"
    assert used <= set(CATALOGS["en"]), sorted(used - set(CATALOGS["en"]))


def _prefixes() -> set[str]:
    return {key.split(".")[0] for key in CATALOGS["en"]}


def test_no_string_is_left_empty_or_untranslated_placeholders() -> None:
    for locale, catalog in CATALOGS.items():
        for key, text in catalog.items():
            assert text.strip(), f"{locale}:{key} is empty"
            assert set(re.findall(r"{(\w+)}", text)) == set(
                re.findall(r"{(\w+)}", CATALOGS["en"][key])
            ), f"{locale}:{key} has other placeholders than English"


def test_numbers_are_grouped_and_none_is_a_dash() -> None:
    assert number(1234567, "ko") == "1,234,567"
    assert number(1234.5, "en", 1) == "1,234.5"
    assert number(None, "en") == "-"


def test_every_audit_action_has_words_in_both_languages() -> None:
    missing = [
        (locale, action)
        for action in AUDIT_ACTIONS
        for locale in LOCALES
        if f"audit.action_{action.replace('.', '_')}" not in CATALOGS[locale]
    ]
    assert missing == []
