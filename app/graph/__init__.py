"""Async Microsoft Graph client: tokens, per-tenant pacing, retries, paging and $batch.

Self-contained: nothing here imports the rest of `app`; settings arrive as constructor args.
"""

from app.graph.auth import (
    CertificateCredential,
    MsalTokenProvider,
    TokenCacheStore,
    TokenProvider,
    token_claims,
)
from app.graph.client import GraphClient
from app.graph.clouds import CloudEndpoints, endpoints_for
from app.graph.costs import RequestCost, path_template, request_cost
from app.graph.errors import (
    GraphAuthError,
    GraphBadRequestError,
    GraphConflictError,
    GraphError,
    GraphNotFoundError,
    GraphOutcomeUnknownError,
    GraphThrottledError,
    GraphTransientError,
    error_from_response,
)
from app.graph.limiter import Budget, InProcessLimiter, RateLimiter, RedisLimiter
from app.graph.models import BatchRequest, BatchResult, GraphCallRecord, GraphResponse

__all__ = [
    "BatchRequest",
    "BatchResult",
    "Budget",
    "CertificateCredential",
    "CloudEndpoints",
    "GraphAuthError",
    "GraphBadRequestError",
    "GraphCallRecord",
    "GraphClient",
    "GraphConflictError",
    "GraphError",
    "GraphNotFoundError",
    "GraphOutcomeUnknownError",
    "GraphResponse",
    "GraphThrottledError",
    "GraphTransientError",
    "InProcessLimiter",
    "MsalTokenProvider",
    "RateLimiter",
    "RedisLimiter",
    "RequestCost",
    "TokenCacheStore",
    "TokenProvider",
    "endpoints_for",
    "error_from_response",
    "path_template",
    "request_cost",
    "token_claims",
]
