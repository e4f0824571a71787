"""The source anchor and the ImmutableID computed from it, as Azure AD Connect does.

Two forms of the same value:
- the anchor, kept in `User.source_anchor`: the GUID (AD) or UUID (LDAP) in its canonical
  text form, lower-case (`12345678-90ab-cdef-0123-456789abcdef`), which an admin can look up
  in the source;
- the ImmutableID, written to the custom attribute named by `Source.immutable_id_attribute`
  (what an app reads as `onPremisesImmutableId`): base64 of 16 bytes.

Byte orders (the part that must match Azure AD Connect to the bit):
- `objectGUID` is read as the 16 raw bytes AD stores. AD keeps a GUID as the Windows GUID
  structure: Data1 (4 bytes), Data2 (2) and Data3 (2) little-endian, then Data4 (8 bytes) as
  is. Azure AD Connect base64-encodes exactly those bytes, so the ImmutableID is
  base64(raw); the text form is `uuid.UUID(bytes_le=raw)`.
- `mS-DS-ConsistencyGuid` is a 16-byte octet string Azure AD Connect writes with the
  objectGUID's raw bytes; the ImmutableID is base64 of its bytes. When it is unset Azure AD
  Connect falls back to objectGUID (and so do we).
- `entryUUID` (RFC 4530) is sent as text; its 16 bytes are taken in RFC 4122 order (network
  order, most significant byte first: `uuid.UUID(text).bytes`), so the ImmutableID is
  base64 of the UUID as the RFC lays it out. There is no Azure AD Connect counterpart; this is
  the order every other tool uses for a UUID given as text.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

OBJECT_GUID = "objectGUID"
CONSISTENCY_GUID = "mS-DS-ConsistencyGuid"
ENTRY_UUID = "entryUUID"


class AnchorMissing(ValueError):
    """The entry carries no usable anchor value (the attribute is absent or malformed)."""


@dataclass(frozen=True)
class Anchor:
    text: str  # canonical GUID/UUID text: User.source_anchor
    immutable_id: str  # base64 of the 16 bytes: the ImmutableID


def from_object_guid(raw: bytes) -> Anchor:
    if len(raw) != 16:
        raise AnchorMissing(f"objectGUID has {len(raw)} bytes, not 16")
    return Anchor(str(uuid.UUID(bytes_le=raw)), base64.b64encode(raw).decode("ascii"))


def from_entry_uuid(text: bytes | str) -> Anchor:
    value = text.decode("ascii") if isinstance(text, bytes) else text
    try:
        parsed = uuid.UUID(value.strip())
    except ValueError:
        raise AnchorMissing(f"entryUUID {value!r} is not a UUID") from None
    return Anchor(str(parsed), base64.b64encode(parsed.bytes).decode("ascii"))


def compute(kind: str, entry: dict[str, list[bytes]]) -> Anchor:
    """The anchor of an entry for the source's anchor setting (`Source.anchor`)."""
    values = {k.lower(): v for k, v in entry.items()}

    def first(name: str) -> bytes | None:
        found = values.get(name.lower())
        return found[0] if found else None

    if kind == ENTRY_UUID:
        value = first(ENTRY_UUID)
        if value is None:
            raise AnchorMissing("the entry has no entryUUID")
        return from_entry_uuid(value)
    if kind == CONSISTENCY_GUID:
        consistency = first(CONSISTENCY_GUID)
        if consistency is not None and len(consistency) == 16:
            return from_object_guid(consistency)
    value = first(OBJECT_GUID)
    if value is None:
        raise AnchorMissing("the entry has no objectGUID")
    return from_object_guid(value)


def attributes(kind: str) -> list[str]:
    """What to read from the server to compute the anchor."""
    if kind == ENTRY_UUID:
        return [ENTRY_UUID]
    if kind == CONSISTENCY_GUID:
        return [CONSISTENCY_GUID, OBJECT_GUID]
    return [OBJECT_GUID]
