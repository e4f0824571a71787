"""In-memory state of the sandbox tenant: tenants, directory objects, app registrations, tokens.

Everything lives in plain dataclasses guarded by one re-entrant lock, because the server runs
in a background thread while tests read and change the same objects directly. Handlers take
`state.lock` for the whole of a Graph call so every call is atomic, as it is in Graph.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

# Application permissions a fresh app registration gets: what the provisioning worker needs.
DEFAULT_APP_PERMISSIONS = frozenset(
    {
        "User.ReadWrite.All",
        "LicenseAssignment.ReadWrite.All",
        "GroupMember.ReadWrite.All",
        "Domain.Read.All",
        "Organization.Read.All",
    }
)

# Soft-deleted users stay restorable this long (Graph: 30 days), then are purged for good.
DELETED_RETENTION = timedelta(days=30)


@dataclass
class Behaviour:
    """Runtime switches: latency, throttling, replication delay and fault injection."""

    latency_ms: float = 0.0
    # Identity service limits per (app, tenant): 3,000 writes per 150 s and 8,000 resource
    # units per 10 s (the "L" tenant size; S is 3,500 and M 5,000). `throttle_scale`
    # multiplies both capacities and refill rates, for benchmarks that want a tighter budget.
    throttling_enabled: bool = True
    write_capacity: float = 3000.0
    write_window_s: float = 150.0
    ru_capacity: float = 8000.0
    ru_window_s: float = 10.0
    throttle_scale: float = 1.0
    fractional_retry_after: bool = False
    replication_delay_s: float = 0.0
    fault_rate_429: float = 0.0
    fault_rate_503: float = 0.0
    fault_rate_timeout: float = 0.0
    timeout_hang_s: float = 5.0
    fault_retry_after_s: float = 1.0
    # When true a "timeout" fault runs the request first and then hangs, the nastiest case
    # for a client: the write happened but it never heard back.
    fault_timeout_after_commit: bool = False
    # The next N `$batch` envelopes holding a write are carried out in full, then answered
    # 504 after `timeout_hang_s` instead of with their results: every item ran, the client
    # never learns how each one went (its answer was lost after the commit).
    lose_batch_answers: int = 0
    fault_seed: int | None = 0
    fault_methods: list[str] | None = None
    fault_path_prefix: str | None = None
    shuffle_batch_responses: bool = True
    # Groups delta splits a long member list (graph_delta's docstring): at most this many
    # members per group entry, and per page (the group entry is repeated across pages).
    delta_members_per_entry: int = 20
    delta_members_per_page: int = 100
    request_log_cap: int = 2000
    token_lifetime_s: int = 3599

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, values: dict[str, Any]) -> None:
        """Apply a partial update; unknown names or wrong types raise ValueError."""
        known = {f.name for f in fields(self)}
        checked: dict[str, Any] = {}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown behaviour switch {name!r}")
            checked[name] = _coerce(name, value)
        # Validate everything first so a bad value leaves the behaviour untouched.
        for name, value in checked.items():
            setattr(self, name, value)


_OPTIONAL_SWITCHES: dict[str, type] = {
    "fault_seed": int,
    "fault_methods": list,
    "fault_path_prefix": str,
}


def _coerce(name: str, value: Any) -> Any:
    """Check a switch value against the type of its default (JSON gives ints for floats)."""
    if name in _OPTIONAL_SWITCHES:
        wanted = _OPTIONAL_SWITCHES[name]
        if value is not None and (not isinstance(value, wanted) or isinstance(value, bool)):
            raise ValueError(f"{name} must be {wanted.__name__} or null")
        if isinstance(value, list):
            return [str(m).upper() for m in value]
        return value
    default = getattr(Behaviour(), name)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be a boolean")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    if name.startswith("fault_rate_") and value > 1:
        raise ValueError(f"{name} must be between 0 and 1")
    return int(value) if isinstance(default, int) else float(value)


@dataclass
class Domain:
    name: str
    authentication_type: str = "Managed"  # or "Federated"
    is_verified: bool = True
    is_default: bool = False
    is_initial: bool = False

    def to_graph(self) -> dict[str, Any]:
        return {
            "authenticationType": self.authentication_type,
            "availabilityStatus": None,
            "id": self.name,
            "isAdminManaged": True,
            "isDefault": self.is_default,
            "isInitial": self.is_initial,
            "isRoot": True,
            "isVerified": self.is_verified,
            "passwordNotificationWindowInDays": 14,
            "passwordValidityPeriodInDays": 2147483647,
            "supportedServices": ["Email", "OfficeCommunicationsOnline"]
            if self.is_verified
            else [],
            "state": None,
        }


@dataclass
class ServicePlan:
    service_plan_id: str
    name: str
    applies_to: str = "User"


@dataclass
class Sku:
    sku_id: str
    part_number: str
    enabled: int
    service_plans: list[ServicePlan] = field(default_factory=list)
    applies_to: str = "User"
    capability_status: str = "Enabled"
    suspended: int = 0
    warning: int = 0
    locked_out: int = 0


@dataclass
class AssignedLicense:
    sku_id: str
    disabled_plans: list[str] = field(default_factory=list)

    def to_graph(self) -> dict[str, Any]:
        return {"disabledPlans": list(self.disabled_plans), "skuId": self.sku_id}


@dataclass
class User:
    id: str
    # Graph property name -> value, for every stored property (see graph_users.USER_PROPERTIES).
    props: dict[str, Any]
    licenses: list[AssignedLicense] = field(default_factory=list)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Monotonic creation time, used for the replication-delay window.
    created_mono: float = field(default_factory=time.monotonic)
    deleted_at: datetime | None = None
    change_seq: int = 0
    password: str | None = None
    # Mastered by an on-premises directory (Azure AD Connect): `onPremisesSyncEnabled` true.
    on_premises_sync: bool | None = None
    # Privileged Entra roles held ("Global Administrator"): Graph then refuses an app-only
    # caller sensitive updates, deletes and restores (app/sandbox/graph_privileged.py).
    admin_roles: list[str] = field(default_factory=list)
    # How many times any user was soft-deleted: `Tenant.purge_expired` scans the tenant only
    # when this moved (or a retention it knows of ran out), not on every write.
    deletions: ClassVar[int] = 0
    # Moves whenever the seats `Tenant.consumed_units` counts may have changed other than
    # through `Tenant.set_licenses`: licenses set on a user (not emptied to empty), or a
    # licensed user deleted or restored. Replace `licenses`, never change the list in place.
    seats_epoch: ClassVar[int] = 0

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "deleted_at":
            if value is not None:
                User.deletions += 1
            was_live = getattr(self, "deleted_at", None) is None
            if was_live != (value is None) and getattr(self, "licenses", None):
                User.seats_epoch += 1
        elif name == "licenses" and (value or getattr(self, "licenses", None)):
            User.seats_epoch += 1
        object.__setattr__(self, name, value)

    @property
    def upn(self) -> str:
        return str(self.props.get("userPrincipalName") or "")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def deleted_upn(self) -> str:
        """Graph shows a soft-deleted user's UPN prefixed with its id without dashes."""
        return self.id.replace("-", "") + self.upn


