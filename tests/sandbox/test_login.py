"""Login endpoints against real MSAL: discovery, secrets, certificates, errors, admin consent."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import msal
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from app.sandbox.seed import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_TENANT_ID,
    DOMAIN_DEFAULT,
)
from app.sandbox.server import SandboxServer
from app.sandbox.state import SandboxState
from tests.sandbox.helpers import GRAPH_SCOPE


def make_app(
    sb: SandboxServer,
    session: requests.Session,
    credential: str | dict[str, str] = DEMO_CLIENT_SECRET,
    client_id: str = DEMO_CLIENT_ID,
    tenant: str = DEMO_TENANT_ID,
) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential,
        authority=f"{sb.base_url}/{tenant}",
        http_client=session,
        instance_discovery=False,
    )


def self_signed() -> tuple[str, str, str]:
    """(private key PEM, certificate PEM, SHA-1 thumbprint hex) for a client certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sandbox client")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return key_pem, cert_pem, cert.fingerprint(hashes.SHA1()).hex()


def test_discovery_by_guid_domain_and_alias(sb: SandboxServer, ssl_context: ssl.SSLContext) -> None:
    for name in (DEMO_TENANT_ID, DOMAIN_DEFAULT):
        doc = httpx.get(
            f"{sb.base_url}/{name}/v2.0/.well-known/openid-configuration", verify=ssl_context
        ).json()
        assert doc["token_endpoint"] == f"{sb.base_url}/{DEMO_TENANT_ID}/oauth2/v2.0/token"
        assert doc["authorization_endpoint"].endswith(f"/{DEMO_TENANT_ID}/oauth2/v2.0/authorize")
        assert doc["issuer"] == f"{sb.base_url}/{DEMO_TENANT_ID}/v2.0"
    orgs = httpx.get(
        f"{sb.base_url}/organizations/v2.0/.well-known/openid-configuration", verify=ssl_context
    ).json()
    assert orgs["token_endpoint"] == f"{sb.base_url}/organizations/oauth2/v2.0/token"
    unknown = httpx.get(
        f"{sb.base_url}/nowhere.example/v2.0/.well-known/openid-configuration", verify=ssl_context
    )
    assert unknown.status_code == 400
    assert unknown.json()["error_codes"] == [90002]


def test_msal_secret_token_works_on_graph_and_is_cached(
    sb: SandboxServer, msal_session: requests.Session
) -> None:
    app = make_app(sb, msal_session)
    first = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert first.get("token_type") == "Bearer", first
    assert first["expires_in"] > 3000
    second = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert second["access_token"] == first["access_token"]
    assert second.get("token_source") == "cache"
    me = msal_session.get(
        f"{sb.base_url}/v1.0/organization",
        headers={"Authorization": f"Bearer {first['access_token']}"},
    )
    assert me.status_code == 200
    assert me.json()["value"][0]["id"] == DEMO_TENANT_ID


def test_msal_by_domain_name_authority(sb: SandboxServer, msal_session: requests.Session) -> None:
    result = make_app(sb, msal_session, tenant=DOMAIN_DEFAULT).acquire_token_for_client(
        scopes=[GRAPH_SCOPE]
    )
    assert "access_token" in result, result
    grant = sb.state.grant_for(result["access_token"])
    assert grant is not None and grant.tenant_id == DEMO_TENANT_ID


def test_wrong_secret_is_invalid_client(sb: SandboxServer, msal_session: requests.Session) -> None:
    result = make_app(sb, msal_session, credential="nope").acquire_token_for_client(
        scopes=[GRAPH_SCOPE]
    )
    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert result["error_codes"] == [7000215]


def test_unknown_client(sb: SandboxServer, msal_session: requests.Session) -> None:
    result = make_app(
        sb, msal_session, client_id="11111111-2222-3333-4444-555555555555"
    ).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert result["error"] == "unauthorized_client"
    assert result["error_description"].startswith("AADSTS700016: Application with identifier")


def test_unknown_tenant_on_token_endpoint(sb: SandboxServer, ssl_context: ssl.SSLContext) -> None:
    response = httpx.post(
        f"{sb.base_url}/00000000-0000-0000-0000-000000000001/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "scope": GRAPH_SCOPE,
        },
        verify=ssl_context,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "AADSTS90002" in response.json()["error_description"]


def test_unknown_tenant_makes_msal_fail(sb: SandboxServer, msal_session: requests.Session) -> None:
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        make_app(sb, msal_session, tenant="nowhere.example")


