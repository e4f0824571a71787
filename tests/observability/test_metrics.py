"""Prometheus metrics: HTTP by route template, Graph calls, jobs, budgets and queue depth."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app.graph.limiter import Budget, InProcessLimiter
from app.graph.models import GraphCallRecord
from app.observability import metrics
from tests.ops.conftest import free_port
from tests.support import ApiClient, user_body


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client: ApiClient) -> dict[str, list[tuple[dict[str, str], float]]]:
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


def test_http_requests_are_counted_by_route_template_not_raw_path(client: ApiClient) -> None:
    user = client.ok("POST", "/users", json=user_body(1))
    route = "/api/v1/users/{user_id}"
    before = sample("provisioner_http_requests_total", method="GET", route=route, status="200")
    client.ok("GET", f"/users/{user['id']}")
    client.problem("GET", "/users/999999", 404)
    client.get("/no/such/path/123")

    found = scrape(client)
    requests = {
        (lbl["method"], lbl["route"], lbl["status"]): v
        for lbl, v in found["provisioner_http_requests_total"]
    }
    assert requests[("GET", route, "200")] == before + 1
    assert requests[("GET", route, "404")] >= 1
    assert ("GET", "<unmatched>", "404") in requests
    # No raw path made it into a label: no numeric segment, nothing from the unknown path.
    assert not any(re.search(r"/\d+(/|$)", r) or "/no/such" in r for _, r, _ in requests)
    buckets = [lbl for lbl, _ in found["provisioner_http_request_duration_seconds_bucket"]]
    assert {"method": "GET", "route": route, "le": "+Inf"} in buckets


def test_metrics_route_is_public_and_not_in_the_openapi_document(client: ApiClient) -> None:
    anonymous = ApiClient(None)
    assert anonymous.get("/metrics").status_code == 200
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_graph_calls_throttling_and_retry_waits_are_recorded() -> None:
    on_call = metrics.graph_call_recorder(7)
    labels = {"app_id": "7", "method": "POST", "path": "/users/{id}/assignLicense"}
    before_429 = sample("provisioner_graph_requests_total", **labels, status="429")
    before_throttled = sample("provisioner_graph_throttled_total", app_id="7")
    before_waits = sample("provisioner_graph_retry_after_seconds_sum", app_id="7")

    def record(status: int, retry_after: float | None) -> GraphCallRecord:
        return GraphCallRecord(
            method="post",
            path="/users/{id}/assignLicense",
            status=status,
            duration=0.2,
            attempt=1,
            throttled=status == 429,
            retry_after=retry_after,
            request_id="r",
        )

    on_call(record(429, 3.0))
    on_call(record(200, None))

    assert sample("provisioner_graph_requests_total", **labels, status="429") == before_429 + 1
    assert sample("provisioner_graph_requests_total", **labels, status="200") >= 1
    assert sample("provisioner_graph_throttled_total", app_id="7") == before_throttled + 1
    assert sample("provisioner_graph_retry_after_seconds_sum", app_id="7") == before_waits + 3.0


def test_limiter_budget_use_is_a_gauge_per_key() -> None:
    limiter = InProcessLimiter(Budget())

    async def spend() -> None:
        await limiter.acquire("app1:tenant", writes=10, units=5)
        await metrics.observe_limiter(limiter, "app1:tenant")

    asyncio.run(spend())
    available = sample("provisioner_graph_budget", key="app1:tenant", measure="writes_available")
    burst = sample("provisioner_graph_budget", key="app1:tenant", measure="writes_burst")
    assert burst > 0
    assert 0 < available <= burst - 10 + 1  # a little refill may have happened


def test_jobs_are_counted_by_kind_and_outcome(client: ApiClient) -> None:
    before = sample("provisioner_jobs_total", kind="mappings.reapply", outcome="succeeded")
    job = client.ok("POST", "/mappings/reapply")
    assert client.wait_job(job["id"])["status"] == "succeeded"
    # The runner counts the job once its end is committed, so a moment after the job reads
    # `succeeded`.
    deadline = time.monotonic() + 5
    while (
        time.monotonic() < deadline
        and sample("provisioner_jobs_total", kind="mappings.reapply", outcome="succeeded") == before
    ):
        time.sleep(0.02)
    assert sample("provisioner_jobs_total", kind="mappings.reapply", outcome="succeeded") == (
        before + 1
    )
    labels = {"kind": "mappings.reapply", "outcome": "succeeded"}
    assert sample("provisioner_job_duration_seconds_count", **labels) >= 1


def test_open_jobs_are_read_from_the_database_at_scrape_time(client: ApiClient) -> None:
    from app.db import transaction
    from app.models import Job

    with transaction() as session:
        for _ in range(3):
            session.add(Job(kind="test.waiting", params={}))

    found = dict((lbl["status"], v) for lbl, v in scrape(client)["provisioner_jobs_open"])
    assert found == {"queued": 3.0, "running": 0.0}
    up = dict((lbl["source"], v) for lbl, v in scrape(client)["provisioner_metrics_source_up"])
    assert up["database"] == 1.0


def test_arq_queue_length_is_read_from_redis(client: ApiClient, monkeypatch, redis_url) -> None:
    from arq.constants import default_queue_name
    from redis import Redis

    from tests.support import reset_caches

    monkeypatch.setenv("QUEUE_MODE", "arq")
    reset_caches()
    redis = Redis.from_url(redis_url)
    try:
        redis.delete(default_queue_name)
        redis.zadd(default_queue_name, {"job-a": 1, "job-b": 2})
        found = scrape(client)
        assert found["provisioner_arq_queue_length"] == [({}, 2.0)]
    finally:
        redis.delete(default_queue_name)
        redis.close()


def test_engine_code_can_register_its_own_db_gauge_and_task_metrics(client: ApiClient) -> None:
    from sqlalchemy import func, select

    from app.models import User

    client.ok("POST", "/users", json=user_body(1, status="suspended"))
    metrics.register_db_gauge(
        metrics.DbGauge(
            "provisioner_test_users",
            "Users by status (test)",
            ["status"],
            lambda s: s.execute(select(User.status, func.count()).group_by(User.status)).all(),
            zero_fill=(("active",),),
        )
    )
    metrics.record_task("create", "succeeded", 1.5)

    found = scrape(client)
    assert dict((lbl["status"], v) for lbl, v in found["provisioner_test_users"]) == {
        "active": 0.0,
        "suspended": 1.0,
    }
    assert ({"status": "succeeded", "action": "create"}) in [
        lbl for lbl, _ in found["provisioner_tasks_total"]
    ]
    assert sample("provisioner_task_latency_seconds_count", action="create") >= 1


def test_worker_metrics_server_serves_this_process_metrics(env: dict[str, str]) -> None:
    port = free_port()
    try:
        assert metrics.start_worker_metrics_server(port, addr="127.0.0.1")
        assert not metrics.start_worker_metrics_server(port, addr="127.0.0.1")  # once only
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "provisioner_jobs_open" in body
        # The same process-wide registry as the API's: every metric of app.observability.
        assert "provisioner_http_requests_total" in body and "provisioner_jobs_total" in body
    finally:
        metrics.stop_worker_metrics_server()
