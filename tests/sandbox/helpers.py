"""Helpers shared by the sandbox tests: request bodies, token fetching, error access."""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from app.sandbox.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


def fetch_token(
    base_url: str,
    ctx: ssl.SSLContext,
    tenant: str = DEMO_TENANT_ID,
    client_id: str = DEMO_CLIENT_ID,
    secret: str = DEMO_CLIENT_SECRET,
) -> str:
    response = httpx.post(
        f"{base_url}/{tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": GRAPH_SCOPE,
        },
        verify=ctx,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def new_user_body(alias: str, domain: str = "contoso.com", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "accountEnabled": True,
        "displayName": alias.title(),
        "mailNickname": alias,
        "userPrincipalName": f"{alias}@{domain}",
        "passwordProfile": {"password": "Sandbox!2024", "forceChangePasswordNextSignIn": True},
    }
    body.update(extra)
    return body


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "error" in body, body
    error: dict[str, Any] = body["error"]
    return error
