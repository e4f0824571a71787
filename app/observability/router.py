"""`GET /metrics`: Prometheus exposition for this process.

Unauthenticated like `/healthz` (scrapers rarely hold API tokens) and left out of the OpenAPI
document because it is not part of the API. It reveals counts and route names, never data:
keep it off the public network edge if even that matters.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from app.observability.metrics import install_collectors

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    # A plain `def`: scrape-time collectors query the database, so keep them off the event loop.
    install_collectors()
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
