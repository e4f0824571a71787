# syntax=docker/dockerfile:1
# One image, three roles; pick one with the command:
#   provisioner serve --host 0.0.0.0   the HTTP API (default)
#   provisioner worker                 an arq worker (health: `provisioner worker --check`)
#   provisioner migrate                create or upgrade the database schema, then exit
# See deploy/compose.yaml for the whole stack.

# Bookworm named: the runtime's OpenLDAP library package (libldap-2.5-0) is release-specific.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: build the project's wheel and install it, with its pinned dependencies ------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# python-ldap has no Linux wheels: it compiles against the OpenLDAP and SASL headers.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libldap2-dev libsasl2-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
# Metadata first: the dependency layer is reused until pyproject.toml changes.
COPY pyproject.toml setup.py ./
COPY app ./app
COPY workers ./workers
COPY alembic ./alembic
RUN /opt/venv/bin/pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install /wheels/*.whl \
    && /opt/venv/bin/python -m compileall -q /opt/venv/lib

# --- runtime: the venv and the migrations, no compilers, not root --------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/var/lib/provisioner \
    HOST=0.0.0.0 \
    PORT=8000 \
    LOG_FORMAT=json
# The shared libraries python-ldap links against (directory sources).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libldap-2.5-0 libsasl2-2 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 provisioner \
    && useradd --system --uid 10001 --gid provisioner --home-dir /srv/provisioner \
       --shell /usr/sbin/nologin provisioner \
    && mkdir -p /var/lib/provisioner /srv/provisioner \
    && chown provisioner:provisioner /var/lib/provisioner
COPY --from=builder /opt/venv /opt/venv
# The migrations (alembic/) ship inside the wheel as `app.migrations` (setup.py maps them).
WORKDIR /srv/provisioner
USER 10001:10001
EXPOSE 8000
# slim has no curl: probe with the Python that is there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz\", timeout=4)"]
CMD ["provisioner", "serve", "--host", "0.0.0.0"]
