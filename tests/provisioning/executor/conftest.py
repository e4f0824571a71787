"""Fixtures for driving the executor straight against the sandbox tenant, with no database.

`graph` is a real `GraphClient` (real MSAL over TLS) whose transport keeps a copy of what went
on the wire, so a test can check both the tenant's state and which requests were sent.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from app.evaluation.desired import DesiredState
from app.graph import Budget, GraphClient, InProcessLimiter, MsalTokenProvider
from app.provisioning.executor import AppInfo, Executor, Outcome, Work
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.sandbox.state import Tenant


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Wire:
    """Every request the client sent: `$batch` envelopes item by item, and direct calls."""

    batches: list[list[dict[str, Any]]] = field(default_factory=list)
    direct: list[dict[str, Any]] = field(default_factory=list)
    # Called with (relative url, JSON body) right before a request reaches the sandbox: a
    # test can change the tenant "meanwhile" (another admin, a race).
    before_send: list[Callable[[str, Any], None]] = field(default_factory=list)

    def items(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """Batch items and direct calls alike, filtered by method and path (no query)."""
        every = [item for batch in self.batches for item in batch] + self.direct
        return [
            item
            for item in every
            if (method is None or item["method"] == method)
            and (path is None or unquote(item["url"].split("?")[0]) == path)
        ]

    def writes(self) -> list[dict[str, Any]]:
        return [item for item in self.items() if item["method"] != "GET"]


class RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, wire: Wire, graph_root: str) -> None:
        self.inner = inner
        self.wire = wire
        self.graph_root = f"{graph_root}/v1.0"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url.startswith(self.graph_root):
            relative = url[len(self.graph_root) :]
            body = json.loads(request.content) if request.content else None
            if relative == "/$batch":
                assert isinstance(body, dict)
                self.wire.batches.append(list(body["requests"]))
            else:
                self.wire.direct.append({"method": request.method, "url": relative, "body": body})
            for hook in self.wire.before_send:
                hook(relative, body)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def wire() -> Wire:
    return Wire()


@asynccontextmanager
async def sandbox_graph(
    sandbox: SandboxServer, transport: httpx.AsyncBaseTransport, **options: Any
) -> AsyncIterator[GraphClient]:
    """A real `GraphClient` on the sandbox tenant (real MSAL over TLS) sending through
    `transport`, with short backoffs; `options` for the client's other settings."""
    tokens = MsalTokenProvider(
        seed.DEMO_CLIENT_ID,
        authority_base=sandbox.base_url,
        tenant=seed.DEMO_TENANT_ID,
        client_secret=seed.DEMO_CLIENT_SECRET,
        scope="https://graph.microsoft.com/.default",
        ca_file=str(sandbox.ca_file),
    )
    client = GraphClient(
        graph_base=sandbox.base_url,
        token_provider=tokens,
        limiter=InProcessLimiter(Budget(burst_s=150)),
        limiter_key=f"{seed.DEMO_CLIENT_ID}:{seed.DEMO_TENANT_ID}",
        transport=transport,
        **{"backoff_base": 0.02, "backoff_max": 0.2, **options},
    )
    try:
        yield client
    finally:
        await client.aclose()
        tokens.close()


def recording(sandbox: SandboxServer, wire: Wire) -> RecordingTransport:
    """A TLS transport to the sandbox that keeps a copy of what went on the wire in `wire`."""
    tls = ssl.create_default_context(cafile=str(sandbox.ca_file))
    return RecordingTransport(httpx.AsyncHTTPTransport(verify=tls), wire, sandbox.base_url)


@pytest.fixture
async def graph(sandbox: SandboxServer, wire: Wire) -> AsyncIterator[GraphClient]:
    async with sandbox_graph(sandbox, recording(sandbox, wire)) as client:
        yield client


# --- builders -----------------------------------------------------------------------------


def tenant(sb: SandboxServer) -> Tenant:
    return sb.state.tenant(seed.DEMO_TENANT_ID)


def app_info(sb: SandboxServer) -> AppInfo:
    return AppInfo(1, sb.base_url, seed.DOMAIN_DEFAULT, frozenset({seed.DOMAIN_FEDERATED}))


def person(
    upn: str,
    *,
    licenses: Mapping[str, Iterable[str]] | None = None,
    groups: Iterable[str] = (),
    enabled: bool = True,
    **attributes: Any,
) -> DesiredState:
    """A desired state for `upn` with the attributes create needs, overridable."""
    local = upn.split("@")[0]
    values: dict[str, Any] = {
        "userPrincipalName": upn,
        "displayName": local.replace(".", " ").title(),
        "mailNickname": "".join(c for c in local if c.isalnum()),
        "usageLocation": "US",
    }
    values.update(attributes)
    return DesiredState(
        attributes=values,
        licenses={sku: frozenset(plans) for sku, plans in (licenses or {}).items()},
        groups=frozenset(groups),
        enabled=enabled,
    )


def work(
    task_id: int,
    desired: DesiredState | None,
    *,
    action: str = "create",
    applied: DesiredState | None = None,
    tenant_object_id: str | None = None,
    immutable_id: str | None = None,
) -> Work:
    return Work(
        task_id=task_id,
        action=action,
        desired=desired,
        applied=applied,
        tenant_object_id=tenant_object_id,
        user_key=task_id,
        immutable_id=immutable_id,
    )


async def run(client: GraphClient, sb: SandboxServer, *works: Work) -> list[Outcome]:
    return await Executor(client, app_info(sb)).run(list(works))
