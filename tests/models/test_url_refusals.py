"""Each refusal of the base URL policy names its rule by a code (vocabulary.UrlRefusal)
with the facts its words need, so the console says it in the admin's language without
reading the English; the English detail stays the API's."""

from __future__ import annotations

from typing import get_args

import pytest

from appliance.models.urls import RefusedUrl, checked
from appliance.vocabulary import Locale, UrlRefusal
from tests.models.test_urls import ALLOWED, fake_dns
from ui.i18n import CATALOGS


@pytest.mark.parametrize(
    ("url", "code", "values"),
    [
        ("http://nowhere.example", "unresolved", {"host": "nowhere.example"}),
        ("http://Metadata.Example", "never", {"host": "metadata.example",
                                              "address": "169.254.169.254"}),
        ("http://[::ffff:8.8.8.8]:80", "outside", {"host": "::ffff:8.8.8.8",
                                                  "address": "8.8.8.8"}),
        ("http://10.0.0.5:99999", "not_url", {}),
        ("ftp://10.0.0.5", "scheme", {}),
        ("http://user:secret@10.0.0.5", "credentials", {}),
        ("http://10.0.0.5/v1#x", "query", {}),
        ("http://10.0.0.5:0", "port", {}),
    ],
)  # fmt: skip
def test_each_refusal_names_its_rule_and_the_facts_its_words_need(
    url: str, code: UrlRefusal, values: dict[str, str]
) -> None:
    with pytest.raises(RefusedUrl) as refused:
        checked(url, ALLOWED, fake_dns)
    assert (refused.value.code, refused.value.values) == (code, values)
    assert refused.value.status_code == 422
    assert "secret" not in str(refused.value.values)


def test_the_english_detail_is_the_apis_as_before() -> None:
    with pytest.raises(RefusedUrl) as refused:
        checked("http://8.8.8.8", (), fake_dns)
    assert refused.value.detail == (
        "the base URL's host '8.8.8.8' is 8.8.8.8, which is neither loopback nor a private"
        " network; add it to ARENA_MODEL_HOSTS if it is inside the air gap"
    )


@pytest.mark.parametrize("locale", ["en", "ko"])
@pytest.mark.parametrize("code", get_args(UrlRefusal))
def test_every_refusal_has_words_in_both_languages(locale: Locale, code: str) -> None:
    assert f"models.refused.url.{code}" in CATALOGS[locale]
