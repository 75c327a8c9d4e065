"""The shipped catalog: every problem validates through the real judge (the reference suite
passes on golden and twin and kills every mutant) and is published by the import command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from appliance import db
from appliance.problems import bundle
from appliance.problems.catalog import import_catalog, problem_folders
from appliance.vocabulary import DIFFICULTIES
from appliance.workers.worker import WorkerContext

CATALOG = Path(__file__).resolve().parents[2] / "catalog"


def test_the_catalog_ships_at_least_20_problems_across_every_difficulty() -> None:
    bundles = [bundle.from_directory(folder) for folder in problem_folders(CATALOG)]
    assert len(bundles) >= 20
    difficulties = Counter(b.difficulty for b in bundles)
    assert set(difficulties) == set(DIFFICULTIES)
    for problem in bundles:
        assert len(problem.mutants) >= 3, problem.slug
        assert all(m.hint.strip() for m in problem.mutants), problem.slug
        assert len({m.weight for m in problem.mutants}) >= 1


@pytest.mark.slow
def test_every_catalog_problem_validates_and_publishes(
    worker_ctx: WorkerContext, conn: db.Connection
) -> None:
    lines: list[str] = []
    failed = import_catalog(worker_ctx, CATALOG, lines.append)
    assert failed == 0, "\n".join(lines)
    assert len(lines) == len(problem_folders(CATALOG))
    assert all(": published (new version)" in line for line in lines)
    again: list[str] = []
    assert import_catalog(worker_ctx, CATALOG, again.append) == 0
    assert all(": published (unchanged)" in line for line in again)
    shipped = {folder.name for folder in problem_folders(CATALOG)}
    measures = {
        row["slug"]: row["validation"]
        for row in conn.execute(
            "SELECT p.slug, v.validation FROM problems p"
            " JOIN problem_versions v ON v.id = p.current_version_id"
        ).fetchall()
        if row["slug"] in shipped
    }
    assert set(measures) == shipped
    # Examples illustrate the contract without giving the answer (DESIGN.md 4.5).
    too_telling = {
        slug: m["examples_score"]
        for slug, m in measures.items()
        if m["examples_score"] is None or m["examples_score"] > 65
    }
    assert too_telling == {}
    assert all(m["smallest_killing_suite"] for m in measures.values())


def test_an_invalid_problem_fails_the_import_with_a_reason(
    worker_ctx: WorkerContext, tmp_path: Path
) -> None:
    from tests.problems.test_bundle import write_folder

    folder = write_folder(tmp_path)
    weak = "from target import clamp\n\ndef test_inside():\n    assert clamp(5, 0, 10) == 5\n"
    (folder / "reference_test.py").write_text(weak)
    lines: list[str] = []
    assert import_catalog(worker_ctx, tmp_path, lines.append) == 1
    assert lines == ["mini-clamp: FAILED: mini-clamp v2: invalid (see its validation)"]


def test_the_import_command_exits_non_zero_on_an_empty_folder(
    worker_ctx: WorkerContext, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "ARENA_DATABASE_URL": worker_ctx.settings.database_url,
        "ARENA_REDIS_URL": worker_ctx.settings.redis_url,
        "ARENA_JUDGE_IMAGE": worker_ctx.settings.judge_image,
    }
    done = subprocess.run(
        [sys.executable, "-m", "appliance", "catalog", "import", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 1
    assert "no problem folders" in done.stdout
