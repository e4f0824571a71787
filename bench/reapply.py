"""Reapplying all mappings to N users on Postgres.

Seeds N users with realistic attributes, 30 roles, 10 groups and 20 mappings, then times:
  1. a full reapply (most users change),
  2. a second reapply where nothing changes (must write nothing),
  3. the baseline: the per-user path (evaluate and write one user per transaction, as a user
     edit does) on a sample, extrapolated to users/s.
Prints users/s and seconds for each, and the bulk/baseline ratio.

    BENCH_DATABASE_URL=postgresql://... python bench/reapply.py [--users 100000] [--smoke]
"""

from __future__ import annotations

import argparse
import random

from _common import drop_database, fresh_database, timed

DB_NAME = "provisioner_bench_reapply"
DEPARTMENTS = ["Sales", "Engineering", "Finance", "Marketing", "Support", "Legal", "HR", "IT"]
COUNTRIES = ["US", "GB", "NO", "DE", "FR", "IN", "JP", "BR"]
TITLES = ["Engineer", "Manager", "Account Executive", "Analyst", "Director", "Intern"]
EXT_GROUPS = ["Office 365", "VPN", "Contractors", "Executives", "Remote", "Finance-All"]


def seed(n_users: int) -> None:
    from sqlalchemy import insert

    from app.db import transaction
    from app.models import Group, MappingRow, Role, User, UserRole, utcnow

    rng = random.Random(7)
    now = utcnow()
    with transaction() as s:
        s.execute(
            insert(Role),
            [{"name": f"role-{i}", "created_at": now, "updated_at": now} for i in range(1, 31)],
        )
        s.execute(
            insert(Group),
            [{"name": f"group-{i}", "created_at": now, "updated_at": now} for i in range(1, 11)],
        )
    batch = []
    roles = []
    for i in range(1, n_users + 1):
        first, last = f"First{i}", f"Last{i % 9973}"
        batch.append(
            {
                "username": f"user{i}",
                "username_lower": f"user{i}",
                "email": f"user{i}@contoso.com",
                "email_lower": f"user{i}@contoso.com",
                "firstname": first,
                "lastname": last,
                "display_name": f"{first} {last}",
                "distinguished_name": (
                    f"CN={first} {last},OU={rng.choice(DEPARTMENTS)},DC=contoso,DC=com"
                ),
                "member_of": rng.sample(EXT_GROUPS, rng.randint(0, 3)),
                "department": rng.choice(DEPARTMENTS),
                "title": rng.choice(TITLES),
                "company": "Contoso",
                "phone": f"+1 555 {i:07d}",
                "country": rng.choice(COUNTRIES),
                "status": "suspended" if rng.random() < 0.05 else "active",
                "custom_attributes": {
                    "cost_center": str(rng.randint(100, 999)),
                    "site": rng.choice(["HQ", "Remote", "Lab"]),
                },
                "mapped_attributes": {},
                "mapped_roles": {},
                "created_at": now,
                "updated_at": now,
            }
        )
        if rng.random() < 0.2:
            roles.append({"user_id": i, "role_id": rng.randint(1, 30), "created_at": now})
        if len(batch) == 10000:
            with transaction() as s:
                s.execute(insert(User), batch)
            batch = []
    with transaction() as s:
        if batch:
            s.execute(insert(User), batch)
        if roles:
            s.execute(insert(UserRole), roles)
        conds = [
            [{"source": "member_of", "operator": "contains", "value": "office 365"}],
            [{"source": "department", "operator": "equals", "value": "engineering"}],
            [{"source": "title", "operator": "starts_with", "value": "account"}],
            [
                {"source": "email", "operator": "ends_with", "value": "@contoso.com"},
                {"source": "status", "operator": "not_equals", "value": "suspended"},
            ],
            [{"source": "country", "operator": "in", "value": "NO, DE, FR"}],
            [
                {
                    "source": "distinguished_name",
                    "operator": "matches",
                    "value": r"OU=(Sales|Support),",
                }
            ],
            [{"source": "custom_attributes.site", "operator": "equals", "value": "remote"}],
            [{"source": "custom_attributes.cost_center", "operator": "starts_with", "value": "9"}],
            [{"source": "has_role", "operator": "in", "value": "1,2,3"}],
            [{"source": "member_of", "operator": "not_contains", "value": "contractors"}],
        ]
        mappings = []
        for i in range(20):
            action = (
                {"action": "set_group", "value": [str(i % 10 + 1)]}
                if i % 5 == 4
                else {"action": "set_attribute", "value": ["tier", f"t{i}"]}
                if i % 7 == 6
                else {"action": "add_role" if i % 3 else "set_role", "value": [str(i + 1)]}
            )
            mappings.append(
                {
                    "name": f"mapping-{i}",
                    "enabled": True,
                    "match": "all" if i % 2 else "any",
                    "position": i,
                    "conditions": conds[i % len(conds)],
                    "actions": [action],
                    "created_at": now,
                    "updated_at": now,
                }
            )
        s.execute(insert(MappingRow), mappings)


