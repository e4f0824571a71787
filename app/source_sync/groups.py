"""Nested group membership, computed in memory from each group's direct members.

A person's `member_of` is the name of every group that holds them directly or through groups
nested in it, what AD's LDAP_MATCHING_RULE_IN_CHAIN answers. Asking the server that per person
costs one search each (100,000 searches for 100,000 people); reading every group once and
walking the graph here costs one paged search in all. Cycles (A in B, B in A: AD allows
them) end the walk, never loop it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class GroupNode:
    dn_lower: str
    name: str
    members: tuple[str, ...]  # direct members' DNs, lower-cased


class GroupGraph:
    """Who is in which group, directly and through nesting."""

    def __init__(self, groups: Iterable[GroupNode]) -> None:
        self.groups: dict[str, GroupNode] = {g.dn_lower: g for g in groups}
        # member DN -> the groups that hold it directly
        self._parents: dict[str, list[str]] = {}
        for group in self.groups.values():
            for member in group.members:
                self._parents.setdefault(member, []).append(group.dn_lower)
        self._closure: dict[str, frozenset[str]] = {}

    def _groups_holding(self, dn_lower: str) -> frozenset[str]:
        """DNs of every group holding `dn_lower` directly or through nesting (memoized for
        groups, so each group's ancestry is walked once whatever the number of people)."""
        seen: set[str] = set()
        todo = list(self._parents.get(dn_lower, ()))
        while todo:
            group = todo.pop()
            if group in seen:
                continue
            seen.add(group)
            known = self._closure.get(group)
            if known is not None:
                seen |= known
                continue
            todo.extend(self._parents.get(group, ()))
        return frozenset(seen)

    def ancestors(self, group_dn_lower: str) -> frozenset[str]:
        known = self._closure.get(group_dn_lower)
        if known is None:
            known = self._closure[group_dn_lower] = self._groups_holding(group_dn_lower)
        return known

    def member_of(self, dn_lower: str, direct: Iterable[str] = ()) -> list[str]:
        """Names of the groups holding this person, sorted (so an unchanged set compares
        equal to what is stored and writes nothing).

        `direct`: the groups the person's own entry names (`memberOf`, lower-cased DNs), of
        which those in the graph count too. The server keeps memberOf current when a person
        moves, while a group's `member` values as stored here still carry the old DN until
        the group itself is read again (AD renames link values without touching the group)."""
        dns: set[str] = set()
        for group in {*self._parents.get(dn_lower, ()), *(d for d in direct if d in self.groups)}:
            dns.add(group)
            dns |= self.ancestors(group)
        return sorted({self.groups[d].name for d in dns})

    def members_below(self, group_dns: Iterable[str]) -> set[str]:
        """Every DN held by these groups, directly or through groups nested in them."""
        out: set[str] = set()
        todo = list(group_dns)
        seen: set[str] = set()
        while todo:
            group = todo.pop()
            if group in seen or group not in self.groups:
                continue
            seen.add(group)
            for member in self.groups[group].members:
                out.add(member)
                if member in self.groups:
                    todo.append(member)
        return out


def graph_from_rows(rows: Mapping[str, tuple[str, Iterable[str]]]) -> GroupGraph:
    """A graph from `dn_lower -> (name, members)` (the stored SourceGroup rows)."""
    return GroupGraph(GroupNode(dn, name, tuple(m)) for dn, (name, m) in rows.items())
