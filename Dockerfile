# reachout: the #RecessReachOut posting worker, one container for the whole recess.
# Build and run: docs/deploy.md. Static checks: scripts/hadolint.sh, tests/test_dockerfile.py.
#
# The base is pinned to a Python minor version (3.11, the version the test suite runs on).
# To pin it exactly, append the digest of the image you tested, e.g.
#   python:3.11-slim@sha256:<digest>   (docker buildx imagetools inspect python:3.11-slim)
# and use the same reference in both stages: the venv is copied from one to the other.

# --- build: a virtualenv with the dependencies and reachout installed from /app ------------
FROM python:3.11-slim AS build

WORKDIR /app
RUN python -m venv /opt/venv

# Dependencies first, read from pyproject.toml, so a code change does not reinstall them.
COPY pyproject.toml README.md LICENSE ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print(*deps, sep=chr(10))" > /tmp/requirements.txt \
    && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.txt

# reachout itself, installed in editable mode: the `reachout` command imports bot/ from
# /app/bot, because settings resolve relative paths (data/legislators.yaml...) against the
# folder holding bot/. The runtime stage puts the code at the same path.
COPY bot/ bot/
RUN /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps --editable .

# --- runtime ---------------------------------------------------------------------------------
FROM python:3.11-slim

ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="reachout" \
      org.opencontainers.image.description="Scheduled X posting worker for advocacy campaigns (#RecessReachOut)" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="MIT"

# Settings: config/settings.yaml overridden by REACHOUT_* variables (docs/deploy.md has them
# all). Files staff edit live in /config, mounted as a directory; state lives in /data.
# Credentials are never set here: pass X_* (or X_*_FILE) at run time.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:${PATH}" \
    REACHOUT_SETTINGS=/config/settings.yaml \
    REACHOUT_CALENDAR=/config/calendar.yaml \
    REACHOUT_DO_NOT_TAG=/config/do-not-tag.yaml \
    REACHOUT_DB=/data/reachout.db \
    REACHOUT_REPORTS_DIR=/data/reports

# A fixed, unprivileged user; /data is its own (a new named volume inherits that).
RUN groupadd --system --gid 10001 reachout \
    && useradd --system --uid 10001 --gid reachout --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin reachout \
    && mkdir -p /data/reports /config \
    && chown -R reachout:reachout /data

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY LICENSE README.md pyproject.toml ./
COPY data/ data/
COPY config/ config/
# The shipped config is the default content of /config (copied into a new named volume;
# hidden by a bind mount of your own config directory).
COPY config/ /config/
COPY bot/ bot/
# Code and config stay owned by root (read-only to the worker). Byte-compile once here, so the
# health check, a new process every interval, starts fast.
RUN python -m compileall -q bot

USER 10001:10001
VOLUME ["/data", "/config"]

# `reachout run` drains on SIGTERM within about 20 s: stop with a timeout of 30 s or more
# (docker run --stop-timeout 30, compose stop_grace_period: 30s).
STOPSIGNAL SIGTERM
# `reachout health` exits 0 while the worker's heartbeat in the database is recent.
HEALTHCHECK --interval=60s --timeout=15s --start-period=120s --retries=3 \
    CMD ["reachout", "health"]

ENTRYPOINT ["reachout"]
CMD ["run"]
