"""One judge run with the retries of DESIGN.md section 3: infrastructure failures are tried
again with backoff; what the user's code does is never retried (it is in the report)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import docker

from appliance.errors import InfrastructureError
from appliance.judging import sandbox
from appliance.judging.report import Report, decode
from appliance.judging.request import JudgeRequest
from appliance.settings import Settings

log = logging.getLogger(__name__)


def judge(
    client: docker.DockerClient,
    settings: Settings,
    request: JudgeRequest,
    labels: dict[str, str],
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """The runner's report; InfrastructureError once every try has failed."""
    delays = settings.infra_retry_delays
    for attempt, delay in enumerate((*delays, None), start=1):
        try:
            return decode(sandbox.run(client, settings, request, labels).stdout)
        except InfrastructureError as exc:
            if delay is None:
                raise InfrastructureError(f"{exc.detail} (after {attempt} tries)") from exc
            log.warning("judge try %d failed, again in %.1f s: %s", attempt, delay, exc.detail)
            sleep(delay)
    raise AssertionError("unreachable: the last try returns or raises")
