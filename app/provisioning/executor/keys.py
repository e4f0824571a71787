"""Typed ids for the executor's `$batch` items: which step an item belongs to, for which task.

Graph only echoes an item's id back (responses come in any order, contract §8), so the id is
how an answer finds its step and item again. `BatchKey.encode()` makes the wire string and
`BatchKey.decode()` reads it back; nobody parses ids by prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    """One kind of request the executor batches; the value is the id's short tag."""

    READ_USER = "read"  # GET /users/{id}: a person we know by tenant object id
    READ_GROUPS = "rgrp"  # GET /users/{id}/memberOf: a retried task's memberships
    FIND_BY_IMMUTABLE_ID = "fimm"  # GET /users?$filter=onPremisesImmutableId in (...)
    FIND_BY_UPN = "fupn"  # GET /users?$filter=userPrincipalName in (...)
    FIND_DELETED_BY_IMMUTABLE_ID = "dimm"  # deletedItems ?$filter=onPremisesImmutableId in
    FIND_DELETED_BY_UPN = "dupn"  # deletedItems ?$filter=endswith(userPrincipalName,...)
    FIND_HOLDER = "hold"  # who holds the value a create conflicted on
    FIND_DELETED_HOLDER = "dhold"  # the same, in deleted items
    RESTORE = "restore"
    CREATE = "create"
    PATCH = "patch"
    DELETE = "delete"
    ASSIGN_LICENSE = "lic"
    BIND_MEMBERS = "bind"  # PATCH /groups/{id} members@odata.bind
    ADD_MEMBER = "add"  # POST /groups/{id}/members/$ref
    REMOVE_MEMBER = "remove"


# Ids are compared case-insensitively by Graph; every part here is lower-case or digits.
_SEP = "."


@dataclass(frozen=True)
class BatchKey:
    """A batch item's id: the step, the task it serves (None for shared look-ups), an index,
    and the lane of the run that sent it (`Exchange.lane`; 0, the first or only lane, is
    left out of the id)."""

    step: Step
    task_id: int | None = None
    index: int = 0
    lane: int = 0

    def encode(self) -> str:
        task = "" if self.task_id is None else str(self.task_id)
        parts = [self.step.value, task, str(self.index)]
        if self.lane:
            parts.append(str(self.lane))
        return _SEP.join(parts)

    @classmethod
    def decode(cls, raw: str) -> BatchKey:
        step, task, index, *lane = raw.split(_SEP)
        if len(lane) > 1:
            raise ValueError(f"not a batch key: {raw!r}")
        return cls(Step(step), int(task) if task else None, int(index), int(lane[0]) if lane else 0)
