"""SCIM 2.0 (RFC 7643/7644) inbound: identity providers push users and groups at `/scim/v2`.

Every write goes through the directory service, so a SCIM change is evaluated by mappings and
provisioned like any other directory change.
"""
