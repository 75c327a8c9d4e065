#!/usr/bin/env bash
# Prepares $ARENA_DATA_DIR before supervisord starts, idempotently (run as root):
#   log/ and run/ always; exports/ too, where workers write metrics exports that the API
#     serves and the scheduler deletes once expired (setgid, the group of both users);
#   bundled PostgreSQL (no ARENA_DATABASE_URL): a PostgreSQL 15 cluster in postgres/ owned
#     by user postgres, superuser "arena" with the password generated on first boot in
#     secrets/postgres-password (mode 0600, never overwritten; scram-sha-256 on 127.0.0.1,
#     the only address the server listens on), trust only on the Unix socket in
#     run/postgres (a directory only postgres and root can enter), and the database "arena";
#   bundled Redis (no ARENA_REDIS_URL): redis/ owned by user redis, and the password
#     generated on first boot in secrets/redis-password (0600, never overwritten), given to
#     the server through run/redis/redis.conf (readable by redis alone).
#   the console (ARENA_ROLE=all), whatever the mode: the secret signing its session cookies,
#     generated on first boot in secrets/console-secret (ARENA_CONSOLE_SECRET_FILE; 0600,
#     never overwritten), and console/, where it keeps its sessions (its user's alone).
# Used by ops/dev.sh up and by the appliance image's entrypoint (ops/supervisor/entrypoint.sh).
set -euo pipefail
# shellcheck source=ops/supervisor/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/supervisor/env.sh"

DATA="$ARENA_DATA_DIR"
PGDATA="$DATA/postgres"
PGSOCK="$DATA/run/postgres"
INIT_LOG="$DATA/log/bundled-init.log"
# Written into the cluster once the database exists, so a wiped cluster is set up again.
DB_MARKER="$PGDATA/ARENA_DATABASE_CREATED"
SECRETS="$DATA/secrets"
PG_PASSWORD_FILE="${ARENA_DATABASE_PASSWORD_FILE:-$SECRETS/postgres-password}"
REDIS_PASSWORD_FILE="${ARENA_REDIS_PASSWORD_FILE:-$SECRETS/redis-password}"
# The sha256 of the password the "arena" role was last given, so a changed file is applied.
PASSWORD_MARKER="$PGDATA/ARENA_PASSWORD_SHA256"

log() { printf '[bundled-init] %s\n' "$*" >&2; }
die() {
    printf '[bundled-init] ERROR: %s\n' "$*" >&2
    exit 1
}

as_user() { runuser -u "$1" -- "${@:2}"; }

# A directory the service user owns; chown -R only when the top is someone else's
# (e.g. data restored by a host whose postgres uid differs).
owned_dir() {
    local user="$1" dir="$2"
    mkdir -p "$dir"
    [[ $(stat -c %U "$dir") == "$user" ]] || chown -R "$user:$user" "$dir"
}

check_reachable() {
    local user="$1"
    id -u "$user" >/dev/null 2>&1 || die "user $user does not exist (is its Debian package installed? run ops/install-host.sh)"
    as_user "$user" test -x "$DATA" \
        || die "user $user cannot reach $DATA (every parent directory needs o+x); choose another ARENA_DATA_DIR"
}

pg() { as_user postgres "$ARENA_PG_BIN/$1" "${@:2}"; }

init_cluster() {
    if [[ -s $PGDATA/PG_VERSION ]]; then
        [[ $(<"$PGDATA/PG_VERSION") == 15 ]] || die "$PGDATA holds a PostgreSQL $(<"$PGDATA/PG_VERSION") cluster, this appliance runs 15"
        return 0
    fi
    [[ -z $(ls -A "$PGDATA") ]] || die "$PGDATA is neither empty nor a PostgreSQL cluster; move it away"
    log "creating the PostgreSQL cluster in $PGDATA (log: $INIT_LOG)"
    pg initdb -D "$PGDATA" -U arena --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >>"$INIT_LOG" 2>&1 \
        || die "initdb failed; see $INIT_LOG"
}

# Generated once; an existing file (the operator's own, or an earlier boot's) is kept.
ensure_secret() {
    local file="$1"
    [[ -s $file ]] && return 0
    mkdir -p "$(dirname "$file")"
    chmod 0700 "$(dirname "$file")"
    log "generating ${file#"$DATA"/}"
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$file.tmp")
    mv "$file.tmp" "$file"
}

password_hash() { sha256sum <"$PG_PASSWORD_FILE" | cut -d' ' -f1; }

