"""Behaviour switches (throttling, replication delay, faults, latency), auth, headers, counters."""

from __future__ import annotations

import asyncio
import ssl
import time

import httpx
import pytest

from app.sandbox.seed import DEMO_TENANT_ID, GROUP_ENGINEERING, USER_MEGAN
from app.sandbox.server import SandboxServer, create_sandbox_app
from app.sandbox.state import SandboxState
from tests.sandbox.helpers import error_of, fetch_token, new_user_body


def test_write_throttling_and_recovery(graph: httpx.Client, state: SandboxState) -> None:
    # 4 writes per second: the burst is 4, then one write every 0.25 s.
    state.set_behaviour({"write_capacity": 4, "write_window_s": 1, "fractional_retry_after": True})
    statuses = [
        graph.patch(f"/users/{USER_MEGAN}", json={"jobTitle": str(i)}).status_code for i in range(4)
    ]
    assert statuses == [204] * 4
    throttled = graph.patch(f"/users/{USER_MEGAN}", json={"jobTitle": "x"})
    assert throttled.status_code == 429
    error = error_of(throttled)
    assert (error["code"], error["message"]) == ("TooManyRequests", "Please retry again later.")
    assert error["innerError"]["status"] == "429"
    retry_after = float(throttled.headers["Retry-After"])
    assert 0 < retry_after <= 0.25
    assert throttled.headers["x-ms-throttle-information"] == "WriteLimitExceeded"
    assert state.tenants[DEMO_TENANT_ID].users[USER_MEGAN].props["jobTitle"] == "3"
    # Reads are not writes: still allowed while writes are throttled.
    assert graph.get(f"/users/{USER_MEGAN}").status_code == 200
    time.sleep(retry_after + 0.02)
    assert graph.patch(f"/users/{USER_MEGAN}", json={"jobTitle": "y"}).status_code == 204
    assert state.counters.throttled == 1


def test_retry_after_is_whole_seconds_by_default(graph: httpx.Client, state: SandboxState) -> None:
    state.set_behaviour({"ru_capacity": 3, "ru_window_s": 10})
    # GET /users costs 2 resource units; the second call does not fit.
    assert graph.get("/users").status_code == 200
    throttled = graph.get("/users")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "4"  # 1 unit short at 0.3 RU/s, rounded up
    assert throttled.headers["x-ms-throttle-information"] == "ResourceUnitLimitExceeded"
    # $select lowers the cost to 1, which still fits.
    assert graph.get("/users", params={"$select": "id"}).status_code == 200


def test_throttle_scale_and_resource_unit_header(graph: httpx.Client, state: SandboxState) -> None:
    state.set_behaviour({"write_capacity": 1000, "throttle_scale": 0.002})  # 2 writes
    assert graph.get("/subscribedSkus").headers["x-ms-resource-unit"] == "3"
    codes = [graph.patch(f"/users/{USER_MEGAN}", json={"city": "X"}).status_code for _ in range(3)]
    assert codes == [204, 204, 429]


def test_replication_delay(graph: httpx.Client, state: SandboxState) -> None:
    state.set_behaviour({"replication_delay_s": 0.4})
    created = graph.post("/users", json=new_user_body("fresh", usageLocation="US")).json()
    user_id = created["id"]
    assert graph.get(f"/users/{user_id}").status_code == 404
    patch = graph.patch(f"/users/{user_id}", json={"city": "Oslo"})
    assert error_of(patch)["code"] == "Request_ResourceNotFound"
    member = graph.post(
        f"/groups/{GROUP_ENGINEERING}/members/$ref",
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id}"},
    )
    assert member.status_code == 404
    time.sleep(0.45)
    assert graph.get(f"/users/{user_id}").status_code == 200
    assert graph.patch(f"/users/{user_id}", json={"city": "Oslo"}).status_code == 204


def _fault_sequence(graph: httpx.Client, state: SandboxState) -> list[int]:
    state.set_behaviour({"fault_rate_429": 0.3, "fault_rate_503": 0.2, "fault_seed": 7})
    return [graph.get("/organization").status_code for _ in range(30)]


def test_fault_injection_is_seeded(graph: httpx.Client, state: SandboxState) -> None:
    first = _fault_sequence(graph, state)
    second = _fault_sequence(graph, state)
    assert first == second
    assert {200, 429, 503} == set(first)
    assert state.counters.faults_injected == 2 * sum(1 for c in first if c != 200)


def test_fault_injection_limited_to_methods_and_paths(
    graph: httpx.Client, state: SandboxState
) -> None:
    state.set_behaviour({"fault_rate_503": 1.0, "fault_methods": ["POST"]})
    assert graph.get("/organization").status_code == 200
    assert graph.post("/users", json=new_user_body("f1")).status_code == 503
    state.set_behaviour({"fault_methods": None, "fault_path_prefix": "/groups"})
    assert graph.get("/organization").status_code == 200
    failed = graph.get("/groups")
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "1"


