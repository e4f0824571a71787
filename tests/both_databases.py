"""Fixtures for tests that must hold on both databases the service runs on. A conftest or test
module imports `api` and `sqlite_client` from here (pytest finds fixtures among its names)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ApiClient


@pytest.fixture
def sqlite_client(on_sqlite: Path) -> Iterator[ApiClient]:
    """An admin client of the embedded default (SQLite)."""
    with ApiClient.admin() as api:
        yield api


@pytest.fixture(params=["postgresql", "sqlite"])
def api(request: pytest.FixtureRequest) -> ApiClient:
    """An admin client, once on Postgres and once on SQLite."""
    fixture = "client" if request.param == "postgresql" else "sqlite_client"
    client: ApiClient = request.getfixturevalue(fixture)
    return client
