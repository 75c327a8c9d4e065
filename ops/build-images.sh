#!/usr/bin/env bash
# Builds the Docker images the appliance needs, skipping whatever is already current:
#   1. the base image: python:3.11-slim-bookworm when it is here or can be pulled, else
#      arena/base:bookworm built with debootstrap from this host's Debian mirror (its root
#      filesystem tarball is cached in $ARENA_CACHE_DIR, default /var/cache/arena);
#   2. the judge wheels (judge/wheels, from judge/requirements.txt), fetched on the host
#      because the package index is not reachable from inside a build (DESIGN.md 11);
#   3. the judge image ($ARENA_JUDGE_IMAGE, default arena/judge:latest, also tagged
#      arena/judge:$VERSION): judge/Dockerfile with the runner package judge/runner/, rebuilt
#      only when the judge/ sources or the base image changed (label arena.build-hash);
#   4. the offline wheelhouse (ops/offline-wheels/build.sh);
#   5. the appliance image arena/appliance:$VERSION, also tagged arena/appliance:latest,
#      from the Dockerfile at the root, rebuilt only when its inputs (the files it copies,
#      the lock, the base image, the version and git sha) changed (label arena.build-hash).
# VERSION is appliance.__version__ unless ARENA_VERSION is set; ARENA_GIT_SHA overrides the
# git sha the appliance image reports (default: git rev-parse HEAD, "-dirty" when its inputs
# have uncommitted changes).
# Prints nothing on stdout. ARENA_BASE_IMAGE forces a base image; ARENA_DEBIAN_MIRROR
# overrides the mirror read from /etc/apt/sources.list{,.d/*}.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

