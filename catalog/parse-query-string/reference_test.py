import pytest

from target import parse_query


@pytest.mark.parametrize("query", ["", "?"])
def test_an_empty_query_gives_an_empty_dict(query):
    assert parse_query(query) == {}


def test_simple_pairs():
    assert parse_query("a=1&b=2") == {"a": ["1"], "b": ["2"]}


def test_one_leading_question_mark_is_ignored():
    assert parse_query("?a=1") == {"a": ["1"]}


def test_only_one_question_mark_is_ignored():
    assert parse_query("??a=1") == {"?a": ["1"]}


def test_repeated_keys_keep_all_values_in_order():
    assert parse_query("tag=x&other=1&tag=y&tag=z") == {"tag": ["x", "y", "z"], "other": ["1"]}


def test_keys_keep_the_order_of_first_appearance():
    assert list(parse_query("b=1&a=2&b=3")) == ["b", "a"]


def test_a_value_may_contain_equals_signs():
    assert parse_query("a=b=c") == {"a": ["b=c"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [("flag", {"flag": [""]}), ("x=", {"x": [""]}), ("=x", {"": ["x"]}), ("debug&x=1", {"debug": [""], "x": ["1"]})],
)
def test_missing_keys_and_values_are_empty_strings(query, expected):
    assert parse_query(query) == expected


@pytest.mark.parametrize("query", ["a=1&&b=2", "&a=1&b=2", "a=1&b=2&"])
def test_empty_segments_are_skipped(query):
    assert parse_query(query) == {"a": ["1"], "b": ["2"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=hello+world", "hello world"),
        ("q=hello%20world", "hello world"),
        ("q=caf%C3%A9", "caf\u00e9"),
        ("q=caf%c3%a9", "caf\u00e9"),
        ("q=1%2B1", "1+1"),
        ("q=100%", "100%"),
        ("q=%zz", "%zz"),
    ],
)
def test_values_are_decoded(query, expected):
    assert parse_query(query) == {"q": [expected]}


def test_keys_are_decoded_too():
    assert parse_query("first+name=Ada&caf%C3%A9=1") == {"first name": ["Ada"], "caf\u00e9": ["1"]}


def test_encoded_separators_are_decoded_after_splitting():
    assert parse_query("expr=1%2B1%3D2&pair=a%26b") == {"expr": ["1+1=2"], "pair": ["a&b"]}
