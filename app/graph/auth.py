"""App-only access tokens for Graph from MSAL (client credentials), cached and persisted.

MSAL is synchronous and does network I/O, so every MSAL call runs in a worker thread; an
asyncio lock makes concurrent callers share one token request instead of stampeding the
token endpoint when the cached token expires.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import certifi
import msal
import requests

from app.graph.errors import GraphAuthError, GraphTransientError

log = logging.getLogger("app.graph.auth")

# Renew this long before MSAL's expiry so a token never dies on the wire mid-request.
_EXPIRY_MARGIN_S = 300.0

# Hosts MSAL knows without asking instance discovery (msal/authority.py WELL_KNOWN_AUTHORITY_HOSTS).
_MICROSOFT_LOGIN_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoft.com",
        "login.windows.net",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
        "login.microsoftonline.de",
        "login-us.microsoftonline.com",
    }
)


def token_claims(access_token: str) -> dict[str, Any]:
    """The claims of a JWT access token, unverified (empty when it is not a JWT).

    Only for tokens this process just received from the token endpoint over TLS: the channel,
    not the signature, vouches for them. Used to read which tenant (`tid`) issued a token.
    """
    parts = access_token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


class TokenProvider(Protocol):
    """Anything that hands out bearer tokens for Graph."""

    async def token(self) -> str: ...

    def clear(self) -> None:
        """Forget the current token (Graph rejected it); the next `token()` fetches a new one."""


class TokenCacheStore(Protocol):
    """Where the serialized MSAL cache lives between processes (the product encrypts it)."""

    def load(self) -> str | None: ...

    def save(self, serialized: str) -> None: ...


@dataclass(frozen=True)
class CertificateCredential:
    """A certificate credential: the private key plus either its thumbprint or public cert.

    With only `public_certificate_pem`, MSAL (>= 1.35) derives a SHA-256 thumbprint and also
    sends the chain (x5c) for subject-name/issuer auth.
    """

    private_key_pem: str
    thumbprint: str | None = None
    public_certificate_pem: str | None = None
    passphrase: str | None = None

    def as_msal(self) -> dict[str, str]:
        if not self.thumbprint and not self.public_certificate_pem:
            raise ValueError("a certificate credential needs a thumbprint or a public certificate")
        out = {"private_key": self.private_key_pem}
        if self.thumbprint:
            out["thumbprint"] = self.thumbprint
        if self.public_certificate_pem:
            out["public_certificate"] = self.public_certificate_pem
        if self.passphrase:
            out["passphrase"] = self.passphrase
        return out

    def __repr__(self) -> str:  # never print the key
        return f"CertificateCredential(thumbprint={self.thumbprint!r})"


class MsalTokenProvider:
    """Client-credentials tokens for one (app, tenant), through MSAL's cache."""

    def __init__(
        self,
        client_id: str,
        *,
        authority_base: str,
        tenant: str,
        client_secret: str | None = None,
        certificate: CertificateCredential | None = None,
        scope: str,
        ca_file: str | None = None,
        cache_store: TokenCacheStore | None = None,
        timeout: float = 30.0,
    ) -> None:
        if (client_secret is None) == (certificate is None):
            raise ValueError("give exactly one of client_secret or certificate")
        self._client_id = client_id
        self._authority = f"{authority_base.rstrip('/')}/{tenant}"
        self._scopes = [scope]
        self._secret = client_secret
        self._certificate = certificate
        self._ca_file = ca_file
        self._store = cache_store
        self._timeout = timeout
        self._cache = msal.SerializableTokenCache()
        # MSAL keeps token responses refused with a 400 for 60 s and answers from that cache
        # (its throttling), so a fixed consent or permission would show only a minute later;
        # we own its HTTP cache and empty it after a refusal.
        self._http_cache: dict[Any, Any] = {}
        self._app: msal.ConfidentialClientApplication | None = None
        self._session: requests.Session | None = None
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._fresh_until = 0.0
        self._cache_loaded = False

    def __repr__(self) -> str:
        return f"MsalTokenProvider(client_id={self._client_id!r}, authority={self._authority!r})"

    async def token(self) -> str:
        if self._token is not None and time.monotonic() < self._fresh_until:
            return self._token
        async with self._lock:
            # Another caller may have fetched one while we waited for the lock.
            if self._token is not None and time.monotonic() < self._fresh_until:
                return self._token
            token, expires_in = await asyncio.to_thread(self._acquire)
            self._token = token
            self._fresh_until = time.monotonic() + max(0.0, expires_in - _EXPIRY_MARGIN_S)
            return token

    def clear(self) -> None:
        self._token = None
        self._fresh_until = 0.0
        # MSAL would hand the rejected token back from its cache, so drop it there too.
        stale = list(
            self._cache.search(
                msal.TokenCache.CredentialType.ACCESS_TOKEN, query={"client_id": self._client_id}
            )
        )
        for entry in stale:
            self._cache.remove_at(entry)
        self._persist()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    # -- runs in a worker thread ------------------------------------------------------------

    def _acquire(self) -> tuple[str, float]:
        try:
            app = self._application()
            result: dict[str, Any] = app.acquire_token_for_client(scopes=self._scopes)
        except requests.RequestException as exc:
            raise GraphTransientError(
                0, "tokenRequestFailed", f"token endpoint unreachable: {type(exc).__name__}"
            ) from None
        except ValueError as exc:
            # MSAL raises ValueError when authority discovery fails (unknown tenant, bad URL).
            raise GraphAuthError(0, "authority_discovery_failed", self._redact(str(exc))) from None
        self._persist()
        if "access_token" not in result:
            self._http_cache.clear()  # the next attempt asks the identity platform again
            error = str(result.get("error") or "token_request_failed")
            description = self._redact(str(result.get("error_description") or ""))
            log.warning("graph.token_failed", extra={"error": error, "client_id": self._client_id})
            raise GraphAuthError(
                401,
                error,
                description,
                request_id=result.get("correlation_id"),
            )
        log.debug(
            "graph.token_acquired",
            extra={"source": result.get("token_source"), "client_id": self._client_id},
        )
        return str(result["access_token"]), float(result.get("expires_in") or 0)

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is not None:
            return self._app
        if not self._cache_loaded and self._store is not None:
            serialized = self._store.load()
            if serialized:
                self._cache.deserialize(serialized)
        self._cache_loaded = True
        host = (urlsplit(self._authority).hostname or "").lower()
        credential: str | dict[str, str]
        if self._certificate is not None:
            credential = self._certificate.as_msal()
        else:
            assert self._secret is not None
            credential = self._secret
        # Built here (in a thread) because the constructor already fetches the OIDC metadata.
        self._app = msal.ConfidentialClientApplication(
            self._client_id,
            client_credential=credential,
            authority=self._authority,
            token_cache=self._cache,
            http_client=self._http_session(),
            http_cache=self._http_cache,
            timeout=self._timeout,
            # Instance discovery always calls login.microsoftonline.com and drops the port of a
            # custom host (contract §10), so only Microsoft's own hosts get it.
            instance_discovery=host in _MICROSOFT_LOGIN_HOSTS,
        )
        return self._app

    def _http_session(self) -> requests.Session:
        # REQUESTS_CA_BUNDLE is set on our machines and would override `verify` on a session
        # that trusts the environment (contract §10), so the session ignores the environment.
        session = requests.Session()
        session.trust_env = False
        session.verify = self._ca_file or certifi.where()
        self._session = session
        return session

    def _persist(self) -> None:
        if self._store is not None and self._cache.has_state_changed:
            self._store.save(self._cache.serialize())

    def _redact(self, text: str) -> str:
        # The identity platform does not echo secrets, but a proxy or emulator might.
        if self._secret and self._secret in text:
            text = text.replace(self._secret, "***")
        return text
