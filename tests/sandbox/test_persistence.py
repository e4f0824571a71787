"""The sandbox keeps its tenant in a data dir across restarts, deltaLinks included."""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from app.sandbox.persistence import FILE_NAME, TenantStore, open_demo_state
from app.sandbox.seed import (
    DEMO_TENANT_ID,
    GROUP_ENGINEERING,
    GROUP_SALES,
    SKU_E3,
    SKU_M365_E5,
    USER_MEGAN,
    USER_NESTOR,
    new_demo_state,
)
from app.sandbox.server import SandboxServer
from app.sandbox.state import SandboxState
from tests.sandbox.helpers import fetch_token, new_user_body

T = DEMO_TENANT_ID


def clients(server: SandboxServer) -> tuple[httpx.Client, httpx.Client]:
    ctx = ssl.create_default_context(cafile=str(server.ca_file))
    token = fetch_token(server.base_url, ctx)
    graph = httpx.Client(
        base_url=f"{server.base_url}/v1.0",
        verify=ctx,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    admin = httpx.Client(base_url=f"{server.base_url}/_sandbox", verify=ctx, timeout=10)
    return graph, admin


def whole_round(graph: httpx.Client, url: str) -> tuple[list[dict[str, Any]], str]:
    items: list[dict[str, Any]] = []
    while True:
        response = graph.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["value"])
        if "@odata.deltaLink" in body:
            return items, body["@odata.deltaLink"]
        url = body["@odata.nextLink"]


