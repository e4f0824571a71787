"""Reading a source: its people and groups as plain records, and where its changes stand.

Everything here talks LDAP and nothing else: what the server says becomes `Person` and
`GroupEntry` records; deciding what to change in our directory is `service`'s job.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import ldap
from ldap import dn as ldap_dn

from app.directory.service import derived_display_name
from app.ldap.client import SHOW_DELETED_OID, LdapConnection
from app.models import SourceKind
from app.source_sync import anchor as anchors

CUSTOM_PREFIX = "custom_attributes."
# Our columns a source may fill from an attribute (`member_of` is computed from the groups).
COLUMNS = frozenset(
    {
        "username",
        "email",
        "firstname",
        "lastname",
        "display_name",
        "distinguished_name",
        "department",
        "title",
        "company",
        "phone",
        "country",
    }
)
UF_ACCOUNTDISABLE = 0x2  # userAccountControl: the account is disabled (MS-ADTS 2.2.16)
# A generic LDAP source may map `status` onto an attribute whose value says whether the
# account is active: TRUE/1/yes/active/enabled -> active, FALSE/0/no/... -> suspended, absent
# -> active. A leading `!` inverts it, for "is locked" flags such as 389 DS's nsAccountLock.
_TRUE = frozenset({"true", "1", "yes", "y", "active", "enabled", "on"})


@dataclass(slots=True)
class Person:
    anchor: str
    immutable_id: str
    dn: str
    dn_lower: str
    columns: dict[str, str | None]  # our column -> value (None: the source has none)
    custom: dict[str, str | None]  # custom attribute name -> value
    status: str
    direct_groups: tuple[str, ...] = ()  # memberOf, lower-cased DNs (when the server keeps it)


@dataclass(slots=True)
class GroupEntry:
    anchor: str
    dn_lower: str
    name: str
    members: list[str]


@dataclass
class Skipped:
    """People the source holds that we cannot: counted by reason, with a few examples."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, str]] = field(default_factory=list)

    def add(self, dn: str, reason: str, detail: str | None = None) -> None:
        """`reason` names a kind of problem and never a person's value (the counts are keyed
        by it and must stay a handful); `detail`, shown with the first examples only, may."""
        self.counts[reason] = self.counts.get(reason, 0) + 1
        if len(self.examples) < 100:
            example = {"dn": dn, "reason": reason}
            if detail:
                example["detail"] = detail[:500]
            self.examples.append(example)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _text(values: list[bytes] | None) -> str | None:
    if not values:
        return None
    try:
        text = values[0].decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    return text or None


@dataclass(frozen=True)
class Shape:
    """What a source reads and how: from its row, once per sync."""

    kind: str
    anchor: str
    attribute_map: dict[str, str]
    immutable_id_attribute: str | None

    @property
    def is_ad(self) -> bool:
        return self.kind == SourceKind.active_directory

    def user_attributes(self) -> list[str]:
        names = {a.lstrip("!") for a in self.attribute_map.values()}
        names.update(anchors.attributes(self.anchor))
        names.add("userAccountControl" if self.is_ad else "modifyTimestamp")
        names.add("memberOf")  # AD always; OpenLDAP with the memberof overlay
        if self.is_ad:
            names.add("uSNChanged")
        return sorted(names)

    def group_attributes(self) -> list[str]:
        names = {
            "cn",
            "member",
            "uniqueMember",
            "modifyTimestamp",
            *anchors.attributes(self.anchor),
        }
        if self.is_ad:
            names.add("sAMAccountName")
        return sorted(names)

    def person(self, dn: str, entry: dict[str, list[bytes]], skipped: Skipped) -> Person | None:
        values = {k.lower(): v for k, v in entry.items()}
        try:
            anchor = anchors.compute(self.anchor, entry)
        except anchors.AnchorMissing as exc:
            skipped.add(dn, f"no usable anchor ({self.anchor})", str(exc))
            return None
        columns: dict[str, str | None] = {}
        custom: dict[str, str | None] = {}
        status = "active"
        for ours, theirs in self.attribute_map.items():
            if ours == "distinguished_name":
                columns[ours] = dn
            elif ours in COLUMNS:
                columns[ours] = _text(values.get(theirs.lower()))
            elif ours.startswith(CUSTOM_PREFIX):
                custom[ours[len(CUSTOM_PREFIX) :]] = _text(values.get(theirs.lower()))
            elif ours == "status" and not self.is_ad:
                raw = _text(values.get(theirs.lstrip("!").lower()))
                if raw is not None:
                    active = raw.lower() in _TRUE
                    if theirs.startswith("!"):
                        active = not active
                    status = "active" if active else "suspended"
        for required in ("username", "email"):
            if not columns.get(required):
                skipped.add(dn, f"no {required} (attribute {self.attribute_map.get(required)})")
                return None
        if self.is_ad:
            uac = _text(values.get("useraccountcontrol"))
            if uac is not None and int(uac) & UF_ACCOUNTDISABLE:
                status = "suspended"
        columns.setdefault("distinguished_name", dn)
        if "display_name" in columns and not columns["display_name"]:
            # inetOrgPerson often has no displayName: the person gets the name a create
            # gives them, here too, or every later sync would blank what the create set.
            columns["display_name"] = derived_display_name(
                columns.get("firstname"), columns.get("lastname"), str(columns["username"])
            )
        if self.immutable_id_attribute and self.immutable_id_attribute.startswith(CUSTOM_PREFIX):
            custom[self.immutable_id_attribute[len(CUSTOM_PREFIX) :]] = anchor.immutable_id
        direct = tuple(m.decode("utf-8", "replace").lower() for m in values.get("memberof", []))
        return Person(
            anchor.text, anchor.immutable_id, dn, dn.lower(), columns, custom, status, direct
        )

    def group(self, dn: str, entry: dict[str, list[bytes]]) -> GroupEntry | None:
        values = {k.lower(): v for k, v in entry.items()}
        try:
            anchor = anchors.compute(self.anchor, entry)
        except anchors.AnchorMissing:
            return None
        raw = values.get("member", []) + values.get("uniquemember", [])
        members = sorted({m.decode("utf-8", "replace").lower() for m in raw})
        # AD: the group's sAMAccountName, unique in the domain (two groups "Admins" may sit
        # in different OUs, with different pre-Windows 2000 names); elsewhere its cn.
        name = (self.is_ad and _text(values.get("samaccountname"))) or _text(values.get("cn"))
        return GroupEntry(anchor.text, dn.lower(), name or dn, members)


