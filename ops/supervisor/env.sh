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
# Derived (do not set them yourself):
#   ARENA_POSTGRES_MODE   "external" when ARENA_DATABASE_URL (or ARENA_DATABASE_URL_FILE) is set, else "bundled"
#   ARENA_REDIS_MODE      "external" when ARENA_REDIS_URL (or ARENA_REDIS_URL_FILE) is set, else "bundled"

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
# Like appliance/settings.py: NAME, or else the file NAME_FILE names; empty means unset.
arena_configured() {
    local file="${1}_FILE"
    if [[ -v $1 ]]; then [[ -n ${!1} ]]; else [[ -n ${!file:-} && -s ${!file} ]]; fi
}
if arena_configured ARENA_DATABASE_URL; then ARENA_POSTGRES_MODE=external; else ARENA_POSTGRES_MODE=bundled; fi
if arena_configured ARENA_REDIS_URL; then ARENA_REDIS_MODE=external; else ARENA_REDIS_MODE=bundled; fi
export ARENA_HOME ARENA_PYTHON ARENA_DATA_DIR ARENA_PG_BIN ARENA_PG_PORT ARENA_REDIS_PORT ARENA_WORKERS \
    ARENA_API_PORT ARENA_CONSOLE_PORT ARENA_JUDGE_IMAGE ARENA_POSTGRES_MODE ARENA_REDIS_MODE

arena_env_check() {
    local name
    for name in ARENA_PG_PORT ARENA_REDIS_PORT ARENA_WORKERS ARENA_API_PORT ARENA_CONSOLE_PORT; do
        [[ ${!name} =~ ^[1-9][0-9]*$ ]] || { echo "$name must be a positive integer, not '${!name}'" >&2; return 1; }
    done
    [[ -x $ARENA_PYTHON ]] || { echo "ARENA_PYTHON=$ARENA_PYTHON is not an executable" >&2; return 1; }
}
