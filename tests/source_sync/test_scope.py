"""People who leave a source's scope without being deleted: moved to an OU outside every
base DN, or changed so the user filter no longer matches them. A full sync finds them gone by
comparing anchors; an incremental sync must find them too (it reads only what changed, so it
also looks at changed entries outside the scope), and both go through the deletion threshold
like a deletion. Both real servers: slapd (entryUUID, modifyTimestamp) and Samba's AD DC
(objectGUID / mS-DS-ConsistencyGuid, uSNChanged)."""

from __future__ import annotations

import base64
import os
import uuid
from typing import Any

import pytest

from app.db import transaction
from app.models import Source
from app.source_sync import service
from tests.ldap_support import LdapOu
from tests.source_sync.helpers import make_source, owned, source_row


def _names(source_id: int) -> set[str]:
    return {u.split("@")[0] for u in owned(source_id)}


def _ou(request: pytest.FixtureRequest, kind: str) -> LdapOu:
    return request.getfixturevalue("samba_ou" if kind == "ad" else "slapd_ou")  # type: ignore[no-any-return]


@pytest.mark.parametrize("kind", ["ldap", "ad"])
def test_a_person_moved_out_of_the_base_dn_leaves_on_the_next_incremental_sync(
    env: Any, request: pytest.FixtureRequest, kind: str
) -> None:
    ou = _ou(request, kind)
    ann = ou.add_user("ann", "Ann", "Lee", "ann@contoso.com")
    ou.add_user("bob", "Bob", "Ray", "bob@contoso.com")
    away = ou.add_ou("away")
    source_id = make_source(ou, base_dns=[ou.people_dn])
    assert service.run_sync(source_id, full=True).detail == "idle"
    assert _names(source_id) == {"ann", "bob"}

    ou.move(ann, away)
    outcome = service.run_sync(source_id)
    assert outcome.figures["kind"] == "incremental", outcome.figures
    assert outcome.figures["deleted"] == 1, outcome.figures
    assert _names(source_id) == {"bob"}
    # Nothing else was touched, and a full sync agrees.
    assert service.run_sync(source_id, full=True).figures["deleted"] == 0
    assert _names(source_id) == {"bob"}


@pytest.mark.parametrize("kind", ["ldap", "ad"])
def test_a_person_the_user_filter_no_longer_matches_leaves_on_the_next_incremental_sync(
    env: Any, request: pytest.FixtureRequest, kind: str
) -> None:
    ou = _ou(request, kind)
    ann = ou.add_user("ann", "Ann", "Lee", "ann@contoso.com", title="Engineer")
    ou.add_user("bob", "Bob", "Ray", "bob@contoso.com", title="Engineer")
    base = (
        "(&(objectCategory=person)(objectClass=user))"
        if ou.is_ad
        else "(objectClass=inetOrgPerson)"
    )
    source_id = make_source(ou, user_filter=f"(&{base}(!(title=Contractor)))")
    assert service.run_sync(source_id, full=True).detail == "idle"
    assert _names(source_id) == {"ann", "bob"}

    ou.modify(ann, title="Contractor")
    outcome = service.run_sync(source_id)
    assert outcome.figures["kind"] == "incremental" and outcome.figures["deleted"] == 1
    assert _names(source_id) == {"bob"}
    # Back in scope: the same person (same anchor) comes back.
    ou.modify(ann, title="Engineer")
    outcome = service.run_sync(source_id)
    assert outcome.figures["created"] + outcome.figures["updated"] >= 1, outcome.figures
    assert _names(source_id) == {"ann", "bob"}


def test_people_leaving_the_scope_count_against_the_deletion_threshold(
    env: Any, slapd_ou: LdapOu
) -> None:
    people = [slapd_ou.add_user(f"u{i}", "U", f"N{i}", f"u{i}@contoso.com") for i in range(4)]
    away = slapd_ou.add_ou("away")
    source_id = make_source(slapd_ou, base_dns=[slapd_ou.people_dn], deletion_threshold=2)
    assert service.run_sync(source_id, full=True).detail == "idle"
    for dn in people[:3]:
        slapd_ou.move(dn, away)
    outcome = service.run_sync(source_id)
    assert outcome.detail == "held", outcome.figures
    assert len(_names(source_id)) == 4  # nothing removed while held
    held = source_row(source_id).held or {}
    assert held["counts"]["deletes"] == 3


def test_a_consistency_guid_set_by_an_earlier_azure_ad_connect_is_the_anchor(
    env: Any, samba_ou: LdapOu
) -> None:
    """A person migrated from Azure AD Connect carries mS-DS-ConsistencyGuid, which may
    differ from their objectGUID (an object re-created, a forest moved): it is the anchor,
    and the ImmutableID is base64 of its bytes, so the tenant account stays the same."""
    guid = os.urandom(16)
    ann = samba_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com")
    samba_ou.modify(ann, **{"mS-DS-ConsistencyGuid": guid})
    samba_ou.add_user("bob", "Bob", "Ray", "bob@contoso.com")  # a source never answers empty
    object_guid = samba_ou.read(ann, ["objectGUID"])["objectGUID"][0]
    assert object_guid != guid
    source_id = make_source(samba_ou)
    assert service.run_sync(source_id, full=True).detail == "idle"
    person = owned(source_id)["ann@corp.example.com"]
    assert person.source_anchor == str(uuid.UUID(bytes_le=guid))
    assert person.custom_attributes["immutable_id"] == base64.b64encode(guid).decode()

    # Deleted in AD: found gone by the incremental sync if the tombstone kept the
    # consistency GUID (AD Recycle Bin), by the next full sync otherwise; never kept.
    samba_ou.delete(ann)
    assert service.run_sync(source_id).detail == "idle"
    assert service.run_sync(source_id, full=True).detail == "idle"
    assert _names(source_id) == {"bob"}


