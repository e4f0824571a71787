"""The project's one LDAP client (over python-ldap): connect with verified TLS, bind, read the
rootDSE, and stream paged searches. Infrastructure like `app.graph`: it imports no domain."""

from app.ldap.client import LdapConnection, LdapError, connect

__all__ = ["LdapConnection", "LdapError", "connect"]
