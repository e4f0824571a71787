"""Apps: connected Microsoft 365 tenants (configuration, consent, entitlements, preflight)."""
