"""Planning an evaluation from a sentence, and starting what the admin confirmed.

`propose` reads the registry and the catalog, lets the champion plan when the registry
names one (else, or when its answer is not usable, the keyword parser) and checks the plan;
it creates nothing. `confirm` checks the (possibly edited) plan again against the catalog as
it is then, refuses it when the problems it selects are no longer the ones proposed, then
freezes a problem set of them and creates the run, both audited as any, and records the
sentence and who planned it in the audit trail."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import redis

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
from appliance.planner.plans import Checked, Draft, Endpoint, Facts, Problem
from appliance.registry import store
from appliance.settings import Settings
from appliance.vocabulary import PlannerKind


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
    return Facts(endpoints, aliases, problems)


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


def propose(conn: Connection, settings: Settings, sentence: str) -> Proposal:
    return plan_sentence(settings, sentence, facts(conn), champion_version(conn))


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
        answer = Refusal("rejected", "; ".join(issue.message for issue in checked.errors))
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
    if problems_hash is not None and problems_hash != checked.problems_hash:
        raise Conflict("the published problems changed since the plan was proposed: plan again")
    name = set_name(datetime.now(UTC))
    chosen = SetFilter(list(checked.difficulties), list(checked.tags), list(checked.slugs))
    problem_sets.create(conn, name, chosen, by)
    models = [ModelChoice(m.name, m.version) for m in checked.models]
    plan = Plan(name, models, list(checked.baselines), checked.samples)
    run_id = runs.create(conn, broker, settings, by, plan)
    with conn.transaction():
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
    return Confirmed(run_id, name, checked)


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
