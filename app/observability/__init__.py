"""Operator-facing signals: Prometheus metrics, request/correlation ids and log redaction.

- `metrics`: every metric the service exposes, plus the helpers other packages call to feed
  them (`record_graph_call`, `record_job`, `record_task`, `record_limiter_usage`) and a pattern
  for gauges read from the database at scrape time (`DbGauge`).
- `context`: the request id that follows work from the HTTP edge into jobs and Graph calls.
- `redact`: the structlog processor that keeps secrets out of every log line.
- `middleware` / `router`: the ASGI middleware and the `/metrics` route wired in `app.main`.
"""
