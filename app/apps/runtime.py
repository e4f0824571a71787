"""One Graph client per app, shared by everything a process does with that tenant.

A `GraphRuntime` lives as long as its process (an arq worker, the in-process runner, the API)
and hands out a `GraphClient` per app: MSAL token cache persisted encrypted in the app row,
one rate limiter per app+tenant (shared through Redis when there is one), TLS trust for the
sandbox. A client is rebuilt only when what it was built from changes: the cache is keyed on
a fingerprint of the app's cloud, tenant, consent and credentials rather than `updated_at`,
so editing parameters or refreshing entitlements does not throw away a valid token.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from fastapi import Request
from sqlmodel import Session

from app.apps.clouds import cloud_endpoints
from app.apps.credentials import DbTokenCacheStore, certificate_credential
from app.apps.errors import (
    ConsentFailed,
    CredentialsUnreadable,
    MissingCredentials,
    NotAuthenticated,
)
from app.apps.schemas import is_guid
from app.apps.service import get_app
from app.crypto import SecretDecryptError, decrypt
from app.db import transaction
from app.graph import (
    Budget,
    CertificateCredential,
    GraphCallRecord,
    GraphClient,
    GraphError,
    InProcessLimiter,
    MsalTokenProvider,
    RateLimiter,
    RedisLimiter,
    TokenCacheStore,
    token_claims,
)
from app.models import App
from app.observability.context import current_request_id
from app.observability.metrics import graph_call_recorder
from app.settings import Settings, get_settings

log = logging.getLogger("app.apps.runtime")


@dataclass(frozen=True)
class Connection:
    """What building a client needs from the app row (ciphertexts: decrypted only to build)."""

    app_id: int
    cloud: str
    tenant_id: str
    client_id: str
    client_secret_enc: str | None
    certificate_enc: str | None
    certificate_thumbprint: str | None

    @property
    def version(self) -> str:
        parts = (
            self.cloud,
            self.tenant_id,
            self.client_id,
            self.client_secret_enc or "",
            self.certificate_enc or "",
            self.certificate_thumbprint or "",
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def connection_of(app: App) -> Connection:
    """The connection for `app`, or the problem that stops it (409: authenticate first)."""
    assert app.id is not None
    if not app.client_secret_enc and not app.certificate_enc:
        raise MissingCredentials(
            f"App {app.id} has no client secret or certificate: set one with `apps-update`."
        )
    if not app.consented_tenant_id:
        raise NotAuthenticated(
            f"App {app.id} is not authenticated: send the tenant's admin to the URL from "
            f"`GET /api/v1/apps/{app.id}/authorize` to grant consent."
        )
    return Connection(
        app_id=app.id,
        cloud=app.cloud,
        tenant_id=app.consented_tenant_id,
        client_id=app.client_id,
        client_secret_enc=app.client_secret_enc,
        certificate_enc=app.certificate_enc,
        certificate_thumbprint=app.certificate_thumbprint,
    )


def load_connection(app_id: int, session: Session | None = None) -> Connection:
    if session is not None:
        return connection_of(get_app(session, app_id))
    with transaction() as own:
        return load_connection(app_id, own)


@dataclass
class _Entry:
    version: str
    client: GraphClient
    tokens: MsalTokenProvider

    async def close(self) -> None:
        await self.client.aclose()
        self.tokens.close()


class GraphRuntime:
    def __init__(
        self,
        settings: Settings,
        redis: Any = None,
        *,
        on_call: Callable[[GraphCallRecord], None] | None = None,
    ) -> None:
        self._settings = settings
        self._redis = redis
        self._owns_redis = False
        self._on_call = on_call
        self._limiter: RateLimiter | None = None
        self._entries: dict[int, _Entry] = {}
        self._lock = asyncio.Lock()

    @property
    def settings(self) -> Settings:
        return self._settings

    async def client_for(self, app_id: int) -> GraphClient:
        """The app's client; raises NotFound, NotAuthenticated, MissingCredentials or
        SandboxUnavailable (problems the API renders as 404/409)."""
        connection = await asyncio.to_thread(load_connection, app_id)
        entry = self._entries.get(app_id)
        if entry is not None and entry.version == connection.version:
            return entry.client
        async with self._lock:
            entry = self._entries.get(app_id)
            if entry is not None and entry.version == connection.version:
                return entry.client
            fresh = self._build(connection)
            self._entries[app_id] = fresh
            if entry is not None:
                log.info("apps.graph_client_rebuilt", extra={"app_id": app_id})
                await entry.close()
            return fresh.client

    async def forget(self, app_id: int) -> None:
        """Drop the app's client now (its credentials or consent were cleared)."""
        async with self._lock:
            entry = self._entries.pop(app_id, None)
        if entry is not None:
            await entry.close()

    async def aclose(self) -> None:
        async with self._lock:
            entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            await entry.close()
        if self._owns_redis and self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    # -- building ----------------------------------------------------------------------------

    def _build(self, c: Connection) -> _Entry:
        settings = self._settings
        endpoints = cloud_endpoints(settings, c.cloud)
        ca_file = None
        if c.cloud == "sandbox" and settings.sandbox_ca_file:
            ca_file = str(settings.sandbox_ca_file)
        tokens = token_provider(settings, c, c.tenant_id, DbTokenCacheStore(c.app_id))
        client = GraphClient(
            graph_base=endpoints.graph_base,
            token_provider=tokens,
            limiter=self._shared_limiter(),
            limiter_key=f"app:{c.app_id}:{c.tenant_id}",
            ssl_context=ssl.create_default_context(cafile=ca_file) if ca_file else None,
            timeout=settings.graph_timeout_s,
            max_attempts=settings.graph_max_attempts,
            on_call=self._on_call or graph_call_recorder(c.app_id),
            request_id_provider=current_request_id,
        )
        return _Entry(c.version, client, tokens)

    def _shared_limiter(self) -> RateLimiter:
        if self._limiter is not None:
            return self._limiter
        s = self._settings
        budget = Budget(
            write_capacity=s.graph_write_capacity,
            write_window_s=s.graph_write_window_s,
            unit_capacity=s.graph_units_capacity,
            unit_window_s=s.graph_units_window_s,
            scale=s.graph_budget_scale,
        )
        if self._redis is None and s.redis_url:
            # Made here, on the loop that will use it: redis.asyncio clients are loop-bound.
            self._redis = aioredis.Redis.from_url(s.redis_url)
            self._owns_redis = True
        # One limiter for every app: keys separate the tenants, and in Redis every process
        # shares the same buckets, so N workers together stay inside one tenant's budget.
        self._limiter = (
            RedisLimiter(self._redis, budget)
            if self._redis is not None
            else InProcessLimiter(budget)
        )
        return self._limiter


