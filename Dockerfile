# syntax=docker/dockerfile:1
# The Synapse DRS adapter's image: `docker build -t synapse-drs-adapter .`
#
# Two stages. The builder turns the project's dependencies (read from pyproject.toml) and the
# project itself into wheels; the runtime stage installs them on a clean slim image, which
# gets no compiler, no apt lists and no pip cache. The dependency layers come before the source
# so that an edit to adapter/ rebuilds only the last layers.

FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A compiler for any dependency that has no wheel for the build platform; builder only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip wheel --wheel-dir /wheels/deps -r requirements.txt

# Then the project itself, without its dependencies.
COPY README.md LICENSE ./
COPY adapter/ adapter/
RUN pip wheel --no-deps --wheel-dir /wheels/app .


FROM python:3.11-slim AS runtime

LABEL org.opencontainers.image.title="synapse-drs-adapter" \
      org.opencontainers.image.description="GA4GH Data Repository Service 1.5 in front of Synapse" \
      org.opencontainers.image.source="https://github.com/Sage-Bionetworks/synapse-drs-adapter" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A numeric, non-root user; the Helm chart's securityContext runs as the same ids.
RUN groupadd --system --gid 10001 adapter \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin adapter

# Dependencies: their own layer, unchanged until pyproject.toml changes. The wheels are
# bind-mounted from the builder, so none of them is left in a layer.
RUN --mount=type=bind,from=builder,source=/wheels/deps,target=/tmp/wheels \
    pip install --no-index --find-links=/tmp/wheels /tmp/wheels/*.whl

# The project (its dependencies are all installed above) ...
RUN --mount=type=bind,from=builder,source=/wheels/app,target=/tmp/app \
    pip install --no-index --no-deps /tmp/app/*.whl

# ... and its documented defaults, where adapter/settings.py looks for them: config/default.toml
# beside the package directory (here site-packages). The defaults in the Settings class are
# the same, so the file documents more than it changes; ADAPTER_* variables override it.
COPY config/ /usr/local/lib/python3.11/site-packages/config/

# Listen on every interface inside the container (the settings default is loopback).
ENV ADAPTER_HOST=0.0.0.0
# 8080: the DRS API (ADAPTER_PORT); 9090: Prometheus metrics (ADAPTER_METRICS_PORT).
EXPOSE 8080 9090

USER 10001:10001

# Slim images have no curl: ask /healthz with the standard library. urlopen raises on a
# refused connection, a timeout or any non-2xx answer, which makes the check fail.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ADAPTER_PORT', '8080'), timeout=4)"]

# One process per container (scale with replicas); web.run_app handles SIGTERM gracefully.
ENTRYPOINT ["python", "-m", "adapter"]
