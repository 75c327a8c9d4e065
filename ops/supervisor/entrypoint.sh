#!/usr/bin/env bash
# The appliance image's entrypoint (under tini, as root): checks the settings, clears what a
# killed container left behind, lets the worker's user reach the Docker socket, prepares
# the data directory (ops/bundled-init.sh: secrets on first boot, the bundled PostgreSQL
# and Redis), then runs supervisord in the foreground with the same configuration as
# ops/dev.sh, and exits 1 when the watchdog stopped it. ARENA_ROLE=worker (a judging-only host) runs only the RQ workers, against the
# external PostgreSQL and Redis of the main appliance.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=ops/supervisor/env.sh
source "$here/env.sh"

log() { printf '[entrypoint] %s\n' "$*" >&2; }
die() {
    printf '[entrypoint] ERROR: %s\n' "$*" >&2
    exit 1
}

# Nothing of ours runs yet when the container starts, so these are a previous run's: a
# stale postmaster.pid whose pid now belongs to another process would stop PostgreSQL.
clear_stale_files() {
    local run="$ARENA_DATA_DIR/run"
    rm -f "$run/supervisord.pid" "$run/supervisor.sock"
    if [[ $ARENA_POSTGRES_MODE == bundled ]] && ! pgrep -x postgres >/dev/null; then
        rm -f "$ARENA_DATA_DIR/postgres/postmaster.pid" "$run"/postgres/.s.PGSQL.*
    fi
    rm -f /tmp/arena-log-*
}

# The socket's group differs from host to host: give it to the worker's user alone.
grant_docker_socket() {
    local socket=/var/run/docker.sock gid group
    if [[ ! -S $socket ]]; then
        log "WARNING: no Docker socket at $socket: the workers cannot judge (mount it with -v /var/run/docker.sock:/var/run/docker.sock)"
        return 0
    fi
    [[ $ARENA_WORKER_USER == root ]] && return 0
    gid="$(stat -c %g "$socket")"
    group="$(getent group "$gid" | cut -d: -f1)" || true
    if [[ -z $group ]]; then
        group=docker-host
        groupadd --gid "$gid" "$group" 2>/dev/null || groupmod --gid "$gid" "$group"
    fi
    [[ $group == root ]] && log "WARNING: $socket belongs to group root; $ARENA_WORKER_USER joins it"
    id -nG "$ARENA_WORKER_USER" | tr ' ' '\n' | grep -qxF "$group" || usermod -aG "$group" "$ARENA_WORKER_USER"
}

[[ $(id -u) -eq 0 ]] || die "the entrypoint runs as root (it drops privileges per program); do not set --user"
arena_env_check || die "bad settings (see above)"
clear_stale_files
grant_docker_socket
"$here/../bundled-init.sh"
# The secret files are root's (0600); the unprivileged programs get the values instead.
if [[ $ARENA_POSTGRES_MODE == bundled && $ARENA_API_USER != root ]]; then
    ARENA_DATABASE_PASSWORD="$(<"$ARENA_DATABASE_PASSWORD_FILE")"
    export ARENA_DATABASE_PASSWORD
fi
if [[ $ARENA_REDIS_MODE == bundled && $ARENA_API_USER != root ]]; then
    ARENA_REDIS_PASSWORD="$(<"$ARENA_REDIS_PASSWORD_FILE")"
    export ARENA_REDIS_PASSWORD
fi
if [[ $ARENA_ROLE == all && -z ${ARENA_CONSOLE_SECRET:-} && $ARENA_API_USER != root ]]; then
    ARENA_CONSOLE_SECRET="$(<"$ARENA_CONSOLE_SECRET_FILE")"
    export ARENA_CONSOLE_SECRET
fi
log "starting supervisord (role $ARENA_ROLE, PostgreSQL $ARENA_POSTGRES_MODE, Redis $ARENA_REDIS_MODE, $ARENA_WORKERS workers, version ${ARENA_VERSION:-?} ${ARENA_GIT_SHA:-})"
# Not exec'd: when the watchdog stopped supervisord (a program ended FATAL or migrate
# failed), the container must exit non-zero. tini's SIGTERM (docker stop) is passed on.
export ARENA_WATCHDOG_REASON_FILE="$ARENA_DATA_DIR/run/watchdog-stopped"
rm -f "$ARENA_WATCHDOG_REASON_FILE"
"$ARENA_PYTHON" -m supervisor.supervisord --nodaemon -c "$here/supervisord.conf" &
supervisord=$!
trap 'kill -TERM "$supervisord" 2>/dev/null || true' TERM INT
trap 'kill -HUP "$supervisord" 2>/dev/null || true' HUP
status=0
# wait returns early (over 128) when a trapped signal arrives; wait again until it is gone.
while kill -0 "$supervisord" 2>/dev/null; do
    wait "$supervisord" || status=$?
done
if [[ -s $ARENA_WATCHDOG_REASON_FILE ]]; then
    log "exiting with status 1: $(<"$ARENA_WATCHDOG_REASON_FILE")"
    exit 1
fi
log "supervisord exited with status $status"
exit "$status"
