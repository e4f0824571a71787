"""What a source reads when its creator leaves a setting out, per kind.

Active Directory follows Azure AD Connect, so an organization moving from it finds the same
people with the same values and the same anchor; generic LDAP follows the inetOrgPerson
schema (RFC 2798), which OpenLDAP, 389 Directory Server and most others carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models import SourceAnchor, SourceKind

# Our user fields a source may fill (the `directory_user` columns of a person); anything
# else goes to `custom_attributes.<name>`.
USER_FIELDS = (
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
    "status",
)
CUSTOM_PREFIX = "custom_attributes."
# A source must say where a person's username and email come from: we cannot hold a person
# without them.
REQUIRED_FIELDS = ("username", "email")
DEFAULT_IMMUTABLE_ID_ATTRIBUTE = "custom_attributes.immutable_id"


@dataclass(frozen=True)
class KindDefaults:
    user_filter: str
    group_filter: str
    anchor: SourceAnchor
    attribute_map: dict[str, str] = field(default_factory=dict)


ACTIVE_DIRECTORY = KindDefaults(
    # Azure AD Connect's scope for users: objects of category person and class user (which
    # leaves out contacts, computers (class computer derives from user, category computer)
    # and inetOrgPerson objects only where they are not persons). "Azure AD Connect sync:
    # Understanding the default configuration", inbound rule "In from AD - User Join".
    user_filter="(&(objectCategory=person)(objectClass=user))",
    # Its scope for groups ("In from AD - Group Join"): objects of class group.
    group_filter="(objectClass=group)",
    # The sourceAnchor since Azure AD Connect 1.1.524.0: ms-DS-ConsistencyGuid, populated
    # from objectGUID when empty ("Azure AD Connect: Design concepts", "Using
    # ms-DS-ConsistencyGuid as sourceAnchor").
    anchor=SourceAnchor.consistency_guid,
    attribute_map={
        # The AD attributes Azure AD Connect flows into the matching Entra ID properties
        # ("Azure AD Connect sync: Attributes synchronized to Azure Active Directory"):
        # userPrincipalName, mail, givenName, sn, displayName, department, title, company,
        # telephoneNumber, c (country code); employeeID and manager flow as employeeId and
        # manager; sAMAccountName is what down-level logons and many apps key on.
        "username": "userPrincipalName",
        "email": "mail",
        "firstname": "givenName",
        "lastname": "sn",
        "display_name": "displayName",
        "distinguished_name": "distinguishedName",
        "department": "department",
        "title": "title",
        "company": "company",
        "phone": "telephoneNumber",
        "country": "c",
        "custom_attributes.employee_id": "employeeID",
        "custom_attributes.manager": "manager",
        "custom_attributes.samaccountname": "sAMAccountName",
    },
)

GENERIC_LDAP = KindDefaults(
    # RFC 2798's person class; the groups of RFC 4519 (groupOfNames, `member`) and its
    # older sibling groupOfUniqueNames (`uniqueMember`), which OpenLDAP's memberOf overlay
    # and most servers maintain.
    user_filter="(objectClass=inetOrgPerson)",
    group_filter="(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
    # RFC 4530: every entry's UUID, assigned by the server and kept across renames and moves.
    anchor=SourceAnchor.entry_uuid,
    attribute_map={
        # inetOrgPerson (RFC 2798) and the attributes it inherits (RFC 4519): uid is the
        # login name, departmentNumber and employeeNumber are RFC 2798's own, and
        # entryDN (RFC 5020) is the entry's DN as an attribute.
        "username": "uid",
        "email": "mail",
        "firstname": "givenName",
        "lastname": "sn",
        "display_name": "displayName",
        "distinguished_name": "entryDN",
        "department": "departmentNumber",
        "title": "title",
        "phone": "telephoneNumber",
        "custom_attributes.employee_id": "employeeNumber",
        "custom_attributes.manager": "manager",
    },
)

DEFAULTS: dict[SourceKind, KindDefaults] = {
    SourceKind.active_directory: ACTIVE_DIRECTORY,
    SourceKind.ldap: GENERIC_LDAP,
}


def defaults_for(kind: SourceKind | str) -> KindDefaults:
    return DEFAULTS[SourceKind(kind)]
