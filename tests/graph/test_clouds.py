from __future__ import annotations

import pytest

from app.graph.clouds import CloudEndpoints, endpoints_for


def test_national_clouds() -> None:
    assert endpoints_for("global") == CloudEndpoints(
        "https://login.microsoftonline.com", "https://graph.microsoft.com"
    )
    assert endpoints_for("usgov") == CloudEndpoints(
        "https://login.microsoftonline.us", "https://graph.microsoft.us"
    )
    assert endpoints_for("china") == CloudEndpoints(
        "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"
    )


def test_sandbox_only_through_overrides() -> None:
    with pytest.raises(ValueError, match="sandbox"):
        endpoints_for("sandbox")
    sandbox = CloudEndpoints("https://127.0.0.1:8443/", "https://127.0.0.1:8443/")
    assert endpoints_for("sandbox", {"sandbox": sandbox}) == CloudEndpoints(
        "https://127.0.0.1:8443", "https://127.0.0.1:8443"
    )
