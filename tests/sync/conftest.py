"""Fixtures for the sync tests: an authenticated app on the sandbox's demo tenant, the
sandbox's admin API (out-of-band changes, as in the portal), and cycle helpers."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from app.db import transaction
from app.models import AppSync, TenantAccount, TenantGroupMember
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.sync.service import CycleResult, run_cycle
from tests.apps.helpers import app_body, authenticate
from tests.support import ApiClient

T = seed.DEMO_TENANT_ID


def cycle(app_id: int, **kwargs: Any) -> CycleResult:
    return asyncio.run(run_cycle(app_id, **kwargs))


def sync_row(app_id: int) -> AppSync:
    with transaction() as session:
        row = session.get(AppSync, app_id)
        assert row is not None
        session.expunge(row)
        return row


def accounts(app_id: int) -> dict[str, TenantAccount]:
    with transaction() as session:
        rows = session.exec(select(TenantAccount).where(col(TenantAccount.app_id) == app_id)).all()
        for r in rows:
            session.expunge(r)
        return {r.object_id: r for r in rows}


def members(app_id: int) -> set[tuple[str, str]]:
    with transaction() as session:
        rows = session.exec(
            select(TenantGroupMember).where(col(TenantGroupMember.app_id) == app_id)
        ).all()
        return {(r.group_id, r.member_id) for r in rows}


def delta_calls(sb: SandboxServer, resource: str = "users") -> int:
    return int(sb.state.counters.per_endpoint.get(f"GET /{resource}/delta", 0))


def live_ids(sb: SandboxServer) -> set[str]:
    return {u.id for u in sb.state.tenant(T).live_users()}


@pytest.fixture
def app(api: ApiClient, sandbox: SandboxServer) -> dict[str, Any]:
    """An app on the demo tenant with admin consent (no provisioning enabled)."""
    created = api.ok("POST", "/apps", json=app_body())
    authenticate(api, sandbox, created["id"])
    return dict(created)


@pytest.fixture
def portal(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """The sandbox admin API: changes made by hand, out of band."""
    context = ssl.create_default_context(cafile=str(sandbox.ca_file))
    with httpx.Client(
        base_url=f"{sandbox.base_url}/_sandbox/tenants/{T}", verify=context, trust_env=False
    ) as client:
        yield client