def test_not_consented_tenant(
    sb: SandboxServer, state: SandboxState, msal_session: requests.Session
) -> None:
    other = state.add_tenant("Woodgrove")
    result = make_app(sb, msal_session, tenant=other.id).acquire_token_for_client(
        scopes=[GRAPH_SCOPE]
    )
    assert result["error"] == "invalid_grant"
    assert "AADSTS65001" in result["error_description"]


def test_scope_must_be_dot_default(sb: SandboxServer, ssl_context: ssl.SSLContext) -> None:
    response = httpx.post(
        f"{sb.base_url}/{DEMO_TENANT_ID}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "scope": "User.Read",
        },
        verify=ssl_context,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


@pytest.mark.parametrize("with_public_cert", [True, False])
def test_certificate_credential_via_msal(
    sb: SandboxServer,
    state: SandboxState,
    msal_session: requests.Session,
    with_public_cert: bool,
) -> None:
    key_pem, cert_pem, thumbprint = self_signed()
    app_reg = state.add_app(
        "cert app", certificate_pem=cert_pem, consented_tenants=[DEMO_TENANT_ID]
    )
    # With the public certificate MSAL 1.39 signs PS256 + x5t#S256; with only a thumbprint,
    # RS256 + x5t. Both must work.
    credential = {"private_key": key_pem}
    if with_public_cert:
        credential["public_certificate"] = cert_pem
    else:
        credential["thumbprint"] = thumbprint
    result = make_app(
        sb, msal_session, credential=credential, client_id=app_reg.client_id
    ).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert "access_token" in result, result
    grant = state.grant_for(result["access_token"])
    assert grant is not None and grant.client_id == app_reg.client_id


def test_certificate_not_registered_is_rejected(
    sb: SandboxServer, state: SandboxState, msal_session: requests.Session
) -> None:
    _, registered_pem, _ = self_signed()
    other_key, other_cert, _ = self_signed()
    app_reg = state.add_app(
        "cert app", certificate_pem=registered_pem, consented_tenants=[DEMO_TENANT_ID]
    )
    result = make_app(
        sb,
        msal_session,
        credential={"private_key": other_key, "public_certificate": other_cert},
        client_id=app_reg.client_id,
    ).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [700027]


def _consent(
    sb: SandboxServer, ctx: ssl.SSLContext, tenant: str, **params: str
) -> dict[str, list[str]]:
    response = httpx.get(
        f"{sb.base_url}/{tenant}/v2.0/adminconsent",
        params={
            "scope": GRAPH_SCOPE,
            "redirect_uri": "https://app.example/callback",
            "state": "xyz",
            **params,
        },
        verify=ctx,
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://app.example/callback"
    return parse_qs(location.query)


def test_admin_consent_marks_app_consented(
    sb: SandboxServer,
    state: SandboxState,
    ssl_context: ssl.SSLContext,
    msal_session: requests.Session,
) -> None:
    other = state.add_tenant("Woodgrove")
    app_reg = state.add_app("multi-tenant app", secret="s3cret!")
    query = _consent(sb, ssl_context, "organizations", client_id=app_reg.client_id)
    assert query == {
        "admin_consent": ["True"],
        "tenant": [DEMO_TENANT_ID],
        "scope": [GRAPH_SCOPE],
        "state": ["xyz"],
    }
    query = _consent(
        sb, ssl_context, "organizations", client_id=app_reg.client_id, tenant_hint=other.id
    )
    assert query["tenant"] == [other.id]
    assert app_reg.consented_tenants == {DEMO_TENANT_ID, other.id}
    result = make_app(
        sb, msal_session, credential="s3cret!", client_id=app_reg.client_id, tenant=other.id
    ).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert "access_token" in result, result


def test_admin_consent_in_path_tenant_and_unknown_client(
    sb: SandboxServer, state: SandboxState, ssl_context: ssl.SSLContext
) -> None:
    other = state.add_tenant("Woodgrove")
    query = _consent(sb, ssl_context, other.id, client_id=DEMO_CLIENT_ID)
    assert query["tenant"] == [other.id]
    assert other.id in state.apps[DEMO_CLIENT_ID].consented_tenants
    query = _consent(sb, ssl_context, "organizations", client_id="not-an-app")
    assert query["error"] == ["invalid_client"]
    assert query["state"] == ["xyz"]
    assert "admin_consent" not in query
