"""The promotion policy applied to a finished evaluation run, for the API and the console
alike: the run is checked (finished, both sides among its subjects, the challenger not the
champion already), the evidence is drawn from its samples, and store.decide_and_store keeps
the decision (and moves the champion alias when it says promote).

Every refusal carries a code (vocabulary.DecisionRefusal) and the values its words need,
so the console says it in the admin's language; it is a Conflict, an Invalid or a NotFound
as before, so the API answers the same status with the same English detail."""

from __future__ import annotations

from appliance.audit.trail import Actor
from appliance.db import Connection
from appliance.errors import ArenaError, Conflict, Invalid, NotFound
from appliance.evaluations import leaderboard, statistics
from appliance.evaluations.leaderboard import RunSamples
from appliance.registry import queries, store
from appliance.registry.policy import Evidence, Policy
from appliance.registry.store import Stored
from appliance.vocabulary import DecisionRefusal


class DecisionRefused(ArenaError):
    """A decision that was not made: `code` says why, `values` are the facts its words
    name (run, champion, challenger), `detail` the API's English."""

    def __init__(self, code: DecisionRefusal, detail: str, **values: object) -> None:
        super().__init__(detail)
        self.code = code
        self.values = values


class DecisionConflict(DecisionRefused, Conflict):
    """409: the run or the champion is not in a state to decide on."""


class DecisionInvalid(DecisionRefused, Invalid):
    """422: the challenger cannot be decided on with this run."""


class DecisionNotFound(DecisionRefused, NotFound):
    """404: a side has nothing to be measured by."""


def champion_key(conn: Connection) -> str | None:
    """The version feedback-champion names, as name@number; None when it names none."""
    row = queries.alias(conn, store.CHAMPION)
    return None if row is None or row["model"] is None else f"{row['model']}@{row['version']}"


def checked_run(conn: Connection, run_id: int, champion: str | None, challenger: str) -> RunSamples:
    """The run's samples when a decision on `challenger` against `champion` can be made from
    it (NotFound when there is no such run)."""
    run = leaderboard.load(conn, run_id)
    if run.partial:
        raise DecisionConflict(
            "not_finished",
            f"evaluation run {run_id} is {run.status}: decide on a finished run",
            run=run_id,
        )
    if champion is not None and champion not in run.subjects:
        raise DecisionConflict(
            "champion_absent",
            f"{store.CHAMPION} names {champion}, which is not a subject of evaluation run "
            f"{run_id}: evaluate the challenger against the champion in the same run",
            champion=champion,
            run=run_id,
        )
    if challenger not in run.subjects:
        raise DecisionInvalid(
            "not_subject",
            f"{challenger!r} is not a subject of evaluation run {run_id}",
            challenger=challenger,
            run=run_id,
        )
    if challenger == champion:
        raise DecisionInvalid(
            "is_champion", f"{challenger} is the champion already", challenger=challenger
        )
    return run


def evidence(run: RunSamples, champion: str | None, challenger: str) -> Evidence:
    """Both summaries and their pairing from the same samples with the same seed, as the
    policy asks: the same frozen set in the same run."""
    return Evidence(
        champion=None if champion is None else _summary(run, champion),
        challenger=_summary(run, challenger),
        paired=None if champion is None else _paired(run, champion, challenger),
        champion_p95_ms=None if champion is None else leaderboard.p95_ms(run, champion),
        challenger_p95_ms=leaderboard.p95_ms(run, challenger),
    )


def decide(
    conn: Connection, run_id: int, challenger: str, policy: Policy, by: Actor
) -> tuple[Stored, str | None]:
    """The policy's decision on `challenger` from a finished run in which it and the
    champion are subjects, stored in the champion's history either way (the alias moved
    when it says promote), with the champion it was measured against (None: a first one)."""
    champion = champion_key(conn)
    run = checked_run(conn, run_id, champion, challenger)
    found = evidence(run, champion, challenger)
    try:
        return store.decide_and_store(conn, policy, found, run_id, by), champion
    except Conflict as exc:  # the alias moved between reading it and storing the decision
        raise DecisionConflict("champion_moved", exc.detail) from exc


def _summary(run: RunSamples, model: str) -> statistics.ModelSummary:
    try:
        return statistics.summarize(run.samples, model)
    except NotFound as exc:
        # The words name the side without samples: the challenger, or else the champion.
        raise DecisionNotFound("no_samples", exc.detail, challenger=model) from exc


def _paired(run: RunSamples, champion: str, challenger: str) -> statistics.PairedComparison:
    try:
        return statistics.paired(run.samples, champion, challenger)
    except Invalid as exc:
        raise DecisionInvalid(
            "no_shared", exc.detail, challenger=challenger, champion=champion
        ) from exc
