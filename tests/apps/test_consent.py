"""The "Authenticate" flow: admin-consent URL, the callback, tokens through MSAL, clear token."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import transaction
from app.models import Event, OAuthState, utcnow
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.apps.helpers import admin_consents, app_body, authenticate, key_and_cert, query_of, row
from tests.support import ApiClient

CALLBACK = "/oauth/consent/callback"


def _states() -> list[OAuthState]:
    with transaction() as session:
        return list(session.exec(select(OAuthState)).all())


def test_authorize_url_and_callback_record_the_tenant(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    authorize = api.ok("GET", f"/apps/{app_id}/authorize")
    url = authorize["url"]
    assert url.startswith(f"{sandbox.base_url}/{seed.DEMO_TENANT_ID}/v2.0/adminconsent?")
    query = query_of(url)
    assert query["client_id"] == seed.DEMO_CLIENT_ID
    assert query["scope"] == f"{sandbox.base_url}/.default"
    assert query["redirect_uri"] == "http://127.0.0.1:8000/oauth/consent/callback"
    assert authorize["redirect_uri"] == query["redirect_uri"]
    (state_row,) = _states()
    # Only a hash of the state is stored, bound to this app.
    assert state_row.state_hash == hashlib.sha256(query["state"].encode()).hexdigest()
    assert state_row.app_id == app_id and state_row.used_at is None

    callback = admin_consents(sandbox, url)
    answer = api.get(callback)  # no bearer token needed: the browser cannot send one
    assert answer.status_code == 200 and "Consent recorded" in answer.text
    app = api.ok("GET", f"/apps/{app_id}")
    assert app["consent"]["authenticated"] is True
    assert app["consent"]["tenant_id"] == seed.DEMO_TENANT_ID

    again = api.get(callback)
    assert again.status_code == 400 and "already used" in again.json()["detail"]


def test_bad_callbacks_are_clear_400s_and_spend_the_state(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    unknown = api.get(f"{CALLBACK}?admin_consent=True&tenant={seed.DEMO_TENANT_ID}&state=forged")
    assert unknown.status_code == 400 and "Unknown consent state" in unknown.json()["detail"]
    assert api.get(CALLBACK).status_code == 400

    # Microsoft reports an error (the admin declined): its text reaches the admin.
    state = query_of(api.ok("GET", f"/apps/{app_id}/authorize")["url"])["state"]
    declined = api.get(
        f"{CALLBACK}?error=access_denied&state={state}"
        "&error_description=AADSTS65004%3A+User+declined+to+consent"
    )
    assert declined.status_code == 400
    assert declined.headers["content-type"] == "application/problem+json"
    assert "AADSTS65004" in declined.json()["detail"]
    assert api.get(f"{CALLBACK}?state={state}").json()["detail"].startswith("This consent link")

    # An expired state fails even with a good answer from Microsoft, and is spent too.
    url = api.ok("GET", f"/apps/{app_id}/authorize")["url"]
    with transaction() as session:
        session.execute(
            update(OAuthState)
            .where(OAuthState.used_at.is_(None))  # type: ignore[union-attr]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    callback = admin_consents(sandbox, url)
    expired = api.get(callback)
    assert expired.status_code == 400 and "expired" in expired.json()["detail"]
    assert "already used" in api.get(callback).json()["detail"]
    states = _states()
    assert len(states) == 2 and all(s.used_at is not None for s in states)  # both links spent
    assert api.ok("GET", f"/apps/{app_id}")["consent"]["authenticated"] is False


def test_token_from_the_demo_secret_is_cached_encrypted_and_cleared(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    problem = api.problem("POST", f"/apps/{app_id}/verify-domain", 409)
    assert "authorize" in problem["detail"]
    authenticate(api, sandbox, app_id)

    assert api.ok("POST", f"/apps/{app_id}/verify-domain")["verified"] is True
    assert sandbox.state.counters.token_requests == 1
    (token,) = sandbox.state.tokens
    stored = row(app_id)
    assert stored.token_cache_enc and token not in stored.token_cache_enc

    api.ok("DELETE", f"/apps/{app_id}/token", expect=204)
    stored = row(app_id)
    assert stored.token_cache_enc is None and stored.consented_tenant_id is None
    assert api.ok("GET", f"/apps/{app_id}")["consent"]["authenticated"] is False
    api.problem("POST", f"/apps/{app_id}/verify-domain", 409)


def test_wrong_secret_is_a_409_with_aadsts_text_and_no_secret(
    api: ApiClient, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-secret-value-1234567"
    # Consent is proved with a token, so a wrong secret already fails the callback, saying why.
    app_id = api.ok("POST", "/apps", json=app_body(client_secret=wrong))["id"]
    url = api.ok("GET", f"/apps/{app_id}/authorize")["url"]
    with caplog.at_level(logging.DEBUG):
        refused = api.get(admin_consents(sandbox, url))
    assert refused.status_code == 400 and "AADSTS7000215" in refused.json()["detail"]
    assert wrong not in refused.text
    assert api.ok("GET", f"/apps/{app_id}")["consent"]["authenticated"] is False
    # A secret that goes wrong after consent: Graph calls are 409s with the AADSTS text.
    api.ok("PATCH", f"/apps/{app_id}", json={"client_secret": seed.DEMO_CLIENT_SECRET})
    authenticate(api, sandbox, app_id)
    api.ok("PATCH", f"/apps/{app_id}", json={"client_secret": wrong})
    with caplog.at_level(logging.DEBUG):
        response = api.post(f"/api/v1/apps/{app_id}/verify-domain")
    assert response.status_code == 409, response.text
    assert "AADSTS7000215" in response.json()["detail"]
    assert wrong not in response.text
    assert caplog.records  # the DEBUG logs of the token request are there to be checked
    assert all(wrong not in f"{r.getMessage()} {r.__dict__}" for r in caplog.records)


def test_missing_credentials_and_missing_sandbox_are_409s(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_id = api.ok("POST", "/apps", json=app_body(client_secret=None))["id"]
    problem = api.problem("POST", f"/apps/{app_id}/verify-domain", 409)
    assert problem["type"].endswith("app-credentials-missing")
    monkeypatch.delenv("SANDBOX_URL")
    from app.settings import get_settings

    get_settings.cache_clear()
    problem = api.problem("GET", f"/apps/{app_id}/authorize", 409)
    assert "SANDBOX_URL" in problem["detail"]


def test_certificate_credential_gets_a_token(api: ApiClient, sandbox: SandboxServer) -> None:
    key_pem, cert_pem = key_and_cert()
    registration = sandbox.state.add_app("cert app", certificate_pem=cert_pem)
    body = app_body(
        client_secret=None,
        client_id=registration.client_id,
        certificate={"private_key_pem": key_pem, "certificate_pem": cert_pem},
    )
    app_id = api.ok("POST", "/apps", json=body)["id"]
    authenticate(api, sandbox, app_id)
    assert seed.DEMO_TENANT_ID in registration.consented_tenants
    assert api.ok("POST", f"/apps/{app_id}/verify-domain")["verified"] is True


def test_runtime_keeps_one_client_per_app_until_credentials_change(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    from app.apps.runtime import GraphRuntime
    from app.settings import get_settings

    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    authenticate(api, sandbox, app_id)

    async def scenario() -> None:
        runtime = GraphRuntime(get_settings())
        try:
            first = await runtime.client_for(app_id)
            await first.get("/organization")
            api.ok("PATCH", f"/apps/{app_id}", json={"deletion_threshold": 5})
            assert await runtime.client_for(app_id) is first  # not a credential change
            api.ok("PATCH", f"/apps/{app_id}", json={"client_secret": seed.DEMO_CLIENT_SECRET})
            second = await runtime.client_for(app_id)
            assert second is not first
            await second.get("/organization")
        finally:
            await runtime.aclose()

    asyncio.run(scenario())
    # The new secret threw the cached token away, so a second token was fetched.
    assert sandbox.state.counters.token_requests == 2


def _events(kind: str) -> list[Event]:
    with transaction() as session:
        return list(session.exec(select(Event).where(Event.kind == kind)).all())


def test_a_read_token_cannot_start_consent_and_a_forged_callback_is_refused(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    # An app registration no tenant administrator has consented to.
    registration = sandbox.state.add_app("never consented", secret=seed.DEMO_CLIENT_SECRET)
    body = app_body(client_id=registration.client_id)
    app_id = api.ok("POST", "/apps", json=body)["id"]
    reader = api.with_scopes("read")
    problem = reader.problem("GET", f"/apps/{app_id}/authorize", 403)
    assert "write" in problem["detail"]

    # Even with a state, typing Microsoft's answer proves nothing: no token, no consent.
    state = query_of(api.ok("GET", f"/apps/{app_id}/authorize")["url"])["state"]
    forged = reader.get(f"{CALLBACK}?admin_consent=True&tenant={seed.DEMO_TENANT_ID}&state={state}")
    assert forged.status_code == 400, forged.text
    assert "AADSTS65001" in forged.json()["detail"]
    assert row(app_id).consented_tenant_id is None
    (event,) = _events("app.consent_failed")
    assert event.app_id == app_id and event.data["tenant"] == seed.DEMO_TENANT_ID
    assert "AADSTS65001" in event.data["reason"]


def test_a_cleared_token_stays_cleared_against_a_replayed_answer(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    authenticate(api, sandbox, app_id)
    api.ok("DELETE", f"/apps/{app_id}/token", expect=204)
    reader = api.with_scopes("read")
    reader.problem("GET", f"/apps/{app_id}/authorize", 403)
    forged = reader.get(f"{CALLBACK}?admin_consent=True&tenant={seed.DEMO_TENANT_ID}&state=guessed")
    assert forged.status_code == 400
    assert row(app_id).consented_tenant_id is None


def test_consent_in_another_tenant_is_refused(api: ApiClient, sandbox: SandboxServer) -> None:
    other = sandbox.state.add_tenant("Fabrikam", str(uuid.uuid4()))
    registration = sandbox.state.add_app(
        "multi-tenant", secret=seed.DEMO_CLIENT_SECRET, consented_tenants=[other.id]
    )
    # Configured by GUID: a callback naming another tenant (where the app does have consent).
    by_id = app_body(1, client_id=registration.client_id)
    app_id = api.ok("POST", "/apps", json=by_id)["id"]
    state = query_of(api.ok("GET", f"/apps/{app_id}/authorize")["url"])["state"]
    answer = api.get(f"{CALLBACK}?admin_consent=True&tenant={other.id}&state={state}")
    assert answer.status_code == 400 and seed.DEMO_TENANT_ID in answer.json()["detail"]
    assert row(app_id).consented_tenant_id is None

    # Configured by domain: the domain's tenant is not the one in the callback.
    by_domain = app_body(2, client_id=registration.client_id, tenant=seed.DOMAIN_INITIAL)
    app_id = api.ok("POST", "/apps", json=by_domain)["id"]
    sandbox.state.apps[registration.client_id].consented_tenants.add(seed.DEMO_TENANT_ID)
    state = query_of(api.ok("GET", f"/apps/{app_id}/authorize")["url"])["state"]
    answer = api.get(f"{CALLBACK}?admin_consent=True&tenant={other.id}&state={state}")
    assert answer.status_code == 400, answer.text
    assert f"belongs to tenant {seed.DEMO_TENANT_ID}" in answer.json()["detail"]
    assert row(app_id).consented_tenant_id is None
    assert len(_events("app.consent_failed")) == 2


def test_an_app_configured_by_domain_consents_for_that_domains_tenant(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id = api.ok("POST", "/apps", json=app_body(tenant=seed.DOMAIN_INITIAL))["id"]
    authenticate(api, sandbox, app_id)
    assert row(app_id).consented_tenant_id == seed.DEMO_TENANT_ID
    (event,) = _events("app.consent_recorded")
    assert event.app_id == app_id and event.data == {"tenant_id": seed.DEMO_TENANT_ID}
    assert api.ok("POST", f"/apps/{app_id}/verify-domain")["verified"] is True
