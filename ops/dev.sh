#!/usr/bin/env bash
# The developer's entry point, for a Debian bookworm host, as root (DESIGN.md section 10).
#
#   ops/dev.sh up               install what is missing, build the images, start the appliance
#                               in the background (supervisord, embedded default: bundled
#                               PostgreSQL and Redis, data in $ARENA_DATA_DIR, default ./var),
#                               wait until /readyz and the console answer, write the first
#                               admin's token to $ARENA_DATA_DIR/admin.token and console
#                               password to $ARENA_DATA_DIR/admin.password, import catalog/,
#                               grade one sample submission, print the URLs. Again while up:
#                               changes nothing.
#   ops/dev.sh down             stop everything, keeping the data
#   ops/dev.sh status           programs and /readyz of the running instance
#   ops/dev.sh logs [PROGRAM] [-f]   the last lines of a program's log (-f: follow)
#   ops/dev.sh run ARGS...      python -m appliance ARGS... against the running instance
#   ops/dev.sh test [PYTEST ARGS...]  install everything, then shellcheck, ruff, mypy, pytest
#
# Settings come from the environment (ops/supervisor/env.sh lists them); `up` saves them
# in $ARENA_DATA_DIR/run/dev.env so that the other commands see the running instance's.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OPS="$ARENA_HOME/ops"
CONF="$OPS/supervisor/supervisord.conf"
# How many processes run the test files side by side (ops/dev.sh test).
TEST_PROCESSES="${ARENA_TEST_PROCESSES:-2}"
TERMINAL_STATUSES="SUCCESS FAILURE ERROR"

