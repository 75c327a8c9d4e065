# The appliance image (DESIGN.md 2 and 10): API, admin console, RQ workers, scheduler,
# migrations and the bundled PostgreSQL 15 and Redis, run by supervisord under tini.
#
# Build from the repository root after ops/offline-wheels/build.sh (ops/build-images.sh does both):
#   docker build --build-arg BASE_IMAGE=arena/base:bookworm --build-arg ARENA_VERSION=0.1.0 \
#       --build-arg GIT_SHA=$(git rev-parse HEAD) -t arena/appliance:0.1.0 .
# BASE_IMAGE is python:3.11-slim-bookworm (the default, python in /usr/local/bin) or the
# debootstrap image arena/base:bookworm (Debian's python3 3.11 in /usr/bin, PEP 668
# managed): either way the Python packages go into the venv /opt/arena/venv, ONLY from the
# wheelhouse and checked against requirements.lock's hashes (the package index is not
# reachable from inside a build, nor on the hosts this image is for).
#
# Run (bundled PostgreSQL and Redis, data in the volume):
#   docker run -d --name arena -p 8000:8000 -p 8080:8080 -v arena-data:/var/lib/arena \
#       -v /var/run/docker.sock:/var/run/docker.sock arena/appliance:latest
#   docker exec arena python -m appliance users create admin --role admin   # prints a token
#   echo 'a long password' | docker exec -i arena python -m appliance users set-password admin --password-stdin
#   docker exec arena supervisorctl status
# The console is then on http://HOST:8080 (its session secret is generated on first boot in
# the volume, secrets/console-secret; -e ARENA_CONSOLE_SECRET=... overrides it).
# (`docker exec` runs as root: it reads the bundled services' passwords from
# ARENA_DATABASE_PASSWORD_FILE and ARENA_REDIS_PASSWORD_FILE, ignored when the URLs are set.)
# External services: -e ARENA_DATABASE_URL=postgresql://... -e ARENA_REDIS_URL=redis://...
# A judging-only second host: the same plus -e ARENA_ROLE=worker (no API, no bundled services).

ARG BASE_IMAGE=python:3.11-slim-bookworm

# --- build stage: the venv, from the wheelhouse only; the wheels never reach the final image
FROM ${BASE_IMAGE} AS venv
COPY ops/offline-wheels/requirements.lock /build/requirements.lock
COPY ops/offline-wheels/wheels/ /build/wheels/
RUN python3 -m venv /opt/arena/venv \
    && /opt/arena/venv/bin/python -m pip install --no-index --find-links /build/wheels \
        --require-hashes --only-binary=:all: --no-cache-dir --disable-pip-version-check \
        -r /build/requirements.lock \
    && /opt/arena/venv/bin/python -m pip check --disable-pip-version-check \
    && /opt/arena/venv/bin/python -m pip uninstall -y --disable-pip-version-check pip setuptools \
    && /opt/arena/venv/bin/python -m compileall -q /opt/arena/venv/lib

# --- final image -----------------------------------------------------------------------
FROM ${BASE_IMAGE}
ARG ARENA_VERSION=0.0.0
ARG GIT_SHA=unknown
LABEL org.opencontainers.image.title="arena-appliance" \
      org.opencontainers.image.description="QA Arena appliance: grades pytest suites by mutation testing in Docker sandboxes" \
      org.opencontainers.image.vendor="QA Arena" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${ARENA_VERSION}" \
      org.opencontainers.image.revision="${GIT_SHA}"

# Debian's PostgreSQL 15 (without the default cluster: ours lives in the data volume),
# Redis, the Korean fonts of the console's PDF exports, tini as PID 1; curl for the
# healthcheck, procps for operators. Fixed ids for the service users, so that the data
# volume's ownership survives a rebuild: arena runs the API, the scheduler and migrate;
# arena-worker, the only one that may reach the Docker socket, the RQ workers.
RUN groupadd --system --gid 901 postgres \
    && useradd --system --uid 901 --gid 901 --home-dir /var/lib/postgresql --no-create-home --shell /bin/bash postgres \
    && groupadd --system --gid 902 redis \
    && useradd --system --uid 902 --gid 902 --home-dir /var/lib/redis --no-create-home --shell /usr/sbin/nologin redis \
    && groupadd --system --gid 903 arena \
    && useradd --system --uid 903 --gid 903 --home-dir /var/lib/arena --no-create-home --shell /usr/sbin/nologin arena \
    && useradd --system --uid 904 --gid 903 --home-dir /var/lib/arena --no-create-home --shell /usr/sbin/nologin arena-worker \
    && mkdir -p /etc/postgresql-common \
    && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        postgresql-15 redis-server fonts-nanum tini curl procps \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /usr/share/doc/* /usr/share/man/* \
    # PostgreSQL's JIT (LLVM and Z3, a third of the image) is never used: the bundled
    # server runs with jit=off. Message translations go too.
    && rm -rf /usr/lib/x86_64-linux-gnu/libLLVM-*.so* /usr/lib/x86_64-linux-gnu/libz3.so* \
        /usr/lib/postgresql/15/lib/llvmjit* /usr/lib/postgresql/15/lib/bitcode /usr/share/locale/*

COPY --from=venv /opt/arena/venv /opt/arena/venv
COPY appliance/ /opt/arena/app/appliance/
COPY ui/ /opt/arena/app/ui/
COPY migrations/ /opt/arena/app/migrations/
COPY catalog/ /opt/arena/app/catalog/
COPY ops/bundled-init.sh /opt/arena/app/ops/
COPY ops/supervisor/ /opt/arena/app/ops/supervisor/
# `supervisorctl status` inside the container finds the configuration here.
COPY ops/supervisor/supervisorctl.conf /etc/supervisord.conf
RUN /opt/arena/venv/bin/python -m compileall -q /opt/arena/app/appliance /opt/arena/app/ui \
    && chmod -R a+rX /opt/arena/app \
    && mkdir -p /var/lib/arena

ENV PATH=/opt/arena/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    ARENA_HOME=/opt/arena/app \
    ARENA_PYTHON=/opt/arena/venv/bin/python \
    ARENA_DATA_DIR=/var/lib/arena \
    ARENA_DATABASE_PASSWORD_FILE=/var/lib/arena/secrets/postgres-password \
    ARENA_REDIS_PASSWORD_FILE=/var/lib/arena/secrets/redis-password \
    ARENA_LOG_TARGET=stdout \
    ARENA_ROLE=all \
    ARENA_VERSION=${ARENA_VERSION} \
    ARENA_GIT_SHA=${GIT_SHA}
WORKDIR /opt/arena/app
VOLUME ["/var/lib/arena"]
# 8000: the API; 8080: the admin console.
EXPOSE 8000 8080
# Migrations and a first worker heartbeat take a few seconds; a first boot also creates the
# PostgreSQL cluster.
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
    CMD ["/opt/arena/app/ops/supervisor/healthcheck.sh"]
# supervisord stops its programs on SIGTERM (workers may finish their job first); the
# stop grace period (docker stop -t / compose stop_grace_period) must cover that:
# ARENA_WORKER_STOP_SECONDS (120) for the workers, then up to 60 s for PostgreSQL.
ENTRYPOINT ["tini", "--", "/opt/arena/app/ops/supervisor/entrypoint.sh"]
