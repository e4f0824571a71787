"""The sandbox tenant as the embedded default's Microsoft 365: started next to the API.

With no SANDBOX_URL and SANDBOX_ENABLED true, `provisioner serve` runs a SandboxServer in a
background thread and points the `sandbox` cloud at it through the environment, so the API
(and a reloader's child process) read the same settings. Tests never reach this: they start
their own sandbox and set SANDBOX_URL themselves.
"""

from __future__ import annotations

import logging
import os

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