def _seat_keys(licenses: Iterable[AssignedLicense]) -> tuple[str, ...]:
    """The SKUs whose seats `licenses` take, as `Tenant.consumed_units` counts them."""
    return tuple(lic.sku_id.lower() for lic in licenses)


# Properties Graph lets only one object hold a given value of (graph_conflicts.py).
UNIQUE_PROPS = ("userPrincipalName", "mailNickname", "mail", "onPremisesImmutableId")


def value_key(prop: str, value: Any) -> str | None:
    """How `Tenant.holders` files a value: lowercased, as `$filter` compares strings. (The
    source anchor is compared exactly for uniqueness: its caller checks the case itself.)"""
    if not isinstance(value, str) or not value:
        return None
    return value.lower()


@dataclass
class Group:
    id: str
    display_name: str
    group_types: list[str] = field(default_factory=list)
    mail_enabled: bool = False
    security_enabled: bool = True
    mail_nickname: str = ""
    description: str | None = None
    mail: str | None = None
    membership_rule: str | None = None
    visibility: str | None = None
    members: list[str] = field(default_factory=list)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Delta: the tenant sequence of the group's last change (properties or members), and every
    # membership change as (seq, member id, added), oldest first, so a later round can tell
    # exactly which members came and went since its token (`members@delta`).
    change_seq: int = 0
    member_log: list[tuple[int, str, bool]] = field(default_factory=list)

    @property
    def is_unified(self) -> bool:
        return "Unified" in self.group_types

    @property
    def is_dynamic(self) -> bool:
        return "DynamicMembership" in self.group_types

    @property
    def is_exchange_managed(self) -> bool:
        """Distribution lists and mail-enabled security groups live in Exchange Online."""
        return not self.is_unified and self.mail_enabled


