"""`python -m appliance catalog import DIR`: create or version each problem folder,
validate it through the judge here and now, and publish what passes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from appliance.errors import ArenaError
from appliance.problems import bundle, jobs, versions
from appliance.workers.worker import WorkerContext


def problem_folders(root: Path) -> list[Path]:
    return sorted(path.parent for path in root.glob("*/problem.toml"))


def import_folder(ctx: WorkerContext, folder: Path) -> str:
    """One line saying what became of the problem; raises ArenaError when it failed."""
    ref = versions.add_version(ctx.conn, bundle.from_directory(folder), created_by=None)
    status = jobs.validate(ctx, ref.id)
    ctx.sandboxes.refill()
    if status == "invalid":
        raise ArenaError(f"{ref.slug} v{ref.number}: invalid (see its validation)")
    versions.publish(ctx.conn, ref.slug, ref.number)
    change = "new version" if ref.created else "unchanged"
    return f"{ref.slug} v{ref.number}: published ({change})"


def import_catalog(ctx: WorkerContext, root: Path, say: Callable[[str], None]) -> int:
    """Import every problem folder under root; the number that failed."""
    folders = problem_folders(root)
    if not folders:
        say(f"{root}: no problem folders (*/problem.toml)")
        return 1
    failed = 0
    for folder in folders:
        try:
            say(import_folder(ctx, folder))
        except ArenaError as exc:
            failed += 1
            say(f"{folder.name}: FAILED: {exc.detail}")
    return failed