def test_tenant_and_delta_links_survive_a_restart(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    with SandboxServer(cert_dir=certs, data_dir=tmp_path) as first:
        graph, admin = clients(first)
        _, users_link = whole_round(graph, "/users/delta?$select=displayName,department")
        _, groups_link = whole_round(graph, "/groups/delta?$select=displayName,members")
        created = graph.post("/users", json=new_user_body("kept", usageLocation="US"))
        assert created.status_code == 201
        kept_id = created.json()["id"]
        assigned = graph.post(
            f"/users/{kept_id}/assignLicense",
            json={"addLicenses": [{"skuId": SKU_E3, "disabledPlans": []}], "removeLicenses": []},
        )
        assert assigned.status_code == 200
        assert admin.delete(f"/tenants/{T}/users/{USER_MEGAN}/licenses/{SKU_M365_E5}").is_success
        assert admin.post(
            f"/tenants/{T}/groups/{GROUP_ENGINEERING}/members", json={"id": kept_id}
        ).is_success
        assert admin.delete(f"/tenants/{T}/users/{USER_NESTOR}").is_success
        _, users_link_2 = whole_round(graph, users_link)
        graph.close()
        admin.close()
        old_base = first.base_url
    assert (tmp_path / FILE_NAME).exists()

    with SandboxServer(cert_dir=certs, data_dir=tmp_path) as second:
        # Port 0 picked another port; the embedded sandbox keeps SANDBOX_PORT.
        users_link, groups_link, users_link_2 = (
            link.replace(old_base, second.base_url)
            for link in (users_link, groups_link, users_link_2)
        )
        tenant = second.state.tenants[T]
        kept = tenant.users[kept_id]
        assert kept.upn == "kept@contoso.com"
        assert [lic.sku_id for lic in kept.licenses] == [SKU_E3]
        assert tenant.users[USER_MEGAN].licenses == []
        assert tenant.users[USER_NESTOR].is_deleted
        assert kept_id in tenant.groups[GROUP_ENGINEERING].members
        assert tenant.consumed_units(SKU_M365_E5) == 1

        graph, admin = clients(second)
        # Both deltaLinks from before the restart still work and say what changed since.
        items, _ = whole_round(graph, users_link)
        assert {i["id"] for i in items} == {kept_id, USER_MEGAN, USER_NESTOR}
        items, _ = whole_round(graph, groups_link)
        assert items == [
            {
                "id": GROUP_ENGINEERING,
                "displayName": "Engineering",
                "members@delta": [{"@odata.type": "#microsoft.graph.user", "id": kept_id}],
            }
        ]
        # The later link returns only what changed after it: one change made now.
        assert admin.patch(f"/tenants/{T}/users/{kept_id}", json={"department": "R&D"}).is_success
        items, _ = whole_round(graph, users_link_2)
        assert items == [{"id": kept_id, "displayName": "Kept", "department": "R&D"}]
        # The purged record survives too.
        assert admin.post(f"/tenants/{T}/users/{USER_NESTOR}/purge").is_success
        graph.close()
        admin.close()

    reloaded = SandboxState()
    assert TenantStore(tmp_path).load_into(reloaded)
    tenant = reloaded.tenants[T]
    assert USER_NESTOR not in tenant.users
    assert USER_NESTOR in tenant.purged
    assert tenant.users[kept_id].props["department"] == "R&D"
    assert set(tenant.groups) >= {GROUP_ENGINEERING, GROUP_SALES}


def test_changes_are_written_without_a_shutdown(tmp_path: Path) -> None:
    state, store = open_demo_state(tmp_path, delay_s=0.05)
    try:
        with state.lock:
            state.tenants[T].users[USER_MEGAN].props["department"] = "Written"
            state.tenants[T].touch(state.tenants[T].users[USER_MEGAN])
            state.changed()
        path = tmp_path / FILE_NAME
        deadline = time.monotonic() + 30
        while "Written" not in path.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, "the change never reached the file"
            time.sleep(0.05)
        assert not list(tmp_path.glob(".*.tmp"))  # written through a temp file, then replaced
    finally:
        store.close()


def test_without_a_data_dir_nothing_is_kept(tmp_path: Path) -> None:
    state = new_demo_state()
    assert state.on_change is None
    state.changed()  # no store: nothing to do, nothing written
    server = SandboxServer(cert_dir=tmp_path / "certs")
    try:
        assert server.store is None
        assert server.state.on_change is None
    finally:
        server.stop()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["certs"]


def test_the_sandbox_process_keeps_its_tenant_across_a_restart(tmp_path: Path) -> None:
    """The real `python -m app.sandbox` process: stopped with Ctrl-C, started again."""

    def start() -> tuple[subprocess.Popen[str], str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.sandbox", "--port", "0", "--data-dir", str(tmp_path),
             "--cert-dir", str(tmp_path / "certs")],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"listening on (https://\S+)", line)
        assert found, line
        return process, found.group(1)

    def stop(process: subprocess.Popen[str]) -> None:
        process.send_signal(signal.SIGINT)
        # uvicorn shuts down, then re-raises the Ctrl-C it caught: a clean stop either way.
        code = process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
        assert code in (0, -signal.SIGINT)

    process, url = start()
    # The process made its certificates before it said it was listening.
    ctx = ssl.create_default_context(cafile=str(tmp_path / "certs" / "sandbox-ca.pem"))
    try:
        wait_until_up(url, ctx)
        changed = httpx.patch(
            f"{url}/_sandbox/tenants/{T}/users/{USER_MEGAN}",
            json={"jobTitle": "Survivor"},
            verify=ctx,
        )
        assert changed.status_code == 200
    finally:
        stop(process)
    saved = json.loads((tmp_path / FILE_NAME).read_text(encoding="utf-8"))
    assert any(t["id"] == T for t in saved["tenants"])

    process, url = start()
    try:
        wait_until_up(url, ctx)
        megan = httpx.get(f"{url}/_sandbox/tenants/{T}/users/{USER_MEGAN}", verify=ctx).json()
        assert megan["jobTitle"] == "Survivor"
    finally:
        stop(process)


def wait_until_up(url: str, ctx: ssl.SSLContext) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/_sandbox/tenants", verify=ctx, timeout=2).raise_for_status()
            return
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "the sandbox process did not answer"
            time.sleep(0.1)
