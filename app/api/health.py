"""Liveness and readiness. Unauthenticated on purpose: orchestrators probe them."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.apps.callback_check import INSTANCE_HEADER, instance_id
from app.db import get_engine, pool_exhausted
from app.settings import get_settings

router = APIRouter(tags=["health"])
log = logging.getLogger("app.health")


@router.get("/healthz", operation_id="health-live")
def healthz(response: Response) -> dict[str, str]:
    # Which deployment answers (`app.apps.callback_check`): how the consent-callback probe
    # knows PUBLIC_URL leads here. Liveness must not fail for it, so a failure only logs.
    try:
        response.headers[INSTANCE_HEADER] = instance_id(get_settings())
    except Exception as exc:
        log.warning("health.instance_id_failed", extra={"error": repr(exc)})
    return {"status": "ok"}


def _check_db() -> str:
    engine = get_engine()
    if pool_exhausted(engine):
        # Every connection is in use: requests are being shed, so take no more traffic.
        return "error: connection pool exhausted"
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return "ok"


async def _check_redis(url: str) -> str:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
        return "ok"
    finally:
        await client.aclose()


@router.get(
    "/readyz",
    operation_id="health-ready",
    responses={503: {"description": "A dependency (database, Redis) is not ready"}},
)
async def readyz() -> JSONResponse:
    settings = get_settings()
    checks: dict[str, str] = {}
    try:
        checks["database"] = await asyncio.wait_for(asyncio.to_thread(_check_db), timeout=5)
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.redis_url:
        try:
            checks["redis"] = await asyncio.wait_for(_check_redis(settings.redis_url), timeout=5)
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
