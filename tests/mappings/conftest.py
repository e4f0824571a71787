"""Mapping tests hold on both databases: the bulk outcome write has one statement per dialect."""

from tests.directory.conftest import api, sqlite_client

__all__ = ["api", "sqlite_client"]
