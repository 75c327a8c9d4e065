"""One judge run with the retries of DESIGN.md section 3: infrastructure failures are tried
again with backoff; what the user's code does is never retried (it is in the report)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appliance.errors import InfrastructureError
from appliance.judging import sandbox
from appliance.judging.report import Report, decode
from appliance.judging.request import JudgeRequest, Variant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Judged:
    report: Report
    container_id: str


def judge(
    sandboxes: sandbox.Sandboxes,
    request: JudgeRequest,
    sleep: Callable[[float], None] = time.sleep,
) -> Judged:
    """The runner's report; the first try takes the warm sandbox, every retry a new one.
    InfrastructureError once every try has failed."""
    delays = sandboxes.settings.infra_retry_delays
    for attempt, delay in enumerate((*delays, None), start=1):
        try:
            run = sandbox.run(sandboxes.client, sandboxes.take(), request)
            return Judged(decode(run.stdout), run.container_id)
        except InfrastructureError as exc:
            if delay is None:
                raise InfrastructureError(f"{exc.detail} (after {attempt} tries)") from exc
            log.warning("judge try %d failed, again in %.1f s: %s", attempt, delay, exc.detail)
            sleep(delay)
    raise AssertionError("unreachable: the last try returns or raises")


def judge_version(
    sandboxes: sandbox.Sandboxes,
    tests: str,
    version: Mapping[str, Any],
    mutants: Sequence[Mapping[str, Any]],
) -> Judged:
    """Judge `tests` against a problem version's golden code, twin and mutants."""
    request = JudgeRequest(
        tests=tests,
        golden=version["golden_code"],
        mutants=[Variant(m["name"], m["code"]) for m in mutants],
        wall_seconds=float(version["wall_seconds"]),
        output_limit_bytes=sandboxes.settings.judge_output_limit_bytes,
    )
    return judge(sandboxes, request)
