"""Semantic Versioning 2.0.0 precedence."""

import re

_NUMBER = r"0|[1-9][0-9]*"
_IDENTIFIERS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_VERSION = re.compile(
    rf"(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>{_IDENTIFIERS}))?"
    rf"(?:\+(?P<build>{_IDENTIFIERS}))?"
)


def compare_versions(a: str, b: str) -> int:
    """Return -1, 0 or 1 as `a` has lower, equal or higher precedence than `b`."""
    core_a, pre_a = _parse(a)
    core_b, pre_b = _parse(b)
    if core_a != core_b:
        return -1 if core_a < core_b else 1
    return _compare_prereleases(pre_a, pre_b)


def _parse(version: str) -> tuple[tuple[int, int, int], tuple[str, ...]]:
    match = _VERSION.fullmatch(version)
    if match is None:
        raise ValueError(f"not a semantic version: {version!r}")
    prerelease = tuple(match["pre"].split(".")) if match["pre"] else ()
    for identifier in prerelease:
        if identifier.isdigit() and len(identifier) > 1 and identifier[0] == "0":
            raise ValueError(f"numeric identifier with a leading zero in {version!r}")
    core = (match["major"], match["minor"], match["patch"])
    return core, prerelease


def _compare_prereleases(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    if a == b:
        return 0
    if not a:
        return 1
    if not b:
        return -1
    for x, y in zip(a, b, strict=False):
        result = _compare_identifiers(x, y)
        if result:
            return result
    return -1 if len(a) < len(b) else 1


def _compare_identifiers(x: str, y: str) -> int:
    x_numeric, y_numeric = x.isdigit(), y.isdigit()
    if x_numeric and y_numeric:
        return _sign(int(x) - int(y))
    if x_numeric != y_numeric:
        return -1 if x_numeric else 1
    return (x > y) - (x < y)


def _sign(n: int) -> int:
    return (n > 0) - (n < 0)
