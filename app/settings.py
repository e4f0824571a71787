"""Runtime configuration, read once from the environment (prefix-free names, `.env` honoured).

With nothing set the embedded default runs: a SQLite file under `DATA_DIR` (`data/` of the
checkout, wherever a command runs from), jobs in-process,
and the built-in sandbox tenant. Setting `DATABASE_URL` (Postgres) and `REDIS_URL` switches to
the production shape: arq workers on Redis sharing one rate limiter per tenant.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

CHECKOUT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """`data/` at the top of a source checkout (where `serve.sh` keeps it), whichever directory
    a command runs from, so `provisioner` finds the server's database; `./data` for an
    installed package, which sets `DATA_DIR` (the image does)."""
    if (CHECKOUT / "pyproject.toml").is_file():
        return CHECKOUT / "data"
    return Path("data")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    redis_url: str | None = None
    # Key for encrypting secrets at rest (Fernet, urlsafe base64 of 32 bytes). When unset, one is
    # generated into DATA_DIR/secret.key on first use so the embedded default just works.
    secret_key: SecretStr | None = None

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_json: bool = True

    # The sandbox tenant: in the embedded default the service starts it on this port and the
    # `sandbox` cloud resolves to it. Hosts for the sandbox come only from here, never from the
    # API, because whichever host an app points at receives its client secret.
    sandbox_enabled: bool = True
    sandbox_port: int = 8443
    sandbox_url: str | None = None
    sandbox_ca_file: Path | None = None

    # Graph budgets per app+tenant (identity service limits); `graph_budget_scale` multiplies
    # them for benchmarks against a sandbox whose budget is scaled the same way.
    graph_write_capacity: int = 3000
    graph_write_window_s: float = 150.0
    graph_units_capacity: int = 8000
    graph_units_window_s: float = 10.0
    graph_budget_scale: float = 1.0
    graph_timeout_s: float = 30.0
    graph_max_attempts: int = 6

    # Workers
    task_lease_s: int = 120
    task_max_attempts: int = 8
    sweeper_interval_s: int = 30
    worker_concurrency: int = 20
    # A worker has no HTTP app: when set, it serves its own Prometheus metrics on this port.
    metrics_port: int | None = None
    # How often arq records the worker's health in Redis (`provisioner worker --check` reads it).
    worker_health_check_s: int = Field(default=30, ge=1)

    queue_mode: Literal["auto", "inline", "arq"] = "auto"
    bootstrap_token_file: Path | None = None
    docs_title: str = "M365 Provisioner"
    oauth_state_ttl_s: int = Field(default=600, ge=60)
    # How long a request waits for a free database connection before it is shed with a 503
    # and Retry-After (rather than held ~30 s and failed).
    db_pool_timeout_s: float = Field(default=3.0, gt=0, le=60)
    # Largest request body the API and SCIM accept (bytes); larger ones get 413.
    max_body_bytes: int = Field(default=2_000_000, ge=10_000)

    # Webhooks (app/webhooks). Private, loopback and link-local addresses are refused by
    # default so an admin token cannot make the service probe its own network (SSRF); a
    # receiver on the local network needs this set to true.
    webhook_allow_private_urls: bool = False
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=60)
    # Attempts per event and endpoint; after attempt n the next waits base * 4**(n-1) seconds
    # (5 s, 20 s, 80 s, ~5 min, ~21 min, ~85 min, ~5.7 h with the defaults), then it is failed.
    webhook_max_attempts: int = Field(default=8, ge=1, le=20)
    webhook_backoff_base_s: float = Field(default=5.0, ge=0)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Accept the usual libpq spellings and pin the psycopg 3 driver.
            for prefix in ("postgres://", "postgresql://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url[len(prefix) :]
            return url
        return f"sqlite:///{(self.data_dir / 'provisioner.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def uses_arq(self) -> bool:
        if self.queue_mode == "auto":
            return self.redis_url is not None
        return self.queue_mode == "arq"


@lru_cache
def get_settings() -> Settings:
    return Settings()
