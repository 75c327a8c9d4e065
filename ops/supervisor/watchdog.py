"""Supervisor event listener that stops supervisord when the appliance cannot run.

A program that ends FATAL (it kept dying while starting), or a one-shot named with
--exited that exits with an unexpected code (a failed migration), leaves the appliance
half up. Stopping supervisord instead makes the container exit so that its restart
policy, and the operator's monitoring, see the failure.

With ARENA_WATCHDOG_REASON_FILE set, it writes why it stopped supervisord there.
Standard library only: it speaks the event listener protocol on stdin/stdout
(http://supervisord.org/events.html) and logs on stderr.
"""

import argparse
import os
import signal
import sys
from typing import BinaryIO


def parse_fields(line: bytes) -> dict[str, str]:
    """Parse "key:value key:value" (an event header or payload) into a dict."""
    pairs = (token.partition(":") for token in line.decode().split())
    return {key: value for key, _, value in pairs}


def read_event(stdin: BinaryIO) -> tuple[dict[str, str], dict[str, str]]:
    line = stdin.readline()
    if not line:
        sys.exit(0)  # supervisord went away
    header = parse_fields(line)
    payload = stdin.read(int(header["len"]))
    return header, parse_fields(payload.splitlines()[0] if payload else b"")


def is_fatal(header: dict[str, str], payload: dict[str, str], oneshots: set[str]) -> bool:
    if header["eventname"] == "PROCESS_STATE_FATAL":
        return True
    exited = header["eventname"] == "PROCESS_STATE_EXITED"
    return exited and payload.get("processname") in oneshots and payload.get("expected") == "0"


def stop_supervisord(payload: dict[str, str], event: str) -> None:
    supervisord = os.getppid()
    name = payload.get("processname", "?")
    if supervisord <= 1 or not os.environ.get("SUPERVISOR_ENABLED"):
        print(f"watchdog: {name} {event}, but not run by supervisord", file=sys.stderr)
        return
    message = f"watchdog: {name} entered {event}, stopping supervisord (see log/{name}*.log)"
    print(message, file=sys.stderr, flush=True)
    record_reason(message)
    os.kill(supervisord, signal.SIGTERM)


def record_reason(message: str) -> None:
    """The image's entrypoint exits non-zero when this file exists after supervisord ends,
    so that "restart: on-failure" and monitoring see a failure, not a clean stop."""
    reason = os.environ.get("ARENA_WATCHDOG_REASON_FILE")
    if reason:
        with open(reason, "w") as file:
            file.write(message + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exited", action="append", default=[], metavar="PROGRAM")
    oneshots = set(parser.parse_args().exited)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        stdout.write(b"READY\n")
        stdout.flush()
        header, payload = read_event(stdin)
        stdout.write(b"RESULT 2\nOK")
        stdout.flush()
        if is_fatal(header, payload, oneshots):
            stop_supervisord(payload, header["eventname"])


if __name__ == "__main__":
    main()
