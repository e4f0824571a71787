"""What Graph lets us change on a user mastered by an on-premises directory.

A user with `onPremisesSyncEnabled: true` is owned by Azure AD Connect (or cloud sync). Graph
refuses a PATCH naming any property the directory synchronises, with 400 `Request_BadRequest`
"Unable to update the specified properties for objects that have originated within an external
service." (a quoted response: microsoftgraph/microsoft-graph-docs-contrib#3564; contract §11),
and refuses to delete the user. Licenses, `usageLocation` and membership of cloud groups stay
writable (contract §11).

`MASTERED_ON_PREMISES` is the user attributes Microsoft Entra Connect Sync exports to Entra ID,
under their Graph names. Source: "Microsoft Entra Connect Sync: Attributes synchronized to
Microsoft Entra ID",
https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-sync-attributes-synchronized
(AD name -> Graph name: accountEnabled (userAccountControl), c/co/countryCode -> country,
company -> companyName, department, displayName, employeeID -> employeeId, employeeType,
facsimileTelephoneNumber -> faxNumber, givenName, l -> city, mail, mailNickname,
mobile -> mobilePhone, physicalDeliveryOfficeName -> officeLocation, postalCode,
preferredLanguage, proxyAddresses, sn -> surname, sourceAnchor -> onPremisesImmutableId,
st -> state, streetAddress, telephoneNumber -> businessPhones, title -> jobTitle,
userPrincipalName). `usageLocation` is on that list too, but Graph lets it be set in the cloud
(it is only a default from the directory), so it is not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
        "proxyAddresses",
        "state",
        "streetAddress",
        "surname",
        "userPrincipalName",
    }
)


def is_synced(tenant_user: Mapping[str, Any] | None) -> bool:
    """Whether Graph says the on-premises directory masters this user."""
    return bool(tenant_user and tenant_user.get("onPremisesSyncEnabled") is True)
