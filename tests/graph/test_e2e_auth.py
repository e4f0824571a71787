"""Token acquisition with real MSAL against the sandbox tenant's identity endpoints, over TLS."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from app.graph import (
    Budget,
    CertificateCredential,
    GraphAuthError,
    GraphClient,
    InProcessLimiter,
    MsalTokenProvider,
)
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.graph.conftest import MemoryCacheStore, token_provider

pytestmark = pytest.mark.anyio


async def test_token_is_cached_and_shared_by_concurrent_callers(sandbox: SandboxServer) -> None:
    tokens = token_provider(sandbox)
    try:
        results = await asyncio.gather(*(tokens.token() for _ in range(10)))
        again = await tokens.token()
    finally:
        tokens.close()
    assert len(set(results)) == 1 and again == results[0]
    assert sandbox.state.counters.token_requests == 1


async def test_persisted_cache_spares_the_next_process_a_token_request(
    sandbox: SandboxServer,
) -> None:
    store = MemoryCacheStore()
    first = token_provider(sandbox, store=store)
    token = await first.token()
    first.close()
    assert store.saves == 1 and store.blob and token in store.blob

    second = token_provider(sandbox, store=store)  # a new process reading the stored cache
    try:
        assert await second.token() == token
    finally:
        second.close()
    assert sandbox.state.counters.token_requests == 1
    assert store.saves == 1  # nothing changed, nothing written


async def test_clear_drops_the_token_from_the_persisted_cache_too(sandbox: SandboxServer) -> None:
    store = MemoryCacheStore()
    tokens = token_provider(sandbox, store=store)
    try:
        stale = await tokens.token()
        tokens.clear()
        assert store.blob is not None and stale not in store.blob
        fresh = await tokens.token()
    finally:
        tokens.close()
    assert fresh != stale
    assert sandbox.state.counters.token_requests == 2


async def test_wrong_secret_raises_auth_error_with_aadsts_and_no_secret(
    sandbox: SandboxServer,
) -> None:
    wrong = "definitely-not-the-secret-42"
    tokens = token_provider(sandbox, secret=wrong)
    try:
        with pytest.raises(GraphAuthError) as caught:
            await tokens.token()
    finally:
        tokens.close()
    error = caught.value
    assert error.code == "invalid_client"
    assert "AADSTS7000215" in error.message
    assert wrong not in str(error) and wrong not in repr(error.__dict__)


async def test_unknown_tenant_is_an_auth_error(sandbox: SandboxServer) -> None:
    tokens = MsalTokenProvider(
        seed.DEMO_CLIENT_ID,
        authority_base=sandbox.base_url,
        tenant="no-such-tenant.example",
        client_secret=seed.DEMO_CLIENT_SECRET,
        scope="https://graph.microsoft.com/.default",
        ca_file=str(sandbox.ca_file),
    )
    try:
        with pytest.raises(GraphAuthError):
            await tokens.token()
    finally:
        tokens.close()


def _self_signed() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "provisioner-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


async def test_certificate_credential(sandbox: SandboxServer) -> None:
    key_pem, cert_pem = _self_signed()
    app = sandbox.state.add_app(
        "cert app", certificate_pem=cert_pem, consented_tenants=[seed.DEMO_TENANT_ID]
    )
    tokens = MsalTokenProvider(
        app.client_id,
        authority_base=sandbox.base_url,
        tenant=seed.DEMO_TENANT_ID,
        certificate=CertificateCredential(private_key_pem=key_pem, public_certificate_pem=cert_pem),
        scope="https://graph.microsoft.com/.default",
        ca_file=str(sandbox.ca_file),
    )
    try:
        assert await tokens.token()
    finally:
        tokens.close()
    assert "PRIVATE KEY" not in repr(CertificateCredential(key_pem, "ab"))


def test_exactly_one_credential_is_required() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        MsalTokenProvider(
            "c",
            authority_base="https://x",
            tenant="t",
            scope="https://graph.microsoft.com/.default",
        )


async def test_no_secret_or_token_reaches_the_logs(
    sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Everything at DEBUG, MSAL and urllib3 included, through a 401 refresh and a failure.
    tokens = token_provider(sandbox)
    with caplog.at_level(logging.DEBUG):
        client = GraphClient(
            graph_base=sandbox.base_url,
            token_provider=tokens,
            limiter=InProcessLimiter(Budget()),
            limiter_key="k",
            ssl_context=ssl.create_default_context(cafile=str(sandbox.ca_file)),
        )
        async with client:
            await client.get("/users", params={"$select": "id"})
            issued = await tokens.token()
            sandbox.state.tokens.clear()  # revoke: Graph now answers 401 once
            await client.get("/organization")
            refreshed = await tokens.token()
        bad = token_provider(sandbox, secret="wrong-secret-value-99")
        with pytest.raises(GraphAuthError):
            await bad.token()
        bad.close()
        tokens.close()
    logged = "\n".join(f"{r.getMessage()} {r.args} {r.__dict__}" for r in caplog.records)
    assert any(r.name.startswith("msal") for r in caplog.records)  # MSAL's debug logs are in
    assert any(r.getMessage() == "graph.call" for r in caplog.records)
    for secret in (seed.DEMO_CLIENT_SECRET, "wrong-secret-value-99", issued, refreshed):
        assert secret not in logged
    assert issued != refreshed


async def test_a_scope_naming_anything_but_graph_is_refused(sandbox: SandboxServer) -> None:
    """The sandbox stands for the global cloud's Graph: a token for its own address names no
    resource Entra knows (AADSTS500011), as it would at login.microsoftonline.com."""
    tokens = MsalTokenProvider(
        seed.DEMO_CLIENT_ID,
        authority_base=sandbox.base_url,
        tenant=seed.DEMO_TENANT_ID,
        client_secret=seed.DEMO_CLIENT_SECRET,
        scope=f"{sandbox.base_url}/.default",
        ca_file=str(sandbox.ca_file),
    )
    try:
        with pytest.raises(GraphAuthError) as caught:
            await tokens.token()
    finally:
        tokens.close()
    assert caught.value.code == "invalid_resource" and "AADSTS500011" in caught.value.message


def test_the_sandbox_cloud_asks_for_graphs_resource_not_its_address() -> None:
    from app.apps.clouds import cloud_endpoints
    from app.settings import Settings

    settings = Settings(sandbox_url="https://127.0.0.1:18443")
    sandbox = cloud_endpoints(settings, "sandbox")
    assert sandbox.graph_base == "https://127.0.0.1:18443"
    assert sandbox.scope == "https://graph.microsoft.com/.default"
    assert cloud_endpoints(settings, "global").scope == "https://graph.microsoft.com/.default"
    assert cloud_endpoints(settings, "usgov").scope == "https://graph.microsoft.us/.default"


async def test_a_refused_token_response_is_not_kept(sandbox: SandboxServer) -> None:
    """MSAL keeps a 400 token response for a minute; once consent is granted, the next
    request asks again and gets a token at once."""
    registration = sandbox.state.add_app("late consent", secret="late-secret")
    with sandbox.state.lock:
        registration.consented_tenants.discard(seed.DEMO_TENANT_ID)
    tokens = MsalTokenProvider(
        registration.client_id,
        authority_base=sandbox.base_url,
        tenant=seed.DEMO_TENANT_ID,
        client_secret="late-secret",
        scope="https://graph.microsoft.com/.default",
        ca_file=str(sandbox.ca_file),
    )
    try:
        with pytest.raises(GraphAuthError) as caught:
            await tokens.token()
        assert "AADSTS65001" in caught.value.message
        with sandbox.state.lock:
            registration.consented_tenants.add(seed.DEMO_TENANT_ID)
        assert await tokens.token()
    finally:
        tokens.close()