@dataclass
class Tenant:
    id: str
    display_name: str
    domains: dict[str, Domain] = field(default_factory=dict)
    skus: dict[str, Sku] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    default_usage_location: str | None = "US"
    country_letter_code: str = "US"
    on_premises_sync_enabled: bool | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Monotonic change counter for delta queries; purged ids remember when they went away.
    seq: int = 0
    purged: dict[str, int] = field(default_factory=dict)
    purged_groups: dict[str, int] = field(default_factory=dict)
    # User ids in order, rebuilt only when users come or go: delta rounds page by id and
    # must not sort 100,000 ids per page.
    _sorted_ids: list[str] | None = field(default=None, repr=False, compare=False)
    # A delta round's candidate ids, keyed by what they depend on (see graph_delta).
    round_cache: dict[tuple[Any, ...], list[str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # Seats held per SKU and the `User.seats_epoch` they were counted at: see consumed_units.
    _seats: dict[str, int] | None = field(default=None, repr=False, compare=False)
    _seats_epoch: int = field(default=-1, repr=False, compare=False)
    _seats_held: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    # (`User.deletions`, time) at the last look for soft-deleted users past retention: see
    # purge_expired.
    _expiry_check: tuple[int, datetime] | None = field(default=None, repr=False, compare=False)
    # Who holds each value of a property Graph keeps one owner for (UNIQUE_PROPS), and the
    # keys each user is filed under. A create checks four of them: scanning every user for
    # each made a 1,500-user tenant spend ~5 ms of CPU per create, and the sandbox answers
    # one request at a time, so a `$batch` of 20 creates took 100 ms where Graph takes one
    # round trip. Kept by `reindex` wherever a user's properties change.
    _holders: dict[tuple[str, str], set[str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _filed: dict[str, tuple[tuple[str, str], ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def touch(self, user: User) -> None:
        user.change_seq = self.next_seq()

    def touch_group(self, group: Group) -> None:
        group.change_seq = self.next_seq()

    def insert_user(self, user: User) -> None:
        if user.id in self.users:
            # Another user under the same id: its seats and deletion leave with it.
            self._seats = self._expiry_check = None
        self.users[user.id] = user
        self._sorted_ids = None
        self.reindex(user)

    def reindex(self, user: User) -> None:
        """File `user` under its current unique values (after any change of its properties)."""
        self._unfile(user.id)
        keys = tuple(
            (prop, key) for prop in UNIQUE_PROPS if (key := value_key(prop, user.props.get(prop)))
        )
        for k in keys:
            self._holders.setdefault(k, set()).add(user.id)
        self._filed[user.id] = keys

    def _unfile(self, user_id: str) -> None:
        for k in self._filed.pop(user_id, ()):
            ids = self._holders.get(k)
            if ids is not None:
                ids.discard(user_id)
                if not ids:
                    del self._holders[k]

    def holders(self, prop: str, value: Any) -> list[User]:
        """Users, live or soft-deleted, whose `prop` is `value`, compared case-insensitively.
        `prop` is one of UNIQUE_PROPS."""
        key = value_key(prop, value)
        if key is None:
            return []
        if len(self._filed) != len(self.users):
            # A user put into `users` directly (a test fixture, a bench) or taken out of it.
            self._holders.clear()
            self._filed.clear()
            for user in self.users.values():
                self.reindex(user)
        found = [self.users[i] for i in self._holders.get((prop, key), ()) if i in self.users]
        # Checked against the value held now: a change made without `reindex` is never
        # reported as a holder it no longer is.
        return [u for u in found if value_key(prop, u.props.get(prop)) == key]

    def sorted_user_ids(self) -> list[str]:
        ids = self._sorted_ids
        # The length check also catches a user put into `users` directly (a test fixture).
        if ids is None or len(ids) != len(self.users):
            ids = self._sorted_ids = sorted(self.users)
        return ids

    def add_member(self, group: Group, member_id: str) -> None:
        """Add a member and stamp the group, as every membership change in Graph does."""
        group.members.append(member_id)
        self.touch_group(group)
        group.member_log.append((group.change_seq, member_id, True))

    def remove_member(self, group: Group, member_id: str) -> None:
        group.members.remove(member_id)
        self.touch_group(group)
        group.member_log.append((group.change_seq, member_id, False))

    def delete_group(self, group: Group) -> None:
        self.groups.pop(group.id, None)
        self.purged_groups[group.id] = self.next_seq()

    def domain(self, name: str) -> Domain | None:
        return self.domains.get(name.lower())

    def add_domain(self, domain: Domain) -> Domain:
        domain.name = domain.name.lower()
        if domain.is_default:
            for other in self.domains.values():
                other.is_default = False
        self.domains[domain.name] = domain
        return domain

    def live_users(self) -> Iterable[User]:
        return (u for u in self.users.values() if not u.is_deleted)

    def consumed_units(self, sku_id: str) -> int:
        """Seats of `sku_id` (lowercase) held by live users. Counted once per change made
        outside `set_licenses` (`User.seats_epoch`), not per call: a scan of every user for
        each `assignLicense` made a `$batch` of 20 cost more the larger the tenant, which
        Graph's answers do not."""
        if self._seats is None or self._seats_epoch != User.seats_epoch:
            seats: dict[str, int] = {}
            held: dict[str, tuple[str, ...]] = {}
            for user in self.live_users():
                held[user.id] = keys = _seat_keys(user.licenses)
                for key in keys:
                    seats[key] = seats.get(key, 0) + 1
            self._seats, self._seats_held, self._seats_epoch = seats, held, User.seats_epoch
        return self._seats.get(sku_id, 0)

    def set_licenses(self, user: User, licenses: list[AssignedLicense]) -> None:
        """Give a live user of this tenant exactly `licenses`, keeping the seat count: what
        was counted for the user comes off, whatever their list says now."""
        seats = self._seats if self._seats_epoch == User.seats_epoch else None
        user.licenses = licenses
        if seats is None or user.is_deleted:
            return  # counted afresh when next asked
        for key in self._seats_held.pop(user.id, ()):
            seats[key] -= 1
        self._seats_held[user.id] = keys = _seat_keys(licenses)
        for key in keys:
            seats[key] = seats.get(key, 0) + 1
        self._seats_epoch = User.seats_epoch

    def user_by_upn(self, upn: str) -> User | None:
        return next((u for u in self.holders("userPrincipalName", upn) if not u.is_deleted), None)

    def purge_user(self, user: User) -> None:
        self.users.pop(user.id, None)
        self._unfile(user.id)
        self._sorted_ids = None
        for group in self.groups.values():
            if user.id in group.members:
                self.remove_member(group, user.id)
        self.purged[user.id] = self.next_seq()

    def purge_expired(self, now: datetime) -> None:
        # Every Graph call asks this; scanning 100,000 users each time made a delta round
        # quadratic, and scanning once per write made every create cost more the larger the
        # tenant (a `$batch` of 20 creates at 1,500 users: 4 ms of the sandbox's one thread).
        # A scan is only needed once a user was soft-deleted (anywhere: `User.deletions`) or
        # the earliest retention it found runs out. A restore or a purge only shortens the
        # list, so the time found stays safe: at worst it brings the next scan forward.
        known = self._expiry_check
        if known is not None and known[0] == User.deletions and now <= known[1]:
            return
        deleted = [(u.deleted_at, u) for u in self.users.values() if u.deleted_at is not None]
        expired = [u for at, u in deleted if now - at > DELETED_RETENTION]
        for user in expired:
            self.purge_user(user)
        pending = [at for at, u in deleted if now - at <= DELETED_RETENTION]
        until = min(pending) + DELETED_RETENTION if pending else datetime.max.replace(tzinfo=UTC)
        self._expiry_check = (User.deletions, until)


@dataclass
class AppRegistration:
    client_id: str
    display_name: str
    secrets: list[str] = field(default_factory=list)
    # Public certificates (PEM) whose private keys may sign client assertions.
    certificates: list[str] = field(default_factory=list)
    permissions: set[str] = field(default_factory=lambda: set(DEFAULT_APP_PERMISSIONS))
    consented_tenants: set[str] = field(default_factory=set)


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwt_shaped(
    tenant_id: str, client_id: str, iat: int, exp: int, roles: Iterable[str] = ()
) -> str:
    """An app-only access token shaped like Microsoft's: a JWT whose claims name the tenant
    (`tid`) and the app (`appid`), so a client can read which tenant it was issued for, and
    its application permissions (`roles`) as Microsoft's app-only tokens do. The signature is
    random: Graph here looks tokens up rather than verifying them."""
    header = {"typ": "JWT", "alg": "RS256", "kid": "sandbox"}
    claims = {
        "aud": "https://graph.microsoft.com",
        "iss": f"https://sts.windows.net/{tenant_id}/",
        "iat": iat,
        "nbf": iat,
        "exp": exp,
        "appid": client_id,
        "idtyp": "app",
        "tid": tenant_id,
        "ver": "1.0",
    }
    if roles:
        claims["roles"] = sorted(roles)
    return f"{_b64(header)}.{_b64(claims)}.{secrets.token_urlsafe(48)}"


@dataclass
class TokenGrant:
    tenant_id: str
    client_id: str
    permissions: frozenset[str]
    expires_at: float  # time.time()


@dataclass
class RequestLogEntry:
    timestamp: str
    method: str
    path: str
    status: int
    client_request_id: str
    request_id: str
    items: int | None = None
    item_statuses: list[int] | None = None
    duration_ms: float = 0.0
    # `SandboxState.clock` readings: when the request arrived and when it was answered, and
    # the Retry-After the answer announced (the largest of its items', for a `$batch`).
    received_at: float = 0.0
    answered_at: float = 0.0
    retry_after_s: float | None = None


@dataclass
class CallRecord:
    """One Graph call as the tenant saw it: a direct request or one `$batch` item."""

    method: str
    path: str
    status: int
    request_id: str
    body: Any = None


@dataclass
class Counters:
    http_requests: int = 0
    graph_calls: int = 0
    batches: int = 0
    writes: int = 0
    # Writes that reached their handler and left the tenant as it was (refused, or a change
    # to what was already there): what a client that re-reads before resending avoids.
    writes_unchanged: int = 0
    throttled: int = 0  # every 429 answered, injected ones included
    faults_injected: int = 0
    faults_by_kind: dict[str, int] = field(default_factory=dict)  # "429", "503", "timeout"
    token_requests: int = 0
    per_endpoint: dict[str, int] = field(default_factory=dict)
    # "METHOD /path/template" -> count of writes that changed nothing (see writes_unchanged).
    unchanged_by_endpoint: dict[str, int] = field(default_factory=dict)
    per_status: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SandboxState:
    """All tenants, apps and tokens of one sandbox, plus its behaviour and counters."""

    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.lock = threading.RLock()
        self.behaviour = behaviour or Behaviour()
        self.tenants: dict[str, Tenant] = {}
        self.apps: dict[str, AppRegistration] = {}
        self.tokens: dict[str, TokenGrant] = {}
        self.counters = Counters()
        self.request_log: deque[RequestLogEntry] = deque(maxlen=self.behaviour.request_log_cap)
        # Every Graph call, batch items included, so a test can count what reached the tenant.
        self.calls: deque[CallRecord] = deque(maxlen=self.behaviour.request_log_cap)
        self.default_tenant_id: str | None = None
        # Signs paging and delta tokens; a reset changes it, so stale tokens stop working.
        self.token_secret = secrets.token_bytes(32)
        # What `reset()` runs to repopulate; set by seed.new_demo_state().
        self.seeder: Callable[[SandboxState], object] | None = None
        # Throttling and fault state, owned by behaviour.py.
        self.buckets: dict[tuple[str, str, str], Any] = {}
        self.fault_rng: Any = None
        self.clock: Callable[[], float] = time.monotonic
        # Called after anything that changes the tenants or apps; persistence.TenantStore
        # hooks it to save the state soon after. None (the default): nothing is kept.
        self.on_change: Callable[[], None] | None = None

    def changed(self) -> None:
        """Say that tenants or apps changed (a Graph write, an admin change, a reset)."""
        if self.on_change is not None:
            self.on_change()

    # --- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        """Drop everything (tenants, apps, tokens, counters) and run the seeder again."""
        with self.lock:
            self.tenants.clear()
            self.apps.clear()
            self.tokens.clear()
            self.buckets.clear()
            self.counters = Counters()
            self.request_log = deque(maxlen=self.behaviour.request_log_cap)
            self.calls = deque(maxlen=self.behaviour.request_log_cap)
            self.default_tenant_id = None
            self.token_secret = secrets.token_bytes(32)
            self.fault_rng = None
            if self.seeder is not None:
                self.seeder(self)
        self.changed()

    def clear_log(self) -> None:
        """Forget the request log and the call log (a measurement starts from here)."""
        with self.lock:
            self.request_log.clear()
            self.calls.clear()

    def set_behaviour(self, values: dict[str, Any]) -> None:
        with self.lock:
            self.behaviour.update(values)
            # A new seed or rate restarts the fault sequence so runs are reproducible.
            self.fault_rng = None
            if self.request_log.maxlen != self.behaviour.request_log_cap:
                self.request_log = deque(self.request_log, maxlen=self.behaviour.request_log_cap)
                self.calls = deque(self.calls, maxlen=self.behaviour.request_log_cap)

    # --- tenants and apps ------------------------------------------------------------------

    def add_tenant(
        self, display_name: str, tenant_id: str | None = None, *, default: bool = False
    ) -> Tenant:
        with self.lock:
            tenant = Tenant(id=(tenant_id or str(uuid.uuid4())).lower(), display_name=display_name)
            self.tenants[tenant.id] = tenant
            if default or self.default_tenant_id is None:
                self.default_tenant_id = tenant.id
            return tenant

    def resolve_tenant(self, name: str) -> Tenant | None:
        """Find a tenant by id or by any of its domain names (verified or not, as AAD does)."""
        key = name.lower()
        with self.lock:
            if key in self.tenants:
                return self.tenants[key]
            return next((t for t in self.tenants.values() if key in t.domains), None)

    def tenant(self, name: str) -> Tenant:
        tenant = self.resolve_tenant(name)
        if tenant is None:
            raise KeyError(f"unknown tenant {name!r}")
        return tenant

    def add_app(
        self,
        display_name: str,
        client_id: str | None = None,
        *,
        secret: str | None = None,
        certificate_pem: str | None = None,
        permissions: Iterable[str] | None = None,
        consented_tenants: Iterable[str] = (),
    ) -> AppRegistration:
        with self.lock:
            app = AppRegistration(
                client_id=(client_id or str(uuid.uuid4())).lower(), display_name=display_name
            )
            if secret:
                app.secrets.append(secret)
            if certificate_pem:
                app.certificates.append(certificate_pem)
            if permissions is not None:
                app.permissions = set(permissions)
            app.consented_tenants = {t.lower() for t in consented_tenants}
            self.apps[app.client_id] = app
            return app

    # --- tokens ----------------------------------------------------------------------------

    def issue_token(self, tenant_id: str, app: AppRegistration) -> tuple[str, int]:
        with self.lock:
            now = time.time()
            # Expired grants are dropped here so a long benchmark does not grow the map forever.
            # They are kept for an hour after expiry so Graph can say "expired", not "invalid".
            for stale in [k for k, g in self.tokens.items() if g.expires_at <= now - 3600]:
                del self.tokens[stale]
            lifetime = self.behaviour.token_lifetime_s
            token = _jwt_shaped(
                tenant_id, app.client_id, int(now), int(now) + lifetime, app.permissions
            )
            self.tokens[token] = TokenGrant(
                tenant_id=tenant_id,
                client_id=app.client_id,
                permissions=frozenset(app.permissions),
                expires_at=now + lifetime,
            )
            return token, lifetime

    def grant_for(self, token: str) -> TokenGrant | None:
        """The grant behind a bearer token, expired or not (callers check `expires_at`)."""
        with self.lock:
            return self.tokens.get(token)

    # --- log -------------------------------------------------------------------------------

    def log(self, entry: RequestLogEntry) -> None:
        with self.lock:
            self.request_log.append(entry)

    def calls_to(self, method: str, path: str) -> list[CallRecord]:
        """The Graph calls made with `method` to exactly `path` (no query), oldest first."""
        with self.lock:
            return [
                c
                for c in self.calls
                if c.method == method.upper() and c.path.split("?")[0].lower() == path.lower()
            ]

    def inside_retry_windows(self, grace_s: float = 0.0) -> list[RequestLogEntry]:
        """Logged requests that arrived while a Retry-After this sandbox announced was still
        running: the window opens when the announcing answer left and lasts its Retry-After.
        (A request already on its way when the answer left lands here too; `grace_s` opens
        the window that much later, leaving out what was sent before the client could know.)"""
        with self.lock:
            entries = list(self.request_log)
        windows = [
            (e.answered_at + grace_s, e.answered_at + e.retry_after_s)
            for e in entries
            if e.retry_after_s is not None
        ]
        return [e for e in entries if any(start <= e.received_at < end for start, end in windows)]
