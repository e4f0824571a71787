"""Graph's rules, checked in the executor before anything is sent (design invariant 7).

Saving parameters and preflight already use `app.graph.rules`; this is the last gate, for a
value computed from a person that no template check could foresee (an accent in an email, a
comma in a surname, a country Graph does not know). What breaks a rule is not sent: the step
is recorded as blocked with a `GraphRuleViolation` naming the person, the attribute, the value
and the rule, so the task waits (`outcome.Blocker.INVALID_VALUE`) until the user or the app's
parameters change (`planning.reconcile` releases it then) or an admin retries it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.graph import rules
from app.graph.errors import GraphRuleViolation
from app.provisioning.executor.types import AppInfo, ItemState


def tenant_facts(app: AppInfo) -> rules.TenantFacts:
    """What the executor knows of the tenant: its federated domains. Verified domains are
    not known here (None), so the domain rules are left to preflight and save time; an
    executor must not refuse a UPN on a verified domain it was never told about."""
    return rules.TenantFacts.of(None, app.federated_domains)


def violations(app: AppInfo, body: Mapping[str, Any], *, creating: bool) -> list[rules.Violation]:
    """The rules `body` (a POST /users or PATCH body) breaks, without those the engine repairs
    itself before sending (`rules.WARNING_RULES`)."""
    found = rules.check_user(body, tenant_facts(app), creating=creating)
    return [v for v in found if v.rule not in rules.WARNING_RULES]


def refusal(s: ItemState, found: Sequence[rules.Violation], what: str) -> GraphRuleViolation:
    """The error a held-back step records: who, what was not sent, and each broken rule with
    the document it follows."""
    broken = "; ".join(f"{v} (rule {v.rule}, {v.source})" for v in found)
    return GraphRuleViolation(
        f"{s.work.who()}: {what} not sent, Graph would refuse it: {broken}. Fix the user or "
        "the app's parameters; the task runs again when either changes.",
        rules=sorted({v.rule for v in found}),
    )


def usage_location_missing(s: ItemState, sku: str) -> GraphRuleViolation:
    """Graph refuses assignLicense for a user with no usageLocation (400 "License assignment
    cannot be done for user with invalid usage location", graph-contract.md §1 and §4; the
    user resource requires it before any license); holding the license saves that call."""
    return GraphRuleViolation(
        f"{s.work.who()}: license {sku} not assigned: the tenant user has no usageLocation, "
        "and Graph assigns no license without one. Give the user a country, map "
        "usageLocation in the app's parameters, or set the tenant's default usage location.",
        rules=["usageLocation.required"],
    )
