#!/usr/bin/env bash
# Installs what the appliance needs on a Debian bookworm host, idempotently: the Debian
# packages that are missing (and Debian's docker-compose when no Compose v2 plugin is
# there), a running Docker daemon, and the Python venv in .venv (refreshed when
# requirements*.txt changed).
#
# Usage: ops/install-host.sh [--dev]     --dev: also the development and test tools
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dev=false
case "${1:-}" in
    --dev) dev=true ;;
    "") ;;
    *) die "usage: ops/install-host.sh [--dev]" ;;
esac

# fonts-nanum: the Korean font the metrics PDF embeds (also in the appliance image).
packages=(docker.io redis-server debootstrap postgresql-15 python3-venv curl ca-certificates fonts-nanum)
# poppler-utils: the tests read the PDF export back (pdftotext) and render it (pdftoppm).
# prometheus: the tests run the binary themselves, to pull per-model latency from.
# chromium, chromium-driver: the console's browser tests (tests/ui/browser, selenium).
$dev && packages+=(shellcheck poppler-utils prometheus chromium chromium-driver)

# The stamp holds one line per installed requirement set, "<set> <hash of its files>".
venv_stamp="$ARENA_VENV/.arena-requirements"

venv_is_current() {
    local line="$1"
    [[ -x $ARENA_VENV/bin/python ]] && "$ARENA_VENV/bin/python" -c '' 2>/dev/null \
        && grep -qxF "$line" "$venv_stamp" 2>/dev/null
}

create_venv() {
    local python="${ARENA_BOOTSTRAP_PYTHON:-python3}"
    "$python" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' 2>/dev/null \
        || die "$python is missing or older than 3.11 (set ARENA_BOOTSTRAP_PYTHON to a Python 3.11 interpreter)"
    log "creating the Python venv in $ARENA_VENV with $(command -v "$python")"
    "$python" -m venv --clear "$ARENA_VENV" || die "python3 -m venv failed (is python3-venv installed?)"
}

pip_install() {
    log "installing Python requirements from ${1#"$ARENA_HOME"/} into .venv"
    "$ARENA_VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$1" \
        || die "pip install -r $1 failed"
}

ensure_venv() {
    local runtime="$ARENA_HOME/requirements.txt" devreq="$ARENA_HOME/requirements-dev.txt"
    [[ -f $runtime ]] || die "$runtime is missing"
    local want_rt want_dev
    want_rt="runtime $(files_hash "$runtime")"
    want_dev="dev $(files_hash "$runtime" "$devreq")"
    if $dev; then venv_is_current "$want_dev" && return 0; else venv_is_current "$want_rt" && return 0; fi
    "$ARENA_VENV/bin/python" -c '' 2>/dev/null || create_venv
    pip_install "$runtime"
    printf '%s\n' "$want_rt" >"$venv_stamp"
    if $dev; then
        [[ -f $devreq ]] || die "$devreq is missing"
        pip_install "$devreq"
        printf '%s\n' "$want_dev" >>"$venv_stamp"
    fi
}

# ops/arenactl and compose.prod.yml use `docker compose` (v2) or else docker-compose 1.29.
compose_packages() { docker compose version >/dev/null 2>&1 || echo docker-compose; }

# Debian's prometheus package enables and starts its own service; the tests need only the
# binary. Stopped and disabled when this script installed it (a Prometheus the host already
# ran is left alone), so no host keeps a Prometheus on port 9090 it never asked for.
quiet_prometheus() {
    [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null || return 0
    log "stopping and disabling the prometheus service (the tests run the binary themselves)"
    systemctl disable --now prometheus >/dev/null 2>&1 || die "systemctl disable --now prometheus failed"
}

require_root
new_prometheus=false
$dev && [[ -n $(missing_packages prometheus) ]] && new_prometheus=true
apt_install_missing "${packages[@]}"
$new_prometheus && quiet_prometheus
mapfile -t compose < <(compose_packages)
[[ ${#compose[@]} -eq 0 ]] || apt_install_missing "${compose[@]}"
ensure_dockerd
ensure_venv
log "host ready (venv: ${ARENA_VENV#"$ARENA_HOME"/}$($dev && echo ', with dev tools'))"
