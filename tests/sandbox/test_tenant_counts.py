"""The sandbox keeps two things it used to recount on every call: the seats each SKU has
taken (`Tenant.consumed_units`) and when soft-deleted users are due to be purged
(`Tenant.purge_expired`). Graph's answers take no longer in a larger tenant, so the sandbox's
must not either; but what they count must stay exactly what a full recount gives, after
every way a license, a deletion or a restore comes about."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.sandbox.seed import DEMO_TENANT_ID, SKU_E3, SKU_M365_E5, add_user
from app.sandbox.state import DELETED_RETENTION, AssignedLicense, SandboxState, Tenant, User
from tests.sandbox.helpers import new_user_body

SKUS = ("sku-a", "sku-b", "sku-c")


def recount(tenant: Tenant, sku_id: str) -> int:
    return sum(
        1 for u in tenant.users.values() if not u.is_deleted for lic in u.licenses
        if lic.sku_id.lower() == sku_id
    )  # fmt: skip


def _licenses(draw_skus: list[str]) -> list[AssignedLicense]:
    return [AssignedLicense(sku_id=s) for s in dict.fromkeys(draw_skus)]


OPS = st.lists(
    st.tuples(
        st.sampled_from(["new", "set", "assign", "delete", "restore", "purge", "replace", "other"]),
        st.integers(min_value=0, max_value=30),
        st.lists(st.sampled_from(SKUS), max_size=3),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(OPS)
def test_the_seat_count_is_always_a_full_recount(ops: list[tuple[str, int, list[str]]]) -> None:
    """Every way a user's seats change: a new user with licenses, licenses replaced on the
    user directly (admin fixtures, persistence), through `set_licenses` (Graph's
    assignLicense), a deletion, a restore, a purge, another user put in under the same id
    (the admin API), and a change in another tenant."""
    tenant, other = Tenant("t1", "One"), Tenant("t2", "Two")
    for step, (op, pick, skus) in enumerate(ops):
        users = list(tenant.users.values())
        user = users[pick % len(users)] if users else None
        if op == "new" or user is None:
            tenant.insert_user(User(id=f"u{step}", props={}, licenses=_licenses(skus)))
        elif op == "set":
            user.licenses = _licenses(skus)
        elif op == "assign" and not user.is_deleted:
            tenant.set_licenses(user, _licenses(skus))
        elif op == "delete":
            user.deleted_at = datetime.now(UTC) - timedelta(days=pick * 2)
        elif op == "restore":
            user.deleted_at = None
        elif op == "purge":
            tenant.purge_expired(datetime.now(UTC))
        elif op == "replace":
            tenant.insert_user(User(id=user.id, props={}, licenses=_licenses(skus)))
        elif op == "other":
            other.insert_user(User(id=f"o{step}", props={}, licenses=_licenses(skus)))
        for sku_id in SKUS:
            assert tenant.consumed_units(sku_id) == recount(tenant, sku_id), (op, sku_id)


def test_a_user_deleted_long_ago_is_purged_whatever_happened_since() -> None:
    """Deleted, then nothing else written: the purge still finds them once their retention
    runs out (it is not tied to a write coming after the deletion)."""
    tenant = Tenant("t1", "One")
    kept = User(id="kept", props={})
    gone = User(id="gone", props={})
    tenant.insert_user(kept)
    tenant.insert_user(gone)
    now = datetime.now(UTC)
    tenant.purge_expired(now)  # looked once: nothing deleted
    gone.deleted_at = now - timedelta(days=1)
    tenant.purge_expired(now)
    assert "gone" in tenant.users  # within its retention
    tenant.purge_expired(now + DELETED_RETENTION + timedelta(days=2))
    assert "gone" not in tenant.users and "kept" in tenant.users
    # A user loaded already deleted (a tenant read back from disk) counts too.
    loaded = User(id="loaded", props={}, deleted_at=now - DELETED_RETENTION * 2)
    tenant.insert_user(loaded)
    tenant.purge_expired(now)
    assert "loaded" not in tenant.users


def test_seats_free_and_fill_through_graph(graph: httpx.Client, state: SandboxState) -> None:
    """Seats taken by assignLicense, freed by a removal, a deletion, and taken again by a
    restore: Graph's answers and `subscribedSkus` agree with a recount at every step."""
    tenant = state.tenants[DEMO_TENANT_ID]
    e3 = tenant.skus[SKU_E3]

    def consumed() -> int:
        skus = graph.get("/subscribedSkus").json()["value"]
        shown = next(s for s in skus if s["skuId"] == SKU_E3)["consumedUnits"]
        assert shown == recount(tenant, SKU_E3)
        return int(shown)

    e3.enabled = consumed() + 2
    made = [
        graph.post("/users", json=new_user_body(f"seat{i}", usageLocation="NO")).json()["id"]
        for i in range(3)
    ]
    add = {"addLicenses": [{"skuId": SKU_E3}], "removeLicenses": []}
    for uid in made[:2]:
        assert graph.post(f"/users/{uid}/assignLicense", json=add).status_code == 200
    assert consumed() == e3.enabled
    full = graph.post(f"/users/{made[2]}/assignLicense", json=add)
    assert full.status_code == 400, full.text  # no seat left
    # A removal frees a seat, which the third user then takes.
    removal = {"addLicenses": [], "removeLicenses": [SKU_E3]}
    assert graph.post(f"/users/{made[0]}/assignLicense", json=removal).status_code == 200
    assert graph.post(f"/users/{made[2]}/assignLicense", json=add).status_code == 200
    assert consumed() == e3.enabled
    # Deleting a licensed user frees their seat; restoring them takes it back.
    assert graph.delete(f"/users/{made[1]}").status_code == 204
    assert consumed() == e3.enabled - 1
    assert graph.post(f"/users/{made[0]}/assignLicense", json=add).status_code == 200
    assert consumed() == e3.enabled
    restored = graph.post(f"/directory/deletedItems/{made[1]}/restore")
    assert restored.status_code == 200, restored.text
    assert consumed() == e3.enabled + 1


@pytest.mark.parametrize("users", [50, 2000])
def test_an_assignment_does_not_recount_every_user(users: int, state: SandboxState) -> None:
    """What the count costs does not grow with the tenant: after the first count, an
    assignment and a look at the seats read no user but the one assigned."""
    tenant = state.tenants[DEMO_TENANT_ID]
    rng = random.Random(users)
    for i in range(users):
        add_user(tenant, f"filler{i}@contoso.com", f"Filler {i}",
                 licenses=[SKU_E3] if rng.random() < 0.5 else [])  # fmt: skip
    tenant.consumed_units(SKU_E3.lower())  # the one full count
    target = add_user(tenant, f"target-{uuid.uuid4().hex[:6]}@contoso.com", "Target")
    before = tenant.consumed_units(SKU_E3.lower())  # counted again: a new user came
    reads = 0
    original = Tenant.live_users

    def counting(self: Tenant) -> object:
        nonlocal reads
        reads += 1
        return original(self)

    try:
        Tenant.live_users = counting  # type: ignore[method-assign]
        tenant.set_licenses(target, [AssignedLicense(sku_id=SKU_M365_E5.lower())])
        tenant.set_licenses(target, [AssignedLicense(sku_id=SKU_E3.lower())])
        after = tenant.consumed_units(SKU_E3.lower())
    finally:
        Tenant.live_users = original  # type: ignore[method-assign]
    assert reads == 0
    assert after == before + 1 == recount(tenant, SKU_E3.lower())
