"""Bulk data for the directory-source benches (not a bench itself: the leading underscore keeps
the smoke runs from starting it).

`load_slapd(server, base_dn)` fills `ou=people` and `ou=groups` under `base_dn` with 100,000
inetOrgPersons and 2,000 groupOfNames (each person in ~3 groups, some groups nested in others)
on the test slapd; `change_some(server, base_dn)` then changes 1% of the people, for the
incremental sync. Writes are pipelined on one connection (many requests in flight, answers
collected as they come) rather than one round trip per entry: slapd's memberof overlay does the
heavy part, writing memberOf into every member as each group arrives.

Deleting that much again is slower than loading it (memberof rewrites every group a deleted
person was in: ~3 minutes for 100k on a busy 2-core machine): a bench that loads 100k is better
off leaving the data on the throwaway server than dropping its OU.

Run alone to measure: `python bench/_ldap_load.py [--users N] [--groups N]` with the TEST_SLAPD_*
variables of scripts/ldap-servers.sh in the environment.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

import ldap
from ldap.ldapobject import LDAPObject

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ldap_support import LdapServer, connect

# Requests in flight on the connection: enough to keep slapd's writer busy, few enough that an
# error is reported close to the entry that caused it.
WINDOW = 512
DEPARTMENTS = ("Sales", "Engineering", "Finance", "Support", "Marketing", "Legal", "HR", "Ops")
TITLES = ("Engineer", "Manager", "Analyst", "Consultant", "Director", "Associate")


def _log(message: str) -> None:
    print(f"ldap load: {message}", file=sys.stderr)


def user_dn(base_dn: str, i: int) -> str:
    return f"uid=user{i:06d},ou=people,{base_dn}"


def group_dn(base_dn: str, g: int) -> str:
    return f"cn=group{g:04d},ou=groups,{base_dn}"


def _pipeline(conn: LDAPObject, requests: Iterable[Callable[[], int]]) -> int:
    """Sends each request (a call returning a message id), keeping WINDOW in flight; raises
    the first error. Returns how many were sent."""
    pending: deque[int] = deque()
    sent = 0
    for send in requests:
        pending.append(send())
        sent += 1
        if len(pending) >= WINDOW:
            conn.result(pending.popleft())
    while pending:
        conn.result(pending.popleft())
    return sent


def _ensure_ous(conn: LDAPObject, base_dn: str) -> None:
    for name in ("people", "groups"):
        with contextlib.suppress(ldap.ALREADY_EXISTS):
            conn.add_s(
                f"ou={name},{base_dn}",
                [("objectClass", [b"organizationalUnit"]), ("ou", [name.encode()])],
            )


def _user_groups(i: int, leaves: int) -> set[int]:
    """The ~3 leaf groups person i belongs to (spread so every group gets members)."""
    return {i % leaves, (i * 7 + 3) % leaves, (i * 13 + 5) % leaves} if leaves else set()


def load_slapd(
    server: LdapServer,
    base_dn: str,
    users: int = 100_000,
    groups: int = 2_000,
    nesting: bool = True,
) -> None:
    """Adds `users` people (uid=user000000...) and `groups` groups (cn=group0000...) under
    `base_dn` (an existing entry; its ou=people and ou=groups are made if missing). With
    `nesting`, one group in twenty is a parent holding five other groups (and no people
    directly); every other group holds people, each person being in about three of them."""
    conn = connect(server)
    try:
        _ensure_ous(conn, base_dn)

        def person(i: int) -> Callable[[], int]:
            given, sn = f"Given{i}", f"Family{i % 997}"
            attrs = [
                ("objectClass", [b"top", b"person", b"organizationalPerson", b"inetOrgPerson"]),
                ("uid", [f"user{i:06d}".encode()]),
                ("cn", [f"{given} {sn}".encode()]),
                ("givenName", [given.encode()]),
                ("sn", [sn.encode()]),
                ("displayName", [f"{given} {sn}".encode()]),
                ("mail", [f"user{i:06d}@example.org".encode()]),
                ("title", [TITLES[i % len(TITLES)].encode()]),
                ("departmentNumber", [DEPARTMENTS[i % len(DEPARTMENTS)].encode()]),
                ("employeeNumber", [str(100_000 + i).encode()]),
            ]
            return lambda: conn.add_ext(user_dn(base_dn, i), attrs)

        started = time.perf_counter()
        _pipeline(conn, (person(i) for i in range(users)))
        _log(f"{users} users in {time.perf_counter() - started:.1f} s")

        parents = set(range(0, groups, 20)) if nesting and groups > 1 else set()
        leaves = [g for g in range(groups) if g not in parents]
        members: dict[int, list[bytes]] = {g: [] for g in range(groups)}
        for i in range(users):
            for index in _user_groups(i, len(leaves)):
                members[leaves[index]].append(user_dn(base_dn, i).encode())
        for n, parent in enumerate(sorted(parents)):
            # Five leaf groups each, and parents of parents: group 0 holds groups 20 and 40...
            children = [leaves[(n * 5 + k) % len(leaves)] for k in range(5)]
            children += [p for p in (parent + 20, parent + 40) if p in parents and n % 10 == 0]
            members[parent] = [group_dn(base_dn, c).encode() for c in children]

        def group(g: int) -> Callable[[], int]:
            # groupOfNames needs a member: an empty one holds base_dn (see tests.ldap_support).
            attrs = [
                ("objectClass", [b"top", b"groupOfNames"]),
                ("cn", [f"group{g:04d}".encode()]),
                ("member", members[g] or [base_dn.encode()]),
            ]
            return lambda: conn.add_ext(group_dn(base_dn, g), attrs)

        started = time.perf_counter()
        # Leaves first, then parents deepest first, so that memberof finds every member there.
        _pipeline(conn, (group(g) for g in leaves))
        _pipeline(conn, (group(g) for g in sorted(parents, reverse=True)))
        _log(f"{groups} groups in {time.perf_counter() - started:.1f} s")
    finally:
        conn.unbind_s()


def change_some(server: LdapServer, base_dn: str, fraction: float = 0.01) -> list[str]:
    """Changes the title of `fraction` of the people load_slapd made (every 1/fraction-th one)
    and returns their DNs: what an incremental sync must pick up, and nothing else."""
    conn = connect(server)
    try:
        found = conn.search_ext_s(
            f"ou=people,{base_dn}", ldap.SCOPE_ONELEVEL, "(objectClass=inetOrgPerson)", ["1.1"]
        )
        dns = sorted(dn for dn, _ in found if dn is not None)
        step = max(1, round(1 / fraction)) if fraction > 0 else 0
        changed = dns[::step] if step else []
        stamp = f"Changed {time.time_ns()}".encode()

        def change(dn: str) -> Callable[[], int]:
            return lambda: conn.modify_ext(dn, [(ldap.MOD_REPLACE, "title", [stamp])])

        _pipeline(conn, (change(dn) for dn in changed))
        return changed
    finally:
        conn.unbind_s()


def main() -> None:
    import argparse

    from tests.ldap_support import drop_ou, make_ou, slapd_from_env

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true", help="leave the data on the server")
    args = parser.parse_args()
    server = slapd_from_env()
    ou = make_ou(server, f"bench-load-{time.time_ns()}")
    try:
        started = time.perf_counter()
        load_slapd(server, ou.dn, users=args.users, groups=args.groups)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        changed = change_some(server, ou.dn)
        print(
            f"loaded {args.users} users and {args.groups} groups in {loaded:.1f} s "
            f"({args.users / loaded:.0f} users/s); changed {len(changed)} in "
            f"{time.perf_counter() - started:.2f} s under {ou.dn}"
        )
    finally:
        if not args.keep:
            started = time.perf_counter()
            drop_ou(ou)
            print(f"deleted in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
