"""What the worker sends the judge runner, and how long it may take. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from appliance.judging.report import PROTOCOL

# Starting a container and importing pytest, with room for a loaded machine.
CONTAINER_START_ALLOWANCE_S = 15.0
# Golden-like runs after golden's first, hidden among the mutants in a random order: a suite
# that fails at random half the time passes all 1 + 8 + 2 of them once in 2,048
# submissions, so luck does not buy a score (DESIGN.md 4.4).
GOLDEN_RERUNS = 8
TWINS = 2
# What each run may take beyond its wall limit: the fork, the wipe after it, the report.
RUN_OVERHEAD_S = 1.0


@dataclass(frozen=True)
class Variant:
    name: str
    code: str


@dataclass(frozen=True)
class JudgeRequest:
    tests: str
    golden: str
    mutants: Sequence[Variant]
    wall_seconds: float
    output_limit_bytes: int

    def encode(self) -> bytes:
        return msgspec.json.encode(
            {
                "protocol": PROTOCOL,
                "tests": self.tests,
                "golden": self.golden,
                "mutants": [{"name": m.name, "code": m.code} for m in self.mutants],
                "wall_seconds": self.wall_seconds,
                "output_limit_bytes": self.output_limit_bytes,
                "golden_reruns": GOLDEN_RERUNS,
                "twins": TWINS,
            }
        )

    def budget_seconds(self) -> float:
        """The wall-clock limit of the whole container, enforced from outside. The runner
        enforces each variant's limit itself, so hitting this one means the runner broke."""
        runs = 1 + GOLDEN_RERUNS + TWINS + len(self.mutants)
        return CONTAINER_START_ALLOWANCE_S + runs * (self.wall_seconds + RUN_OVERHEAD_S)
