#!/usr/bin/env bash
# The appliance image's command (under tini, as root): first-boot setup of the data
# directory, then supervisord in the foreground with the same configuration as ops/dev.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=ops/supervisor/env.sh
source "$here/env.sh"
arena_env_check
"$here/../bundled-init.sh"
exec "$ARENA_PYTHON" -m supervisor.supervisord --nodaemon -c "$here/supervisord.conf"
