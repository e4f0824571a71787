"""The compiled rule set of an app, cached per version of its rules.

Desired-state computation asks for it once per user batch; it lives apart from the rules
service so that the engine can read rules without depending on what edits them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from app.evaluation import rules as engine
from app.mappings.schemas import domain_fields
from app.models import RuleRow
from app.provisioning.rules import repository as repo


def to_domain(row: RuleRow) -> engine.Rule:
    # A rule being created has no id yet; validation does not need one.
    return engine.Rule(id=row.id or 0, **domain_fields(row))


_CACHE_SIZE = 256
_cache: OrderedDict[int, tuple[tuple[tuple[int, datetime], ...], engine.CompiledRules]] = (
    OrderedDict()
)
_cache_lock = threading.Lock()


def compiled_rules(session: Session, app_id: int) -> engine.CompiledRules:
    """The app's enabled rules, compiled once per version of its rule set.

    Desired-state recomputation asks for this once per user batch; compiling means validating
    and compiling regexes for every rule. The cache key is every rule's (id, updated_at): it
    changes on create, update, sort and delete, and unlike (count, max updated_at) it also
    changes when an update is stamped earlier than another rule's (clock skew between API
    replicas). A rolled-back edit leaves a key nobody reads again, so stale entries are harmless.
    """
    return compiled_rules_of_apps(session, [app_id])[app_id]


def compiled_rules_of_apps(
    session: Session, app_ids: Sequence[int]
) -> dict[int, engine.CompiledRules]:
    """`compiled_rules` of each of these apps, their versions read in one statement: a
    batch of new users evaluates every app, and one read per app made a tenant with several
    pay for each on every batch."""
    keys = repo.rule_versions_of_apps(session, app_ids)
    return {app_id: _compiled(session, app_id, keys[app_id]) for app_id in app_ids}


def _compiled(
    session: Session, app_id: int, key: tuple[tuple[int, datetime], ...]
) -> engine.CompiledRules:
    """The app's compiled rules from the cache while `key` is the one they were compiled
    under, else compiled again and kept."""
    with _cache_lock:
        hit = _cache.get(app_id)
        if hit is not None and hit[0] == key:
            _cache.move_to_end(app_id)
            return hit[1]
    compiled = engine.compile_rules(to_domain(r) for r in repo.list_rules(session, app_id))
    with _cache_lock:
        _cache[app_id] = (key, compiled)
        _cache.move_to_end(app_id)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled
