"""Keeping the sandbox tenant across restarts: a JSON file under DATA_DIR.

The embedded default keeps the engine's database in DATA_DIR; if the tenant it provisions
into forgot everything on each restart, every user would read `provisioned` in a tenant that
no longer holds them. So the state that a real tenant would keep (tenants, users including
soft-deleted ones and their change sequences, purge records, groups and their membership
history, SKUs, domains, app registrations and consents, live access tokens and the delta
token signing key, so a deltaLink issued before a restart still works) is written here.
Behaviour switches, counters and logs are a run's, not the tenant's, and are not kept.

Writes are atomic (a temporary file, then `os.replace`) and coalesced: a change wakes a
writer thread that waits `delay_s` for more changes and then writes once, so a burst of
writes costs one save, and nothing changed is at most `delay_s` from disk; `close()` writes
what is pending (at shutdown).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

from app.sandbox.graph_users import USER_PROPERTIES
from app.sandbox.state import (
    AppRegistration,
    AssignedLicense,
    Domain,
    Group,
    SandboxState,
    ServicePlan,
    Sku,
    Tenant,
    TokenGrant,
    User,
)

log = logging.getLogger("app.sandbox.persistence")

FILE_NAME = "sandbox-tenant.json"
FORMAT = 1
SAVE_DELAY_S = 1.0


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


# --- state <-> plain data ----------------------------------------------------------------


def _user_data(user: User) -> dict[str, Any]:
    # Only what differs from an unset property: 100,000 users stay a few tens of MB.
    props = {k: _copy(v) for k, v in user.props.items() if USER_PROPERTIES.get(k, ...) != v}
    data: dict[str, Any] = {
        "id": user.id,
        "props": props,
        "seq": user.change_seq,
        "created": _time(user.created_at),
    }
    if user.licenses:
        data["licenses"] = [[lic.sku_id, list(lic.disabled_plans)] for lic in user.licenses]
    if user.deleted_at is not None:
        data["deleted"] = _time(user.deleted_at)
    if user.password is not None:
        data["password"] = user.password
    if user.on_premises_sync is not None:
        data["synced"] = user.on_premises_sync
    if user.admin_roles:
        data["admin_roles"] = list(user.admin_roles)
    return data


def _load_user(data: dict[str, Any]) -> User:
    props = dict(USER_PROPERTIES)
    props.update(data["props"])
    user = User(
        id=data["id"],
        props=props,
        licenses=[
            AssignedLicense(sku_id=s, disabled_plans=list(p)) for s, p in data.get("licenses", [])
        ],
        deleted_at=_parse_time(data.get("deleted")),
        change_seq=data["seq"],
        password=data.get("password"),
        on_premises_sync=data.get("synced"),
        admin_roles=list(data.get("admin_roles", [])),
    )
    user.created_at = _parse_time(data["created"]) or user.created_at
    # Users kept from an earlier run exist "since long ago": past any replication delay.
    user.created_mono -= 10**6
    return user


_GROUP_FIELDS = [f.name for f in fields(Group) if f.name not in ("created_at", "member_log")]


def _group_data(group: Group) -> dict[str, Any]:
    # Copies: the file is written outside the lock while Graph calls change the lists.
    data = {name: _copy(getattr(group, name)) for name in _GROUP_FIELDS}
    data["created_at"] = _time(group.created_at)
    data["member_log"] = [list(entry) for entry in group.member_log]
    return data


def _load_group(data: dict[str, Any]) -> Group:
    group = Group(**{name: data[name] for name in _GROUP_FIELDS if name in data})
    group.created_at = _parse_time(data.get("created_at")) or group.created_at
    group.member_log = [(int(s), str(m), bool(a)) for s, m, a in data.get("member_log", [])]
    return group


def _sku_data(sku: Sku) -> dict[str, Any]:
    data = {f.name: _copy(getattr(sku, f.name)) for f in fields(Sku) if f.name != "service_plans"}
    data["service_plans"] = [[p.service_plan_id, p.name, p.applies_to] for p in sku.service_plans]
    return data


def _load_sku(data: dict[str, Any]) -> Sku:
    plans = [ServicePlan(*p) for p in data.pop("service_plans", [])]
    return Sku(**data, service_plans=plans)


# (tenant id, tenant created_at, user id) -> (the user's change_seq, its saved form). Every
# change to a user stamps a new change_seq, so an unchanged user's form is reused and a save
# of 100,000 users where a few changed holds the state lock for milliseconds, not a second.
# (created_at tells a tenant rebuilt by a reset, whose sequence restarts, from the old one.)
UserCache = dict[tuple[str, datetime, str], tuple[int, dict[str, Any]]]


def _users_data(tenant: Tenant, cache: UserCache | None) -> list[dict[str, Any]]:
    if cache is None:
        return [_user_data(u) for u in tenant.users.values()]
    out = []
    for user in tenant.users.values():
        key = (tenant.id, tenant.created_at, user.id)
        hit = cache.get(key)
        if hit is None or hit[0] != user.change_seq:
            hit = cache[key] = (user.change_seq, _user_data(user))
        out.append(hit[1])
    return out


def _tenant_data(tenant: Tenant, cache: UserCache | None = None) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "display_name": tenant.display_name,
        "default_usage_location": tenant.default_usage_location,
        "country_letter_code": tenant.country_letter_code,
        "on_premises_sync_enabled": tenant.on_premises_sync_enabled,
        "created_at": _time(tenant.created_at),
        "seq": tenant.seq,
        "purged": dict(tenant.purged),
        "purged_groups": dict(tenant.purged_groups),
        "domains": [
            {f.name: getattr(d, f.name) for f in fields(Domain)} for d in tenant.domains.values()
        ],
        "skus": [_sku_data(s) for s in tenant.skus.values()],
        "users": _users_data(tenant, cache),
        "groups": [_group_data(g) for g in tenant.groups.values()],
    }


def _load_tenant(data: dict[str, Any], cache: UserCache | None = None) -> Tenant:
    tenant = Tenant(
        id=data["id"],
        display_name=data["display_name"],
        default_usage_location=data.get("default_usage_location"),
        country_letter_code=data.get("country_letter_code", "US"),
        on_premises_sync_enabled=data.get("on_premises_sync_enabled"),
        seq=data["seq"],
        purged=dict(data.get("purged", {})),
        purged_groups=dict(data.get("purged_groups", {})),
    )
    tenant.created_at = _parse_time(data.get("created_at")) or tenant.created_at
    for domain in data.get("domains", []):
        tenant.domains[domain["name"]] = Domain(**domain)
    for sku in data.get("skus", []):
        loaded = _load_sku(dict(sku))
        tenant.skus[loaded.sku_id] = loaded
    for user in data.get("users", []):
        loaded_user = _load_user(user)
        tenant.insert_user(loaded_user)
        if cache is not None:
            # What was read is what would be written: the first save after a start is cheap.
            cache[(tenant.id, tenant.created_at, loaded_user.id)] = (loaded_user.change_seq, user)
    for group in data.get("groups", []):
        loaded_group = _load_group(group)
        tenant.groups[loaded_group.id] = loaded_group
    return tenant


def dump_state(state: SandboxState, cache: UserCache | None = None) -> dict[str, Any]:
    """Everything a restart must keep, as plain JSON data (call under `state.lock`)."""
    now = time.time()
    return {
        "format": FORMAT,
        "default_tenant_id": state.default_tenant_id,
        "token_secret": base64.b64encode(state.token_secret).decode(),
        "tenants": [_tenant_data(t, cache) for t in state.tenants.values()],
        "apps": [
            {
                "client_id": a.client_id,
                "display_name": a.display_name,
                "secrets": list(a.secrets),
                "certificates": list(a.certificates),
                "permissions": sorted(a.permissions),
                "consented_tenants": sorted(a.consented_tenants),
            }
            for a in state.apps.values()
        ],
        # Live access tokens, so a client holding one (a worker's token cache) goes on
        # working across a restart of a sandbox running on its own.
        "tokens": [
            {
                "token": token,
                "tenant_id": g.tenant_id,
                "client_id": g.client_id,
                "permissions": sorted(g.permissions),
                "expires_at": g.expires_at,
            }
            for token, g in state.tokens.items()
            if g.expires_at > now
        ],
    }


def load_state(state: SandboxState, data: dict[str, Any], cache: UserCache | None = None) -> None:
    """Replace the state's tenants, apps, tokens and signing key with the saved ones."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown sandbox state format {data.get('format')!r}")
    with state.lock:
        state.tenants = {t.id: t for t in (_load_tenant(d, cache) for d in data["tenants"])}
        state.default_tenant_id = data.get("default_tenant_id")
        state.token_secret = base64.b64decode(data["token_secret"])
        state.apps = {}
        for app in data.get("apps", []):
            state.apps[app["client_id"]] = AppRegistration(
                client_id=app["client_id"],
                display_name=app["display_name"],
                secrets=list(app.get("secrets", [])),
                certificates=list(app.get("certificates", [])),
                permissions=set(app.get("permissions", [])),
                consented_tenants=set(app.get("consented_tenants", [])),
            )
        state.tokens = {
            t["token"]: TokenGrant(
                tenant_id=t["tenant_id"],
                client_id=t["client_id"],
                permissions=frozenset(t["permissions"]),
                expires_at=float(t["expires_at"]),
            )
            for t in data.get("tokens", [])
        }


