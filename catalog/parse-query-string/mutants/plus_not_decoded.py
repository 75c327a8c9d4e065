"""Parsing of URL query strings."""

from urllib.parse import unquote


def parse_query(query: str) -> dict[str, list[str]]:
    """Parse 'a=1&b=2&a=3' into {'a': ['1', '3'], 'b': ['2']}."""
    if query.startswith("?"):
        query = query[1:]
    result: dict[str, list[str]] = {}
    for segment in query.split("&"):
        if not segment:
            continue
        key, _, value = segment.partition("=")
        result.setdefault(unquote(key), []).append(unquote(value))
    return result
