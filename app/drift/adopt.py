"""Adopted attribute values: how `adopt` keeps planning from sending our value back.

Adopting drift of an attribute accepts the tenant's value as the applied state. That alone
would not last: the next recompute or reapply would diff our desired value against it and plan
a PATCH. So the adopted value is also kept as an *override* on the assignment
(`Assignment.adopted`: name -> {"value": the tenant's value, "desired": our own value when it
was adopted}), and every desired state stored for the assignment goes through `overlay`:

* while our own computed value is still the one we had when the value was adopted, the desired
  state carries the adopted value instead, so desired == applied and no task is planned (and
  the executor, which PATCHes what differs from the desired state, leaves it alone too);
* once our own value changes (a new directory value, another rule or parameter), the override
  is dropped and our new value is desired, and sent, as usual.

A value is adopted with an override only when the desired value was what we had applied: if
our own value had already moved on, that pending change is newer than the tenant's and wins.

Pure functions over plain data.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.evaluation.desired import DesiredState


def overlay(
    computed: DesiredState | None, adopted: dict[str, Any] | None
) -> tuple[DesiredState | None, dict[str, Any] | None]:
    """(the desired state to store, the overrides still held) for a freshly computed state."""
    if computed is None or not adopted:
        return computed, None
    attributes = dict(computed.attributes)
    kept: dict[str, Any] = {}
    for name, entry in sorted(adopted.items()):
        if attributes.get(name) == entry.get("desired"):
            attributes[name] = entry.get("value")
            kept[name] = entry
    if not kept:
        return computed, None
    return replace(computed, attributes=attributes), kept


def own_value(desired: DesiredState | None, adopted: dict[str, Any] | None, name: str) -> Any:
    """Our own computed value of `name`, under any override already held."""
    if adopted and name in adopted:
        return adopted[name].get("desired")
    return desired.attributes.get(name) if desired is not None else None


def adopt(
    desired: DesiredState | None,
    adopted: dict[str, Any] | None,
    name: str,
    tenant_value: Any,
    applied_value: Any,
) -> tuple[DesiredState | None, dict[str, Any] | None]:
    """The desired state and overrides after adopting the tenant's value of `name`; unchanged
    when our own value had already moved on from what we applied (that change is sent)."""
    if desired is None or desired.attributes.get(name) != applied_value:
        return desired, adopted
    entries = dict(adopted or {})
    entries[name] = {"value": tenant_value, "desired": own_value(desired, adopted, name)}
    attributes = dict(desired.attributes)
    attributes[name] = tenant_value
    return replace(desired, attributes=attributes), entries
