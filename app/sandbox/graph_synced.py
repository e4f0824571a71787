"""Users mastered by an on-premises directory (`onPremisesSyncEnabled: true`, contract §11).

Azure AD Connect owns what it synchronises: Graph refuses a PATCH that touches any of those
properties with 400 `Request_BadRequest` "Unable to update the specified properties for
objects that have originated within an external service." (the whole request is refused, not
only the property), and refuses to delete the user. Licenses (`assignLicense`),
`usageLocation` and membership of cloud groups stay writable.

The list below is the user attributes Microsoft Entra Connect Sync exports to Entra ID, by
their Graph names ("Attributes synchronized to Microsoft Entra ID",
https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-sync-attributes-synchronized:
accountEnabled, c/co/countryCode, company, department, displayName, employeeID, employeeType,
facsimileTelephoneNumber, givenName, l, mail, mailNickname, mobile,
physicalDeliveryOfficeName, postalCode, preferredLanguage, proxyAddresses, sn, sourceAnchor,
st, streetAddress, telephoneNumber, title, userPrincipalName), and the PATCH refusal is from
https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/3564 (a quoted response).
The text of the refusal of DELETE is not confirmed; the same error is used.
The sandbox keeps its own copy of this list on purpose: it stands for Microsoft, not for us.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.errors import bad_request
from app.sandbox.state import User

MSG_MASTERED_ON_PREMISES = (
    "Unable to update the specified properties for objects that have originated within an "
    "external service."
)
MASTERED_ON_PREMISES = frozenset(
    {
        "accountEnabled",
        "businessPhones",
        "city",
        "companyName",
        "country",
        "department",
        "displayName",
        "employeeId",
        "employeeType",
        "faxNumber",
        "givenName",
        "jobTitle",
        "mail",
        "mailNickname",
        "mobilePhone",
        "officeLocation",
        "onPremisesImmutableId",
        "postalCode",
        "preferredLanguage",
        "state",
        "streetAddress",
        "surname",
        "userPrincipalName",
    }
)


def refuse_mastered_changes(user: User, body: dict[str, Any]) -> None:
    """A PATCH of a synced user may not name any property the on-premises directory owns."""
    if user.on_premises_sync and any(name in MASTERED_ON_PREMISES for name in body):
        raise bad_request(MSG_MASTERED_ON_PREMISES)


def refuse_delete(user: User) -> None:
    """A synced user is deleted on premises (the next sync removes it), never through Graph."""
    if user.on_premises_sync:
        raise bad_request(MSG_MASTERED_ON_PREMISES)
