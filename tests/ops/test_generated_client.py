"""The generated OpenAPI client: in step with openapi.json, importable, and usable end to end.

The scenarios talk to a real `provisioner serve` through `openapi/client` only, as an
integrator's script would; the sole raw HTTP is the admin's browser at Microsoft (here the
sandbox tenant), which then lands on the server's consent callback.
"""

from __future__ import annotations

import filecmp
import re
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import pytest

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.ops.conftest import ROOT, LiveServer
from tests.support import make_token

if TYPE_CHECKING:  # the package is importable only once `client_package` puts it on sys.path
    from provisioner_client import AuthenticatedClient
    from provisioner_client.models import AppRead, JobRead, RoleRead, TaskRead

T = TypeVar("T")
EXAMPLE = ROOT / "docs" / "client-example.md"

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


def ok(value: object, kind: type[T]) -> T:
    """The parsed body, asserted to be the success model (errors parse as `Problem`)."""
    assert isinstance(value, kind), value
    return value


def poll(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 60) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, value
        time.sleep(0.1)


def finished(api: AuthenticatedClient, job: JobRead) -> JobRead:
    from provisioner_client.api.jobs import jobs_get
    from provisioner_client.models import JobRead

    job = poll(
        lambda: ok(jobs_get.sync(job.id, client=api), JobRead),
        lambda j: j.status.value in ("succeeded", "failed"),
    )
    assert job.status.value == "succeeded", job.error
    return job


def app_tasks(api: AuthenticatedClient, app_id: int, **query: Any) -> list[TaskRead]:
    from provisioner_client.api.tasks import tasks_list
    from provisioner_client.models import PageTaskRead

    return ok(tasks_list.sync(client=api, app_id=app_id, limit=500, **query), PageTaskRead).items


def admin_consents_in_a_browser(sandbox: SandboxServer, url: str) -> str:
    """The tenant admin's browser: Microsoft's consent page (the sandbox) redirects back to the
    server's `/oauth/consent/callback`, which the browser follows. That callback is a page for
    a browser, not an API call: its query is Microsoft's, so the client cannot drive it."""
    context = ssl.create_default_context(cafile=str(sandbox.ca_file))
    with httpx.Client(verify=context, trust_env=False, follow_redirects=True) as browser:
        page = browser.get(url)
    assert page.status_code == 200 and "Consent recorded" in page.text, page.text
    return str(page.url)


def connect_app(api: AuthenticatedClient, sandbox: SandboxServer, server: LiveServer) -> AppRead:
    """ "Try it" steps 1-3: an app on the sandbox's demo tenant, authenticated, its domain
    verified and its entitlements pulled."""
    from provisioner_client.api.apps import (
        apps_authorize,
        apps_create,
        apps_get,
        apps_refresh_entitlements,
        apps_verify_domain,
    )
    from provisioner_client.models import (
        AppCreate,
        AppCreateCloud,
        AppRead,
        AuthorizeRead,
        DomainCheckRead,
        DomainCheckReadTypeType0,
        JobRead,
    )

    body = AppCreate(
        name="Contoso",
        cloud=AppCreateCloud.SANDBOX,
        tenant=seed.DEMO_TENANT_ID,
        domain=seed.DOMAIN_DEFAULT,
        client_id=seed.DEMO_CLIENT_ID,
        client_secret=seed.DEMO_CLIENT_SECRET,
    )
    app = ok(apps_create.sync(client=api, body=body), AppRead)
    consent = ok(apps_authorize.sync(app.id, client=api), AuthorizeRead)
    landed = admin_consents_in_a_browser(sandbox, consent.url)
    assert landed.startswith(server.url + "/oauth/consent/callback?")
    app = ok(apps_get.sync(app.id, client=api), AppRead)
    assert app.consent.authenticated and app.consent.tenant_id == seed.DEMO_TENANT_ID
    assert app.has_client_secret and "client_secret" not in app.to_dict()

    domain = ok(apps_verify_domain.sync(app.id, client=api), DomainCheckRead)
    assert domain.verified is True and domain.type_ == DomainCheckReadTypeType0.MANAGED
    finished(api, ok(apps_refresh_entitlements.sync(app.id, client=api), JobRead))
    app = ok(apps_get.sync(app.id, client=api), AppRead)
    assert seed.SKU_E3 in {lic.sku_id for lic in app.entitlements.licenses}
    assert seed.GROUP_SALES in {g.id for g in app.entitlements.groups}
    return app


def office_365_role(api: AuthenticatedClient, app_id: int) -> RoleRead:
    """ "Try it" step 4: role "Office 365" holding the app; `member_of contains` it -> role."""
    from provisioner_client.api.mappings import mappings_create
    from provisioner_client.api.roles import roles_create
    from provisioner_client.models import (
        ActionIn,
        ConditionIn,
        MappingCreate,
        MappingRead,
        RoleCreate,
        RoleRead,
    )

    role = ok(
        roles_create.sync(client=api, body=RoleCreate(name="Office 365", app_ids=[app_id])),
        RoleRead,
    )
    mapping = MappingCreate(
        name="Office 365 members",
        conditions=[ConditionIn(source="member_of", operator="contains", value="Office 365")],
        actions=[ActionIn(action="set_role", value=[str(role.id)])],
    )
    ok(mappings_create.sync(client=api, body=mapping), MappingRead)
    return role


