"""Uniqueness of the values Graph keeps one owner for, and the `details[].target` it names.

Graph answers a taken value with 400 `Request_BadRequest` "Another object with the same value
for property <p> already exists." and `details: [{"code": "ObjectConflict", "target": "<p>"}]`
(contract §1). Who still holds a value:
- `userPrincipalName`: live users only (a soft-deleted user's UPN is prefixed with its id,
  which frees it; restoring it then conflicts) - checked in graph_users;
- `onPremisesImmutableId`: live and soft-deleted users (contract §11) - graph_users;
- `mailNickname`: live users. Whether Graph enforces this for users is not confirmed (it does
  for groups: "Another object with the same value for property mailNickname already exists.",
  microsoftgraph/microsoft-graph-docs#5122); refusing it here is the stricter choice;
- `proxyAddresses`: a `mail` that is already another object's proxy address, soft-deleted
  users and mail-enabled groups included ("proxyAddresses are unique across directory objects
  (users, groups, and organizational contacts)", user resource docs); the answer adds a
  `ConflictingObjects` detail (microsoft-graph-docs-contrib#8421, a quoted response whose
  detail was cut short: its target here is unconfirmed).
"""

from __future__ import annotations

from typing import Any

from app.sandbox.errors import MSG_CONFLICT, GraphError, bad_request, conflict
from app.sandbox.state import Tenant, User


def check_unique(tenant: Tenant, body: dict[str, Any], exclude: User | None = None) -> None:
    """Refuse `body` (a create, or a PATCH of `exclude`) when it takes someone else's value."""
    nickname = body.get("mailNickname")
    if isinstance(nickname, str) and nickname:
        for other in tenant.holders("mailNickname", nickname):
            if other is not exclude and not other.is_deleted:
                raise conflict("mailNickname")
    mail = body.get("mail")
    if isinstance(mail, str) and mail:
        address = f"smtp:{mail.lower()}"
        # The sandbox's users hold one proxy address, their mail (graph_users.user_value);
        # soft-deleted users keep theirs.
        for other in tenant.holders("mail", mail):
            if other is not exclude:
                raise _proxy_conflict(other.id)
        for group in tenant.groups.values():
            if group.mail and f"smtp:{group.mail.lower()}" == address:
                raise _proxy_conflict(group.id)


def _proxy_conflict(holder_id: str) -> GraphError:
    message = MSG_CONFLICT.format(prop="proxyAddresses")
    return bad_request(
        message,
        details=[
            {"code": "ObjectConflict", "message": message, "target": "proxyAddresses"},
            {"code": "ConflictingObjects", "message": message, "target": holder_id},
        ],
    )
