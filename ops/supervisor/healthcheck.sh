#!/usr/bin/env bash
# The image's HEALTHCHECK: /readyz of the API and the console's login page answering
# (ARENA_ROLE=all), or, on a judging-only host (ARENA_ROLE=worker), every worker program
# RUNNING.
set -euo pipefail
if [[ ${ARENA_ROLE:-all} == worker ]]; then
    # supervisorctl status exits non-zero when one of them is not RUNNING.
    exec supervisorctl -c /etc/supervisord.conf status 'worker:*' >/dev/null
else
    curl -fsS -o /dev/null --max-time 4 "http://127.0.0.1:${ARENA_API_PORT:-8000}/readyz"
    exec curl -fsS -o /dev/null --max-time 4 "http://127.0.0.1:${ARENA_CONSOLE_PORT:-8080}/login"
fi