def _credential(c: Connection) -> tuple[str | None, CertificateCredential | None]:
    """The app's decrypted secret or certificate; a 409 naming the app and the fix when the
    stored one cannot be decrypted (SECRET_KEY changed since it was saved)."""
    try:
        if c.client_secret_enc:
            return decrypt(c.client_secret_enc), None
        if c.certificate_enc and c.certificate_thumbprint:
            return None, certificate_credential(c.certificate_enc, c.certificate_thumbprint)
    except SecretDecryptError:
        what = "client secret" if c.client_secret_enc else "certificate"
        log.warning("app %s: stored %s cannot be decrypted with SECRET_KEY", c.app_id, what)
        raise CredentialsUnreadable(
            f"App {c.app_id}'s stored {what} cannot be decrypted: SECRET_KEY is not the key it "
            f"was saved with. Restore the previous SECRET_KEY, or enter the {what} again "
            f"with `apps-update` (PATCH /api/v1/apps/{c.app_id})."
        ) from None
    return None, None


def token_provider(
    settings: Settings, c: Connection, tenant: str, cache_store: TokenCacheStore | None
) -> MsalTokenProvider:
    """MSAL client credentials for the connection's app, against `tenant`'s authority."""
    endpoints = cloud_endpoints(settings, c.cloud)
    ca_file = None
    if c.cloud == "sandbox" and settings.sandbox_ca_file:
        ca_file = str(settings.sandbox_ca_file)
    # A secret that no longer decrypts (SECRET_KEY changed) is a 409 naming the app and the fix.
    secret, certificate = _credential(c)
    return MsalTokenProvider(
        c.client_id,
        authority_base=endpoints.login_base,
        tenant=tenant,
        client_secret=secret,
        certificate=certificate,
        scope=endpoints.scope,
        ca_file=ca_file,
        cache_store=cache_store,
        timeout=settings.graph_timeout_s,
    )


