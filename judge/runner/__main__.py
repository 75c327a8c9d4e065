"""`python3 -s -P -m runner`: the supervisor; `... -m runner --zygote FD`: the zygote.
Each role imports only its own modules."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if argv[1:2] == ["--zygote"]:
        from .zygote import zygote_main

        zygote_main(int(argv[2]))
        return 0
    try:
        from .supervisor import supervisor_main

        return supervisor_main()
    except BaseException as exc:  # the worker must get a decodable line, whatever happened
        import traceback

        from .protocol import encode_line, runner_error_report

        traceback.print_exc()
        sys.stdout.flush()
        sys.stdout.buffer.write(encode_line(runner_error_report(f"{type(exc).__name__}: {exc}")))
        sys.stdout.flush()
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
