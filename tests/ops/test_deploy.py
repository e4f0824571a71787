"""The container files: Dockerfile structure, .dockerignore and the compose stack.

No Docker engine runs here, so the image is not built; its commands are exercised as plain
processes in test_entrypoints.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import yaml

from tests.ops.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = ROOT / "deploy" / "compose.yaml"


def instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_is_multi_stage_slim_non_root_with_a_healthcheck() -> None:
    steps = instructions()
    stages = [rest for word, rest in steps if word == "FROM"]
    assert len(stages) >= 2
    assert any("AS builder" in s for s in stages)
    args = dict(rest.split("=", 1) for word, rest in steps if word == "ARG" and "=" in rest)
    assert args["PYTHON_IMAGE"] == "python:3.11-slim-bookworm"
    runtime = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM") :]
    users = [rest for word, rest in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(w == "COPY" and "--from=builder" in r for w, r in runtime)
    assert any(w == "HEALTHCHECK" and "/healthz" in r for w, r in runtime)
    assert ("CMD", '["provisioner", "serve", "--host", "0.0.0.0"]') in runtime
    # The wheel is built and installed in the builder only: no compilers in the runtime stage.
    assert not any(w == "RUN" and "pip install" in r for w, r in runtime)


def test_dockerignore_sends_only_what_the_image_needs() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert "**" in lines
    copied = {m.group(1) for m in re.finditer(r"^COPY (?:--\S+ )*(\S+)", DOCKERFILE, re.M)}
    assert {"pyproject.toml", "app", "workers"} <= copied  # the loop below has work to do
    for source in copied - {"/opt/venv"}:
        assert f"!{source.rstrip('/')}/" in lines or f"!{source}" in lines, source


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def test_compose_has_the_stack_with_named_volumes_and_ordered_start() -> None:
    doc = compose()
    services = doc["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker"}
    assert set(doc["volumes"]) == {"pgdata", "redisdata"}
    assert services["migrate"]["command"] == ["provisioner", "migrate"]
    assert services["api"]["command"] == ["provisioner", "serve", "--host", "0.0.0.0"]
    assert services["worker"]["command"] == ["provisioner", "worker"]
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        env = services[name]["environment"]
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= set(env)
        assert "@postgres:5432/" in env["DATABASE_URL"] and "//redis:6379" in env["REDIS_URL"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "provisioner", "worker", "--check"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        plugin = subprocess.run([docker, "compose", "version"], capture_output=True)
        if plugin.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_references_resolve_and_a_compose_cli_accepts_the_file() -> None:
    """What `docker compose config` rejects, checked here without one (no compose CLI runs in
    the test environment): dependencies on undefined services, named volumes nobody declares,
    and variables without a default, of which only SECRET_KEY may be (with a message saying
    where to set it). Where a compose CLI exists, it validates the file too."""
    doc = compose()
    services = doc["services"]
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/", "~")):
                assert source in doc["volumes"], (name, volume)
    used = {v.split(":", 1)[0] for s in services.values() for v in s.get("volumes", [])}
    assert set(doc["volumes"]) <= used, "a declared volume no service mounts"
    variables = re.findall(r"\$\{(\w+)(:?[-?])?([^}]*)\}", COMPOSE.read_text())
    assert variables
    without_default = {name for name, op, _ in variables if not op or "?" in op}
    assert without_default == {"SECRET_KEY"}
    secret = [(op, message) for name, op, message in variables if name == "SECRET_KEY"]
    assert secret and all(op == ":?" and "deploy/.env" in message for op, message in secret)

    cli = _compose_cli()
    if cli is not None:
        result = subprocess.run(
            [*cli, "-f", str(COMPOSE), "config", "--quiet"],
            env={"SECRET_KEY": "test-key", "PATH": "/usr/bin:/bin:/usr/local/bin"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr


def test_the_wheel_carries_the_top_level_migrations(tmp_path: Path) -> None:
    """alembic/ sits at the top of the checkout; the container installs only the wheel, so the
    wheel must carry it (as `app.migrations`) for `provisioner migrate` to work there."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    versions = {p.name for p in (ROOT / "alembic" / "versions").glob("*.py")}
    assert "app/migrations/env.py" in names
    assert {f"app/migrations/versions/{v}" for v in versions} <= names
