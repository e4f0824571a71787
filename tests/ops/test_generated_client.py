"""The generated OpenAPI client: in step with openapi.json, importable, and usable end to end."""

from __future__ import annotations

import filecmp
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ops.conftest import ROOT, LiveServer
from tests.support import make_token

CLIENT_DIR = ROOT / "openapi" / "client"


def _differences(left: Path, right: Path) -> list[str]:
    cmp = filecmp.dircmp(left, right, ignore=["__pycache__"])
    out = [f"only in committed: {n}" for n in cmp.left_only]
    out += [f"only in fresh: {n}" for n in cmp.right_only]
    # dircmp compares os.stat signatures first; compare bytes to be sure.
    out += [
        f"differs: {n}"
        for n in cmp.common_files
        if not filecmp.cmp(left / n, right / n, shallow=False)
    ]
    for sub in cmp.common_dirs:
        out += [f"{sub}/{d}" for d in _differences(left / sub, right / sub)]
    return out


def test_committed_client_matches_a_fresh_generation(tmp_path: Path) -> None:
    generator = ROOT / ".venv" / "tools" / "openapi-gen" / "bin" / "openapi-python-client"
    assert generator.exists(), (
        "the generator is not installed: run `GEN_CLIENT_INSTALL_ONLY=1 scripts/gen-client.sh` "
        "(scripts/test.sh does)"
    )
    fresh = tmp_path / "client"
    result = subprocess.run(
        [str(ROOT / "scripts" / "gen-client.sh"), str(fresh)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    differences = _differences(CLIENT_DIR, fresh)
    assert not differences, (
        "openapi/client is out of date with openapi/openapi.json: run scripts/gen-client.sh\n"
        + "\n".join(differences[:20])
    )


@pytest.fixture(scope="module")
def client_package() -> Iterator[None]:
    sys.path.insert(0, str(CLIENT_DIR))
    try:
        yield
    finally:
        sys.path.remove(str(CLIENT_DIR))


def test_the_client_package_imports(client_package: None) -> None:
    import provisioner_client
    from provisioner_client.api.users import users_create

    assert hasattr(provisioner_client, "AuthenticatedClient")
    assert callable(users_create.sync_detailed)


def test_a_scenario_through_the_generated_client_only(
    client_package: None, env: dict[str, str], live_server: LiveServer
) -> None:
    from provisioner_client import AuthenticatedClient
    from provisioner_client.api.jobs import jobs_get
    from provisioner_client.api.mappings import mappings_create, mappings_reapply
    from provisioner_client.api.roles import roles_create
    from provisioner_client.api.users import users_create, users_get
    from provisioner_client.models import (
        ActionIn,
        ConditionIn,
        JobRead,
        MappingCreate,
        MappingRead,
        RoleCreate,
        RoleRead,
        UserCreate,
        UserRead,
    )

    api = AuthenticatedClient(base_url=live_server.url, token=make_token("write"))

    def ok(value: Any, kind: type) -> Any:
        assert isinstance(value, kind), value
        return value

    with api:
        role = ok(roles_create.sync(client=api, body=RoleCreate(name="Sales staff")), RoleRead)
        user = ok(
            users_create.sync(
                client=api,
                body=UserCreate(username="ann", email="ann@example.com", department="Sales"),
            ),
            UserRead,
        )
        ok(
            mappings_create.sync(
                client=api,
                body=MappingCreate(
                    name="sales",
                    conditions=[ConditionIn(source="department", operator="equals", value="Sales")],
                    actions=[ActionIn(action="set_role", value=[str(role.id)])],
                ),
            ),
            MappingRead,
        )
        job = ok(mappings_reapply.sync(client=api), JobRead)
        deadline = time.monotonic() + 60
        while job.status.value not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
            job = ok(jobs_get.sync(job.id, client=api), JobRead)
        assert job.status.value == "succeeded"

        read = ok(users_get.sync(user.id, client=api), UserRead)
    grants = [(g.id, g.source.value) for g in read.roles]
    assert grants == [(role.id, "mapping")]
