"""What a planner understood (a `Draft`) checked against the real catalog and registry (the
`Facts`): which model versions and problems it names, how many samples, and what is wrong
with it. Pure: the facts, the limits on a run among them, are read elsewhere (service.py),
and both planners' drafts, the champion's and the keyword parser's, go through this one
check. The content hash of the selection (what its frozen problem set will have) is
service.selection_hash, next to the effects of problem sets.

The problem selection is the one problem_sets.create makes from the same filter: the
current published version of each problem whose difficulty is any of those named, that has
any of the tags named and, when slugs are named, whose slug is one of them (an empty part
matches anything). A slug named but left out by the difficulty or the tags is an error, as
problem_sets.create refuses it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from appliance.vocabulary import ALIASES, Baseline, Difficulty, IssueLevel, PlanIssue

DEFAULT_SAMPLES = 1
# What the API says of each issue (the console says it in the admin's language); {subject}
# is the name, word or number the issue is about.
MESSAGES: dict[PlanIssue, str] = {
    "unknown_model": "no registered model is named {subject!r}",
    "unknown_version": "no model version {subject!r}",
    "empty_alias": "the alias {subject!r} names no model version yet",
    "duplicate_model": "{subject} is named twice; it runs once",
    "no_subjects": "name at least one model or baseline",
    "unknown_tag": "no published problem is tagged {subject!r}",
    "unknown_slug": "no published problem is named {subject!r}",
    "slug_excluded": "{subject} is published but the difficulty or tags leave it out",
    "no_problems": "no published problem matches the filter",
    "all_problems_by_default": "no problem filter was given: every published problem",
    "samples_by_default": "no number of samples was given: {subject} per problem",
    "samples_out_of_range": "samples must be between 1 and {subject}",
    "samples_conflict": "several numbers of samples were given: {subject} is used",
    "too_many_samples": "a run has at most {subject} samples",
    "ignored_words": "words not understood: {subject}",
}
_LEVELS: dict[PlanIssue, IssueLevel] = {
    "duplicate_model": "warning",
    "all_problems_by_default": "warning",
    "samples_by_default": "warning",
    "samples_conflict": "warning",
    "ignored_words": "warning",
}


@dataclass(frozen=True)
class Draft:
    """A plan as a planner understood the sentence, nothing checked yet. `models` holds
    endpoint names, "name@number" for a given version, or an alias (feedback-champion,
    challenger). `samples` is None when the sentence gave no number; `ignored` the words
    the keyword parser did not understand (never from the champion)."""

    models: tuple[str, ...] = ()
    baselines: tuple[Baseline, ...] = ()
    difficulties: tuple[Difficulty, ...] = ()
    tags: tuple[str, ...] = ()
    slugs: tuple[str, ...] = ()
    all_problems: bool = False
    samples: int | None = None
    other_samples: tuple[int, ...] = ()  # further numbers of samples the sentence gave
    ignored: tuple[str, ...] = ()


@dataclass(frozen=True)
class Endpoint:
    name: str
    current: int
    numbers: frozenset[int]


@dataclass(frozen=True)
class Problem:
    slug: str
    title: str
    difficulty: Difficulty
    tags: tuple[str, ...]
    version: int
    content_hash: str


@dataclass(frozen=True)
class Limits:
    """How large a run may be (evaluations' runs.MAX_SAMPLES and MAX_SAMPLES_PER_RUN)."""

    samples: int
    samples_per_run: int


@dataclass(frozen=True)
class Facts:
    """The registry and the catalog as they are: endpoints by name, what each alias names
    ("name@number" or None), the published problems by slug, and the limits on a run."""

    endpoints: dict[str, Endpoint]
    aliases: dict[str, str | None]
    problems: tuple[Problem, ...]
    limits: Limits

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(tag for p in self.problems for tag in p.tags)


@dataclass(frozen=True)
class Model:
    """A model version the plan runs; `alias` when the sentence named it by an alias."""

    name: str
    version: int
    alias: str | None = None

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class Issue:
    level: IssueLevel
    code: PlanIssue
    subject: str | None = None

    @property
    def message(self) -> str:
        return MESSAGES[self.code].format(subject=self.subject)


@dataclass(frozen=True)
class Checked:
    models: tuple[Model, ...]
    baselines: tuple[Baseline, ...]
    difficulties: tuple[Difficulty, ...]
    tags: tuple[str, ...]
    slugs: tuple[str, ...]
    all_problems: bool
    problems: tuple[Problem, ...]
    samples: int
    issues: tuple[Issue, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not any(issue.level == "error" for issue in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.level == "error"]

    @property
    def total_samples(self) -> int:
        return (len(self.models) + len(self.baselines)) * len(self.problems) * self.samples


def issue(code: PlanIssue, subject: object = None) -> Issue:
    return Issue(_LEVELS.get(code, "error"), code, None if subject is None else str(subject))


def check(draft: Draft, facts: Facts) -> Checked:
    models, model_issues = _models(draft.models, facts)
    baselines = tuple(dict.fromkeys(draft.baselines))
    problems, problem_issues = _problems(draft, facts)
    samples, sample_issues = _samples(draft, facts.limits)
    checked = Checked(
        models,
        baselines,
        tuple(dict.fromkeys(draft.difficulties)),
        tuple(dict.fromkeys(draft.tags)),
        tuple(dict.fromkeys(draft.slugs)),
        draft.all_problems,
        problems,
        samples,
    )
    issues = [*model_issues, *problem_issues, *sample_issues]
    if not models and not baselines:
        issues.append(issue("no_subjects"))
    if checked.total_samples > facts.limits.samples_per_run:
        issues.append(issue("too_many_samples", f"{facts.limits.samples_per_run:,}"))
    if draft.ignored:
        issues.append(issue("ignored_words", ", ".join(draft.ignored)))
    return replace(checked, issues=tuple(issues))


def _models(named: Iterable[str], facts: Facts) -> tuple[tuple[Model, ...], list[Issue]]:
    found: dict[tuple[str, int], Model] = {}
    issues: list[Issue] = []
    for name in named:
        model = _model(name, facts)
        if isinstance(model, Issue):
            issues.append(model)
        elif (model.name, model.version) in found:
            issues.append(issue("duplicate_model", model.key))
        else:
            found[(model.name, model.version)] = model
    return tuple(found.values()), issues


def _model(name: str, facts: Facts) -> Model | Issue:
    if name in ALIASES:
        target = facts.aliases.get(name)
        if target is None:
            return issue("empty_alias", name)
        endpoint, number = target.rsplit("@", 1)
        return Model(endpoint, int(number), alias=name)
    endpoint_name, _, number = name.partition("@")
    found = facts.endpoints.get(endpoint_name)
    if found is None:
        return issue("unknown_model", endpoint_name)
    if not number:
        return Model(found.name, found.current)
    # isascii: "²".isdigit() holds, but int("²") fails (a champion may answer anything).
    if not (number.isascii() and number.isdigit()) or int(number) not in found.numbers:
        return issue("unknown_version", name)
    return Model(found.name, int(number))


def _problems(draft: Draft, facts: Facts) -> tuple[tuple[Problem, ...], list[Issue]]:
    issues = [issue("unknown_tag", tag) for tag in draft.tags if tag not in facts.tags]
    published = {p.slug for p in facts.problems}
    issues += [issue("unknown_slug", slug) for slug in draft.slugs if slug not in published]
    selected = tuple(p for p in facts.problems if matches(p, draft))
    chosen = {p.slug for p in selected}
    issues += [
        issue("slug_excluded", slug)
        for slug in dict.fromkeys(draft.slugs)
        if slug in published and slug not in chosen
    ]
    if not selected:
        issues.append(issue("no_problems"))
    if not (draft.difficulties or draft.tags or draft.slugs or draft.all_problems):
        issues.append(issue("all_problems_by_default"))
    return selected, issues


def matches(problem: Problem, draft: Draft) -> bool:
    """problem_sets.create's filter (models/queries.published_versions), in Python."""
    return (
        (not draft.difficulties or problem.difficulty in draft.difficulties)
        and (not draft.tags or bool(set(problem.tags) & set(draft.tags)))
        and (not draft.slugs or problem.slug in draft.slugs)
    )


def _samples(draft: Draft, limits: Limits) -> tuple[int, list[Issue]]:
    if draft.samples is None:
        return DEFAULT_SAMPLES, [issue("samples_by_default", DEFAULT_SAMPLES)]
    issues = []
    if not 1 <= draft.samples <= limits.samples:
        issues.append(issue("samples_out_of_range", limits.samples))
    if any(other != draft.samples for other in draft.other_samples):
        issues.append(issue("samples_conflict", draft.samples))
    return draft.samples, issues
