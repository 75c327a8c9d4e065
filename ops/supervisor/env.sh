# shellcheck shell=bash
# Source this before running supervisord (ops/dev.sh and the image's entrypoint.sh do):
# it fills in every variable supervisord.conf expands, from the ARENA_* settings, with the
# same defaults as the appliance, and exports them so the programs inherit them too.
#
#   ARENA_HOME            the code directory (default: the repository holding this file)
#   ARENA_PYTHON          the interpreter with the appliance's requirements (default: $ARENA_HOME/.venv/bin/python)
#   ARENA_DATA_DIR        all state: postgres/, redis/, log/, run/ (default: var, relative to ARENA_HOME; made absolute)
#   ARENA_PG_BIN          PostgreSQL 15 binaries (default: /usr/lib/postgresql/15/bin)
#   ARENA_PG_PORT         bundled PostgreSQL port on 127.0.0.1 (default 55432)
#   ARENA_REDIS_PORT      bundled Redis port on 127.0.0.1 (default 56379)
#   ARENA_WORKERS         number of RQ worker processes (default 2)
#   ARENA_API_PORT        API port (default 8000); ARENA_CONSOLE_PORT (default 8080)
#   ARENA_JUDGE_IMAGE     the sandbox image (default arena/judge:latest)
#   ARENA_ROLE            "all" (default: everything) or "worker" (only the RQ workers and the
#                         watchdog, against an external PostgreSQL and Redis: a judging-only host)
#   ARENA_LOG_TARGET      "files" (default: $ARENA_DATA_DIR/log/PROGRAM.log, rotated) or "stdout"
#                         (the image: every line on supervisord's stdout, prefixed with the
#                         program's name, for `docker logs`)
#   ARENA_WORKER_STOP_SECONDS  how long a stopping worker may finish its job (default 120)
#   ARENA_API_USER, ARENA_WORKER_USER   the users the app programs run as: "arena" and
#                         "arena-worker" where they exist (the image), else root (a dev host)
# Derived (do not set them yourself):
#   ARENA_POSTGRES_MODE   "external" when ARENA_DATABASE_URL (or ARENA_DATABASE_URL_FILE) is set, else "bundled"
#   ARENA_REDIS_MODE      "external" when ARENA_REDIS_URL (or ARENA_REDIS_URL_FILE) is set, else "bundled"
#   ARENA_DATABASE_PASSWORD_FILE  bundled mode: the password of the bundled "arena" role
#                         (default $ARENA_DATA_DIR/secrets/postgres-password; ops/bundled-init.sh
#                         generates it on first boot and never overwrites it)
#   ARENA_REDIS_PASSWORD_FILE     bundled mode: the bundled Redis's password, likewise
#                         (default $ARENA_DATA_DIR/secrets/redis-password)
#   ARENA_CONSOLE_SECRET_FILE     ARENA_ROLE=all, every mode: the key signing the console's session cookies
#                         (default $ARENA_DATA_DIR/secrets/console-secret; generated on first
#                         boot likewise; ARENA_CONSOLE_SECRET, when set, takes precedence)
#   ARENA_SUPERVISORD_LOG, ARENA_LOG_FILE, ARENA_LOG_FILE_NUMBERED, ARENA_LOG_MAXBYTES
#                         supervisord's log settings for ARENA_LOG_TARGET

