"""`python -m appliance COMMAND`: the processes and the operators' commands."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appliance.errors import ArenaError, ConfigurationError
from appliance.settings import Settings, load

if TYPE_CHECKING:
    from litestar import Litestar

    from appliance.db import Connection
    from appliance.metrics.prometheus import Target


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from appliance import db, migrate

    timeout = 120.0 if args.wait else 0.0
    conn = db.wait_for_database(settings.database_url, timeout_s=timeout)
    applied = migrate.apply_all(conn)
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    print(f"schema at version {migrate.head_version()}")
    return 0


def _die_with_parent() -> None:
    """Linux: SIGTERM when the parent dies. Uvicorn's worker processes would otherwise
    outlive a killed master, keep its port and stop supervisord from restarting the API."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def api_process_app() -> Litestar:
    """The app factory each API process runs (uvicorn imports it by name)."""
    from appliance.api import create_app

    _die_with_parent()
    return create_app()


def _api(settings: Settings, args: argparse.Namespace) -> int:
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "appliance.__main__:api_process_app",
        factory=True,
        host=args.host,
        port=settings.api_port,
        workers=settings.api_workers,
        proxy_headers=False,
        server_header=False,
    )
    if config.workers == 1:
        uvicorn.Server(config).run()
        return 0
    # With several processes uvicorn binds the socket itself, and asyncio then leaves
    # Nagle's algorithm on for accepted connections: a response's second write waits for
    # the client's delayed ACK (~40 ms a request). Accepted sockets inherit TCP_NODELAY.
    sock = config.bind_socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config, sockets=[sock]).run()
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from appliance.workers import worker

    worker.run(settings)
    return 0


def _scheduler(settings: Settings, args: argparse.Namespace) -> int:
    from appliance import scheduler

    scheduler.run(settings)
    return 0


def _password_from_stdin() -> str:
    """The first line of standard input, so `echo PASSWORD |` and a file both work."""
    return sys.stdin.readline().rstrip("\r\n")


def _users_create(settings: Settings, args: argparse.Namespace) -> int:
    from appliance import db
    from appliance.accounts.passwords import checked
    from appliance.accounts.users import create_user
    from appliance.audit.trail import record_command

    # Checked before connecting: a bad password creates nothing.
    password = checked(_password_from_stdin()) if args.password_stdin else None
    with db.connect(settings.database_url) as conn, conn.transaction():
        _, token = create_user(conn, args.name, args.role, password)
        record_command(conn, "user.create", args.name, role=args.role)
    print(token)
    return 0


def _users_set_password(settings: Settings, args: argparse.Namespace) -> int:
    from appliance import db
    from appliance.accounts.users import set_password
    from appliance.audit.trail import record_command

    with db.connect(settings.database_url) as conn, conn.transaction():
        set_password(conn, args.name, _password_from_stdin())
        record_command(conn, "user.password", args.name)
    return 0


def _catalog_import(settings: Settings, args: argparse.Namespace) -> int:
    from appliance.judging.sandbox import docker_client
    from appliance.problems.catalog import import_catalog
    from appliance.workers.worker import close, open_context, start_heartbeat, worker_name

    ctx = open_context(settings, docker_client(), worker_name())
    stop = start_heartbeat(ctx)
    try:
        failed = import_catalog(ctx, Path(args.directory), lambda line: print(line, flush=True))
    finally:
        stop.set()
        close(ctx)
    return 1 if failed else 0


