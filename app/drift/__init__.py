"""Drift: the difference between the tenant snapshot and what we applied, by kind."""
