"""The directory's rules must hold on both databases the service runs on: `api` is an admin
client once on Postgres and once on SQLite (`tests.both_databases`)."""

from tests.both_databases import api, sqlite_client

__all__ = ["api", "sqlite_client"]
