"""Planning an evaluation from a sentence, and starting what the admin confirmed.

`propose` reads the registry and the catalog, lets the champion plan when the registry
names one (else, or when its answer is not usable, the keyword parser) and checks the plan;
it creates nothing. `confirm` checks the (possibly edited) plan again against the catalog as
it is then, refuses it when the problems it selects are no longer the ones proposed, then
freezes a problem set of them, creates the run (both audited as any) and records the
sentence and who planned it in the audit trail, all in one transaction: a run that cannot
be created leaves no problem set behind. Its samples are queued after the commit."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import redis

from appliance import queue
from appliance.audit import trail
from appliance.audit.trail import Actor
from appliance.db import Connection, Row
from appliance.errors import Conflict, Invalid
from appliance.evaluations import queries as evaluation_queries
from appliance.evaluations import runs
from appliance.evaluations.runs import ModelChoice, Plan
from appliance.models import problem_sets
from appliance.models import queries as model_queries
from appliance.models.problem_sets import SetFilter
from appliance.planner import champion, keywords, plans, queries
from appliance.planner.champion import Refusal
from appliance.planner.plans import Checked, Draft, Endpoint, Facts, Limits, Problem
from appliance.registry import store
from appliance.settings import Settings
from appliance.vocabulary import PlannerKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Proposal:
    """The checked plan and who planned it. `champion` is the champion's version
    ("name@number") whenever there is one, and `fallback` why its plan was not used when
    the keyword parser planned instead."""

    sentence: str
    planner: PlannerKind
    champion: str | None
    fallback: Refusal | None
    plan: Checked


@dataclass(frozen=True)
class Origin:
    """Where a confirmed plan came from, for the audit trail."""

    sentence: str
    planner: PlannerKind
    champion: str | None


@dataclass(frozen=True)
class Confirmed:
    run_id: int
    problem_set: str
    plan: Checked


def facts(conn: Connection) -> Facts:
    endpoints = {
        row["name"]: Endpoint(row["name"], row["current"], frozenset(row["numbers"]))
        for row in queries.endpoints(conn)
    }
    aliases = {
        view.alias: None if view.model is None else f"{view.model}@{view.version}"
        for view in store.aliases(conn)
    }
    problems = tuple(_problem(row) for row in model_queries.published_versions(conn, [], [], []))
    return Facts(endpoints, aliases, problems, LIMITS)


LIMITS = Limits(runs.MAX_SAMPLES, runs.MAX_SAMPLES_PER_RUN)


def selection_hash(plan: Checked) -> str:
    """The content hash the frozen problem set of the plan's selection will have."""
    return problem_sets.content_hash((p.slug, p.content_hash) for p in plan.problems)


def _problem(row: Row) -> Problem:
    return Problem(
        row["slug"],
        row["title"],
        row["difficulty"],
        tuple(row["tags"]),
        row["number"],
        row["content_hash"],
    )


def champion_version(conn: Connection) -> Row | None:
    """What a request to the champion's version needs; None when there is no champion."""
    version_id = store.champion_version_id(conn)
    return None if version_id is None else evaluation_queries.model_request(conn, version_id)


def planning_facts(conn: Connection) -> tuple[Facts, Row | None]:
    """What planning a sentence reads: the facts and the champion's version. Read them, let
    the connection go, then `plan_sentence`: the champion may think for a while."""
    return facts(conn), champion_version(conn)


def plan_sentence(settings: Settings, sentence: str, found: Facts, version: Row | None) -> Proposal:
    """The proposal from facts already read (no connection is held while a model thinks)."""
    if version is None:
        return Proposal(sentence, "keywords", None, None, _by_keywords(sentence, found))
    key = f"{version['name']}@{version['number']}"
    answer = champion.ask(settings, version, sentence, _known(found))
    if isinstance(answer, Draft):
        checked = plans.check(answer, found)
        if checked.ok:
            return Proposal(sentence, "champion", key, None, checked)
        errors = tuple(checked.errors)
        detail = "; ".join(issue.message for issue in errors)
        answer = Refusal("rejected", detail, issues=errors)
    return Proposal(sentence, "keywords", key, answer, _by_keywords(sentence, found))


def _by_keywords(sentence: str, found: Facts) -> Checked:
    vocabulary = keywords.Vocabulary(
        frozenset(found.endpoints), found.tags, frozenset(p.slug for p in found.problems)
    )
    return plans.check(keywords.parse(sentence, vocabulary), found)


def _known(found: Facts) -> champion.Known:
    return champion.Known(
        sorted(found.endpoints), sorted(found.tags), [p.slug for p in found.problems]
    )


def recheck(conn: Connection, draft: Draft) -> Checked:
    """An edited plan checked as a planner's would be."""
    return plans.check(draft, facts(conn))


def confirm(
    conn: Connection,
    broker: redis.Redis,
    settings: Settings,
    by: Actor,
    draft: Draft,
    origin: Origin,
    problems_hash: str | None = None,
) -> Confirmed:
    """Freeze the plan's problems and start its run. `draft` is what the admin saw (and
    maybe edited), checked again here: Invalid when it does not pass now, Conflict when its
    problems are not those `problems_hash` says were shown."""
    checked = recheck(conn, draft)
    if not checked.ok:
        raise Invalid("; ".join(issue.message for issue in checked.errors))
    if problems_hash is not None and problems_hash != selection_hash(checked):
        raise Conflict("the published problems changed since the plan was proposed: plan again")
    name = set_name(datetime.now(UTC))
    chosen = SetFilter(list(checked.difficulties), list(checked.tags), list(checked.slugs))
    models = [ModelChoice(m.name, m.version) for m in checked.models]
    plan = Plan(name, models, list(checked.baselines), checked.samples)
    with conn.transaction():
        problem_sets.create(conn, name, chosen, by)
        # runs.create queues the samples once its own (here: inner) transaction ends, before
        # this one commits: a worker taking one that early finds nothing to claim and lets it
        # be, so they are queued again below, after the commit.
        run_id = runs.create(conn, broker, settings, by, plan)
        trail.record_by(
            conn,
            by,
            "evaluation.plan",
            str(run_id),
            sentence=origin.sentence,
            planner=origin.planner,
            champion=origin.champion,
            problem_set=name,
        )
    _queue_samples(conn, broker, run_id)
    return Confirmed(run_id, name, checked)


def _queue_samples(conn: Connection, broker: redis.Redis, run_id: int) -> None:
    """Queue the committed run's samples; one still waiting on the queue stays queued once
    (and if Redis is down, the scheduler queues them later, as for any run)."""
    try:
        for sample_id in queries.sample_ids(conn, run_id):
            queue.enqueue_sample(broker, sample_id)
    except redis.RedisError as exc:
        log.warning("planned run %s stored but its samples not all queued yet: %s", run_id, exc)


def draft_of(plan: Checked) -> Draft:
    """A checked plan as a draft again, each model at the version it was checked at."""
    return Draft(
        models=tuple(m.key for m in plan.models),
        baselines=plan.baselines,
        difficulties=plan.difficulties,
        tags=plan.tags,
        slugs=plan.slugs,
        all_problems=plan.all_problems,
        samples=plan.samples,
    )


def set_name(now: datetime) -> str:
    """A new problem set's name: when it was planned, and a random part for two at once."""
    return f"plan-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
