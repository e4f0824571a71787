"""POST /$batch: JSON batching of up to 20 Graph calls (contract §8).

Each item is dispatched in-process through `graph_core.execute`, the same pipeline a direct
call takes, so permissions, throttling (with a per-item Retry-After), faults and replication
delay apply item by item. Responses are shuffled by default because Graph does not promise
any order and clients must match them by id.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from app.sandbox.errors import GraphError
from app.sandbox.graph_core import GraphRequest, GraphResponse, execute
from app.sandbox.state import SandboxState, TokenGrant

MAX_BATCH = 20
_METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE"}


def _invalid(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def parse_batch(body: Any) -> list[dict[str, Any]]:
    """Validate the envelope; any problem fails the whole batch with 400, as Graph does."""
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise _invalid("Invalid batch payload format.")
    items: list[dict[str, Any]] = body["requests"]
    if not items:
        raise _invalid("Invalid batch payload format.")
    if len(items) > MAX_BATCH:
        # The 20-request cap is documented; the wording of this message is unverified.
        raise _invalid(
            f"The number of requests in the batch ({len(items)}) exceeds the limit of {MAX_BATCH}."
        )
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise _invalid("Invalid batch payload format.")
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id:
            raise _invalid("Request Id is missing or invalid.")
        if item_id.lower() in seen:
            raise _invalid(f"Request Id {item_id} has to be unique in a batch.")
        seen.add(item_id.lower())
        method = item.get("method")
        if not isinstance(method, str) or method.upper() not in _METHODS:
            raise _invalid(f"Invalid method for request id : {item_id}.")
        if not isinstance(item.get("url"), str) or not item["url"]:
            raise _invalid(f"Url for request id : {item_id} is missing.")
        headers = item.get("headers")
        if headers is not None and not isinstance(headers, dict):
            raise _invalid("Invalid batch payload format.")
        if "body" in item:
            names = {str(k).lower() for k in (headers or {})}
            if "content-type" not in names:
                raise _invalid(
                    f"Write request id : {item_id} does not contain Content-Type header or body."
                )
    for item in items:
        for dep in item.get("dependsOn") or []:
            if not isinstance(dep, str) or dep.lower() not in seen:
                raise _invalid(
                    f"Request id {dep} in dependsOn of request id {item['id']} was not found."
                )
    return items


def item_request(item: dict[str, Any], outer_headers: dict[str, str]) -> GraphRequest:
    split = urlsplit(item["url"])
    path = unquote(split.path)
    if not path.startswith("/"):
        path = "/" + path
    headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
    if "client-request-id" in outer_headers:
        headers.setdefault("client-request-id", outer_headers["client-request-id"])
    return GraphRequest(
        method=item["method"].upper(),
        path=path,
        query=dict(parse_qsl(split.query, keep_blank_values=True)),
        headers=headers,
        body=item.get("body"),
        has_body="body" in item,
    )


def _item_response(item_id: str, response: GraphResponse) -> dict[str, Any]:
    headers = {
        k: v
        for k, v in response.headers.items()
        if k.lower() not in ("request-id", "client-request-id")
    }
    if isinstance(response.body, dict):
        headers.setdefault("Content-Type", "application/json")
    out: dict[str, Any] = {"id": item_id, "status": response.status, "headers": headers}
    if response.body is not None:
        out["body"] = response.body
    return out


def _failed_dependency(item_id: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "status": 424,
        "headers": {"Content-Type": "application/json"},
        "body": {"error": {"code": "FailedDependency", "message": "Failed Dependency"}},
    }


async def run_batch(
    state: SandboxState,
    grant: TokenGrant,
    body: Any,
    base_url: str,
    outer_headers: dict[str, str],
) -> dict[str, Any]:
    items = parse_batch(body)
    statuses: dict[str, int] = {}
    responses: list[dict[str, Any]] = []
    # Items run in payload order, which satisfies dependsOn as long as dependencies come
    # first; a dependency that appears later is treated as not (yet) successful.
    for item in items:
        item_id: str = item["id"]
        deps = [d.lower() for d in item.get("dependsOn") or []]
        if any(statuses.get(d, 424) >= 400 for d in deps):
            statuses[item_id.lower()] = 424
            responses.append(_failed_dependency(item_id))
            continue
        response = execute(state, grant, item_request(item, outer_headers), base_url)
        if response.hang_s:
            await asyncio.sleep(response.hang_s)
        statuses[item_id.lower()] = response.status
        responses.append(_item_response(item_id, response))
    with state.lock:
        state.counters.batches += 1
        shuffle = state.behaviour.shuffle_batch_responses
    if shuffle:
        random.shuffle(responses)
    return {"responses": responses}