@dataclass
class Cursor:
    """Where the source's changes stand after a read (stored in `Source.cursor`)."""

    values: dict[str, Any]


def ad_position(conn: LdapConnection) -> dict[str, Any]:
    """The DC's highestCommittedUSN and who the DC is (its NTDS Settings DN and invocationId):
    a uSN means something only on the DC that gave it, and a DC restored from backup gets a
    new invocationId, so either changing forces a full sync."""
    dse = conn.root_dse(["highestCommittedUSN", "dsServiceName", "defaultNamingContext"])
    usn = int(_text(dse.get("highestCommittedUSN")) or 0)
    service = _text(dse.get("dsServiceName")) or ""
    invocation = ""
    if service:
        for _dn, entry in conn.search(service, "(objectClass=*)", ["invocationId"], scope="base"):
            raw = (entry.get("invocationId") or [b""])[0]
            invocation = base64.b64encode(raw).decode("ascii")
    return {
        "usn": usn,
        "dc": service,
        "invocation_id": invocation,
        "naming_context": _text(dse.get("defaultNamingContext")) or "",
    }


def entries(
    conn: LdapConnection,
    base_dns: list[str],
    filterstr: str,
    attrs: list[str],
    on_entry: Callable[[], None] | None = None,
) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
    seen: set[str] = set()
    for base in base_dns:
        for dn, entry in conn.search(base, filterstr, attrs):
            # Overlapping base DNs would list an entry twice.
            key = dn.lower()
            if key in seen:
                continue
            seen.add(key)
            if on_entry:
                on_entry()
            yield dn, entry


def and_filter(base: str, extra: str) -> str:
    inner = base if base.startswith("(") else f"({base})"
    return f"(&{inner}{extra})"


def deleted_anchors(
    conn: LdapConnection, shape: Shape, naming_context: str, since_usn: int
) -> set[str]:
    """Anchors of the objects deleted since the cursor: AD keeps them as tombstones in
    Deleted Objects, readable with the show-deleted control. A tombstone keeps its
    objectGUID; it keeps mS-DS-ConsistencyGuid only with the AD Recycle Bin on, so a person
    anchored on a consistency GUID that differs from their objectGUID (set by an earlier
    Azure AD Connect) is found gone by the next full sync instead, which compares anchors."""
    out: set[str] = set()
    flt = f"(&(isDeleted=TRUE)(uSNChanged>={since_usn}))"
    attrs = anchors.attributes(shape.anchor)
    for _dn, entry in conn.search(naming_context, flt, attrs, controls=[SHOW_DELETED_OID]):
        try:
            out.add(anchors.compute(shape.anchor, entry).text)
        except anchors.AnchorMissing:
            continue
    return out


def scope_roots(
    conn: LdapConnection, shape: Shape, base_dns: list[str], ad_context: str
) -> list[str]:
    """Where an incremental sync looks for people who left its scope: the naming contexts
    that hold its base DNs (AD: the domain), so a person moved to an OU outside every base
    DN is seen as changed there. A server that lists no naming context is searched under
    the base DNs themselves (a person filtered out is still found; one moved away waits for
    the next full sync)."""
    if shape.is_ad and ad_context:
        return [ad_context]
    listed = conn.root_dse(["namingContexts"]).get("namingContexts", [])
    contexts = [v.decode("utf-8", "replace") for v in listed]
    roots: list[str] = []
    for base in base_dns:
        holding = [c for c in contexts if c and _under(base, c)]
        root = min(holding, key=len) if holding else base
        if root.lower() not in {r.lower() for r in roots}:
            roots.append(root)
    return roots


def _under(dn: str, context: str) -> bool:
    """Whether `dn` is `context` or below it, compared as RDN sequences (RFC 4514 parsing, so
    an escaped comma stays inside its value), case-insensitively."""
    tail, parts = rdns(context), rdns(dn)
    return tail is not None and parts is not None and parts[len(parts) - len(tail) :] == tail


def rdns(dn: str) -> list[tuple[tuple[str, str], ...]] | None:
    """The RDNs of a DN, each as sorted (attribute, value) pairs in lower case; None when
    the text is not a DN."""
    try:
        parsed = ldap_dn.str2dn(dn)
    except ldap.DECODING_ERROR:
        return None
    return [tuple(sorted((a.lower(), str(v).lower()) for a, v, _ in rdn)) for rdn in parsed]


def changed_anchors(
    conn: LdapConnection, shape: Shape, roots: list[str], changed_filter: str
) -> set[str]:
    """Anchors of every entry under `roots` that changed since the cursor, in scope or not
    (compared with the in-scope reading, the rest left the scope: moved out of the base
    DNs, or no longer matching the user filter)."""
    out: set[str] = set()
    flt = and_filter("(objectClass=*)", changed_filter)
    for root in roots:
        for _dn, entry in conn.search(root, flt, anchors.attributes(shape.anchor)):
            with contextlib.suppress(anchors.AnchorMissing):
                out.add(anchors.compute(shape.anchor, entry).text)
    return out
