"""Pure helpers for `$batch`: splitting into envelopes of 20 and choosing what to resend.

JSON batching rules (https://learn.microsoft.com/graph/json-batching): at most 20 requests per
batch; ids unique case-insensitively; `dependsOn` may only name requests in the same batch.
Throttling inside a batch (https://learn.microsoft.com/graph/throttling#throttling-and-batching):
each request is evaluated alone; resend only the failed ones after the largest Retry-After.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.graph.models import BatchRequest

MAX_BATCH = 20
# Per-item statuses worth resending: throttled, or the service was briefly unavailable.
RETRYABLE_ITEM_STATUSES = frozenset({429, 503, 504})
# Of those, the answers that say the request was refused before it ran. A 504 says the gateway
# gave up waiting: a write may have happened, so only a read is resent after one.
REFUSED_ITEM_STATUSES = frozenset({429, 503})
_SAFE_METHODS = frozenset({"GET", "HEAD"})


def validate(requests: Sequence[BatchRequest]) -> None:
    seen: set[str] = set()
    for request in requests:
        key = request.id.lower()
        if key in seen:
            raise ValueError(f"duplicate batch request id {request.id!r}")
        seen.add(key)
        if "://" in request.url:
            raise ValueError(f"batch request {request.id!r}: url must be relative to /v1.0")
    for request in requests:
        for dep in request.depends_on or ():
            if dep.lower() not in seen:
                raise ValueError(f"batch request {request.id!r} depends on unknown id {dep!r}")


def plan_chunks(
    requests: Sequence[BatchRequest], size: int = MAX_BATCH
) -> list[list[BatchRequest]]:
    """Group requests into envelopes of at most `size`, keeping dependency chains together.

    Requests keep their order; a chain linked by `depends_on` always lands in one envelope
    because Graph only resolves `dependsOn` within a batch.
    """
    parent = {r.id.lower(): r.id.lower() for r in requests}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for request in requests:
        for dep in request.depends_on or ():
            parent[root(request.id.lower())] = root(dep.lower())

    groups: dict[str, list[BatchRequest]] = {}
    for request in requests:
        groups.setdefault(root(request.id.lower()), []).append(request)

    chunks: list[list[BatchRequest]] = []
    current: list[BatchRequest] = []
    for group in groups.values():
        if len(group) > size:
            raise ValueError(f"a dependsOn chain of {len(group)} requests exceeds {size}")
        if len(current) + len(group) > size:
            chunks.append(current)
            current = []
        current.extend(group)
    if current:
        chunks.append(current)
    return chunks


def to_wire(request: BatchRequest, pending: Iterable[str]) -> dict[str, Any]:
    """The JSON for one request; `dependsOn` keeps only ids still in this envelope."""
    item: dict[str, Any] = {
        "id": request.id,
        "method": request.method.upper(),
        "url": request.url if request.url.startswith("/") else "/" + request.url,
    }
    headers = dict(request.headers or {})
    if request.body is not None:
        item["body"] = request.body
        # Graph rejects a batched body without a Content-Type in the item's headers.
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    if headers:
        item["headers"] = headers
    pending_keys = {p.lower() for p in pending}
    depends = [d for d in request.depends_on or () if d.lower() in pending_keys]
    if depends:
        item["dependsOn"] = depends
    return item


def to_resend(requests: Sequence[BatchRequest], statuses: Mapping[str, int]) -> set[str]:
    """Ids (lower-case) to resend: retryable statuses, plus 424s that depended on them.

    A write answered 504 is not resent: it may have taken effect (the caller re-reads)."""
    reads = {r.id.lower() for r in requests if r.method.upper() in _SAFE_METHODS}
    resend = {
        rid
        for rid, status in statuses.items()
        if status in REFUSED_ITEM_STATUSES or (status in RETRYABLE_ITEM_STATUSES and rid in reads)
    }
    changed = True
    while changed:
        changed = False
        for request in requests:
            key = request.id.lower()
            if key in resend or statuses.get(key) != 424:
                continue
            if any(dep.lower() in resend for dep in request.depends_on or ()):
                resend.add(key)
                changed = True
    return resend