def test_timeout_fault_hangs_then_fails(graph: httpx.Client, state: SandboxState) -> None:
    state.set_behaviour({"fault_rate_timeout": 1.0, "timeout_hang_s": 0.3})
    started = time.perf_counter()
    response = graph.post("/users", json=new_user_body("slow"))
    assert time.perf_counter() - started >= 0.3
    assert response.status_code == 504
    assert state.tenants[DEMO_TENANT_ID].user_by_upn("slow@contoso.com") is None
    with pytest.raises(httpx.ReadTimeout):
        graph.get("/organization", timeout=0.1)

    # After-commit variant: the write lands although the client never hears back.
    state.set_behaviour({"fault_timeout_after_commit": True})
    assert graph.post("/users", json=new_user_body("ghost")).status_code == 504
    assert state.tenants[DEMO_TENANT_ID].user_by_upn("ghost@contoso.com") is not None


def test_latency_applies_once_per_batch(graph: httpx.Client, state: SandboxState) -> None:
    state.set_behaviour({"latency_ms": 150})
    started = time.perf_counter()
    graph.get("/organization")
    single = time.perf_counter() - started
    started = time.perf_counter()
    graph.post(
        "/$batch",
        json={"requests": [{"id": str(i), "method": "GET", "url": "/domains"} for i in range(20)]},
    )
    batched = time.perf_counter() - started
    assert single >= 0.15
    assert 0.15 <= batched < 0.3


def test_plain_get_is_fast_over_tls(graph: httpx.Client) -> None:
    graph.get("/organization")  # warm the connection
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        graph.get(f"/users/{USER_MEGAN}")
        timings.append(time.perf_counter() - started)
    timings.sort()
    # Without TCP_NODELAY each response takes ~40 ms on loopback (contract §10).
    assert timings[len(timings) // 2] < 0.02


def test_missing_permission_is_403(sb: SandboxServer, ssl_context: ssl.SSLContext) -> None:
    app_reg = sb.state.add_app(
        "reader",
        secret="r3ader!",
        permissions=["User.Read.All"],
        consented_tenants=[DEMO_TENANT_ID],
    )
    token = fetch_token(sb.base_url, ssl_context, client_id=app_reg.client_id, secret="r3ader!")
    with httpx.Client(
        base_url=f"{sb.base_url}/v1.0",
        verify=ssl_context,
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        assert client.get("/users").status_code == 200
        denied = client.post("/users", json=new_user_body("nope"))
        assert denied.status_code == 403
        error = error_of(denied)
        assert error["code"] == "Authorization_RequestDenied"
        assert error["message"] == "Insufficient privileges to complete the operation."
        assert client.get("/subscribedSkus").status_code == 403
    sb.state.apps[app_reg.client_id].permissions = {"Directory.ReadWrite.All"}
    token = fetch_token(sb.base_url, ssl_context, client_id=app_reg.client_id, secret="r3ader!")
    allowed = httpx.get(
        f"{sb.base_url}/v1.0/subscribedSkus",
        verify=ssl_context,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert allowed.status_code == 200


def test_authentication_errors(sb: SandboxServer, ssl_context: ssl.SSLContext) -> None:
    url = f"{sb.base_url}/v1.0/users"
    missing = httpx.get(url, verify=ssl_context)
    assert missing.status_code == 401
    assert error_of(missing)["code"] == "InvalidAuthenticationToken"
    assert error_of(missing)["message"] == "Access token is empty."
    bogus = httpx.get(url, verify=ssl_context, headers={"Authorization": "Bearer bogus"})
    assert error_of(bogus)["code"] == "InvalidAuthenticationToken"
    token = fetch_token(sb.base_url, ssl_context)
    sb.state.tokens[token].expires_at = time.time() - 1
    expired = httpx.get(url, verify=ssl_context, headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401
    assert "expired" in error_of(expired)["message"]


def test_request_ids_and_log(graph: httpx.Client, state: SandboxState) -> None:
    response = graph.get("/users/nobody@contoso.com", headers={"client-request-id": "abc-123"})
    assert response.headers["client-request-id"] == "abc-123"
    request_id = response.headers["request-id"]
    inner = error_of(response)["innerError"]
    assert inner["client-request-id"] == "abc-123"
    assert inner["request-id"] == request_id
    generated = graph.get("/organization")
    assert generated.headers["client-request-id"]
    graph.post("/$batch", json={"requests": [{"id": "1", "method": "GET", "url": "/domains"}]})
    log = list(state.request_log)
    assert (log[-3].status, log[-3].client_request_id) == (404, "abc-123")
    assert log[-1].items == 1 and log[-1].item_statuses == [200]
    assert state.counters.per_endpoint["GET /users/{user}"] == 1
    assert state.counters.batches == 1


def test_asgi_app_without_tls() -> None:
    async def scenario() -> None:
        app = create_sandbox_app()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            token = (
                await client.post(
                    f"/{DEMO_TENANT_ID}/oauth2/v2.0/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": "5a1e0b7c-3d2f-4e8a-9b6c-1d0e2f3a4b5c",
                        "client_secret": "sandbox-secret",
                        "scope": "https://graph.microsoft.com/.default",
                    },
                )
            ).json()["access_token"]
            users = await client.get("/v1.0/users", headers={"Authorization": f"Bearer {token}"})
            assert users.status_code == 200
            assert len(users.json()["value"]) == 4
            assert users.json()["@odata.context"] == "http://sandbox/v1.0/$metadata#users"

    asyncio.run(scenario())