# -- proving admin consent -----------------------------------------------------------------


class _MemoryCache:
    """An MSAL cache kept in memory until consent is proved (then stored with the app)."""

    def __init__(self) -> None:
        self.serialized: str | None = None

    def load(self) -> str | None:
        return self.serialized

    def save(self, serialized: str) -> None:
        self.serialized = serialized


def unconsented_connection(app: App) -> Connection:
    """What a token request needs from an app that has no recorded consent yet."""
    assert app.id is not None
    if not app.client_secret_enc and not app.certificate_enc:
        raise ConsentFailed(
            "Consent cannot be confirmed: the app has no client secret or certificate. Set "
            "one with `apps-update`, then authenticate again."
        )
    return Connection(
        app_id=app.id,
        cloud=app.cloud,
        tenant_id=app.tenant,
        client_id=app.client_id,
        client_secret_enc=app.client_secret_enc,
        certificate_enc=app.certificate_enc,
        certificate_thumbprint=app.certificate_thumbprint,
    )


async def _token_tenant(
    settings: Settings, c: Connection, authority: str, store: TokenCacheStore | None
) -> str:
    tokens = token_provider(settings, c, authority, store)
    try:
        token = await tokens.token()
    except GraphError as exc:
        raise ConsentFailed(
            f"Microsoft did not give this app a token for tenant {authority}, so consent is "
            f"not confirmed. {exc.code}: {exc.message}".rstrip(": ")
        ) from None
    finally:
        tokens.close()
    tid = str(token_claims(token).get("tid") or "").lower()
    if not tid:
        raise ConsentFailed(
            f"The token Microsoft issued for tenant {authority} names no tenant (`tid`)."
        )
    return tid


async def prove_consent(settings: Settings, c: Connection, tenant_id: str) -> str | None:
    """Prove that `tenant_id` (from the callback) consented to this app: with the app's own
    credentials, get an app-only token from that tenant's authority and check its `tid`; when
    the app is configured by domain, a token from the domain's authority must name the same
    tenant. Returns the serialized MSAL cache holding the token; raises ConsentFailed."""
    cache = _MemoryCache()
    tid = await _token_tenant(settings, c, tenant_id, cache)
    if tid != tenant_id:
        raise ConsentFailed(
            f"The callback names tenant {tenant_id}, but Microsoft issued the token for {tid}."
        )
    configured = c.tenant_id.strip().lower()
    if configured != tenant_id:
        if is_guid(configured):
            raise ConsentFailed(
                f"Consent was granted in tenant {tenant_id}, but this app is for {configured}."
            )
        domain_tid = await _token_tenant(settings, c, configured, None)
        if domain_tid != tenant_id:
            raise ConsentFailed(
                f"Consent was granted in tenant {tenant_id}, but {configured} belongs to "
                f"tenant {domain_tid}."
            )
    return cache.serialized


# -- the API process's runtime -------------------------------------------------------------


def api_runtime(request: Request) -> GraphRuntime:
    """Request dependency: the API process's runtime, made on first use."""
    state = request.app.state
    runtime = getattr(state, "graph_runtime", None)
    if runtime is None:
        runtime = GraphRuntime(get_settings())
        state.graph_runtime = runtime
    return runtime


async def close_api_runtime(app: Any) -> None:
    runtime = getattr(app.state, "graph_runtime", None)
    if runtime is not None:
        app.state.graph_runtime = None
        await runtime.aclose()
