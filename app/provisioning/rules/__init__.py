"""Per-app rules: the `/apps/{app_id}/rules` API, its validation against the tenant's
entitlements, and the helpers desired-state computation uses (`service.compiled_rules`,
`facts.effective_user_facts`). Evaluation itself is the pure `app.evaluation.rules`."""
