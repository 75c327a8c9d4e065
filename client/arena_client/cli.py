"""`arena`: log in, browse problems, submit a suite and read its result from a terminal.
Exit codes: 0 success, 1 the suite failed (FAILURE), 2 appliance or usage error."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from arena_client import __version__, config, render
from arena_client.api import Api, ApiError

OK, SUITE_FAILED, APPLIANCE_ERROR = 0, 1, 2
EXIT_FOR_STATUS = {"SUCCESS": OK, "FAILURE": SUITE_FAILED, "ERROR": APPLIANCE_ERROR}
FIRST_POLL_S, LAST_POLL_S, POLL_GROWTH = 0.2, 2.0, 1.5


class CliError(Exception):
    """What the user should read: a mistake in the command or its inputs, or a wait cut short."""


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)  # argparse exits 2 on bad arguments
    try:
        return int(args.run(args))
    except (ApiError, config.ConfigError, CliError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted")
    except BrokenPipeError:  # `arena problems | head`
        sys.stderr.close()
        return OK
    except Exception as exc:  # an answer of an unexpected shape: still one line
        if os.environ.get("ARENA_DEBUG"):
            raise
        return _fail(f"unexpected {type(exc).__name__}: {exc} (ARENA_DEBUG=1 shows where)")


def _fail(message: str) -> int:
    print(f"arena: {message}", file=sys.stderr)
    return APPLIANCE_ERROR


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="arena", description="QA Arena from a terminal.")
    root.add_argument("--version", action="version", version=f"arena {__version__}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    login = commands.add_parser("login", help="store the appliance's URL and your token")
    login.add_argument("--url", required=True, help="e.g. http://arena.example:8000")
    login.set_defaults(run=cmd_login)
    problems = _read_command(commands, "problems", "list the problems", cmd_problems)
    problems.add_argument("--difficulty", help="Very Easy, Easy, Medium or Hard")
    problems.add_argument("--tag")
    show = _read_command(commands, "show", "a problem's statement", cmd_show)
    show.add_argument("slug")
    submit = _read_command(commands, "submit", "submit a pytest suite", cmd_submit)
    submit.add_argument("slug")
    submit.add_argument("file", type=Path, help="the suite, a .py file ('-' for stdin)")
    submit.add_argument("--wait", action="store_true", help="follow it until judged")
    submit.add_argument("--timeout", type=float, default=900.0, help="seconds --wait waits")
    history = _read_command(commands, "history", "your submissions", cmd_history)
    history.add_argument("slug", nargs="?")
    return root


def _read_command(
    commands: Any, name: str, summary: str, run: Callable[[argparse.Namespace], int]
) -> argparse.ArgumentParser:
    command: argparse.ArgumentParser = commands.add_parser(name, help=summary)
    command.add_argument("--json", action="store_true", help="print the API's JSON")
    command.set_defaults(run=run)
    return command


# -- commands -----------------------------------------------------------------------------


def cmd_login(args: argparse.Namespace) -> int:
    token = _read_token()
    url = args.url.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CliError(f"the URL must start with http:// or https://, not {args.url!r}")
    with Api(url, token) as api:
        api.problems(None, None, 1)  # proves the URL and the token
    path = config.config_path()
    config.save(path, config.Config(url=url, token=token))
    print(f"Logged in to {url} (saved in {path}).")
    return OK


def _read_token() -> str:
    typed = getpass.getpass("Token: ") if sys.stdin.isatty() else sys.stdin.readline()
    token = typed.strip()
    if not token:
        raise CliError("no token given")
    return token


def cmd_problems(args: argparse.Namespace) -> int:
    with _api() as api:
        pages = list(_pages(lambda page: api.problems(args.difficulty, args.tag, page)))
    items = [item for page in pages for item in page["items"]]
    listed = {**pages[0], "items": items, "page_size": len(items)}
    _output(args, listed, lambda page: render.problems_table(page["items"]))
    return OK


def cmd_show(args: argparse.Namespace) -> int:
    with _api() as api:
        _output(args, api.problem(args.slug), render.problem_text)
    return OK


def cmd_history(args: argparse.Namespace) -> int:
    with _api() as api:
        page = api.submissions(args.slug, 1)
    _output(args, page, lambda p: render.history_table(p["items"]))
    if not args.json and page["total"] > len(page["items"]):
        print(f"(the newest {len(page['items'])} of {page['total']})")
    return OK


def cmd_submit(args: argparse.Namespace) -> int:
    code = _read_suite(args.file)
    with _api() as api:
        accepted = api.submit(args.slug, code)
        if not args.wait:
            _output(args, accepted, render.status_line)
            return OK
        progress = sys.stderr if args.json else sys.stdout
        detail = _follow_or_explain(api, accepted, args.timeout, progress)
    _output(args, detail, render.result_text)
    return EXIT_FOR_STATUS[detail["status"]]


def _follow_or_explain(api: Api, accepted: dict[str, Any], timeout_s: float, progress: Any) -> Any:
    """follow(), and on Ctrl+C a word that the judging goes on without us."""
    try:
        return follow(
            api,
            accepted,
            timeout_s,
            lambda s: print(render.status_line(s), file=progress, flush=True),
        )
    except KeyboardInterrupt:
        raise CliError(
            f"interrupted; the appliance goes on judging {accepted['id']}: see `arena history`"
        ) from None


def _read_suite(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None


# -- helpers ------------------------------------------------------------------------------


def follow(
    api: Api, accepted: dict[str, Any], timeout_s: float, report: Callable[[Any], None]
) -> Any:
    """Poll the submission until it is judged, reporting each status change once."""
    deadline = time.monotonic() + timeout_s
    seen = accepted["status"]
    report(accepted)
    for delay in backoff():
        detail = api.submission(accepted["id"])
        if detail["status"] != seen:
            seen = detail["status"]
            report(detail)
        if seen in EXIT_FOR_STATUS:
            return detail
        if time.monotonic() + delay > deadline:
            raise ApiError(f"{accepted['id']} is still {seen} after {timeout_s:g} s")
        time.sleep(delay)
    raise AssertionError("backoff() never ends")


def backoff() -> Iterator[float]:
    """0.2 s, growing by half each time, to 2 s."""
    delay = FIRST_POLL_S
    while True:
        yield delay
        delay = min(delay * POLL_GROWTH, LAST_POLL_S)


def _pages(fetch: Callable[[int], Any]) -> Iterator[Any]:
    """Every page of a paged list, until its total is reached."""
    page, seen = 1, 0
    while True:
        answer = fetch(page)
        yield answer
        seen += len(answer["items"])
        if not answer["items"] or seen >= answer["total"]:
            return
        page += 1


def _api() -> Api:
    settings = config.load(config.config_path())
    return Api(settings.url, settings.token)


def _output(args: argparse.Namespace, data: Any, text: Callable[[Any], str]) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else text(data))
