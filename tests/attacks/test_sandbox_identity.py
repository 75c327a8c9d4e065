"""A suite hunting for who runs it: the appliance's id and the worker's name are labels on
its sandbox container (for the reaper), and neither may be readable from inside, where a
suite could use them to tell runs, workers or appliances apart (or learn anything of the
host). The suite looks everywhere a process in the sandbox can read and fails on golden if
it finds either: a SUCCESS proves it found nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

from appliance import db
from appliance.workers import queries as worker_queries
from appliance.workers.worker import WorkerContext
from tests.submissions.helpers import result, submit

HUNTER = """\
import os
from target import clamp

SECRETS = {secrets!r}
PLACES = ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/proc/self/cgroup",
          "/proc/self/mountinfo", "/proc/1/environ", "/proc/self/environ", "/proc/1/cmdline"]


def readable():
    texts = [repr(dict(os.environ))]
    for place in PLACES:
        try:
            with open(place, "rb") as handle:
                texts.append(handle.read().decode("utf-8", "replace"))
        except OSError:
            pass
    return "\\n".join(texts)


def test_no_label_of_the_container_is_readable_inside():
    seen = readable()
    assert "PATH" in seen  # the hunt reads something: it cannot pass by seeing nothing
    assert not [s for s in SECRETS if s in seen]
    assert clamp(11, 0, 10) == 10
"""


def test_a_suite_cannot_read_its_appliances_id_or_its_workers_name(
    api: TestClient[Any],
    learner_token: str,
    conn: db.Connection,
    worker_ctx: WorkerContext,
    drain: Callable[[], None],
) -> None:
    secrets = [worker_queries.instance_id(conn), worker_ctx.name]
    accepted = submit(api, learner_token, HUNTER.format(secrets=secrets))
    drain()
    got = result(api, learner_token, accepted["id"])
    assert (got["status"], got["reason"]) == ("SUCCESS", None), got
    assert got["golden"]["verdict"] == "passed"
