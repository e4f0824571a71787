"""Readable explanations: the `why` of an assignment and the steps of a task, naming the
mappings, rules, roles, licenses and groups involved as well as their ids.

The stored `why` keeps ids only (names change; a rename must not re-plan every assignment),
so names are looked up when it is read, a few queries per page whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.audit import repository as repo
from app.audit.schemas import (
    NamedRef,
    WhyGroup,
    WhyLicense,
    WhyParameter,
    WhyRead,
    WhyRole,
)
from app.licensing import license_label, product_name
from app.models import App

MAPPING_PREFIX = "mapping:"


@dataclass
class Names:
    """Names of what a set of `why`s and apps refer to, loaded in one go."""

    roles: dict[int, str] = field(default_factory=dict)
    mappings: dict[int, str] = field(default_factory=dict)
    rules: dict[int, str] = field(default_factory=dict)
    apps: dict[int, App] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, whys: Iterable[dict[str, Any] | None], apps: set[int]) -> Names:
        roles: set[int] = set()
        mappings: set[int] = set()
        rules: set[int] = set()
        for why in whys:
            if not why:
                continue
            for r in why.get("roles") or []:
                roles.add(int(r["role_id"]))
                source = str(r.get("source") or "")
                if source.startswith(MAPPING_PREFIX):
                    mappings.add(int(source.removeprefix(MAPPING_PREFIX)))
            for ids in [*(why.get("licenses") or {}).values(), *(why.get("groups") or {}).values()]:
                rules.update(int(i) for i in ids)
            rules.update(int(i) for i in (why.get("parameters") or {}).values() if i is not None)
        return cls(
            repo.role_names(session, roles),
            repo.mapping_names(session, mappings),
            repo.rule_names(session, rules),
            repo.apps_by_id(session, apps),
        )

    def part_number(self, app_id: int, sku_id: str) -> str | None:
        for lic in self._entitlements(app_id).get("licenses") or []:
            if str(lic.get("sku_id", "")).lower() == sku_id.lower():
                return lic.get("sku_part_number") or None
        return None

    def license(self, app_id: int, sku_id: str) -> str:
        return license_label(sku_id, self.part_number(app_id, sku_id))

    def group(self, app_id: int, group_id: str) -> str | None:
        for g in self._entitlements(app_id).get("groups") or []:
            if g.get("id") == group_id:
                return g.get("display_name") or None
        return None

    def _entitlements(self, app_id: int) -> dict[str, Any]:
        app = self.apps.get(app_id)
        return (app.entitlements or {}) if app is not None else {}


def _quoted(name: str | None, what: str, id_: object) -> str:
    return f"{what} '{name}'" if name else f"{what} {id_}"


def _rules(names: Names, ids: Iterable[Any]) -> list[NamedRef]:
    return [NamedRef(id=int(i), name=names.rules.get(int(i))) for i in ids]


def _by(rules: list[NamedRef]) -> str:
    return ", ".join(_quoted(r.name, "rule", r.id) for r in rules) or "a rule"


def why_read(names: Names, app_id: int, why: dict[str, Any] | None) -> WhyRead | None:
    if why is None:
        return None
    roles = []
    for r in why.get("roles") or []:
        role_id = int(r["role_id"])
        role = names.roles.get(role_id)
        source = str(r.get("source") or "manual")
        if source.startswith(MAPPING_PREFIX):
            mapping_id = int(source.removeprefix(MAPPING_PREFIX))
            mapping = names.mappings.get(mapping_id)
            granted = _quoted(role, "role", role_id)
            text = f"{_quoted(mapping, 'mapping', mapping_id)} granted {granted}"
            roles.append(
                WhyRole(
                    role_id=role_id,
                    role=role,
                    source="mapping",
                    mapping_id=mapping_id,
                    mapping=mapping,
                    text=text,
                )
            )
        else:
            text = f"{_quoted(role, 'role', role_id)} was given by hand"
            roles.append(WhyRole(role_id=role_id, role=role, source="manual", text=text))
    licenses = []
    for sku_id, rule_ids in (why.get("licenses") or {}).items():
        refs = _rules(names, rule_ids)
        part = names.part_number(app_id, sku_id)
        licenses.append(
            WhyLicense(
                sku_id=sku_id,
                sku_part_number=part,
                product_name=product_name(sku_id, part),
                rules=refs,
                text=f"{_by(refs)} granted {names.license(app_id, sku_id)}",
            )
        )
    groups = []
    for group_id, rule_ids in (why.get("groups") or {}).items():
        refs = _rules(names, rule_ids)
        name = names.group(app_id, group_id)
        text = f"{_by(refs)} added group {_quoted(name, '', group_id).strip()}"
        groups.append(WhyGroup(group_id=group_id, name=name, rules=refs, text=text))
    parameters = []
    for param, rule_id in (why.get("parameters") or {}).items():
        if rule_id is None:
            continue
        ref = NamedRef(id=int(rule_id), name=names.rules.get(int(rule_id)))
        parameters.append(WhyParameter(name=param, rule=ref, text=f"{_by([ref])} set {param}"))
    lines = [
        *(x.text for x in roles),
        *(x.text for x in licenses),
        *(x.text for x in groups),
        *(x.text for x in parameters),
    ]
    return WhyRead(
        target=why.get("target"),
        roles=roles,
        licenses=licenses,
        groups=groups,
        parameters=parameters,
        lines=lines,
    )


def explain(session: Session, app_id: int, why: dict[str, Any] | None) -> WhyRead | None:
    """One assignment's why, with names."""
    return why_read(Names.load(session, [why], {app_id}), app_id, why)