: "${ARENA_HOME:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${ARENA_PYTHON:=$ARENA_HOME/.venv/bin/python}"
: "${ARENA_DATA_DIR:=var}"
[[ $ARENA_DATA_DIR == /* ]] || ARENA_DATA_DIR="$ARENA_HOME/$ARENA_DATA_DIR"
ARENA_DATA_DIR="$(realpath -m "$ARENA_DATA_DIR")"
: "${ARENA_PG_BIN:=/usr/lib/postgresql/15/bin}"
: "${ARENA_PG_PORT:=55432}"
: "${ARENA_REDIS_PORT:=56379}"
: "${ARENA_WORKERS:=2}"
: "${ARENA_API_PORT:=8000}"
: "${ARENA_CONSOLE_PORT:=8080}"
: "${ARENA_JUDGE_IMAGE:=arena/judge:latest}"
: "${ARENA_ROLE:=all}"
: "${ARENA_LOG_TARGET:=files}"
: "${ARENA_WORKER_STOP_SECONDS:=120}"
arena_user_or_root() { if id -u "$1" >/dev/null 2>&1; then echo "$1"; else echo root; fi; }
: "${ARENA_API_USER:=$(arena_user_or_root arena)}"
: "${ARENA_WORKER_USER:=$(arena_user_or_root arena-worker)}"
# supervisord expands these twice, so %(program_name)s and %(process_num)02d survive the first.
if [[ $ARENA_LOG_TARGET == stdout ]]; then
    # supervisord -n prints its own log on stdout already.
    ARENA_SUPERVISORD_LOG=/dev/null ARENA_LOG_FILE=/dev/fd/1 ARENA_LOG_FILE_NUMBERED=/dev/fd/1 ARENA_LOG_MAXBYTES=0
else
    ARENA_SUPERVISORD_LOG="$ARENA_DATA_DIR/log/supervisord.log"
    ARENA_LOG_FILE="$ARENA_DATA_DIR/log/%(program_name)s.log"
    ARENA_LOG_FILE_NUMBERED="$ARENA_DATA_DIR/log/%(program_name)s-%(process_num)02d.log"
    ARENA_LOG_MAXBYTES=20MB
fi
# Like appliance/settings.py: NAME, or else the file NAME_FILE names; empty means unset.
arena_configured() {
    local file="${1}_FILE"
    if [[ -v $1 ]]; then [[ -n ${!1} ]]; else [[ -n ${!file:-} && -s ${!file} ]]; fi
}
if arena_configured ARENA_DATABASE_URL; then ARENA_POSTGRES_MODE=external; else ARENA_POSTGRES_MODE=bundled; fi
if arena_configured ARENA_REDIS_URL; then ARENA_REDIS_MODE=external; else ARENA_REDIS_MODE=bundled; fi
if [[ $ARENA_POSTGRES_MODE == bundled ]]; then
    : "${ARENA_DATABASE_PASSWORD_FILE:=$ARENA_DATA_DIR/secrets/postgres-password}"
    export ARENA_DATABASE_PASSWORD_FILE
fi
if [[ $ARENA_REDIS_MODE == bundled ]]; then
    : "${ARENA_REDIS_PASSWORD_FILE:=$ARENA_DATA_DIR/secrets/redis-password}"
    export ARENA_REDIS_PASSWORD_FILE
fi
# Not tied to a bundled service: the console needs its secret whatever the mode. Only where
# a console runs: every program reads the file it names (a judging-only host has none).
if [[ $ARENA_ROLE == all ]]; then
    : "${ARENA_CONSOLE_SECRET_FILE:=$ARENA_DATA_DIR/secrets/console-secret}"
    export ARENA_CONSOLE_SECRET_FILE
fi
export ARENA_HOME ARENA_PYTHON ARENA_DATA_DIR ARENA_PG_BIN ARENA_PG_PORT ARENA_REDIS_PORT ARENA_WORKERS \
    ARENA_API_PORT ARENA_CONSOLE_PORT ARENA_JUDGE_IMAGE ARENA_POSTGRES_MODE ARENA_REDIS_MODE \
    ARENA_ROLE ARENA_LOG_TARGET ARENA_WORKER_STOP_SECONDS ARENA_API_USER ARENA_WORKER_USER \
    ARENA_SUPERVISORD_LOG ARENA_LOG_FILE ARENA_LOG_FILE_NUMBERED ARENA_LOG_MAXBYTES

arena_env_check() {
    local name
    for name in ARENA_PG_PORT ARENA_REDIS_PORT ARENA_WORKERS ARENA_API_PORT ARENA_CONSOLE_PORT ARENA_WORKER_STOP_SECONDS; do
        [[ ${!name} =~ ^[1-9][0-9]*$ ]] || { echo "$name must be a positive integer, not '${!name}'" >&2; return 1; }
    done
    case "$ARENA_ROLE" in
        all) ;;
        worker)
            [[ $ARENA_POSTGRES_MODE == external && $ARENA_REDIS_MODE == external ]] || {
                echo "ARENA_ROLE=worker runs only RQ workers, against the PostgreSQL and Redis of the main appliance: set ARENA_DATABASE_URL and ARENA_REDIS_URL (or *_FILE) to them" >&2
                return 1
            }
            ;;
        *) { echo "ARENA_ROLE must be 'all' or 'worker', not '$ARENA_ROLE'" >&2; return 1; } ;;
    esac
    [[ $ARENA_LOG_TARGET == files || $ARENA_LOG_TARGET == stdout ]] \
        || { echo "ARENA_LOG_TARGET must be 'files' or 'stdout', not '$ARENA_LOG_TARGET'" >&2; return 1; }
    [[ -x $ARENA_PYTHON ]] || { echo "ARENA_PYTHON=$ARENA_PYTHON is not an executable" >&2; return 1; }
}