# Loopback connections need the password; the socket directory is private to postgres.
write_hba() {
    as_user postgres tee "$PGDATA/pg_hba.conf" >/dev/null <<'HBA'
# Written by ops/bundled-init.sh at every start; edits are lost.
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   scram-sha-256
host    all       all   ::1/128        scram-sha-256
HBA
}

# A private server (no TCP, socket in run/postgres) just long enough to create the database
# and set the role's password.
create_database() {
    [[ -f $DB_MARKER && $(cat "$PASSWORD_MARKER" 2>/dev/null) == "$(password_hash)" ]] && return 0
    log "setting up database arena and the password of role arena"
    pg pg_ctl -D "$PGDATA" -w -t 60 -l "$INIT_LOG" \
        -o "-c listen_addresses='' -k $PGSOCK -p $ARENA_PG_PORT" start >/dev/null \
        || die "could not start PostgreSQL on $PGDATA (is one already running there?); see $INIT_LOG"
    trap 'pg pg_ctl -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true' EXIT
    local exists
    exists="$(pg psql -h "$PGSOCK" -p "$ARENA_PG_PORT" -U arena -d template1 -XtAc \
        "SELECT 1 FROM pg_database WHERE datname = 'arena'")" || die "psql failed; see $INIT_LOG"
    [[ $exists == 1 ]] || pg createdb -h "$PGSOCK" -p "$ARENA_PG_PORT" -U arena --maintenance-db=template1 arena || die "createdb arena failed"
    # Sent on stdin, not on a command line; quotes doubled for an operator's own password.
    local password
    password="$(<"$PG_PASSWORD_FILE")"
    printf "ALTER ROLE arena PASSWORD '%s';\n" "${password//\'/\'\'}" \
        | pg psql -h "$PGSOCK" -p "$ARENA_PG_PORT" -U arena -d template1 -Xq -v ON_ERROR_STOP=1 \
        || die "could not set the password of role arena"
    pg pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null || die "could not stop the private PostgreSQL; see $INIT_LOG"
    trap - EXIT
    as_user postgres touch "$DB_MARKER"
    password_hash | as_user postgres tee "$PASSWORD_MARKER" >/dev/null
}

init_postgres() {
    [[ -x $ARENA_PG_BIN/postgres ]] || die "no PostgreSQL 15 in $ARENA_PG_BIN (install postgresql-15: ops/install-host.sh)"
    check_reachable postgres
    owned_dir postgres "$PGDATA"
    chmod 0700 "$PGDATA"
    owned_dir postgres "$PGSOCK"
    chmod 0700 "$PGSOCK"
    # pg_ctl, running as postgres, appends its server log here too.
    touch "$INIT_LOG"
    chown postgres "$INIT_LOG"
    ensure_secret "$PG_PASSWORD_FILE"
    init_cluster
    write_hba
    create_database
}

init_redis() {
    command -v redis-server >/dev/null || die "redis-server is not installed (ops/install-host.sh)"
    check_reachable redis
    owned_dir redis "$DATA/redis"
    ensure_secret "$REDIS_PASSWORD_FILE"
    owned_dir redis "$DATA/run/redis"
    chmod 0700 "$DATA/run/redis"
    # Rewritten at every start from the secret; quotes and backslashes escaped for Redis.
    local password
    password="$(<"$REDIS_PASSWORD_FILE")"
    password="${password//\\/\\\\}"
    printf 'requirepass "%s"\n' "${password//\"/\\\"}" | as_user redis tee "$DATA/run/redis/redis.conf" >/dev/null
    chmod 0600 "$DATA/run/redis/redis.conf"
}

# An operator's own ARENA_CONSOLE_SECRET wins over the file, which is then never read.
init_console() {
    [[ -n ${ARENA_CONSOLE_SECRET:-} ]] || ensure_secret "$ARENA_CONSOLE_SECRET_FILE"
    install -d -o "$ARENA_API_USER" -g "$(id -gn "$ARENA_API_USER")" -m 0700 "$DATA/console"
}

[[ $(id -u) -eq 0 ]] || die "run me as root: the bundled services run as users postgres and redis"
mkdir -p "$DATA/log" "$DATA/run"
chmod 0755 "$DATA" "$DATA/log" "$DATA/run"
install -d -o "$ARENA_WORKER_USER" -g "$(id -gn "$ARENA_API_USER")" -m 2770 "$DATA/exports"
# Commands run as other users keep the working directory; make sure they can read it.
cd "$DATA"
[[ $ARENA_POSTGRES_MODE == bundled ]] && init_postgres
[[ $ARENA_REDIS_MODE == bundled ]] && init_redis
[[ $ARENA_ROLE == all ]] && init_console
exit 0
