#!/usr/bin/env bash
# supervisord runs every program through this: `tagged.sh NAME COMMAND...` execs COMMAND
# (so supervisord signals the program itself). With ARENA_LOG_TARGET=stdout (the image), the
# program's stdout and stderr first go through a line prefixer, "NAME | line", so that
# `docker logs` tells the programs apart. The prefixer is started in its own session and is
# not the program's child (PostgreSQL must not see an unknown child exit); it ends when the
# program and its children have closed their output.
set -euo pipefail
name="$1"
shift
if [[ ${ARENA_LOG_TARGET:-files} == stdout ]]; then
    fifo="$(mktemp -u "${TMPDIR:-/tmp}/arena-log-$name.XXXXXX")"
    mkfifo -m 0600 "$fifo"
    # The prefixer opens the fifo first (blocking until the redirection below opens it too).
    # shellcheck disable=SC2016 # $0 and $1 are the inner shell's
    setsid -f sh -c 'exec sed -u "s/^/$1 | /" <"$0"' "$fifo" "$name"
    exec >"$fifo" 2>&1
    rm -f "$fifo"
fi
exec "$@"
