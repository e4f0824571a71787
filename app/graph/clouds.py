"""Login and Graph hosts of each Microsoft cloud, so one client serves every national cloud."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CloudEndpoints:
    """`graph_base` has no version suffix: the client adds `/v1.0`."""

    login_base: str
    graph_base: str


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
        login_base=found.login_base.rstrip("/"), graph_base=found.graph_base.rstrip("/")
    )
