"""The ImmutableID as Azure AD Connect computes it, and nested groups in memory."""

from __future__ import annotations

from app.source_sync import anchor
from app.source_sync.groups import GroupGraph, GroupNode

# The GUID {12345678-90AB-CDEF-0123-456789ABCDEF} as AD stores objectGUID: Data1, Data2, Data3
# little-endian, then Data4 as is -> 78 56 34 12 AB 90 EF CD 01 23 45 67 89 AB CD EF.
RAW = bytes.fromhex("78563412ab90efcd0123456789abcdef")
# base64 by hand: 0x78 0x56 0x34 = 011110 000101 011000 110100 = e F Y 0, and so on.
IMMUTABLE_ID = "eFY0EquQ780BI0VniavN7w=="


def test_object_guid_gives_azure_ad_connects_immutable_id() -> None:
    got = anchor.compute("objectGUID", {"objectGUID": [RAW]})
    assert got.immutable_id == IMMUTABLE_ID
    assert got.text == "12345678-90ab-cdef-0123-456789abcdef"


def test_consistency_guid_wins_and_falls_back_to_object_guid() -> None:
    other = bytes(range(16))
    both = {"objectGUID": [RAW], "mS-DS-ConsistencyGuid": [other]}
    assert anchor.compute("mS-DS-ConsistencyGuid", both).immutable_id == "AAECAwQFBgcICQoLDA0ODw=="
    only_guid = {"objectGUID": [RAW]}
    assert anchor.compute("mS-DS-ConsistencyGuid", only_guid).immutable_id == IMMUTABLE_ID


def test_entry_uuid_is_taken_in_rfc_4122_order() -> None:
    got = anchor.compute("entryUUID", {"entryUUID": [b"12345678-90ab-cdef-0123-456789abcdef"]})
    # Network order: 12 34 56 78 90 AB CD EF ...
    assert got.immutable_id == "EjRWeJCrze8BI0VniavN7w=="
    assert got.text == "12345678-90ab-cdef-0123-456789abcdef"


def test_nested_groups_and_cycles() -> None:
    graph = GroupGraph(
        [
            GroupNode("cn=o365", "Office 365", ("cn=sales",)),
            GroupNode("cn=sales", "Sales", ("uid=ann", "cn=emea")),
            GroupNode("cn=emea", "EMEA", ("uid=bob", "cn=sales")),  # a cycle: sales <-> emea
            GroupNode("cn=other", "Other", ("uid=cat",)),
        ]
    )
    # ann is in Sales, which EMEA holds (the cycle), so in EMEA too
    assert graph.member_of("uid=ann") == ["EMEA", "Office 365", "Sales"]
    assert graph.member_of("uid=bob") == ["EMEA", "Office 365", "Sales"]
    assert graph.member_of("uid=cat") == ["Other"]
    assert graph.member_of("uid=nobody") == []
