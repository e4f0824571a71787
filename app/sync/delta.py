"""Reading rounds of Graph delta queries (graph-contract §7): users, and the members of the
Microsoft 365 groups the rules use.

A round is a chain of pages: the first request carries the query (`$select`, `$filter`),
every later one is the `@odata.nextLink` sent unchanged, and the last page ends with the
`@odata.deltaLink` to call next time. Each page is handed to `on_page` as it arrives, so a
round of 100,000 users never sits in memory whole.

Graph does not document the error for an expired or invalid delta token on directory
objects, so any 4xx on a stored link (or on a nextLink inside the round that followed it)
restarts the round in full without a token (`FullRestart` says why, for the cycle's record).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.graph import GraphClient, GraphError

# The largest page size a Graph collection accepts. Directory delta caps what it serves at
# 200 objects per page whatever is asked (Microsoft Q&A 2276060, as the sandbox does); asking
# for the most means Graph's cap, not ours, decides the number of round trips.
MAX_PAGE_SIZE = 999
PREFER_MAX_PAGE = {"Prefer": f"odata.maxpagesize={MAX_PAGE_SIZE}"}
# `$filter=id eq '..' or ...` accepts at most this many ids (contract §7).
MAX_FILTER_IDS = 50

# What every users round selects besides the app's parameters: what matching and drift read.
BASE_USER_SELECT = (
    "id",
    "userPrincipalName",
    "mail",
    "accountEnabled",
    "assignedLicenses",
    "onPremisesImmutableId",
    "onPremisesSyncEnabled",
)


@dataclass
class RoundStats:
    pages: int = 0
    round_trips: int = 0
    full: bool = False
    full_restart: str | None = None


@dataclass
class UsersPage:
    """One page of a users round, sorted out: users as Graph returned them, ids soft-deleted
    (`@removed` reason `changed`: still in deleted items) and ids purged (reason `deleted`)."""

    users: list[dict[str, Any]] = field(default_factory=list)
    soft_deleted: list[str] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)


@dataclass
class GroupsPage:
    """Member changes of one page: (group, member) added and removed, and groups removed."""

    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    groups_removed: list[str] = field(default_factory=list)
    groups_seen: list[str] = field(default_factory=list)


_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_ID = 64  # the snapshot's id columns; Graph's object ids are GUIDs


def clean_text(text: str) -> str:
    """`text` without NUL characters (Postgres cannot store them) and with each lone UTF-16
    surrogate, which JSON allows (`"\\ud800"`) and no database or encoder takes, replaced by
    U+FFFD. A surrogate left in a Python string read from JSON is always a lone one (a pair
    is decoded into one character)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _SURROGATE.sub("\ufffd", text)
    return text


def _object_id(item: Any) -> str:
    """An entry's object id, lower case; "" (the entry is skipped) when it cannot be one."""
    raw = item.get("id") if isinstance(item, dict) else None
    if not isinstance(raw, str):
        return ""
    object_id = clean_text(raw).lower()
    return object_id if len(object_id) <= MAX_ID else ""


def user_select(parameter_names: Sequence[str]) -> list[str]:
    """`$select` of a users round: every property our parameters manage plus the base set."""
    return list(dict.fromkeys([*BASE_USER_SELECT, *parameter_names]))


def users_page(body: dict[str, Any]) -> UsersPage:
    page = UsersPage()
    for item in body.get("value") or []:
        object_id = _object_id(item)
        if not object_id:
            continue
        removed = item.get("@removed")
        if isinstance(removed, dict):
            if removed.get("reason") == "deleted":
                page.purged.append(object_id)
            else:
                page.soft_deleted.append(object_id)
        else:
            page.users.append(item)
    return page


def groups_page(body: dict[str, Any]) -> GroupsPage:
    page = GroupsPage()
    for item in body.get("value") or []:
        group_id = _object_id(item)
        if not group_id:
            continue
        if isinstance(item.get("@removed"), dict):
            page.groups_removed.append(group_id)
            continue
        page.groups_seen.append(group_id)
        for member in item.get("members@delta") or []:
            member_id = _object_id(member)
            if not member_id:
                continue
            if isinstance(member.get("@removed"), dict):
                page.removed.append((group_id, member_id))
            else:
                page.added.append((group_id, member_id))
    return page


async def _pages(
    client: GraphClient,
    first: str,
    params: dict[str, str] | None,
    stats: RoundStats,
    on_body: Callable[[dict[str, Any]], Awaitable[None]],
) -> str | None:
    """Follow one round from `first`; returns its deltaLink.

    The next page is requested as soon as its nextLink is known, while this page is being
    written: a round costs about max(Graph's answer, our write) per page, not their sum."""

    async def fetch(url: str, params: dict[str, str] | None) -> dict[str, Any]:
        stats.round_trips += 1
        response = await client.get(url, params=params, headers=PREFER_MAX_PAGE)
        stats.pages += 1
        return response.json or {}

    pending: asyncio.Task[dict[str, Any]] | None = asyncio.ensure_future(fetch(first, params))
    try:
        while pending is not None:
            body = await pending
            pending = None
            next_link = body.get("@odata.nextLink")
            if isinstance(next_link, str):
                # A nextLink carries the whole query.
                pending = asyncio.ensure_future(fetch(next_link, None))
            await on_body(body)
            if pending is None:
                delta_link = body.get("@odata.deltaLink")
                return delta_link if isinstance(delta_link, str) else None
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
    return None


async def run_round(
    client: GraphClient,
    path: str,
    params: dict[str, str],
    stored_link: str | None,
    stats: RoundStats,
    on_body: Callable[[dict[str, Any]], Awaitable[None]],
    on_restart: Callable[[], Awaitable[None]],
) -> str | None:
    """One round from the stored deltaLink (incremental) or from scratch (full); a 4xx on the
    stored link restarts in full after `on_restart` (which forgets what the partial round
    noted). Returns the new deltaLink."""
    if stored_link:
        try:
            return await _pages(client, stored_link, None, stats, on_body)
        except GraphError as exc:
            if not 400 <= exc.status < 500:
                raise
            stats.full_restart = f"{exc.status} {exc.code}: {exc.message}"[:500]
            await on_restart()
    stats.full = True
    return await _pages(client, path, params, stats, on_body)


def id_filter(ids: Sequence[str]) -> str:
    return " or ".join(f"id eq '{i}'" for i in ids)
