"""Parsing of URL query strings."""

from urllib.parse import unquote_plus


def parse_query(query: str) -> dict[str, list[str]]:
    """Parse 'a=1&b=2&a=3' into {'a': ['1', '3'], 'b': ['2']}."""
    if query.startswith("?"):
        query = query[1:]
    result: dict[str, list[str]] = {}
    for segment in unquote_plus(query).split("&"):
        if not segment:
            continue
        key, _, value = segment.partition("=")
        result.setdefault(key, []).append(value)
    return result
