"""The /_sandbox admin API, certificate handling and the foreground/background server."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
from cryptography import x509

from app.sandbox.seed import (
    DEMO_CLIENT_ID,
    DEMO_TENANT_ID,
    GROUP_ENGINEERING,
    SKU_E3,
    SKU_M365_E5,
    USER_MEGAN,
)
from app.sandbox.server import SandboxServer
from app.sandbox.state import SandboxState
from app.sandbox.tls import ensure_certificates
from tests.sandbox.helpers import error_of, fetch_token, new_user_body


def test_state_summary_and_users(admin: httpx.Client, graph: httpx.Client) -> None:
    summary = admin.get("/state").json()
    assert summary["defaultTenantId"] == DEMO_TENANT_ID
    assert summary["apps"][0]["clientId"] == DEMO_CLIENT_ID
    assert summary["tenants"][0]["users"] == 4

    created = graph.post("/users", json=new_user_body("gone", onPremisesImmutableId="Z29uZQ=="))
    graph.delete(f"/users/{created.json()['id']}")
    users = {
        u["userPrincipalName"]: u for u in admin.get(f"/tenants/{DEMO_TENANT_ID}/users").json()
    }
    gone = users["gone@contoso.com"]
    assert gone["deleted"] is True
    assert gone["onPremisesImmutableId"] == "Z29uZQ=="
    assert gone["deletedUserPrincipalName"].endswith("gone@contoso.com")
    megan = users["meganb@contoso.com"]
    assert megan["assignedLicenses"][0]["skuId"] == SKU_M365_E5
    assert {g["displayName"] for g in megan["groups"]} >= {"All Company"}


def test_behaviour_get_put_and_validation(admin: httpx.Client, state: SandboxState) -> None:
    assert admin.get("/behaviour").json()["latency_ms"] == 0
    changed = admin.put("/behaviour", json={"latency_ms": 5, "fault_rate_503": 0.5})
    assert changed.status_code == 200
    assert state.behaviour.latency_ms == 5
    assert state.behaviour.fault_rate_503 == 0.5
    assert admin.put("/behaviour", json={"no_such_switch": 1}).status_code == 422
    assert admin.put("/behaviour", json={"fault_rate_429": 2}).status_code == 422
    assert (
        admin.put("/behaviour", json={"latency_ms": "fast", "fault_rate_429": 0.1}).status_code
        == 422
    )
    assert state.behaviour.fault_rate_429 == 0  # a rejected update changes nothing


def test_counters_log_and_reset(admin: httpx.Client, graph: httpx.Client) -> None:
    graph.get("/organization", headers={"client-request-id": "log-me"})
    log = admin.get("/log").json()
    assert log[-1]["client_request_id"] == "log-me"
    assert log[-1]["status"] == 200
    counters = admin.get("/counters").json()
    assert counters["per_endpoint"]["GET /organization"] == 1
    assert counters["token_requests"] == 1
    assert admin.delete("/counters").json()["graph_calls"] == 0

    graph.post("/users", json=new_user_body("temp"))
    assert admin.post("/reset").json()["reset"] is True
    users = admin.get(f"/tenants/{DEMO_TENANT_ID}/users").json()
    assert "temp@contoso.com" not in {u["userPrincipalName"] for u in users}
    # Reset drops issued tokens too.
    assert graph.get("/organization").status_code == 401


def test_setup_routes_feed_graph(
    admin: httpx.Client, sb: SandboxServer, ssl_context: ssl.SSLContext
) -> None:
    tenant = admin.post(
        "/tenants", json={"display_name": "Woodgrove Bank", "domains": ["woodgrove.com"]}
    ).json()
    tenant_id = tenant["id"]
    assert (
        admin.post(
            f"/tenants/{tenant_id}/domains",
            json={"name": "corp.woodgrove.com", "authentication_type": "Federated"},
        ).status_code
        == 201
    )
    assert admin.post(
        f"/tenants/{tenant_id}/skus",
        json={"sku_id": SKU_E3, "part_number": "ENTERPRISEPACK", "enabled": 1,
              "service_plans": [{"service_plan_id": "efb87545-963c-4e0d-99df-69c6916d9eb0",
                                 "name": "EXCHANGE_S_ENTERPRISE"}]},
    ).status_code == 201  # fmt: skip
    group = admin.post(f"/tenants/{tenant_id}/groups", json={"display_name": "Tellers"}).json()
    app = admin.post(
        "/apps",
        json={"display_name": "woodgrove app", "secret": "w00d!", "consented_tenants": [tenant_id]},
    ).json()
    seeded = admin.post(
        f"/tenants/{tenant_id}/users",
        json={"user_principal_name": "teller@woodgrove.com", "display_name": "Teller",
              "licenses": [SKU_E3]},
    ).json()  # fmt: skip
    assert seeded["assignedLicenses"][0]["skuId"] == SKU_E3

    token = fetch_token(sb.base_url, ssl_context, tenant_id, app["clientId"], "w00d!")
    with httpx.Client(
        base_url=f"{sb.base_url}/v1.0",
        verify=ssl_context,
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        org = client.get("/organization").json()["value"][0]
        assert org["displayName"] == "Woodgrove Bank"
        domains = {d["id"]: d for d in client.get("/domains").json()["value"]}
        assert domains["corp.woodgrove.com"]["authenticationType"] == "Federated"
        federated = client.post(
            "/users", json=new_user_body("fed", "corp.woodgrove.com")
        )  # no immutable id
        assert federated.status_code == 400
        assert client.get(f"/groups/{group['id']}").status_code == 200
        newbie = client.post(
            "/users", json=new_user_body("newbie", "woodgrove.com", usageLocation="US")
        ).json()
        full = client.post(
            f"/users/{newbie['id']}/assignLicense",
            json={"addLicenses": [{"skuId": SKU_E3}], "removeLicenses": []},
        )
        assert error_of(full)["message"].endswith("does not have any available licenses.")
        assert (
            admin.put(
                f"/tenants/{tenant_id}/skus/ENTERPRISEPACK/seats", json={"enabled": 2}
            ).json()["consumed"]
            == 1
        )
        assert (
            client.post(
                f"/users/{newbie['id']}/assignLicense",
                json={"addLicenses": [{"skuId": SKU_E3}], "removeLicenses": []},
            ).status_code
            == 200
        )
        # The demo tenant's data is invisible from this tenant.
        assert client.get(f"/users/{USER_MEGAN}").status_code == 404
        assert client.get(f"/groups/{GROUP_ENGINEERING}").status_code == 404


def test_consent_and_organization_admin(admin: httpx.Client, state: SandboxState) -> None:
    other = admin.post("/tenants", json={"display_name": "Tailspin"}).json()
    assert (
        admin.post(f"/apps/{DEMO_CLIENT_ID}/consent", json={"tenant": other["id"]}).status_code
        == 200
    )
    assert other["id"] in state.apps[DEMO_CLIENT_ID].consented_tenants
    admin.delete(f"/apps/{DEMO_CLIENT_ID}/consent/{other['id']}")
    assert other["id"] not in state.apps[DEMO_CLIENT_ID].consented_tenants
    admin.patch(f"/tenants/{DEMO_TENANT_ID}/organization", json={"on_premises_sync_enabled": True})
    assert state.tenants[DEMO_TENANT_ID].on_premises_sync_enabled is True
    assert admin.get("/tenants/nowhere").status_code == 404


def test_certificates_are_reused_and_trusted(tmp_path: Path) -> None:
    first = ensure_certificates(tmp_path)
    pem = first.cert_file.read_bytes()
    second = ensure_certificates(tmp_path)
    assert second.cert_file.read_bytes() == pem
    cert = x509.load_pem_x509_certificate(pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} >= {"127.0.0.1"}
    third = ensure_certificates(tmp_path, ("sandbox.internal",))
    assert third.cert_file.read_bytes() != pem
    assert third.ca_file.read_bytes() == first.ca_file.read_bytes()


def test_second_server_on_its_own_port(cert_dir: Path, server: SandboxServer) -> None:
    with SandboxServer(cert_dir=cert_dir) as other:
        assert other.port != server.port
        assert other.base_url == f"https://127.0.0.1:{other.port}"
        ctx = ssl.create_default_context(cafile=str(other.ca_file))
        token = fetch_token(other.base_url, ctx)
        assert token not in server.state.tokens
        # The certificate also covers "localhost".
        by_name = (
            f"https://localhost:{other.port}/{DEMO_TENANT_ID}/v2.0/.well-known/openid-configuration"
        )
        assert httpx.get(by_name, verify=ctx).status_code == 200
