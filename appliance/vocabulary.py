"""The appliance's vocabularies, each one `Literal` defined once (DESIGN.md 12): the API's
Structs, the route checks, the queries and the console take them from here, and the
tuples for runtime checks are derived from them, so a word is never written twice. Pure.

The judge runner (judge/runner/) lives in its own image and keeps its own copy of the
verdicts; the report decoder (judging/report.py) is where the two meet."""

from __future__ import annotations

from typing import Literal, get_args

# A submission's life (DESIGN.md 3): PENDING -> RUNNING -> SUCCESS | FAILURE | ERROR.
Status = Literal["PENDING", "RUNNING", "SUCCESS", "FAILURE", "ERROR"]
# Why a FAILURE earned nothing: the user's suite is at fault (DESIGN.md 3). An ERROR has
# no reason code, only a detail: the appliance is at fault.
FailureReason = Literal[
    "golden_failed",
    "golden_timeout",
    "no_tests",
    "collection_error",
    "syntax_error",
    "flaky",
    "introspection",
    "too_large",
]
# One run of a suite against one variant (DESIGN.md 4.2), and one test in it.
Verdict = Literal["passed", "failed", "error", "timeout", "no_tests", "killed", "survived"]
Outcome = Literal["passed", "failed", "error", "skipped"]
RunKind = Literal["golden", "twin", "mutant"]
Role = Literal["admin", "author", "learner"]
Difficulty = Literal["Very Easy", "Easy", "Medium", "Hard"]
VersionStatus = Literal["validating", "valid", "invalid", "published", "retired"]
HealthStatus = Literal["healthy", "degraded", "unhealthy"]
# Metrics (DESIGN.md 7): snapshot granularity, comparison period, threshold level.
Granularity = Literal["hourly", "daily"]
Period = Literal["week", "month"]
Level = Literal["good", "warning", "danger"]
# The metrics kept hourly and daily (issue 8); success and error rate count as one of six.
Metric = Literal[
    "submissions",
    "active_users",
    "judge_duration_p95",
    "queue_wait_p95",
    "success_rate",
    "error_rate",
    "mean_score",
]
# What a latency is kept per: a problem now, a model once models exist.
KeyKind = Literal["problem", "model"]
LatencyWindow = Literal["5m", "1h", "24h", "7d", "30d", "90d"]
# How the metrics collection fares (GET /api/v1/metrics/status).
CollectionStatus = Literal["healthy", "degraded", "failing"]
ExportFormat = Literal["csv", "pdf"]
# The console's languages (a user's remembered choice).
Locale = Literal["ko", "en"]
# Where a learner stands on a problem: every mutant killed once, submitted, or not yet.
ProblemState = Literal["solved", "tried", "new"]
# Who wrote a submission's suite: a learner, or a model in an evaluation run (issue 11).
Source = Literal["learner", "model"]
# An evaluation run's life: running <-> held, then finished (every sample ended) or
# cancelled.
RunStatus = Literal["running", "held", "finished", "cancelled"]
# A sample ends as its submission did (SUCCESS, FAILURE), ERROR when the model or the
# appliance failed it, or CANCELLED with its run.
SampleStatus = Literal["PENDING", "RUNNING", "SUCCESS", "FAILURE", "ERROR", "CANCELLED"]
# Subjects of a run that need no model: the statement's examples as a suite, and the
# version's reference suite (the ceiling).
Baseline = Literal["examples", "reference"]
# What a leaderboard's summary is broken down by.
BreakdownBy = Literal["difficulty", "tag"]
# Why a sample earned nothing: its submission's reason, or no suite in the model's answer.
SampleReason = Literal[FailureReason, "no_suite"]
EvaluationExportFormat = Literal["json", "csv"]
# The registry's aliases over model versions, and how an alias moved (issue 11).
Alias = Literal["feedback-champion", "challenger"]
MoveKind = Literal["policy", "manual", "rollback"]
# Why no decision was stored (registry/decisions.py): the run is not finished, the
# champion or the challenger is not one of its subjects, the challenger is the champion,
# a side has no judged sample or they share no problem, or the champion moved meanwhile.
DecisionRefusal = Literal[
    "not_finished",
    "champion_absent",
    "not_subject",
    "is_champion",
    "no_samples",
    "no_shared",
    "champion_moved",
]
# Which rule of the model URL policy (models/urls.py) a base URL breaks.
UrlRefusal = Literal[
    "unresolved", "never", "outside", "not_url", "scheme", "credentials", "query", "port"
]
# Where a learner's AI feedback stands: stored states, and what the API adds when there is
# no champion to write it or nobody asked.
FeedbackStatus = Literal["pending", "ready", "refused", "failed", "unavailable", "not_requested"]
# Who turned an admin's sentence into an evaluation plan (issue 11, item 8): the champion
# model, or the deterministic keyword parser when there is none or its answer was not usable.
PlannerKind = Literal["champion", "keywords"]
# Why the champion's plan was not used (the keyword parser planned instead).
PlannerFallback = Literal["unreachable", "timeout", "not_json", "invalid", "rejected"]
# What a proposed plan's check found: errors block confirming it, warnings do not.
PlanIssue = Literal[
    "unknown_model",
    "unknown_version",
    "empty_alias",
    "duplicate_model",
    "no_subjects",
    "unknown_tag",
    "unknown_slug",
    "slug_excluded",
    "no_problems",
    "all_problems_by_default",
    "samples_by_default",
    "samples_out_of_range",
    "samples_conflict",
    "too_many_samples",
    "ignored_words",
]
IssueLevel = Literal["error", "warning"]
# What the audit trail records (admin and author actions, console logins).
AuditAction = Literal[
    "login",
    "logout",
    "user.create",
    "user.role",
    "user.disable",
    "user.enable",
    "user.password",
    "token.issue",
    "token.revoke",
    "problem.create",
    "problem.publish",
    "problem.retire",
    "submission.rejudge",
    "latency.thresholds",
    "metrics.collect",
    "model.register",
    "problem_set.create",
    "evaluation.create",
    "evaluation.cancel",
    "evaluation.hold",
    "evaluation.resume",
    "evaluation.retry_failed",
    "model.promote",
    "model.rollback",
    "evaluation.plan",
]

STATUSES: tuple[Status, ...] = get_args(Status)
ROLES: tuple[Role, ...] = get_args(Role)
# In this order: easiest first, as the catalog lists problems.
DIFFICULTIES: tuple[Difficulty, ...] = get_args(Difficulty)
GRANULARITIES: tuple[Granularity, ...] = get_args(Granularity)
PERIODS: tuple[Period, ...] = get_args(Period)
LEVELS: tuple[Level, ...] = get_args(Level)
METRICS: tuple[Metric, ...] = get_args(Metric)
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
LOCALES: tuple[Locale, ...] = get_args(Locale)
AUDIT_ACTIONS: tuple[AuditAction, ...] = get_args(AuditAction)
SAMPLE_STATUSES: tuple[SampleStatus, ...] = get_args(SampleStatus)
BASELINES: tuple[Baseline, ...] = get_args(Baseline)
ALIASES: tuple[Alias, ...] = get_args(Alias)
PLAN_ISSUES: tuple[PlanIssue, ...] = get_args(PlanIssue)
PLANNER_FALLBACKS: tuple[PlannerFallback, ...] = get_args(PlannerFallback)
