"""Directory sources at work: full and incremental syncs of people and groups from LDAP and
Active Directory into our directory, as Azure AD Connect feeds Entra ID."""