def _metrics_export(settings: Settings, args: argparse.Namespace) -> int:
    """The same bytes as GET /api/v1/metrics/export (but for the generation time), made
    here whatever their size."""
    from appliance import db
    from appliance.exports import documents, jobs

    try:
        request = documents.check_request(
            args.format,
            args.metrics,
            args.granularity,
            _moment(args.start),
            _moment(args.end),
            settings.timezone,
            args.bom,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with db.connect(settings.database_url) as conn:
        data = jobs.load(conn, request)
    Path(args.output).write_bytes(jobs.render(data, datetime.now(UTC)))
    return 0


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 moment: {text!r}") from exc


def _metrics_collect(settings: Settings, args: argparse.Namespace) -> int:
    """One run of the scheduler's metrics collection, now: the missing snapshots, the
    latency rollups and, with a Prometheus (the options, else ARENA_PROMETHEUS_*), every
    model's latency pulled from it."""
    import time

    from appliance import db
    from appliance.metrics import collect

    target = _prometheus_target(settings, args)
    with db.connect(settings.database_url) as conn:
        print(f"snapshots: {collect.snapshot_job(conn, settings, _now, time.sleep)} stored")
        print(f"latency rollups: {collect.latency_job(conn, settings, _now)} written")
        if target is not None:
            _pull_models(conn, settings, target)
    return 0


def _prometheus_target(settings: Settings, args: argparse.Namespace) -> Target | None:
    from appliance.metrics.prometheus import Target

    if (args.prometheus_url is None) != (args.metric_name is None):
        raise ConfigurationError("--prometheus-url and --metric-name go together")
    if args.prometheus_url is not None:
        return Target.checked(
            args.prometheus_url, args.metric_name, "--prometheus-url", "--metric-name"
        )
    return Target.of(settings)


def _pull_models(conn: Connection, settings: Settings, target: Target) -> None:
    """Pull and store; print each model's last 5 minutes ("-": no requests, no quantile)."""
    from appliance.metrics import prometheus

    samples = prometheus.pull_job(conn, target, settings, _now)
    print(f"models: {len(samples)} samples from {target.url} ({target.metric})")
    for s in (s for s in samples if s.window == prometheus.RANGES["5m"]):
        figures = [_ms(s.p50_ms), _ms(s.p95_ms), _ms(s.p99_ms)]
        print(f"  {s.model} over 5m: p50/p95/p99 {' / '.join(figures)}, {s.count:.0f} requests")


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _now() -> datetime:
    return datetime.now(UTC)


def _models_check(settings: Settings, args: argparse.Namespace) -> int:
    """One line per registered model endpoint (never its key); exit 3 when any does not
    answer, which `arenactl doctor` reports as a warning."""
    from appliance import db
    from appliance.models import doctor

    with db.connect(settings.database_url) as conn:
        found = doctor.check_all(conn, settings)
    if not found:
        print("no model endpoints are registered")
    for health in found:
        print(doctor.line(health), flush=True)
    return doctor.exit_code(found)


def _metrics_commands(commands: Any) -> None:
    """`metrics export` and `metrics collect`."""
    metrics = commands.add_parser("metrics").add_subparsers(dest="action", required=True)
    collector = metrics.add_parser(
        "collect", help="collect the metrics now (and per-model latency from a Prometheus)"
    )
    collector.add_argument("--prometheus-url", help="a Prometheus to pull per-model latency from")
    collector.add_argument(
        "--metric-name", help="its histogram (in seconds, with a model label), without _bucket"
    )
    collector.set_defaults(run=_metrics_collect)
    exporter = metrics.add_parser("export", help="write a CSV or PDF export of the metrics")
    exporter.add_argument("--format", required=True, choices=["csv", "pdf"])
    exporter.add_argument("--metrics", help="comma-separated metric names (default: all)")
    exporter.add_argument("--granularity", required=True, choices=["hourly", "daily"])
    exporter.add_argument("--start", required=True, help="ISO 8601 with a time zone")
    exporter.add_argument("--end", required=True, help="ISO 8601 with a time zone (excluded)")
    exporter.add_argument("--bom", action="store_true", help="start a CSV with a UTF-8 BOM")
    exporter.add_argument("--output", required=True, help="the file to write")
    exporter.set_defaults(run=_metrics_export)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m appliance")
    commands = top.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="apply pending database migrations")
    migrate.add_argument("--wait", action="store_true", help="wait up to 120 s for the database")
    migrate.set_defaults(run=_migrate)
    api = commands.add_parser("api", help="serve the HTTP API")
    api.add_argument("--host", default="0.0.0.0")  # noqa: S104 - the API is meant to be reached
    api.set_defaults(run=_api)
    commands.add_parser("worker", help="judge queued submissions").set_defaults(run=_worker)
    commands.add_parser("scheduler", help="periodic jobs").set_defaults(run=_scheduler)
    users = commands.add_parser("users").add_subparsers(dest="action", required=True)
    create = users.add_parser("create", help="create a user; prints only the new token")
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=["admin", "author", "learner"])
    create.add_argument(
        "--password-stdin", action="store_true", help="also a console password, read from stdin"
    )
    create.set_defaults(run=_users_create)
    password = users.add_parser(
        "set-password", help="set a console password (read from stdin); ends their sessions"
    )
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true", required=True)
    password.set_defaults(run=_users_set_password)
    catalog = commands.add_parser("catalog").add_subparsers(dest="action", required=True)
    importer = catalog.add_parser("import", help="import, validate and publish problems")
    importer.add_argument("directory")
    importer.set_defaults(run=_catalog_import)
    _metrics_commands(commands)
    models = commands.add_parser("models").add_subparsers(dest="action", required=True)
    models.add_parser(
        "check", help="ask every model endpoint to answer (exit 3 when one does not)"
    ).set_defaults(run=_models_check)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        return int(args.run(load(), args))
    except ArenaError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
