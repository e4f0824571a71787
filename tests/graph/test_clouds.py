from __future__ import annotations

import pytest

from app.graph.clouds import GLOBAL_GRAPH_RESOURCE, CloudEndpoints, endpoints_for


def test_national_clouds() -> None:
    """Each cloud's hosts, and the resource its tokens are for (the Graph host itself)."""
    expected = {
        "global": ("https://login.microsoftonline.com", "https://graph.microsoft.com"),
        "usgov": ("https://login.microsoftonline.us", "https://graph.microsoft.us"),
        "china": ("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
    }
    for cloud, (login, graph) in expected.items():
        found = endpoints_for(cloud)
        assert (found.login_base, found.graph_base, found.graph_resource) == (login, graph, graph)
        assert found.scope == f"{graph}/.default"


def test_sandbox_only_through_overrides() -> None:
    with pytest.raises(ValueError, match="sandbox"):
        endpoints_for("sandbox")
    sandbox = CloudEndpoints(
        "https://127.0.0.1:8443/", "https://127.0.0.1:8443/", GLOBAL_GRAPH_RESOURCE
    )
    found = endpoints_for("sandbox", {"sandbox": sandbox})
    assert (found.login_base, found.graph_base) == ("https://127.0.0.1:8443",) * 2
    # Requests go to the sandbox; its tokens are for Graph, never for its address.
    assert found.scope == "https://graph.microsoft.com/.default"
