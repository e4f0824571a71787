"""Directory sources: LDAP and Active Directory servers whose people and groups feed the
directory, as Azure AD Connect feeds Entra ID."""