usage() {
    sed -n '3,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# --- the instance's environment -----------------------------------------------------

load_instance_env() {
    # shellcheck source=ops/supervisor/env.sh
    source "$OPS/supervisor/env.sh"
    DEV_ENV="$ARENA_DATA_DIR/run/dev.env"
    if supervisord_pid >/dev/null && [[ -f $DEV_ENV ]]; then
        # shellcheck disable=SC1090
        source "$DEV_ENV"
    fi
    API="http://127.0.0.1:$ARENA_API_PORT"
    CONSOLE="http://127.0.0.1:$ARENA_CONSOLE_PORT"
    LOG_DIR="$ARENA_DATA_DIR/log"
}

save_instance_env() {
    local name
    (
        umask 077
        for name in $(compgen -e | grep '^ARENA_' | sort); do
            printf 'export %s=%q\n' "$name" "${!name}"
        done >"$DEV_ENV"
    )
}

supervisord_pid() {
    local pid
    pid="$(cat "$ARENA_DATA_DIR/run/supervisord.pid" 2>/dev/null)" || return 1
    [[ $pid =~ ^[0-9]+$ ]] && grep -qa supervisord "/proc/$pid/cmdline" 2>/dev/null && printf '%s\n' "$pid"
}

ctl() { "$ARENA_PYTHON" -m supervisor.supervisorctl -c "$CONF" "$@"; }
appliance() { (cd "$ARENA_HOME" && "$ARENA_PYTHON" -m appliance "$@"); }

# --- up -------------------------------------------------------------------------------

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Fails fast where the programs would otherwise crash-loop until the watchdog gives up.
check_ports_free() {
    local name
    local -a names=(ARENA_API_PORT ARENA_CONSOLE_PORT)
    [[ $ARENA_POSTGRES_MODE == bundled ]] && names+=(ARENA_PG_PORT)
    [[ $ARENA_REDIS_MODE == bundled ]] && names+=(ARENA_REDIS_PORT)
    for name in "${names[@]}"; do
        port_in_use "${!name}" && die "port ${!name} ($name) is already in use by another program; stop it or set $name"
    done
    return 0
}

start_supervisord() {
    check_ports_free
    "$OPS/bundled-init.sh"
    log "starting supervisord (data: $ARENA_DATA_DIR, logs: $LOG_DIR)"
    # Not daemonised by the shell: supervisord forks into the background by itself.
    "$ARENA_PYTHON" -m supervisor.supervisord -c "$CONF" \
        || die "supervisord did not start; see $LOG_DIR/supervisord.log"
    save_instance_env
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }
readyz_code() { http_code "$API/readyz"; }
console_code() { http_code "$CONSOLE/login"; }

explain_not_ready() {
    printf '\n--- supervisorctl status\n' >&2
    ctl status >&2 || true
    printf -- '--- GET %s/readyz\n' "$API" >&2
    curl -s --max-time 5 "$API/readyz" >&2 || echo "(no answer)" >&2
    local f
    for f in supervisord watchdog migrate api console; do
        [[ -s $LOG_DIR/$f.log ]] || continue
        printf '\n--- tail %s\n' "$LOG_DIR/$f.log" >&2
        tail -n 15 "$LOG_DIR/$f.log" >&2
    done
    printf '\nAll logs: %s (ops/dev.sh logs PROGRAM)\n' "$LOG_DIR" >&2
}

wait_ready() {
    local timeout="${ARENA_UP_TIMEOUT:-180}" deadline
    deadline=$((SECONDS + timeout))
    log "waiting for $API/readyz and $CONSOLE/login (up to ${timeout} s)"
    while [[ $(readyz_code) != 200 || $(console_code) != 200 ]]; do
        if ! supervisord_pid >/dev/null; then
            explain_not_ready
            die "supervisord stopped (the watchdog stops it when a program fails to start); see the logs above"
        fi
        if ((SECONDS >= deadline)); then
            explain_not_ready
            die "the appliance is not ready after ${timeout} s (ARENA_UP_TIMEOUT); see the logs above"
        fi
        sleep 2
    done
}

ensure_admin_token() {
    local file="$ARENA_DATA_DIR/admin.token" token
    [[ -s $file ]] && return 0
    log "creating the first admin (token in $file)"
    token="$(appliance users create admin --role admin)" \
        || die "users create admin failed; if the admin exists but the token file was lost: ops/dev.sh run users create NAME --role admin > $file"
    [[ -n $token ]] || die "users create admin printed no token"
    (umask 077 && printf '%s\n' "$token" >"$file.tmp")
    mv "$file.tmp" "$file"
}

# Generated once; an existing file is kept (the password may since have been changed in the
# console: the file is then stale, but nothing overwrites the account's password).
ensure_admin_password() {
    local file="$ARENA_DATA_DIR/admin.password" password
    [[ -s $file ]] && return 0
    log "setting the first admin's console password (in $file)"
    password="$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')"
    printf '%s\n' "$password" | appliance users set-password admin --password-stdin \
        || die "users set-password admin failed"
    (umask 077 && printf '%s\n' "$password" >"$file.tmp")
    mv "$file.tmp" "$file"
}

import_catalog() {
    [[ -d $ARENA_HOME/catalog ]] || return 0
    log "importing catalog/"
    appliance catalog import "$ARENA_HOME/catalog" >&2 \
        || die "catalog import failed (the appliance is up: fix the problem and run ops/dev.sh up again)"
}

sample_problem() {
    if [[ -f $ARENA_HOME/catalog/clamp/reference_test.py ]]; then
        echo clamp
        return 0
    fi
    local first
    first="$(find "$ARENA_HOME/catalog" -mindepth 2 -maxdepth 2 -name reference_test.py 2>/dev/null | LC_ALL=C sort | head -n 1)"
    [[ -n $first ]] && basename "$(dirname "$first")"
}

# Posts the problem's reference suite as a submission and polls it to a terminal status.
grade_sample() {
    local slug
    slug="$(sample_problem)" || {
        log "no catalog/*/reference_test.py: no sample submission"
        return 0
    }
    log "grading a sample submission: catalog/$slug/reference_test.py"
    "$ARENA_PYTHON" - "$API" "$ARENA_DATA_DIR/admin.token" "$slug" \
        "$ARENA_HOME/catalog/$slug/reference_test.py" "$TERMINAL_STATUSES" <<'PY' || die "the sample submission did not succeed (ops/dev.sh logs worker)"
import json, sys, time, urllib.error, urllib.request

api, token_file, slug, suite, terminal = sys.argv[1:]
token = open(token_file).read().strip()


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(api + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        sys.exit(f"{method} {path}: HTTP {error.code} {error.read().decode(errors='replace')}")


submission = call("POST", "/api/v1/submissions", {"problem": slug, "code": open(suite).read()})
deadline = time.monotonic() + 300
while submission["status"] not in terminal.split() and time.monotonic() < deadline:
    time.sleep(1)
    submission = call("GET", f"/api/v1/submissions/{submission['id']}")
reason = f" ({submission['reason']})" if submission.get("reason") else ""
print(f"sample submission {submission['id']} on {slug}: {submission['status']}{reason}, "
      f"score {submission.get('score')}", file=sys.stderr)
sys.exit(submission["status"] != "SUCCESS")
PY
}

print_urls() {
    local ip
    ip="$(hostname -I 2>/dev/null | awk '{print $1}')" || true
    cat <<EOF
QA Arena is up.
  API          $API   (OpenAPI: $API/schema/openapi.json, readiness: $API/readyz)
EOF
    [[ -n $ip ]] && echo "               http://$ip:$ARENA_API_PORT from other machines"
    cat <<EOF
  console      $CONSOLE   (user admin, password in $ARENA_DATA_DIR/admin.password)
EOF
    [[ -n $ip ]] && echo "               http://$ip:$ARENA_CONSOLE_PORT from other machines"
    cat <<EOF
  admin token  $ARENA_DATA_DIR/admin.token
  data, logs   $ARENA_DATA_DIR, $LOG_DIR
  next         ops/dev.sh status | logs PROGRAM | run ARGS... | down
EOF
}

cmd_up() {
    [[ $# -eq 0 ]] || usage
    "$OPS/install-host.sh"
    "$OPS/build-images.sh"
    load_instance_env
    arena_env_check || die "bad settings"
    local started=false pid
    if pid="$(supervisord_pid)"; then
        log "already running (supervisord pid $pid); not restarting"
    else
        start_supervisord
        started=true
    fi
    wait_ready
    ensure_admin_token
    ensure_admin_password
    import_catalog
    # A new submission each time would not be "changing nothing" on a second run.
    if $started; then grade_sample; fi
    print_urls
}

# --- down, status, logs, run -------------------------------------------------------------

cmd_down() {
    [[ $# -eq 0 ]] || usage
    load_instance_env
    local pid i
    pid="$(supervisord_pid)" || {
        log "not running (data: $ARENA_DATA_DIR)"
        return 0
    }
    log "stopping supervisord (pid $pid) and its programs; the data stays in $ARENA_DATA_DIR"
    ctl shutdown >/dev/null 2>&1 || kill -TERM "$pid"
    # Programs stop in reverse priority: app programs (worker up to 60 s), then the
    # bundled services (PostgreSQL up to 60 s).
    for ((i = 0; i < 180; i++)); do
        kill -0 "$pid" 2>/dev/null || {
            log "stopped"
            return 0
        }
        sleep 1
    done
    die "supervisord (pid $pid) is still running after 180 s; see $LOG_DIR/supervisord.log"
}

cmd_status() {
    [[ $# -eq 0 ]] || usage
    load_instance_env
    local pid
    pid="$(supervisord_pid)" || {
        echo "not running (data: $ARENA_DATA_DIR)"
        return 3
    }
    echo "supervisord pid $pid, data $ARENA_DATA_DIR"
    ctl status || true
    printf 'GET %s/readyz: ' "$API"
    curl -s --max-time 5 -w ' (HTTP %{http_code})\n' "$API/readyz" || echo "no answer"
}

cmd_logs() {
    load_instance_env
    local follow=() program="" files
    while [[ $# -gt 0 ]]; do
        case "$1" in
            -f) follow=(-F) ;;
            -*) usage ;;
            *) program="$1" ;;
        esac
        shift
    done
    if [[ -z $program ]]; then
        echo "logs in $LOG_DIR:"
        find "$LOG_DIR" -maxdepth 1 -name '*.log' -printf '  %f\n' 2>/dev/null | sed 's/\.log$//' | LC_ALL=C sort
        return 0
    fi
    mapfile -t files < <(find "$LOG_DIR" -maxdepth 1 \( -name "$program.log" -o -name "$program-[0-9][0-9].log" \) 2>/dev/null | LC_ALL=C sort)
    [[ ${#files[@]} -gt 0 ]] || die "no log for '$program' in $LOG_DIR (ops/dev.sh logs lists them)"
    exec tail -n 200 "${follow[@]}" "${files[@]}"
}

cmd_run() {
    [[ $# -gt 0 ]] || usage
    load_instance_env
    supervisord_pid >/dev/null || die "the dev instance is not running: ops/dev.sh up"
    cd "$ARENA_HOME"
    exec "$ARENA_PYTHON" -m appliance "$@"
}

# --- test ---------------------------------------------------------------------------------

# Every step runs, so one run reports all problems; any failure fails the whole.
cmd_test() {
    "$OPS/install-host.sh" --dev
    "$OPS/build-images.sh"
    cd "$ARENA_HOME"
    export PATH="$ARENA_VENV/bin:$PATH"
    export ARENA_JUDGE_IMAGE="${ARENA_JUDGE_IMAGE:-arena/judge:latest}"
    local scripts failed=()
    mapfile -t scripts < <({ find ops -name '*.sh' && ls ops/arenactl .ci/run 2>/dev/null; } | LC_ALL=C sort)
    run_step shellcheck shellcheck -x "${scripts[@]}" || failed+=(shellcheck)
    run_step "ruff check" ruff check . || failed+=("ruff check")
    run_step "ruff format" ruff format --check . || failed+=("ruff format")
    # The checked folders are pyproject.toml's [tool.mypy] files (appliance, ui, the client...).
    run_step mypy mypy || failed+=(mypy)
    # pytest's exit code 5 (no tests collected) is a failure like any other non-zero.
    if [[ $# -gt 0 ]]; then
        run_step pytest python -m pytest "$@" || failed+=(pytest)
    else
        # The whole suite: test files spread over parallel processes (each with its own
        # PostgreSQL, Redis and browser; they share Docker), then the tests that restart
        # the Docker daemon, alone. The slowest tests are listed to keep an eye on.
        run_step "pytest (parallel)" python -m pytest -n "$TEST_PROCESSES" --dist loadfile \
            -m "not exclusive" --durations=25 || failed+=("pytest (parallel)")
        run_step "pytest (alone)" python -m pytest -m exclusive || failed+=("pytest (alone)")
    fi
    if [[ ${#failed[@]} -gt 0 ]]; then
        die "failed: ${failed[*]}"
    fi
    log "all checks passed"
}

run_step() {
    local name="$1" rc=0
    shift
    printf '\n=== %s: %s\n' "$name" "$*" >&2
    "$@" || rc=$?
    [[ $rc -eq 0 ]] || printf '=== %s failed (exit %s)\n' "$name" "$rc" >&2
    return "$rc"
}

command="${1:-}"
[[ $# -gt 0 ]] && shift
case "$command" in
    up) require_root && cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    logs) cmd_logs "$@" ;;
    run) cmd_run "$@" ;;
    test) require_root && cmd_test "$@" ;;
    *) usage ;;
esac
