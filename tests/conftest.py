"""Test fixtures: real Postgres and Redis, started by `scripts/test.sh`.

Database fixtures fail (never skip) when the services are missing, so a green run always means
the suite ran against them. Pure tests (evaluation, sandbox, graph client) need neither.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.support import reset_caches, use_sqlite

SECRET_KEY = Fernet.generate_key().decode()

# The sandbox-tenant fixtures (`sandbox_server`, `sandbox`, `api`) for every test package, and
# the LDAP servers' fixtures (`slapd_server`, `samba_server`, `slapd_ou`, `samba_ou`).
pytest_plugins = ("tests.tenant_fixtures", "tests.ldap_support")


def _service_url(name: str) -> str:
    url = os.environ.get(name)
    if not url:
        pytest.fail(
            f"{name} is not set: run the suite with `./scripts/test.sh`, which starts Postgres "
            "and Redis. Tests never skip for want of a service.",
            pytrace=False,
        )
    return url


@pytest.fixture(scope="session")
def database_url() -> str:
    return _service_url("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _service_url("TEST_REDIS_URL")


@pytest.fixture(scope="session")
def migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    from sqlalchemy import create_engine, text

    from app.db import migrate

    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(engine)
    engine.dispose()
    return database_url


@pytest.fixture
def env(
    migrated: str, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """Point the app at the test services with a clean database."""
    values = {
        "DATABASE_URL": migrated,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": SECRET_KEY,
        "QUEUE_MODE": "inline",
        "SANDBOX_ENABLED": "false",
        "SWEEPER_INTERVAL_S": "1",
        # The default claim window (500 ms) is chosen for people arriving one by one; tests
        # wait for tasks with the shorter one they were written against (bench/provision.py
        # measures the window itself).
        "CLAIM_COALESCE_MS": "200",
        # Scheduled delta cycles would add Graph calls to tests that count them; the sync
        # tests turn them on where they test the schedule.
        "SYNC_CHECK_INTERVAL_S": "0",
        "LOG_FORMAT": "text",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    reset_caches()
    from app.background import install_dispatcher
    from app.settings import get_settings
    from tests.support import truncate_all

    install_dispatcher(get_settings())

    truncate_all()
    yield values
    from app.queue import close_dispatcher

    close_dispatcher()
    reset_caches()


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[object]:
    from tests.support import ApiClient

    with ApiClient.admin() as api:
        yield api


@pytest.fixture
def on_sqlite(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The embedded default instead of Postgres: a migrated SQLite database of the test's own
    (the other settings as `env` set them); yields the database file."""
    yield use_sqlite(tmp_path, monkeypatch)
    reset_caches()
