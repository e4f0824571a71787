"""Builders for the apps tests: app bodies, certificates, and the admin-consent round trip."""

from __future__ import annotations

import datetime as dt
import ssl
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from app.db import transaction
from app.models import App
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.support import ApiClient


def app_body(n: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"Contoso {n}",
        "cloud": "sandbox",
        "tenant": seed.DEMO_TENANT_ID,
        "domain": seed.DOMAIN_DEFAULT,
        "client_id": seed.DEMO_CLIENT_ID,
        "client_secret": seed.DEMO_CLIENT_SECRET,
    }
    body.update(overrides)
    return body


def row(app_id: int) -> App:
    with transaction() as session:
        app = session.get(App, app_id)
        assert app is not None
        session.expunge(app)
        return app


def key_and_cert(days: int = 30, key: rsa.RSAPrivateKey | None = None) -> tuple[str, str]:
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "provisioner-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=60))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def admin_consents(sandbox: SandboxServer, url: str) -> str:
    """The admin's browser at Microsoft: returns the callback path+query it is sent back to."""
    context = ssl.create_default_context(cafile=str(sandbox.ca_file))
    with httpx.Client(verify=context, trust_env=False) as browser:
        answer = browser.get(url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["location"])
    return f"{location.path}?{location.query}"


def authenticate(api: ApiClient, sandbox: SandboxServer, app_id: int) -> None:
    """The whole "Authenticate" button: consent URL, Microsoft, callback."""
    url = api.ok("GET", f"/apps/{app_id}/authorize")["url"]
    callback = api.get(admin_consents(sandbox, url))
    assert callback.status_code == 200, callback.text


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
