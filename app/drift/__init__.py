"""Drift: what the tenant holds that differs from what we applied, and what each app's drift
policy does about it (report, enforce, adopt)."""
