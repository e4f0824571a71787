"""Users who hold privileged administrator roles (a Global Administrator, say).

Graph refuses an app-only caller that has no higher privileged Entra role of its own (ours never
has one: the engine asks for Graph permissions only) when it
- updates a sensitive property of such a user: "To update sensitive user properties, such as
  accountEnabled, mobilePhone, and otherMails for users with privileged administrator roles
  ... in app-only scenarios, the app must be assigned a higher privileged administrator role"
  (https://learn.microsoft.com/graph/api/user-update, Permissions);
- deletes or restores such a user: User.ReadWrite.All is not enough
  (https://learn.microsoft.com/graph/api/user-delete; contract §2).
The answer is 403 `Authorization_RequestDenied` "Insufficient privileges to complete the
operation.", the one Graph gives for any missing privilege. The sensitive properties are
Entra's table "Who can perform sensitive actions" (learn.microsoft.com/entra/identity/
role-based-access-control/privileged-roles-permissions): accountEnabled, businessPhones,
mobilePhone, onPremisesImmutableId, otherMails, passwordProfile, userPrincipalName.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.errors import forbidden
from app.sandbox.state import User

SENSITIVE = frozenset(
    {
        "accountEnabled",
        "businessPhones",
        "mobilePhone",
        "onPremisesImmutableId",
        "otherMails",
        "passwordProfile",
        "userPrincipalName",
    }
)


def refuse_sensitive_update(user: User, body: dict[str, Any]) -> None:
    if user.admin_roles and SENSITIVE & body.keys():
        raise forbidden()


def refuse_privileged(user: User) -> None:
    """Delete and restore."""
    if user.admin_roles:
        raise forbidden()
