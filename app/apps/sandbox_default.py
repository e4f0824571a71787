"""The sandbox tenant as the embedded default's Microsoft 365: started next to the API.

With no SANDBOX_URL and SANDBOX_ENABLED true, `provisioner serve` runs a SandboxServer in a
background thread and points the `sandbox` cloud at it through the environment, so the API
(and a reloader's child process) read the same settings. Tests never reach this: they start
their own sandbox and set SANDBOX_URL themselves.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.settings import Settings, get_settings

log = logging.getLogger("app.apps.sandbox")


def start_embedded_sandbox(settings: Settings) -> SandboxServer | None:
    """Start the demo sandbox if this server should have one; None when not wanted or failed."""
    if not settings.sandbox_enabled or settings.sandbox_url:
        return None
    try:
        server = SandboxServer(
            host="127.0.0.1",
            port=settings.sandbox_port,
            cert_dir=settings.sandbox_cert_dir,
            # The tenant is kept next to the database, so a restart finds both as they were.
            data_dir=settings.data_dir,
            log_level=None,  # the API's logging set-up carries the sandbox's lines too
        ).start()
    except (OSError, RuntimeError) as exc:
        # A busy port must not keep the API from starting: real tenants still work.
        log.warning(
            "sandbox.start_failed", extra={"port": settings.sandbox_port, "error": str(exc)}
        )
        return None
    os.environ["SANDBOX_URL"] = server.base_url
    os.environ["SANDBOX_CA_FILE"] = str(server.ca_file)
    get_settings.cache_clear()
    log.info("sandbox.started", extra={"url": server.base_url})
    return server


@dataclass(frozen=True)
class SandboxInUse:
    """What the sandbox the `sandbox` cloud points at says of itself (None fields: it has no
    such domain)."""

    url: str
    tenant: str
    tenant_domain: str | None
    domain: str | None
    federated_domain: str | None
    unverified_domain: str | None
    demo_app_known: bool


def sandbox_in_use(settings: Settings) -> SandboxInUse | str:
    """Ask the configured sandbox for its state (`GET /_sandbox/state`); a reason when there
    is none or it does not answer. The tenant and domains come from that answer, not from the
    seed this build would use, so a sandbox started elsewhere is described as it is."""
    url = (settings.sandbox_url or "").rstrip("/")
    if not url:
        return (
            "this server has no sandbox: SANDBOX_URL is not set and no embedded sandbox was "
            "started (SANDBOX_ENABLED=true with `provisioner serve` starts one)"
        )
    verify: ssl.SSLContext | bool = True
    if settings.sandbox_ca_file:
        verify = ssl.create_default_context(cafile=str(settings.sandbox_ca_file))
    try:
        response = httpx.get(f"{url}/_sandbox/state", verify=verify, timeout=3.0)
        response.raise_for_status()
        state = response.json()
    except (httpx.HTTPError, ValueError, OSError) as exc:
        return f"the sandbox at {url} did not answer: {type(exc).__name__}: {exc}"
    default = state.get("defaultTenantId") if isinstance(state, dict) else None
    tenants = [t for t in state.get("tenants") or [] if isinstance(t, dict)] if default else []
    tenant = next((t for t in tenants if t.get("id") == default), None)
    if tenant is None:
        return f"the sandbox at {url} reports no default tenant"
    domains = [d for d in tenant.get("domains") or [] if isinstance(d, dict)]

    def first(test: Callable[[dict[str, Any]], bool]) -> str | None:
        return next((str(d["name"]) for d in domains if d.get("name") and test(d)), None)

    apps = {str(a.get("clientId")) for a in state.get("apps") or [] if isinstance(a, dict)}
    return SandboxInUse(
        url=url,
        tenant=str(default),
        tenant_domain=first(lambda d: bool(d.get("is_initial"))),
        domain=first(lambda d: bool(d.get("is_default"))),
        federated_domain=first(
            lambda d: d.get("authentication_type") == "Federated" and bool(d.get("is_verified"))
        ),
        unverified_domain=first(lambda d: not d.get("is_verified")),
        demo_app_known=seed.DEMO_CLIENT_ID in apps,
    )
