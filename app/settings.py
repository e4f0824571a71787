"""Runtime configuration, read once from the environment (prefix-free names, `.env` honoured).

With nothing set the embedded default runs: a SQLite file under `DATA_DIR` (`data/` of the
checkout, wherever a command runs from), jobs in-process,
and the built-in sandbox tenant. Setting `DATABASE_URL` (Postgres) and `REDIS_URL` switches to
the production shape: arq workers on Redis sharing one rate limiter per tenant.

Every field has a description: the README's settings table is generated from this class
(`provisioner settings readme`), and a test fails when the two differ. A setting derived from
others (`PUBLIC_URL` from `HOST` and `PORT`, the SQLite file and the sandbox's certificates
from `DATA_DIR`) is computed from them unless set itself, so changing one never leaves
another pointing at the old value.
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


# Bind addresses that mean "every interface": not something a browser or a client can dial.
_WILDCARD_HOSTS = {"", "0.0.0.0", "::"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Directory for the SQLite database, the generated `secret.key`, the "
        "sandbox's TLS certificates and `serve.sh`'s `admin-token`; unset: `data/` of the "
        "checkout, wherever a command runs from (`./data` for an installed package)",
    )
    database_url: str | None = Field(
        None,
        description="`postgresql://user:pass@host/db` for production; unset: SQLite at "
        "`DATA_DIR/provisioner.db`",
    )
    redis_url: str | None = Field(
        None,
        description="`redis://host:6379/0`: enables arq workers and the rate limiter they share",
    )
    # Key for encrypting secrets at rest (Fernet, urlsafe base64 of 32 bytes). When unset, one is
    # generated into DATA_DIR/secret.key on first use so the embedded default just works.
    secret_key: SecretStr | None = Field(
        None,
        description="Fernet key for secrets at rest; unset: generated into `DATA_DIR/secret.key`",
    )

    host: str = Field("127.0.0.1", description="Address `provisioner serve` binds")
    port: int = Field(8000, ge=1, le=65535, description="Port `provisioner serve` listens on")
    public_url: str | None = Field(
        None,
        description="Where browsers reach this server: the base of the admin-consent callback "
        "(`PUBLIC_URL/oauth/consent/callback`, register it as the app's redirect URI); unset: "
        "`http://HOST:PORT` (127.0.0.1 for a wildcard `HOST`)",
    )
    log_level: str = Field(
        "INFO", description="`DEBUG`, `INFO`, `WARNING` or `ERROR` (migrations log at DEBUG)"
    )
    log_format: Literal["auto", "json", "text"] = Field(
        "auto",
        description="`json` (one JSON object per line), `text` (readable lines) or `auto`: "
        "text when stderr is a terminal, else JSON",
    )

    # The sandbox tenant: in the embedded default the service starts it on this port and the
    # `sandbox` cloud resolves to it. Hosts for the sandbox come only from here, never from the
    # API, because whichever host an app points at receives its client secret.
    sandbox_enabled: bool = Field(
        True, description="Start the sandbox tenant (a Graph emulator) inside `serve`"
    )
    sandbox_port: int = Field(
        8443,
        ge=0,
        le=65535,
        description="Port of the embedded sandbox tenant (and `provisioner sandbox`); 0 picks "
        "a free one",
    )
    sandbox_url: str | None = Field(
        None,
        description="A sandbox running elsewhere (`provisioner sandbox`); set, no embedded "
        "sandbox starts",
    )
    sandbox_ca_file: Path | None = Field(
        None, description="CA certificate that signed `SANDBOX_URL`'s TLS certificate"
    )

    # Graph budgets per app+tenant (identity service limits); `graph_budget_scale` multiplies
    # them for benchmarks against a sandbox whose budget is scaled the same way.
    graph_write_capacity: int = Field(
        3000, description="Graph writes allowed per app and tenant in each write window"
    )
    graph_write_window_s: float = Field(150.0, description="Length of the write window (s)")
    graph_units_capacity: int = Field(
        8000, description="Graph resource units allowed per app and tenant in each units window"
    )
    graph_units_window_s: float = Field(10.0, description="Length of the units window (s)")
    graph_budget_scale: float = Field(
        1.0, description="Multiplies both Graph budgets (benchmarks against a scaled sandbox)"
    )
    graph_timeout_s: float = Field(30.0, description="Timeout of one Graph request (s)")
    graph_max_attempts: int = Field(
        6, description="Tries of one Graph request on throttling and transient errors"
    )

    # Workers
    task_lease_s: int = Field(
        120,
        gt=0,
        description="How long a claimed task or job stays a worker's without a renewal before "
        "the sweeper frees it (s); a running worker renews it every third of this",
    )
    task_max_attempts: int = Field(
        8, description="Attempts of a task on transient failures before it is `failed`"
    )
    sweeper_interval_s: int = Field(
        30, description="How often lost wake-ups and expired leases are swept up (s)"
    )
    sync_check_interval_s: int = Field(
        5,
        description="How often workers look for apps whose delta cycle is due (s); 0 turns "
        "scheduled cycles off",
    )
    worker_concurrency: int = Field(20, description="Jobs and tasks one worker runs at once")
    # On a host the API shares with its workers, a bulk import and the workers working off
    # what it planned want the same cores; the API has a caller waiting, a worker's queue
    # does not. (bench/users_api.py, 2 cores: bulk ingest 1,200-1,270 users/s with the
    # workers at the API's priority, 1,580-1,700 with them at nice 10.)
    worker_nice: int = Field(
        10,
        ge=0,
        le=19,
        description="CPU niceness `provisioner worker` raises itself to at start (POSIX nice, "
        "0-19): on a shared host the API's requests get the cores first",
    )
    # People arriving one by one each plan their own task: without a short wait every task
    # would go to Graph alone (one round trip per step per person). Waiting this long after a
    # task is planned lets the others planned meanwhile join its `$batch` and group writes;
    # the wait is bounded, so a single change is still carried out within it.
    # 450 ms from bench/provision.py --arrival-rate 25 (see docs/architecture.md): the
    # window that leaves a margin to each of 2.2 writes, 0.3 round trips and p99 1 s per user.
    claim_coalesce_ms: int = Field(
        450,
        ge=0,
        le=5000,
        description="How long a newly planned task waits for others to share its Graph "
        "batches before a worker claims it (ms); 0 claims at once",
    )
    # A worker has no HTTP app: when set, it serves its own Prometheus metrics on this port.
    metrics_port: int | None = Field(
        None, description="Port on which a worker serves its Prometheus metrics"
    )
    # How often arq records the worker's health in Redis (`provisioner worker --check` reads it).
    worker_health_check_s: int = Field(
        30, ge=1, description="How often a worker records its health in Redis (s)"
    )

    queue_mode: Literal["auto", "inline", "arq"] = Field(
        "auto",
        description="Where background work runs: `inline` (in the API process), `arq` "
        "(workers on Redis) or `auto` (arq when `REDIS_URL` is set)",
    )
    docs_title: str = Field("M365 Provisioner", description="Title of the API docs (`/docs`)")
    oauth_state_ttl_s: int = Field(
        600, ge=60, description="How long an admin-consent link stays valid (s)"
    )
    # How long a request waits for a free database connection before it is shed with a 503
    # and Retry-After (rather than held ~30 s and failed).
    db_pool_timeout_s: float = Field(
        3.0,
        gt=0,
        le=60,
        description="How long a request waits for a free database connection; then 503 with "
        "`Retry-After`, and `/readyz` is not ready while the pool is exhausted (s)",
    )
    # Largest request body the API and SCIM accept (bytes); larger ones get 413.
    max_body_bytes: int = Field(
        2_000_000,
        ge=10_000,
        description="Largest request body the API and SCIM accept (bytes); larger ones get 413",
    )

    # Webhooks (app/webhooks). Private, loopback and link-local addresses are refused by
    # default so an admin token cannot make the service probe its own network (SSRF); a
    # receiver on the local network needs this set to true.
    webhook_allow_private_urls: bool = Field(
        False,
        description="Let webhooks call private, loopback and link-local addresses (refused by "
        "default so an admin token cannot make the service probe its own network)",
    )
    webhook_timeout_s: float = Field(
        10.0, gt=0, le=60, description="Timeout of one webhook delivery attempt (s)"
    )
    webhook_max_attempts: int = Field(
        8,
        ge=1,
        le=20,
        description="Attempts per event and endpoint; after attempt n the next waits "
        "`WEBHOOK_BACKOFF_BASE_S * 4**(n-1)` seconds, then the delivery is failed",
    )
    webhook_backoff_base_s: float = Field(
        5.0, ge=0, description="First wait between webhook delivery attempts (s)"
    )

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
    def effective_public_url(self) -> str:
        """`PUBLIC_URL`, or where `serve` listens: a consent callback must reach this server,
        so it follows `HOST` and `PORT` unless set on purpose (a proxy, another name)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in _WILDCARD_HOSTS else self.host
        if ":" in host:  # an IPv6 literal
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def sandbox_cert_dir(self) -> Path:
        return self.data_dir / "sandbox-certs"

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
