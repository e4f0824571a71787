"""Small builders shared by the Graph tests."""

from __future__ import annotations

import json
from typing import Any

import httpx


class StaticTokens:
    """A TokenProvider handing out numbered tokens, counting how often it was cleared."""

    def __init__(self, prefix: str = "tok") -> None:
        self.prefix = prefix
        self.issued = 0
        self.cleared = 0

    async def token(self) -> str:
        if self.issued == self.cleared:
            self.issued += 1
        return f"{self.prefix}-{self.issued}"

    def clear(self) -> None:
        self.cleared = self.issued


def graph_error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"request-id": f"req-{status}", "date": "2025-01-01T00:00:00"},
        }
    }
    return httpx.Response(
        status,
        headers={"request-id": f"req-{status}", **headers},
        content=json.dumps(body).encode(),
    )


def ok(body: Any = None, status: int = 200, **headers: str) -> httpx.Response:
    content = json.dumps(body).encode() if body is not None else b""
    return httpx.Response(status, headers={"request-id": "req-ok", **headers}, content=content)


def new_user(alias: str, domain: str = "contoso.com") -> dict[str, Any]:
    """A valid POST /users body (contract §1)."""
    return {
        "accountEnabled": True,
        "displayName": alias.title(),
        "mailNickname": alias,
        "userPrincipalName": f"{alias}@{domain}",
        "usageLocation": "US",
        "passwordProfile": {"password": "Xy7!long-enough", "forceChangePasswordNextSignIn": True},
    }