# --- the file ------------------------------------------------------------------------------


class TenantStore:
    """Loads a state from `data_dir/sandbox-tenant.json` and keeps the file up to date."""

    def __init__(self, data_dir: Path, delay_s: float = SAVE_DELAY_S) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self.delay_s = delay_s
        self._state: SandboxState | None = None
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._dirty = False
        self._thread: threading.Thread | None = None
        # One save at a time: the writer thread and close() may both want to.
        self._save_lock = threading.Lock()
        self._users: UserCache = {}

    def load_into(self, state: SandboxState) -> bool:
        """Fill `state` from the file; False when there is no file yet."""
        if not self.path.exists():
            return False
        with self.path.open(encoding="utf-8") as handle:
            load_state(state, json.load(handle), self._users)
        return True

    def attach(self, state: SandboxState) -> None:
        """Save `state` whenever it says it changed, from now on."""
        self._state = state
        state.on_change = self.mark_dirty
        self._thread = threading.Thread(target=self._run, name="sandbox-store", daemon=True)
        self._thread.start()

    def mark_dirty(self) -> None:
        self._dirty = True
        self._wake.set()

    def _run(self) -> None:
        while not self._closed.is_set():
            self._wake.wait()
            if self._closed.is_set():
                return
            # Coalesce: whatever else changes in the next moment goes into the same save.
            self._closed.wait(self.delay_s)
            try:
                self.save()
            except OSError as exc:  # a full disk must not kill the writer for good
                log.warning(
                    "sandbox.save_failed", extra={"path": str(self.path), "error": str(exc)}
                )

    def save(self) -> None:
        """Write the state now if it changed since the last save (temp file + os.replace)."""
        state = self._state
        if state is None:
            return
        with self._save_lock:
            self._wake.clear()
            if not self._dirty:
                return
            with state.lock:
                self._dirty = False
                if len(self._users) > sum(len(t.users) for t in state.tenants.values()):
                    self._users.clear()  # purged users and reset tenants: start afresh
                data = dump_state(state, self._users)
            # Serialised outside the lock: Graph calls go on while the file is written.
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            try:
                with tmp.open("w", encoding="utf-8") as handle:
                    # dumps, not dump: dump streams through the pure-Python encoder.
                    handle.write(json.dumps(data, separators=(",", ":")))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                self._dirty = True
                tmp.unlink(missing_ok=True)
                raise

    def close(self) -> None:
        """Write what is pending and stop the writer (at shutdown)."""
        self._closed.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.save()
        if self._state is not None and self._state.on_change == self.mark_dirty:
            self._state.on_change = None


def open_demo_state(
    data_dir: Path, delay_s: float = SAVE_DELAY_S
) -> tuple[SandboxState, TenantStore]:
    """The demo state kept in `data_dir`: the saved tenants if there are any, else a freshly
    seeded demo tenant (saved at once), with changes saved from then on."""
    from app.sandbox.seed import new_demo_state

    state = new_demo_state()
    store = TenantStore(data_dir, delay_s)
    loaded = store.load_into(state)
    store.attach(state)
    if not loaded:
        store.mark_dirty()
        store.save()
    return state, store