@pytest.mark.parametrize("kind", ["ldap", "ad"])
def test_a_group_nested_into_another_reaches_the_people_below_it_incrementally(
    env: Any, request: pytest.FixtureRequest, kind: str
) -> None:
    """Nesting a group changes the groups of the people below it without changing their
    own entries: the incremental sync reads only the group, and must still write them."""
    ou = _ou(request, kind)
    ann = ou.add_user("ann", "Ann", "Lee", "ann@contoso.com")
    ou.add_user("bob", "Bob", "Ray", "bob@contoso.com")
    sales = ou.add_group("Sales", [ann])
    source_id = make_source(ou)
    assert service.run_sync(source_id, full=True).detail == "idle"
    stamps = {u.split("@")[0]: p.updated_at for u, p in owned(source_id).items()}

    ou.add_group("Office 365", [sales])
    outcome = service.run_sync(source_id)
    assert outcome.figures["kind"] == "incremental", outcome.figures
    people = {u.split("@")[0]: p for u, p in owned(source_id).items()}
    assert people["ann"].member_of == ["Office 365", "Sales"]
    assert people["bob"].member_of == [] and people["bob"].updated_at == stamps["bob"]
    assert outcome.figures["updated"] == 1, outcome.figures


@pytest.mark.parametrize("kind", ["ldap", "ad"])
def test_a_person_moved_into_the_scope_arrives_with_their_groups(
    env: Any, request: pytest.FixtureRequest, kind: str
) -> None:
    """AD renames a moved person's DN in every group's member list without touching the
    groups: an incremental sync reads the person but not the groups, whose stored members
    still name the old DN, so the person's groups come from their own memberOf."""
    ou = _ou(request, kind)
    away = ou.add_ou("away")
    dave = ou.add_user("dave", "Dave", "Ng", "dave@contoso.com", parent=away)
    ou.add_user("erin", "Erin", "Ro", "erin@contoso.com")
    sales = ou.add_group("Sales", [dave])
    ou.add_group("Office 365", [sales])
    source_id = make_source(ou, base_dns=[ou.people_dn, ou.groups_dn])
    assert service.run_sync(source_id, full=True).detail == "idle"
    assert sorted(owned(source_id)) == [_upn(ou, "erin")]

    ou.move(dave, ou.people_dn)
    outcome = service.run_sync(source_id)
    assert outcome.figures["kind"] == "incremental" and outcome.figures["created"] == 1
    assert owned(source_id)[_upn(ou, "dave")].member_of == ["Office 365", "Sales"]


@pytest.mark.parametrize("kind", ["ldap", "ad"])
def test_groups_outside_the_base_dns_are_reported_not_silently_dropped(
    env: Any, request: pytest.FixtureRequest, kind: str
) -> None:
    """Groups are read under the base DNs: a source that lists only the people's OU reads no
    group, and every member_of is empty. The sync says so (the groups the people's memberOf
    names that it did not read), and once their OU is listed the groups arrive."""
    ou = _ou(request, kind)
    fay = ou.add_user("fay", "Fay", "Oh", "fay@contoso.com")
    office = ou.add_group("Office 365", [fay])
    source_id = make_source(ou, base_dns=[ou.people_dn])

    outcome = service.run_sync(source_id, full=True)

    assert outcome.figures["groups_outside_scope"] == 1, outcome.figures
    assert outcome.figures["groups_outside_scope_examples"] == [office.lower()]
    assert owned(source_id)[_upn(ou, "fay")].member_of == []
    assert source_row(source_id).last_sync["groups_outside_scope"] == 1  # type: ignore[index]

    with transaction() as session:
        row = session.get(Source, source_id)
        assert row is not None
        row.base_dns = [ou.people_dn, ou.groups_dn]
    outcome = service.run_sync(source_id, full=True)
    assert outcome.figures["groups_outside_scope"] == 0, outcome.figures
    assert owned(source_id)[_upn(ou, "fay")].member_of == ["Office 365"]


def _upn(ou: LdapOu, name: str) -> str:
    return f"{name}@corp.example.com" if ou.is_ad else name


def test_two_ad_groups_with_one_cn_keep_their_domain_unique_names(
    env: Any, samba_ou: LdapOu
) -> None:
    """cn is unique only within its OU: an "Admins" anyone can create in another OU must not
    grant what mappings give the real "Admins". AD groups are named by sAMAccountName."""
    ann = samba_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com")
    bob = samba_ou.add_user("bob", "Bob", "Ray", "bob@contoso.com")
    other = samba_ou.add_ou("other", parent=samba_ou.groups_dn)
    samba_ou.add_group("Admins", [ann])
    samba_ou.add_group("Admins", [bob], parent=other, sAMAccountName="Other Admins")
    source_id = make_source(samba_ou)
    assert service.run_sync(source_id, full=True).detail == "idle"
    people = owned(source_id)
    assert people[_upn(samba_ou, "ann")].member_of == ["Admins"]
    assert people[_upn(samba_ou, "bob")].member_of == ["Other Admins"]


def test_scope_is_judged_on_parsed_dns_not_on_commas() -> None:
    from app.source_sync.reader import _under

    assert _under("CN=Lee\\, Ann,OU=Staff,DC=corp,DC=example", "ou=staff,dc=corp,dc=example")
    assert not _under("OU=Staff\\,DC=corp,DC=example", "dc=corp,dc=example")
    assert not _under("OU=Staff,DC=corp", "ou=staff,dc=corp,dc=example")
    assert not _under("not a dn", "dc=example")
