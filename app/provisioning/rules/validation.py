"""Checks a rule before it is stored: its shape (the pure engine), the directory roles and
groups its conditions name, and its actions against the app's refreshed entitlements and
parameters. Every failure is a 422 naming the field at fault, like mappings."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlmodel import Session

from app.directory import repository as directory_repo
from app.errors import FieldError, InvalidInput
from app.evaluation import rules as engine
from app.evaluation.conditions import parse_list
from app.evaluation.errors import EvaluationError
from app.graph import rules as graph_rules
from app.models import App
from app.provisioning.rules.entitlements import Entitlements, entitlements_of, parameter_names


def invalid(exc: EvaluationError) -> InvalidInput:
    return InvalidInput(
        f"{exc.field}: {exc.message}", errors=[FieldError(field=exc.field, message=exc.message)]
    )


def _problem(errors: list[FieldError]) -> InvalidInput:
    # The detail repeats the messages so a client that shows only `detail` still names the
    # sku, plan, group or parameter at fault.
    return InvalidInput(" ".join(e.message for e in errors), errors=errors)


def validate(
    session: Session, app: App, rule: engine.Rule, *, conditions: bool, actions: bool
) -> None:
    """Raise `InvalidInput` for the first shape error, or for every reference error found.

    `conditions` / `actions` say which parts changed: references are checked only for those,
    so a rule whose SKU has since left the tenant can still be renamed or disabled.
    """
    try:
        engine.validate_rule(rule)
    except EvaluationError as exc:
        raise invalid(exc) from None
    errors: list[FieldError] = []
    if conditions:
        errors += _condition_refs(session, rule)
    if actions:
        errors += _action_refs(app, rule)
    if errors:
        raise _problem(errors)


# --- conditions: roles and groups of the directory ----------------------------------------


def _ids(value: str | None) -> set[int]:
    # Shapes were validated already, so every item is an integer id.
    return {int(item) for item in parse_list(value or "")}


def _condition_refs(session: Session, rule: engine.Rule) -> list[FieldError]:
    lookups: dict[str, tuple[Callable[[Session, Iterable[int]], set[int]], str]] = {
        "has_role": (directory_repo.existing_role_ids, "role"),
        "group": (directory_repo.existing_group_ids, "group"),
    }
    wanted = [
        (f"conditions[{index}].value", c.source, _ids(c.value))
        for index, c in enumerate(rule.conditions)
        if c.source in lookups and c.value
    ]
    # One query per table for the whole rule, not one per condition.
    existing = {
        source: existing_ids(session, (i for _, s, ids in wanted if s == source for i in ids))
        for source, (existing_ids, _) in lookups.items()
    }
    errors = []
    for field, source, ids in wanted:
        missing = sorted(ids - existing[source])
        if missing:
            message = f"These directory {lookups[source][1]}s do not exist: {missing}."
            errors.append(FieldError(field=field, message=message, code="not_found"))
    return errors


# --- actions: licenses, groups and parameters of the app ----------------------------------


def _action_refs(app: App, rule: engine.Rule) -> list[FieldError]:
    errors: list[FieldError] = []
    ents = None
    if any(a.action in ("set_licenses", "set_groups") for a in rule.actions):
        ents = entitlements_of(app)
    for index, action in enumerate(rule.actions):
        field = f"actions[{index}]"
        if action.action in ("set_licenses", "set_groups") and ents is None:
            message = (
                f"Refresh entitlements first: app {app.name!r} has not loaded its tenant's "
                f"licenses and groups yet, so {action.action} cannot be checked."
            )
            errors.append(FieldError(field=field, message=message, code="entitlements_missing"))
        elif action.action == "set_licenses" and ents is not None:
            errors += _license_errors(ents, field, action.value)
        elif action.action == "set_groups" and ents is not None:
            errors += _group_errors(ents, field, action.value)
        elif action.action == "set_parameter":
            errors += _parameter_errors(app, field, action.value[0].strip())
            errors += _parameter_value_errors(field, action.value[0].strip(), action.value[1])
    return errors


def _license_errors(ents: Entitlements, field: str, values: Iterable[str]) -> list[FieldError]:
    errors = []
    for j, item in enumerate(values):
        spec = engine.parse_license_value(item)
        at = f"{field}.value[{j}]"
        lic = ents.licenses.get(spec.sku_id)
        if lic is None:
            message = (
                f"Unknown license {spec.sku_id}: the tenant has no such SKU "
                "(refresh entitlements if it was bought recently)."
            )
            errors.append(FieldError(field=at, message=message, code="unknown_sku"))
            continue
        if not lic.assignable:
            message = (
                f"License {spec.sku_id} ({lic.part_number}) applies to the company, not users."
            )
            errors.append(FieldError(field=at, message=message, code="sku_not_assignable"))
        for plan in sorted(spec.disabled_plans - lic.plans.keys()):
            message = (
                f"Unknown service plan {plan}: it is not part of {spec.sku_id} ({lic.part_number})."
            )
            errors.append(FieldError(field=at, message=message, code="unknown_service_plan"))
    return errors


def _group_errors(ents: Entitlements, field: str, values: Iterable[str]) -> list[FieldError]:
    errors = []
    for j, item in enumerate(values):
        group_id = engine.normalize_id(item)
        at = f"{field}.value[{j}]"
        group = ents.groups.get(group_id)
        if group is None:
            message = (
                f"Unknown Microsoft 365 group {group_id}: the tenant has no such group "
                "(refresh entitlements if it was created recently)."
            )
            errors.append(FieldError(field=at, message=message, code="unknown_group"))
        elif reason := group.unsupported_reason():
            message = f"Group {group_id} ({group.display_name}) cannot be used: {reason}."
            errors.append(FieldError(field=at, message=message, code="unsupported_group"))
    return errors


def _parameter_value_errors(field: str, name: str, value: str) -> list[FieldError]:
    # An empty value leaves the attribute out (or to the tenant default), like a parameter
    # that yields nothing; any other value is sent as it stands.
    if not value.strip():
        return []
    return [
        FieldError(field=f"{field}.value[1]", message=str(v), code=v.rule)
        for v in graph_rules.check(name, value.strip())
    ]


def _parameter_errors(app: App, field: str, name: str) -> list[FieldError]:
    known = parameter_names(app)
    if name in known:
        return []
    # compute_attributes matches overrides by exact name: a case slip would be silently ignored.
    near = [k for k in known if k.casefold() == name.casefold()]
    hint = f" Did you mean {near[0]!r}?" if near else f" Known: {', '.join(known)}."
    message = f"Unknown parameter {name!r} for app {app.name!r}.{hint}"
    return [FieldError(field=f"{field}.value[0]", message=message, code="unknown_parameter")]