def e3_rule_and_approval(api: AuthenticatedClient, app_id: int, condition: tuple[str, str]) -> None:
    """ "Try it" step 5: whoever matches gets Office 365 E3 and the Sales group; provisioning
    on, and creating a user in the tenant needs an approver."""
    from provisioner_client.api.apps import apps_update
    from provisioner_client.api.rules import rules_create
    from provisioner_client.models import (
        ActionIn,
        AppRead,
        ApprovalPolicy,
        AppUpdate,
        ConditionIn,
        RuleCreate,
        RuleRead,
    )

    source, value = condition
    rule = RuleCreate(
        name="E3 and Sales",
        conditions=[ConditionIn(source=source, operator="equals", value=value)],
        actions=[
            ActionIn(action="set_licenses", value=[seed.SKU_E3]),
            ActionIn(action="set_groups", value=[seed.GROUP_SALES]),
        ],
    )
    ok(rules_create.sync(app_id, client=api, body=rule), RuleRead)
    policy = AppUpdate(provisioning_enabled=True, approval_required=ApprovalPolicy(create=True))
    # Who approves what is an admin's decision (a write token gets 403 for it).
    from provisioner_client import AuthenticatedClient

    with AuthenticatedClient(base_url=api._base_url, token=make_token("admin")) as admin:
        ok(apps_update.sync(app_id, client=admin, body=policy), AppRead)


def test_the_article_workflow_through_the_generated_client_only(
    client_package: None, env: dict[str, str], live_server: LiveServer, sandbox: SandboxServer
) -> None:
    from provisioner_client import AuthenticatedClient
    from provisioner_client.api.assignments import users_apps_list
    from provisioner_client.api.mappings import mappings_reapply
    from provisioner_client.api.tasks import tasks_approve_bulk
    from provisioner_client.api.users import users_create
    from provisioner_client.models import (
        AssignmentRead,
        JobRead,
        TaskIds,
        TaskStatus,
        UserCreate,
        UserCreateCustomAttributes,
        UserRead,
    )

    # write + approve: what an integrator's provisioning script needs, short of admin.
    api = AuthenticatedClient(base_url=live_server.url, token=make_token("write", "approve"))

    def person(username: str, name: str, department: str, member_of: list[str]) -> UserRead:
        first, last = name.split()
        attributes = UserCreateCustomAttributes()
        attributes["immutable_id"] = f"id-{username}"
        body = UserCreate(
            username=username,
            email=f"{username}@contoso.com",
            firstname=first,
            lastname=last,
            distinguished_name=name,
            department=department,
            country="US",
            member_of=member_of,
            custom_attributes=attributes,
        )
        return ok(users_create.sync(client=api, body=body), UserRead)

    with api:
        app = connect_app(api, sandbox, live_server)
        office_365_role(api, app.id)
        e3_rule_and_approval(api, app.id, ("department", "Sales"))

        # People arrive: two in "Office 365" (one in Sales), one outside it.
        josh = person("josh.ames", "Josh Ames", "Sales", ["Office 365"])
        ann = person("ann.lee", "Ann Lee", "Engineering", ["Office 365", "Staff"])
        bob = person("bob.ray", "Bob Ray", "Sales", ["Staff"])
        assert [g.source.value for g in josh.roles] == ["mapping"] and bob.roles == []
        # Reapplying changes nothing: the mapping already ran when each person was created.
        finished(api, ok(mappings_reapply.sync(client=api), JobRead))

        # The creates wait for approval; approve them in bulk and let them run.
        pending = app_tasks(api, app.id, status=[TaskStatus.PENDING_APPROVAL])
        assert sorted((t.user_id, t.action.value) for t in pending) == [
            (josh.id, "create"),
            (ann.id, "create"),
        ]
        assert all("approval" in (t.reason or "") for t in pending)
        approved = ok(
            tasks_approve_bulk.sync(client=api, body=TaskIds(task_ids=[t.id for t in pending])),
            list,
        )
        assert {t.status.value for t in approved} == {"queued"}
        done = poll(
            lambda: app_tasks(api, app.id),
            lambda ts: all(t.status.value not in ("queued", "running") for t in ts),
        )
        assert [t.status.value for t in done] == ["succeeded"] * 2, [
            (t.status.value, t.reason, t.error) for t in done
        ]
        # Approvals are recorded against the token that made them.
        assert all((t.approved_by or "").startswith("token:") for t in done)

        assignments = {
            u.username: ok(users_apps_list.sync(u.id, client=api), list) for u in (josh, ann, bob)
        }

    # The tenant as Microsoft sees it, and the assignments as the server reports them.
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    in_tenant = {u.upn: u for u in tenant.live_users()}
    assert set(in_tenant) >= {"josh.ames@contoso.com", "ann.lee@contoso.com"}
    assert "bob.ray@contoso.com" not in in_tenant
    josh_t, ann_t = in_tenant["josh.ames@contoso.com"], in_tenant["ann.lee@contoso.com"]
    assert josh_t.props["accountEnabled"] is True
    assert josh_t.props["onPremisesImmutableId"] == "id-josh.ames"
    assert [lic.sku_id for lic in josh_t.licenses] == [seed.SKU_E3]
    assert ann_t.licenses == []
    sales = tenant.groups[seed.GROUP_SALES].members
    assert josh_t.id in sales and ann_t.id not in sales

    assert assignments["bob.ray"] == []
    for username, tenant_user in (("josh.ames", josh_t), ("ann.lee", ann_t)):
        [assignment] = assignments[username]
        assert isinstance(assignment, AssignmentRead)
        assert assignment.app_id == app.id and assignment.state == "provisioned"
        assert assignment.tenant_object_id == tenant_user.id
        assert assignment.open_task is None


def _example_state(sandbox: SandboxServer, server: LiveServer, tmp_path: Path) -> tuple[str, int]:
    """The "Try it" state of steps 1-5 (creation needs approval, the E3 rule matches Josh
    Ames), and the admin token where serve.sh writes it (with the newline `print` adds).
    Returns the token and the app's id."""
    from provisioner_client import AuthenticatedClient

    token = make_token("admin")
    with AuthenticatedClient(base_url=server.url, token=token) as api:
        app = connect_app(api, sandbox, server)
        office_365_role(api, app.id)
        e3_rule_and_approval(api, app.id, ("distinguished_name", "Josh Ames"))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "admin-token").write_text(token + "\n")
    return token, app.id


def _run_example(server: LiveServer, app_id: int) -> str | None:
    """docs/client-example.md's code, run as written against `server` (from the directory
    holding data/admin-token); returns what it exited with (None: it ran to the end)."""
    [code] = re.findall(r"```python\n(.*?)```", EXAMPLE.read_text(), re.S)
    assert 'base_url="http://127.0.0.1:8000"' in code and "APP = 1 " in code
    code = code.replace("http://127.0.0.1:8000", server.url)
    code = code.replace("APP = 1 ", f"APP = {app_id} ")
    body = [ln for ln in code.splitlines() if ln.strip() and not ln.startswith(("import", "from"))]
    assert len(body) <= 40, "keep the example short enough to read at a glance"
    try:
        exec(compile(code, str(EXAMPLE), "exec"), {})
    except SystemExit as stop:
        assert isinstance(stop.code, str), stop.code  # a message, not a bare status
        return stop.code
    return None


def test_the_documented_client_example_runs(
    client_package: None,
    env: dict[str, str],
    live_server: LiveServer,
    sandbox: SandboxServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/client-example.md, run as written on the "Try it" state (steps 1-5); run again,
    the username is taken and the example stops with the server's 409 problem."""
    from provisioner_client import AuthenticatedClient
    from provisioner_client.api.roles import roles_create
    from provisioner_client.models import Problem, RoleCreate

    token, app_id = _example_state(sandbox, live_server, tmp_path)
    monkeypatch.chdir(tmp_path)

    assert _run_example(live_server, app_id) is None
    user = sandbox.state.tenant(seed.DEMO_TENANT_ID).user_by_upn("josh.ames@contoso.com")
    assert user is not None and [lic.sku_id for lic in user.licenses] == [seed.SKU_E3]
    assert capsys.readouterr().out == f"provisioned {user.id}\n"

    stopped = _run_example(live_server, app_id)
    assert stopped is not None and stopped.startswith("409 Conflict: "), stopped
    assert "josh.ames" in stopped and capsys.readouterr().out == ""

    # A duplicate through the client is a parsed Problem too, not None (the spec declares 409).
    with AuthenticatedClient(base_url=live_server.url, token=token) as api:
        duplicate = roles_create.sync(client=api, body=RoleCreate(name="Office 365"))
    assert isinstance(duplicate, Problem) and duplicate.status == 409, duplicate
    assert duplicate.type_.endswith("/conflict") and duplicate.detail


def test_the_documented_client_example_says_when_a_task_is_blocked(
    client_package: None,
    env: dict[str, str],
    live_server: LiveServer,
    sandbox: SandboxServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The app's consent is cleared before the example runs: its task is held (`blocked`),
    and the example says so and stops instead of printing "provisioned"."""
    from provisioner_client import AuthenticatedClient
    from provisioner_client.api.apps import apps_clear_token

    token, app_id = _example_state(sandbox, live_server, tmp_path)
    with AuthenticatedClient(base_url=live_server.url, token=token) as api:
        apps_clear_token.sync_detailed(app_id, client=api)
    monkeypatch.chdir(tmp_path)

    stopped = _run_example(live_server, app_id)
    assert stopped is not None and re.match(r"task \d+ is blocked: .*not authenticated", stopped)
    assert "provisioned" not in capsys.readouterr().out
    assert sandbox.state.tenant(seed.DEMO_TENANT_ID).user_by_upn("josh.ames@contoso.com") is None
