"""Every Prometheus metric the service exposes, and the small API that feeds them.

Metrics live in prometheus_client's process-wide default registry. The API and each worker are
separate processes, so each exposes its own: the API at `/metrics`, a worker on `METRICS_PORT`
when that is set (see `start_worker_metrics_server`). Scrape every process; sum across them in
PromQL. Gauges read from the database or Redis (`DbGauge`, the arq queue length) give the same
value in every process, so take `max` rather than `sum` of those.

Labels are kept to bounded sets: route and Graph path *templates*, never raw paths or ids.

Feeding metrics from other packages:
- HTTP: `app.observability.middleware.MetricsMiddleware` (installed by `app.main`).
- Graph: pass `graph_call_recorder(app_id)` as `GraphClient(on_call=...)`; it calls
  `record_graph_call(record, app_id)` for every exchange, retries included.
- Limiter: call `await observe_limiter(limiter, key)` (or `record_limiter_usage`) after work on
  a tenant, or periodically; the gauge keeps the last sample per key.
- Jobs: `record_job(kind, outcome, seconds)` (called by `app.jobs.runner`).
- Provisioning tasks: `record_task(action, status, latency_s)` each time a task reaches a final
  state, where latency is from the task row's creation to that moment; `TASKS` and
  `TASK_LATENCY` can also be used directly.
- Counts read from the database at scrape time: `register_db_gauge(DbGauge(...))`, e.g.

      register_db_gauge(DbGauge(
          "provisioner_tasks_open", "Tasks not finished, by status", ["status"],
          lambda s: s.exec(select(Task.status, func.count()).group_by(Task.status)).all(),
      ))
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlmodel import Session

from app.graph.models import GraphCallRecord

log = logging.getLogger("app.observability")

# Request latencies: API calls are mostly single-digit milliseconds; Graph calls and jobs are
# slower, so they get their own buckets.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
GRAPH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LONG_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

# --- HTTP -----------------------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "provisioner_http_requests",
    "HTTP requests handled, by method, route template and status code",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "provisioner_http_request_duration_seconds",
    "Time to handle an HTTP request, by method and route template",
    ["method", "route"],
    buckets=HTTP_BUCKETS,
)

# --- Graph ----------------------------------------------------------------------------------
GRAPH_CALLS = Counter(
    "provisioner_graph_requests",
    "HTTP exchanges with Microsoft Graph (each retry counts); status 0 = no response",
    ["app_id", "method", "path", "status"],
)
GRAPH_LATENCY = Histogram(
    "provisioner_graph_request_duration_seconds",
    "Time on the wire for one Graph exchange",
    ["method", "path"],
    buckets=GRAPH_BUCKETS,
)
GRAPH_THROTTLED = Counter(
    "provisioner_graph_throttled",
    "Graph answers that were throttling (429, or a $batch with throttled items)",
    ["app_id"],
)
GRAPH_RETRY_AFTER = Histogram(
    "provisioner_graph_retry_after_seconds",
    "Waits Graph asked for with Retry-After",
    ["app_id"],
    buckets=(0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 150.0),
)
GRAPH_BUDGET = Gauge(
    "provisioner_graph_budget",
    "Last sampled state of the per-tenant Graph budget (limiter.usage), by limiter key",
    ["key", "measure"],
)

# --- jobs and tasks -------------------------------------------------------------------------
JOBS = Counter("provisioner_jobs", "Jobs run to an end, by kind and outcome", ["kind", "outcome"])
JOB_DURATION = Histogram(
    "provisioner_job_duration_seconds",
    "Time a job's handler ran, by kind and outcome",
    ["kind", "outcome"],
    buckets=LONG_BUCKETS,
)
TASKS = Counter(
    "provisioner_tasks",
    "Provisioning tasks that reached a final status, by status and action",
    ["status", "action"],
)
TASK_LATENCY = Histogram(
    "provisioner_task_latency_seconds",
    "From a task's creation to its final status, by action",
    ["action"],
    buckets=LONG_BUCKETS,
)


def record_http(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def record_graph_call(record: GraphCallRecord, app_id: int | str | None = None) -> None:
    """Count one Graph exchange; `app_id` names the connected tenant ("" when unknown)."""
    app = "" if app_id is None else str(app_id)
    GRAPH_CALLS.labels(app, record.method.upper(), record.path, str(record.status)).inc()
    GRAPH_LATENCY.labels(record.method.upper(), record.path).observe(record.duration)
    if record.throttled:
        GRAPH_THROTTLED.labels(app).inc()
    if record.retry_after is not None:
        GRAPH_RETRY_AFTER.labels(app).observe(record.retry_after)


def graph_call_recorder(app_id: int | str | None) -> Callable[[GraphCallRecord], None]:
    """An `on_call` hook for one app's `GraphClient`."""

    def on_call(record: GraphCallRecord) -> None:
        record_graph_call(record, app_id)

    return on_call


def record_limiter_usage(key: str, usage: Mapping[str, float]) -> None:
    for measure, value in usage.items():
        GRAPH_BUDGET.labels(key, measure).set(value)


class _HasUsage(Protocol):
    async def usage(self, key: str) -> dict[str, float]: ...


async def observe_limiter(limiter: _HasUsage, key: str) -> None:
    """Sample `limiter.usage(key)` into the budget gauge; never raises (metrics are optional)."""
    try:
        record_limiter_usage(key, await limiter.usage(key))
    except Exception as exc:
        log.warning("metrics.limiter_usage_failed key=%s error=%r", key, exc)


def record_job(kind: str, outcome: str, seconds: float) -> None:
    JOBS.labels(kind, outcome).inc()
    JOB_DURATION.labels(kind, outcome).observe(seconds)


