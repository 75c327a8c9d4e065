#!/usr/bin/env bash
# Proves the wheelhouse installs on its own: a fresh venv, `pip install --no-index
# --require-hashes -r requirements.lock` from the wheelhouse only, `pip check`, and an import
# of every top-level module of every installed distribution. Exits non-zero on any failure.
#
#   ops/offline-wheels/check.sh [WHEELHOUSE]     default: ops/offline-wheels/wheels
# Env: ARENA_CHECK_PYTHON, the CPython 3.11 to build the venv with (default: python3).
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

LOCK="$ARENA_HOME/ops/offline-wheels/requirements.lock"
WHEELS="${1:-$ARENA_HOME/ops/offline-wheels/wheels}"
PYTHON="${ARENA_CHECK_PYTHON:-python3}"
[[ -f $WHEELS/SHA256SUMS ]] || die "$WHEELS has no SHA256SUMS: run ops/offline-wheels/build.sh"
(cd "$WHEELS" && sha256sum --quiet --strict -c SHA256SUMS) || die "$WHEELS does not match its SHA256SUMS"

venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
"$PYTHON" -m venv "$venv" || die "$PYTHON -m venv failed"
# No configured index, mirror or constraint may help: only the wheelhouse.
PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS='' PIP_CONSTRAINT='' "$venv/bin/python" -m pip install \
    --isolated --no-index --find-links "$WHEELS" --require-hashes --only-binary=:all: \
    --disable-pip-version-check --no-input -q -r "$LOCK" || die "installing the wheelhouse failed"
"$venv/bin/python" -m pip check --disable-pip-version-check || die "pip check found broken dependencies"
"$venv/bin/python" - <<'PY' || die "a top-level module does not import"
import importlib, importlib.metadata as md, sys

failed, count = [], 0
for dist in md.distributions():
    if dist.metadata["Name"] in ("pip", "setuptools"):
        continue
    tops = set()
    for path in dist.files or []:
        first = path.parts[0]
        # auditwheel's vendored shared libraries (numpy.libs/) are no module to import.
        if first.endswith((".dist-info", ".data", ".libs")) or first in ("..", "__pycache__"):
            continue
        if len(path.parts) == 1:
            if path.suffix == ".py" or path.name.endswith(".so"):
                tops.add(path.name.split(".")[0])
        elif path.parts[1] == "__init__.py" or path.suffix in (".py", ".so"):
            tops.add(first)
    for name in sorted(tops):
        count += 1
        try:
            importlib.import_module(name)
        except Exception as exc:  # every failure is reported, not only the first
            failed.append(f"{dist.metadata['Name']}: import {name}: {exc!r}")
print(f"imported {count} top-level modules", file=sys.stderr)
sys.exit("\n".join(failed) if failed else 0)
PY
log "wheelhouse OK: installed with --no-index --require-hashes, pip check clean, every top-level module imports"