UPSTREAM_BASE=python:3.11-slim-bookworm
OUR_BASE=arena/base:bookworm
JUDGE_IMAGE="${ARENA_JUDGE_IMAGE:-arena/judge:latest}"
APPLIANCE_REPO=arena/appliance
# What the appliance image copies (see .dockerignore), besides the wheelhouse.
APPLIANCE_INPUTS=(Dockerfile .dockerignore ops/offline-wheels/requirements.lock appliance ui migrations catalog
    ops/bundled-init.sh ops/supervisor)

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The first enabled "deb" source for suite bookworm, in deb822 (*.sources) or one-line
# (*.list) format. Only mirrors this host already trusts are used; none is hard-coded.
debian_mirror() {
    if [[ -n ${ARENA_DEBIAN_MIRROR:-} ]]; then
        printf '%s\n' "$ARENA_DEBIAN_MIRROR"
        return
    fi
    local files=()
    [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
    shopt -s nullglob
    files+=(/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
    shopt -u nullglob
    [[ ${#files[@]} -gt 0 ]] || return 1
    awk '
        function has(list, word,   n, i, a) { n = split(list, a, /[ \t]+/); for (i = 1; i <= n; i++) if (a[i] == word) return 1; return 0 }
        function flush() {
            if (has(types, "deb") && has(suites, "bookworm") && tolower(enabled) != "no" && uris != "") { split(uris, u, /[ \t]+/); print u[1] }
            types = ""; uris = ""; suites = ""; enabled = ""
        }
        FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
        /^[ \t]*#/ { next }
        !deb822 {
            line = $0; gsub(/\[[^]]*\]/, " ", line); n = split(line, f, /[ \t]+/)
            j = (f[1] == "") ? 2 : 1
            if (f[j] == "deb" && f[j + 2] == "bookworm") print f[j + 1]
            next
        }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ { next }
        {
            key = tolower($0); sub(/:.*/, "", key); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
            if (key == "types") types = val; else if (key == "uris") uris = val
            else if (key == "suites") suites = val; else if (key == "enabled") enabled = val
        }
        END { flush() }
    ' "${files[@]}" | head -n 1 | grep .
}

debootstrap_tarball() {
    local tarball="$1" mirror root
    mirror="$(debian_mirror)" || die "no 'deb ... bookworm' source found in /etc/apt/sources.list or /etc/apt/sources.list.d/*; set ARENA_DEBIAN_MIRROR"
    command -v debootstrap >/dev/null || die "debootstrap is not installed: run ops/install-host.sh"
    mkdir -p "$ARENA_CACHE_DIR"
    root="$(mktemp -d "$ARENA_CACHE_DIR/rootfs.XXXXXX")"
    # mktemp makes the directory 0700, and it becomes the image's "/".
    chmod 0755 "$root"
    log "debootstrap bookworm from $mirror (a few minutes; log: $ARENA_CACHE_DIR/debootstrap.log)"
    if ! debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
        bookworm "$root" "$mirror" >"$ARENA_CACHE_DIR/debootstrap.log" 2>&1; then
        rm -rf "$root"
        tail -n 20 "$ARENA_CACHE_DIR/debootstrap.log" >&2
        die "debootstrap failed; see $ARENA_CACHE_DIR/debootstrap.log"
    fi
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . >"$tarball.tmp"
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
}

build_our_base() {
    local tarball="$ARENA_CACHE_DIR/base-bookworm.tar"
    [[ -s $tarball ]] || debootstrap_tarball "$tarball"
    log "importing $tarball as $OUR_BASE"
    docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/bin/bash"]' \
        "$tarball" "$OUR_BASE" >/dev/null || die "docker import of $tarball failed"
}

# Prints the base image to use. Images already here win over a pull, so repeated runs do
# not flip between bases (and rebuild the judge) when a registry comes and goes.
base_image() {
    if [[ -n ${ARENA_BASE_IMAGE:-} ]]; then
        image_exists "$ARENA_BASE_IMAGE" || die "ARENA_BASE_IMAGE=$ARENA_BASE_IMAGE is not a local image"
        printf '%s\n' "$ARENA_BASE_IMAGE"
        return
    fi
    local image
    for image in "$UPSTREAM_BASE" "$OUR_BASE"; do
        image_exists "$image" && { printf '%s\n' "$image"; return; }
    done
    log "trying docker pull $UPSTREAM_BASE"
    if timeout 300 docker pull -q "$UPSTREAM_BASE" >/dev/null 2>&1; then
        printf '%s\n' "$UPSTREAM_BASE"
        return
    fi
    log "no registry answers; building $OUR_BASE instead"
    build_our_base
    printf '%s\n' "$OUR_BASE"
}

fetch_judge_wheels() {
    local req=judge/requirements.txt dir=judge/wheels want python="$ARENA_VENV/bin/python"
    [[ -f $req ]] || die "$req is missing"
    [[ -x $python ]] || python=python3
    want="$(files_hash "$req")"
    [[ $(cat "$dir/.arena-requirements" 2>/dev/null) == "$want" ]] && return 0
    log "downloading the judge wheels into $dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    "$python" -m pip download --disable-pip-version-check --no-input -q -r "$req" -d "$dir" \
        --only-binary=:all: --python-version 3.11 --platform manylinux2014_x86_64 --implementation cp \
        >&2 || die "pip download -r $req failed"
    printf '%s\n' "$want" >"$dir/.arena-requirements"
}

# Every file of judge/ (the Dockerfile, .dockerignore, the runner package judge/runner/)
# but the documentation, byte code and the wheels (requirements.txt covers those), plus the
# base image's id.
judge_build_hash() {
    local base_id files
    base_id="$(docker image inspect -f '{{.Id}}' "$1")"
    mapfile -t files < <(find judge -type f ! -path 'judge/wheels/*' ! -path '*/__pycache__/*' \
        ! -name '*.pyc' ! -name '*.md' | LC_ALL=C sort)
    { printf '%s\n' "$base_id"; files_hash "${files[@]}"; } | sha256sum | cut -d' ' -f1
}

build_judge_image() {
    local base="$1" want current
    [[ -f judge/Dockerfile ]] || die "judge/Dockerfile is missing"
    [[ -f judge/runner/__main__.py ]] || die "judge/runner/ (the runner package) is missing"
    want="$(judge_build_hash "$base")"
    current="$(docker image inspect -f '{{index .Config.Labels "arena.build-hash"}}' "$JUDGE_IMAGE" 2>/dev/null || true)"
    if [[ $current == "$want" ]]; then
        log "$JUDGE_IMAGE is up to date"
        return 0
    fi
    log "building $JUDGE_IMAGE on $base"
    local previous
    previous="$(docker image inspect -f '{{.Id}}' "$JUDGE_IMAGE" 2>/dev/null || true)"
    docker build --build-arg "BASE_IMAGE=$base" --label "arena.build-hash=$want" -t "$JUDGE_IMAGE" judge/ >&2 \
        || die "docker build of $JUDGE_IMAGE failed (judge/Dockerfile)"
    # The image it replaces is left untagged; drop it unless a container still uses it.
    [[ -z $previous || $previous == "$(docker image inspect -f '{{.Id}}' "$JUDGE_IMAGE")" ]] \
        || docker image rm "$previous" >/dev/null 2>&1 || true
}

version() {
    if [[ -n ${ARENA_VERSION:-} ]]; then
        printf '%s\n' "$ARENA_VERSION"
        return
    fi
    sed -n 's/^__version__ = "\(.*\)"$/\1/p' appliance/__init__.py | grep . \
        || die "no __version__ in appliance/__init__.py"
}

git_sha() {
    if [[ -n ${ARENA_GIT_SHA:-} ]]; then
        printf '%s\n' "$ARENA_GIT_SHA"
        return
    fi
    local sha
    sha="$(git rev-parse HEAD 2>/dev/null)" || {
        echo unknown
        return
    }
    if [[ -n $(git status --porcelain -- "${APPLIANCE_INPUTS[@]}" 2>/dev/null) ]]; then sha="$sha-dirty"; fi
    printf '%s\n' "$sha"
}

appliance_build_hash() {
    local files
    mapfile -t files < <(find "${APPLIANCE_INPUTS[@]}" -type f ! -path '*/__pycache__/*' ! -name '*.pyc' | LC_ALL=C sort)
    { printf '%s\n' "$(docker image inspect -f '{{.Id}}' "$1")" "$2" "$3"; files_hash "${files[@]}"; } \
        | sha256sum | cut -d' ' -f1
}

build_appliance_image() {
    local base="$1" version="$2" sha want current image="$APPLIANCE_REPO:$2" previous
    sha="$(git_sha)"
    want="$(appliance_build_hash "$base" "$version" "$sha")"
    current="$(docker image inspect -f '{{index .Config.Labels "arena.build-hash"}}' "$image" 2>/dev/null || true)"
    if [[ $current == "$want" ]]; then
        log "$image is up to date"
    else
        log "building $image on $base (git $sha)"
        previous="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
        docker build --build-arg "BASE_IMAGE=$base" --build-arg "ARENA_VERSION=$version" \
            --build-arg "GIT_SHA=$sha" --label "arena.build-hash=$want" -t "$image" . >&2 \
            || die "docker build of $image failed (Dockerfile)"
        [[ -z $previous || $previous == "$(docker image inspect -f '{{.Id}}' "$image")" ]] \
            || docker image rm "$previous" >/dev/null 2>&1 || true
    fi
    docker tag "$image" "$APPLIANCE_REPO:latest"
}

cd "$ARENA_HOME"
docker_answers || die "no Docker daemon answers: run ops/install-host.sh first"
base="$(base_image)"
log "base image: $base"
version="$(version)"
fetch_judge_wheels
build_judge_image "$base"
docker tag "$JUDGE_IMAGE" "${JUDGE_IMAGE%:*}:$version"
"$ARENA_HOME/ops/offline-wheels/build.sh"
build_appliance_image "$base" "$version"
