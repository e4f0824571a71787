"""Directory-source syncs against the test slapd: N people in G groups (100,000 in 2,000;
2,000 in 40 with --smoke), loaded by bench/_ldap_load.py, each phase in a process of its own
so its peak RSS is the sync's:

1. the first full sync: time and peak RSS (targets: < 60 s and < 500 MB for 100,000);
2. 1% of the people changed in slapd, then an incremental sync: time (< 5 s) and exactly
   those people written (their `updated_at` moved, nobody else's);
3. the baseline, in the same run: one search per person for the groups holding them (what a
   sync without the in-memory group graph would do), and the ratio.

    TEST_DATABASE_URL=... TEST_SLAPD_*=... python bench/ldap_sync.py [--users N --groups G]
    python bench/ldap_sync.py --smoke   # run by scripts/test.sh's bench smoke loop
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from _common import drop_database, fresh_database
from _ldap_load import change_some, load_slapd

from tests.ldap_support import connect, slapd_from_env

DB_NAME = "provisioner_bench_ldap_sync"
TARGET_FULL_S_PER_100K = 60.0
TARGET_RSS_MB = 500.0
TARGET_INCREMENTAL_S = 5.0


def _child(mode: str, source_id: int, base_dn: str) -> None:
    started = time.perf_counter()
    out: dict[str, Any] = {}
    if mode == "baseline":
        out["searches"] = _baseline(base_dn)
    else:
        from app.source_sync.service import run_sync

        if os.environ.get("SYNC_PROFILE"):
            import cProfile

            prof = cProfile.Profile()
            outcome = prof.runcall(run_sync, source_id, full=mode == "full", reason="bench")
            prof.dump_stats(f"{os.environ['SYNC_PROFILE']}.{mode}")
        elif os.environ.get("SYNC_PROFILE_INCREMENTAL") and mode == "incremental":
            import cProfile

            prof = cProfile.Profile()
            outcome = prof.runcall(run_sync, source_id, full=False, reason="bench")
            prof.dump_stats(os.environ["SYNC_PROFILE_INCREMENTAL"])
        else:
            outcome = run_sync(source_id, full=mode == "full", reason="bench")
        assert outcome.ran and outcome.detail == "idle", outcome
        out["figures"] = outcome.figures
    out["wall_s"] = time.perf_counter() - started
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out, default=str))


def _baseline(base_dn: str) -> int:
    """One search per person: the groups that list them (`member=<dn>`)."""
    server = slapd_from_env()
    conn = connect(server)
    people = conn.search_s(f"ou=people,{base_dn}", 2, "(objectClass=inetOrgPerson)", ["1.1"])
    n = 0
    for dn, _ in people:
        conn.search_s(f"ou=groups,{base_dn}", 2, f"(member={dn})", ["cn"])
        n += 1
    conn.unbind_s()
    return n


def _run(mode: str, source_id: int, base_dn: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(source_id), base_dn],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"{mode} failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if "SECRET_KEY" not in os.environ:
        # The children inherit it: they decrypt the bind password the parent encrypted.
        from cryptography.fernet import Fernet

        os.environ["SECRET_KEY"] = Fernet.generate_key().decode()
    if args.child:
        _child(args.child[0], int(args.child[1]), args.child[2])
        return
    users, groups = (2_000, 40) if args.smoke else (args.users, args.groups)
    fresh_database(DB_NAME)
    from app.crypto import encrypt
    from app.db import transaction
    from app.models import Source, User

    server = slapd_from_env()
    base_dn = f"ou=bench-{uuid.uuid4().hex[:8]},{server.base_dn}"
    conn = connect(server)
    conn.add_s(
        base_dn, [("objectClass", [b"organizationalUnit"]), ("ou", [base_dn[3:17].encode()])]
    )
    conn.unbind_s()
    clock = time.perf_counter()
    load_slapd(server, base_dn, users=users, groups=groups)
    load_s = time.perf_counter() - clock
    with transaction() as session:
        source = Source(
            name="bench",
            kind="ldap",
            url=server.uri,
            tls="starttls",
            ca_certificate=Path(server.ca_file).read_text(),
            bind_dn=server.bind_dn,
            bind_password_enc=encrypt(server.bind_password),
            base_dns=[base_dn],
            user_filter="(objectClass=inetOrgPerson)",
            group_filter="(objectClass=groupOfNames)",
            attribute_map={
                "username": "uid",
                "email": "mail",
                "firstname": "givenName",
                "lastname": "sn",
                "display_name": "displayName",
                "department": "departmentNumber",
                "title": "title",
            },
            anchor="entryUUID",
            deletion_threshold=users,
        )
        session.add(source)
        session.flush()
        assert source.id is not None
        source_id = source.id
    try:
        full = _run("full", source_id, base_dn)
        assert full["figures"]["created"] == users, full["figures"]
        from sqlmodel import select

        with transaction() as session:
            before = dict(session.execute(select(User.username, User.updated_at)).all())
        changed = change_some(server, base_dn)
        incremental = _run("incremental", source_id, base_dn)
        with transaction() as session:
            after = dict(session.execute(select(User.username, User.updated_at)).all())
        touched = sorted(u for u in after if after[u] != before.get(u))
        expected = sorted(dn.split(",")[0].split("=")[1] for dn in changed)
        baseline = _run("baseline", source_id, base_dn)
        load = os.getloadavg()
        full_s = full["figures"]["duration_ms"] / 1000
        inc_s = incremental["figures"]["duration_ms"] / 1000
        report = {
            "users": users,
            "groups": groups,
            "load_slapd_s": round(load_s, 1),
            "full_sync_s": round(full_s, 2),
            "full_sync_peak_rss_mb": round(full["peak_rss_mb"], 1),
            "incremental_s": round(inc_s, 2),
            "incremental_changed": len(changed),
            "incremental_touched": len(touched),
            "baseline_one_search_per_user_s": round(baseline["wall_s"], 2),
            "full_sync_ldap_read_s": round(full["figures"]["read_ms"] / 1000, 2),
            "full_sync_plan_s": round(full["figures"]["plan_ms"] / 1000, 2),
            "incremental_ldap_read_s": round(incremental["figures"]["read_ms"] / 1000, 2),
            "incremental_plan_s": round(incremental["figures"]["plan_ms"] / 1000, 2),
            # Like with like: one search per person against the sync's paged reads of people
            # and groups (memberships included).
            "baseline_over_sync_read": round(
                baseline["wall_s"] / max(full["figures"]["read_ms"] / 1000, 1e-3), 1
            ),
            "loadavg": [round(x, 2) for x in load],
        }
        print(json.dumps(report, indent=2))
        assert touched == expected, (touched[:5], expected[:5])
        limit = TARGET_FULL_S_PER_100K * max(users, 10_000) / 100_000
        if full_s > limit:
            sys.exit(f"full sync {full_s:.1f}s > {limit:.1f}s")
        if full["peak_rss_mb"] > TARGET_RSS_MB:
            sys.exit(f"peak RSS {full['peak_rss_mb']:.0f} MB > {TARGET_RSS_MB:.0f} MB")
        if inc_s > TARGET_INCREMENTAL_S:
            sys.exit(f"incremental {inc_s:.1f}s > {TARGET_INCREMENTAL_S:.0f}s")
    finally:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
