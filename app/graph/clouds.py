"""Login and Graph hosts of each Microsoft cloud, so one client serves every national cloud."""

from __future__ import annotations

from dataclasses import dataclass

# The resource a global-cloud Graph token is for. The sandbox plays the global cloud: only its
# hosts are local, so its tokens are for this resource too.
GLOBAL_GRAPH_RESOURCE = "https://graph.microsoft.com"


@dataclass(frozen=True)
class CloudEndpoints:
    """`graph_base` has no version suffix: the client adds `/v1.0`. `graph_resource` is the
    application ID URI a token is requested for (scope `{graph_resource}/.default`): the
    cloud's Graph resource, which is not always where requests are sent (the sandbox's Graph
    answers on a local address but stands for https://graph.microsoft.com)."""

    login_base: str
    graph_base: str
    graph_resource: str = ""

    @property
    def scope(self) -> str:
        """The client-credentials scope: the resource with `/.default` (v2.0 endpoint)."""
        return f"{(self.graph_resource or self.graph_base).rstrip('/')}/.default"


# https://learn.microsoft.com/graph/deployments (national cloud deployments).
_KNOWN: dict[str, CloudEndpoints] = {
    "global": CloudEndpoints(
        login_base="https://login.microsoftonline.com",
        graph_base="https://graph.microsoft.com",
    ),
    # US Government L4/L5 (GCC High / DoD) share these hosts.
    "usgov": CloudEndpoints(
        login_base="https://login.microsoftonline.us",
        graph_base="https://graph.microsoft.us",
    ),
    # Operated by 21Vianet.
    "china": CloudEndpoints(
        login_base="https://login.chinacloudapi.cn",
        graph_base="https://microsoftgraph.chinacloudapi.cn",
    ),
}


def endpoints_for(cloud: str, overrides: dict[str, CloudEndpoints] | None = None) -> CloudEndpoints:
    """Endpoints for `cloud`; `sandbox` (the built-in emulator) exists only through overrides."""
    if overrides and cloud in overrides:
        found = overrides[cloud]
    elif cloud in _KNOWN:
        found = _KNOWN[cloud]
    else:
        raise ValueError(
            f"unknown cloud {cloud!r}; expected one of {sorted(_KNOWN)} or an override"
        )
    return CloudEndpoints(
        login_base=found.login_base.rstrip("/"),
        graph_base=found.graph_base.rstrip("/"),
        graph_resource=(found.graph_resource or found.graph_base).rstrip("/"),
    )