def record_task(action: str, status: str, latency_s: float | None = None) -> None:
    TASKS.labels(status, action).inc()
    if latency_s is not None:
        TASK_LATENCY.labels(action).observe(latency_s)


# --- gauges read at scrape time -------------------------------------------------------------

Rows = Iterable[tuple[Any, ...]]


@dataclass
class DbGauge:
    """A gauge computed by a query when Prometheus scrapes.

    `query` gets a read-only session and returns rows whose leading columns are the label values
    (in `labels` order) and whose last column is the value. Counting rows at scrape time keeps
    one truth (the database) and costs nothing between scrapes; keep the query indexed.
    """

    name: str
    documentation: str
    labels: Sequence[str]
    query: Callable[[Session], Rows]
    # Label combinations reported as 0 when the query returns no row for them, so a series
    # drops to zero instead of disappearing.
    zero_fill: Sequence[tuple[str, ...]] = field(default_factory=tuple)


class _DbGauges(Collector):
    def __init__(self) -> None:
        self._gauges: dict[str, DbGauge] = {}
        self._lock = threading.Lock()

    def add(self, gauge: DbGauge) -> None:
        with self._lock:
            self._gauges[gauge.name] = gauge

    def describe(self) -> Iterable[Any]:
        # Describing nothing keeps registration from running the queries.
        return []

    def collect(self) -> Iterable[Any]:
        with self._lock:
            gauges = list(self._gauges.values())
        if not gauges:
            return
        from app.db import get_engine

        up = GaugeMetricFamily(
            "provisioner_metrics_source_up", "1 if a scrape-time source answered", labels=["source"]
        )
        try:
            with Session(get_engine()) as session:
                for gauge in gauges:
                    family = GaugeMetricFamily(
                        gauge.name, gauge.documentation, labels=list(gauge.labels)
                    )
                    values = {tuple(k): 0.0 for k in gauge.zero_fill}
                    for row in gauge.query(session):
                        values[tuple(str(v) for v in row[:-1])] = float(row[-1] or 0)
                    for labels, value in sorted(values.items()):
                        family.add_metric(list(labels), value)
                    yield family
            up.add_metric(["database"], 1.0)
        except Exception as exc:
            log.warning("metrics.db_gauges_failed error=%r", exc)
            up.add_metric(["database"], 0.0)
        yield from _arq_queue_families(up)
        yield up


def _arq_queue_families(up: GaugeMetricFamily) -> Iterable[Any]:
    from app.settings import get_settings

    settings = get_settings()
    if not (settings.uses_arq and settings.redis_url):
        return
    from arq.constants import default_queue_name
    from redis import Redis

    try:
        client = Redis.from_url(settings.redis_url, socket_connect_timeout=1, socket_timeout=1)
        try:
            length = client.zcard(default_queue_name)
        finally:
            client.close()
    except Exception as exc:
        log.warning("metrics.arq_queue_failed error=%r", exc)
        up.add_metric(["redis"], 0.0)
        return
    up.add_metric(["redis"], 1.0)
    family = GaugeMetricFamily(
        "provisioner_arq_queue_length", "arq jobs waiting in Redis (wake-ups, not work)"
    )
    family.add_metric([], float(length))  # type: ignore[arg-type]
    yield family


_db_gauges = _DbGauges()
_installed = False
_install_lock = threading.Lock()


def register_db_gauge(gauge: DbGauge) -> None:
    """Add a scrape-time gauge (replaces one with the same name); safe to call repeatedly."""
    install_collectors()
    _db_gauges.add(gauge)


def _jobs_by_status(session: Session) -> Rows:
    from sqlalchemy import func, select
    from sqlmodel import col

    from app.models import Job

    status = col(Job.status)
    stmt = select(status, func.count()).where(status.in_(("queued", "running"))).group_by(status)
    return session.execute(stmt).all()


def _tasks_open(session: Session) -> Rows:
    from sqlalchemy import func, select
    from sqlmodel import col

    from app.models import OPEN_TASK_STATUSES, Task

    status, action = col(Task.status), col(Task.action)
    stmt = (
        select(status, action, func.count())
        .where(status.in_(OPEN_TASK_STATUSES))
        .group_by(status, action)
    )
    return session.execute(stmt).all()


def install_collectors() -> None:
    """Register the scrape-time collectors once per process (API and workers alike)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        REGISTRY.register(_db_gauges)
        _installed = True
    _db_gauges.add(
        DbGauge(
            "provisioner_jobs_open",
            "Jobs waiting for or being run by a worker (rows in the database), by status",
            ["status"],
            _jobs_by_status,
            zero_fill=(("queued",), ("running",)),
        )
    )
    # Queue depth of the engine: tasks waiting (queued, for approval, blocked) or running.
    _db_gauges.add(
        DbGauge(
            "provisioner_tasks_open",
            "Provisioning tasks not finished (rows in the database), by status and action",
            ["status", "action"],
            _tasks_open,
        )
    )


# --- worker exposition ----------------------------------------------------------------------

_server: Any = None


def start_worker_metrics_server(port: int, addr: str = "0.0.0.0") -> bool:
    """Serve this process's metrics on `port` (workers have no HTTP app). Once per process."""
    global _server
    if _server is not None:
        return False
    from prometheus_client import start_http_server

    install_collectors()
    _server, _thread = start_http_server(port, addr=addr)
    log.info("metrics.server_started port=%s", port)
    return True


def stop_worker_metrics_server() -> None:
    global _server
    if _server is not None:
        _server.shutdown()
        _server.server_close()
        _server = None
