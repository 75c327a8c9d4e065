"""Every registered model endpoint asked whether it answers, for `arenactl doctor` (through
`python -m appliance models check`): one line per endpoint, never its API key.

An endpoint that does not answer is a warning, not a failure: the appliance grades without
models, and only evaluations and AI feedback need them. So each endpoint's fault stays in
its own line (a refused URL or a key that no longer opens included), and the others are
still asked."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.db import Connection
from appliance.errors import ArenaError
from appliance.models import endpoints, urls
from appliance.settings import Settings

# `python -m appliance models check` exits with this when an endpoint does not answer: not
# 0 (all answer), not 1 (the check itself failed), so that doctor can warn rather than fail.
SOME_DO_NOT_ANSWER = 3


@dataclass(frozen=True)
class EndpointHealth:
    """`version` is None when the check could not even start (the URL refused, say)."""

    name: str
    version: int | None
    model: str
    ok: bool
    detail: str


def check_all(
    conn: Connection, settings: Settings, resolver: urls.Resolver = urls.resolve
) -> list[EndpointHealth]:
    """Each endpoint's current version asked for its model list and a one-token chat, by
    name; the checks run one after another, each bounded by the check's own timeout."""
    return [
        _health(conn, settings, row["name"], row["model"], resolver)
        for row in endpoints.all_endpoints(conn)
    ]


def _health(
    conn: Connection, settings: Settings, name: str, model: str, resolver: urls.Resolver
) -> EndpointHealth:
    try:
        found = endpoints.check(conn, settings, name, resolver)
    except ArenaError as exc:  # the URL policy, an undecryptable key: this endpoint's fault
        return EndpointHealth(name, None, model, False, exc.detail)
    return EndpointHealth(name, found.version, model, found.ok, found.detail)


def line(health: EndpointHealth) -> str:
    """As doctor prints its checks: `ok` or `warn`, the model version, then the words."""
    mark = "ok  " if health.ok else "warn"
    version = "" if health.version is None else f"@{health.version}"
    return f"{mark}  model {health.name}{version} ({health.model!r}): {health.detail}"


def exit_code(found: list[EndpointHealth]) -> int:
    return 0 if all(h.ok for h in found) else SOME_DO_NOT_ANSWER
