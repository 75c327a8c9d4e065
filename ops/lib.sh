# shellcheck shell=bash
# Helpers shared by the ops scripts. Source it; it does not run anything by itself.

ARENA_HOME="${ARENA_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export ARENA_HOME
export ARENA_VENV="$ARENA_HOME/.venv"
export ARENA_CACHE_DIR="${ARENA_CACHE_DIR:-/var/cache/arena}"

log() { printf '%s %s\n' "[${0##*/}]" "$*" >&2; }
die() {
    printf '%s ERROR: %s\n' "[${0##*/}]" "$*" >&2
    exit 1
}

require_root() {
    [[ $(id -u) -eq 0 ]] || die "run me as root (it installs packages, starts dockerd and PostgreSQL as user postgres)"
}

# Installed means dpkg says "install ok installed"; anything else (absent, half-configured) gets installed.
missing_packages() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$pkg"
    done
}

apt_install_missing() {
    local missing
    mapfile -t missing < <(missing_packages "$@")
    [[ ${#missing[@]} -eq 0 ]] && return 0
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
}

docker_answers() { timeout 20 docker info >/dev/null 2>&1; }

# Debian's docker.io starts the daemon through systemd on a normal host; containers and
# CI machines have no init system, so there we run dockerd ourselves, detached.
ensure_dockerd() {
    docker_answers && return 0
    command -v dockerd >/dev/null || die "dockerd is not installed: run ops/install-host.sh"
    if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
        log "starting docker.service"
        systemctl start docker || die "systemctl start docker failed: see journalctl -u docker"
    else
        local logfile=/var/log/arena-dockerd.log
        log "no Docker daemon answers; starting dockerd in the background (log: $logfile)"
        setsid dockerd >>"$logfile" 2>&1 </dev/null &
    fi
    local i
    for ((i = 0; i < 60; i++)); do
        docker_answers && return 0
        sleep 1
    done
    die "dockerd did not answer within 60 s; see /var/log/arena-dockerd.log (or journalctl -u docker)"
}

# sha256 of a list of files (names and contents); missing files hash as absent.
files_hash() {
    local f
    for f in "$@"; do
        printf '%s\n' "$f"
        if [[ -f $f ]]; then sha256sum <"$f"; else echo absent; fi
    done | sha256sum | cut -d' ' -f1
}
