"""Where an app's cloud lives: the login and Graph hosts of each national cloud, and of the
sandbox when this server has one."""

from __future__ import annotations

from app.apps.errors import SandboxUnavailable
from app.graph import CloudEndpoints, endpoints_for
from app.graph.clouds import GLOBAL_GRAPH_RESOURCE
from app.settings import Settings


def sandbox_overrides(settings: Settings) -> dict[str, CloudEndpoints]:
    # Hosts come only from the server's settings: whichever host an app points at receives
    # its client secret, so no API caller may choose one.
    if not settings.sandbox_url:
        return {}
    url = settings.sandbox_url.rstrip("/")
    # The sandbox emulates the global cloud at a local address: its tokens are for Graph's
    # resource, never for the address (Entra refuses a scope naming an unknown resource).
    return {
        "sandbox": CloudEndpoints(
            login_base=url, graph_base=url, graph_resource=GLOBAL_GRAPH_RESOURCE
        )
    }


def cloud_endpoints(settings: Settings, cloud: str) -> CloudEndpoints:
    if cloud == "sandbox" and not settings.sandbox_url:
        raise SandboxUnavailable(
            "This app uses the sandbox cloud but the server has no sandbox: set SANDBOX_URL "
            "(and SANDBOX_CA_FILE), or run `provisioner serve` with SANDBOX_ENABLED=true."
        )
    return endpoints_for(cloud, sandbox_overrides(settings))
