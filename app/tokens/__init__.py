"""API tokens: creating, listing and revoking them, and finding the one a request presents."""