def _vacuum_analyze() -> None:
    """Fresh statistics and a settled table, so autovacuum does not start mid-measurement."""
    from sqlalchemy import text

    from app.db import get_engine

    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE directory_user"))
        conn.execute(text("VACUUM ANALYZE user_role"))


def table_versions() -> str:
    """A digest of every row version in the tables a reapply writes: any write changes it."""
    from sqlalchemy import text

    from app.db import get_engine

    with get_engine().connect() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT (SELECT md5(string_agg(xmin::text || ':' || id, ',' ORDER BY id)) "
                    "FROM directory_user) || (SELECT md5(coalesce(string_agg(xmin::text, ',' "
                    "ORDER BY user_id, role_id), '')) FROM user_role)"
                )
            ).scalar_one()
        )


def count_rows(table: str) -> int:
    from sqlalchemy import text

    from app.db import get_engine

    with get_engine().connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--baseline-sample", type=int, default=1000)
    parser.add_argument("--smoke", action="store_true", help="small run for CI")
    args = parser.parse_args()
    if args.smoke:
        args.users, args.baseline_sample = 2000, 100

    fresh_database(DB_NAME)
    from app.db import transaction
    from app.mappings.service import apply_to_users, reapply_all

    try:
        with timed() as t_seed:
            seed(args.users)
        print(f"seeded {args.users} users, 20 mappings in {t_seed[0]:.1f}s")
        _vacuum_analyze()

        with timed() as t1:
            first = reapply_all(transaction)
        rate1 = args.users / t1[0]
        print(
            f"full reapply:      {t1[0]:7.2f} s  {rate1:10.0f} users/s  changed={first['changed']}"
        )

        print(f"                   {count_rows('user_role')} manual role grants in user_role")
        before = table_versions()
        with timed() as t2:
            second = reapply_all(transaction)
        wrote = table_versions() != before
        rate2 = args.users / t2[0]
        print(
            f"unchanged reapply: {t2[0]:7.2f} s  {rate2:10.0f} users/s  "
            f"changed={second['changed']} "
            f"rows rewritten: {'yes' if wrote else 'none'}"
        )
        if second["changed"] != 0 or wrote:
            raise SystemExit("FAIL: a reapply with nothing changed wrote to the database")

        # Baseline: the per-user path, forcing re-evaluation by clearing fingerprints first.
        from sqlalchemy import text

        sample = list(range(1, args.baseline_sample + 1))
        with transaction() as s:
            s.execute(
                text("UPDATE directory_user SET mapping_fingerprint = NULL WHERE id <= :n"),
                {"n": len(sample)},
            )
        with timed() as tb:
            for uid in sample:
                with transaction() as s:
                    apply_to_users(s, [uid])
        rate_b = len(sample) / tb[0]
        print(
            f"baseline per-user: {tb[0]:7.2f} s  {rate_b:10.0f} users/s  (sample of {len(sample)})"
        )
        print(
            f"ratio full/baseline: {rate1 / rate_b:.1f}x   target: {args.users} users <= 10 s -> "
            f"{'met' if t1[0] <= 10 or args.smoke else 'MISSED'} ({t1[0]:.2f} s)"
        )
    finally:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
