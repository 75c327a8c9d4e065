"""What /registry changes, off the event loop: a manual promote and a rollback (through
registry/store.py, which audits them), and the promotion policy applied to a finished
evaluation run (store.decide_and_store). Each refusal has a reason code the page says in
the admin's language; one it does not know keeps the appliance's words."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.audit.trail import Actor
from appliance.db import Connection, Row
from appliance.errors import ArenaError, Conflict, Invalid, NotFound
from appliance.evaluations import leaderboard, statistics
from appliance.evaluations import queries as evaluation_queries
from appliance.evaluations.leaderboard import RunSamples
from appliance.models import endpoints
from appliance.registry import queries, store
from appliance.registry.policy import Evidence, Policy
from appliance.registry.store import Move, Stored
from appliance.vocabulary import Alias
from ui.i18n import Translate

# The runs a decision is offered on: the newest ones, of which the finished.
RECENT_RUNS = 50


class Refused(ArenaError):
    """A refusal the page words itself: `reason` names its message."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


@dataclass(frozen=True)
class RunChoice:
    id: int
    models: list[str]  # its model versions as name@number (baselines cannot be promoted)
    label: str


def version_keys(conn: Connection) -> list[str]:
    """Every model version as name@number: each endpoint's, newest first."""
    found = []
    for row in endpoints.all_endpoints(conn):
        _, versions = endpoints.endpoint_with_versions(conn, row["name"])
        found += [f"{row['name']}@{v['number']}" for v in versions]
    return found


def finished_runs(conn: Connection) -> list[RunChoice]:
    rows = evaluation_queries.runs(conn, RECENT_RUNS, 0)
    return [_choice(row) for row in rows if row["status"] == "finished"]


def _choice(row: Row) -> RunChoice:
    models = [f"{m['name']}@{m['version']}" for m in row["manifest"]["models"]]
    label = f"#{row['id']} · {row['problem_set']} · {', '.join(models) or '-'}"
    return RunChoice(row["id"], models, label)


def undo_target(conn: Connection, alias: Alias) -> Move | None:
    """The move a rollback would undo now (its `from_*` is where the alias goes back)."""
    last = queries.last_undoable_move(conn, alias)
    if last is None:
        return None
    return next((m for m in store.history(conn, alias) if m.id == last["id"]), None)


def promote(conn: Connection, alias: Alias, key: str, reason: str, by: Actor) -> Move:
    name, _, number = key.rpartition("@")
    if not reason.strip():
        raise Refused("reason")
    try:
        return store.promote(conn, alias, name, int(number), reason, by)
    except Conflict as exc:
        raise Refused("already", alias=alias, version=key) from exc
    except NotFound as exc:
        raise Refused("no_version", version=key) from exc


def rollback(conn: Connection, alias: Alias, reason: str, by: Actor) -> Move:
    if not reason.strip():
        raise Refused("reason")
    try:
        return store.rollback(conn, alias, reason, by)
    except Conflict as exc:
        code = "nothing_to_undo" if "no move left" in exc.detail else "moved_since"
        raise Refused(code, alias=alias) from exc


def champion_key(conn: Connection) -> str | None:
    view = next(v for v in store.aliases(conn) if v.alias == store.CHAMPION)
    return None if view.model is None else f"{view.model}@{view.version}"


def decide(
    conn: Connection, run_id: int, challenger: str, policy: Policy, by: Actor
) -> tuple[Stored, str | None]:
    """The policy's decision on `challenger` from a finished run, stored (and the alias
    moved when it says so), with the champion it was measured against."""
    champion = champion_key(conn)
    run = _checked_run(conn, run_id, champion, challenger)
    try:
        evidence = _evidence(run, champion, challenger)
        return store.decide_and_store(conn, policy, evidence, run_id, by), champion
    except NotFound as exc:  # the challenger has no judged sample in the run
        raise Refused("no_samples", challenger=challenger) from exc
    except Invalid as exc:  # no problem that both have a judged sample of
        raise Refused("no_shared", challenger=challenger, champion=champion) from exc
    except Conflict as exc:  # the champion moved while the decision was made
        raise Refused("champion_moved") from exc


def _checked_run(
    conn: Connection, run_id: int, champion: str | None, challenger: str
) -> RunSamples:
    run = leaderboard.load(conn, run_id)
    if run.partial:
        raise Refused("not_finished", run=run_id)
    if challenger == champion:
        raise Refused("is_champion", challenger=challenger)
    if challenger not in run.subjects:
        raise Refused("not_subject", challenger=challenger, run=run_id)
    if champion is not None and champion not in run.subjects:
        raise Refused("champion_absent", champion=champion, run=run_id)
    return run


def _evidence(run: RunSamples, champion: str | None, challenger: str) -> Evidence:
    """As the API's decision takes it (registry/routes.py): both summaries and their
    pairing from the same samples of the same run."""
    summary = statistics.summarize(run.samples, challenger)
    p95 = leaderboard.p95_ms(run, challenger)
    if champion is None:
        return Evidence(None, summary, None, None, p95)
    return Evidence(
        champion=statistics.summarize(run.samples, champion),
        challenger=summary,
        paired=statistics.paired(run.samples, champion, challenger),
        champion_p95_ms=leaderboard.p95_ms(run, champion),
        challenger_p95_ms=p95,
    )


def refusal_words(t: Translate, exc: ArenaError) -> str:
    if isinstance(exc, Refused):
        return t(f"registry.refused.{exc.reason}", **exc.values)
    return exc.detail
