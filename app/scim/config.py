"""SCIM settings (`SCIM_*` environment variables), read once per application instance."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ScimSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCIM_", env_file=".env", extra="ignore")

    # Extra SCIM attributes kept as custom attributes, on top of the default mapping:
    # SCIM attribute path -> custom attribute name, e.g.
    # SCIM_CUSTOM_ATTRIBUTES='{"nickName": "nickname",
    #   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter": "cost_center"}'
    # A path must name a single-valued string attribute of the core User schema or of the
    # enterprise extension; it then appears in /Schemas and round-trips like any other.
    custom_attributes: dict[str, str] = Field(
        default_factory=dict,
        description='Extra SCIM attributes kept as custom attributes, as JSON: `{"nickName": '
        '"nickname"}` (SCIM path -> custom attribute name)',
    )
    default_count: int = Field(
        default=100, ge=1, description="Page size of a SCIM list without `count`"
    )
    max_results: int = Field(default=200, ge=1, description="Largest page a SCIM list returns")
    # Offset paging re-reads every skipped row; past this many we answer `tooMany` and ask the
    # client for a narrower filter instead of scanning deep into the table.
    max_start_index: int = Field(
        default=100_000,
        ge=1,
        description="Largest `startIndex` of a SCIM list; deeper pages answer `tooMany`",
    )
