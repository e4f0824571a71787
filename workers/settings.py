"""Entry point for `arq workers.settings.WorkerSettings`; the configuration itself lives in
`app.background.worker` so that `provisioner worker` needs nothing outside the `app` package."""

from app.background.worker import WorkerSettings

__all__ = ["WorkerSettings"]
