"""Webhooks: endpoints told about events (approvals waiting, a task failed, an app that cannot
reach its tenant, a deletion threshold hit), signed per Standard Webhooks, retried with
backoff, every delivery and its answer kept for the API."""
