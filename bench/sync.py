"""Delta cycles against the sandbox tenant at --latency-ms per Graph call (default 30 ms).

Seeds N tenant users (100,000; ~2,000 with --smoke) and as many directory users, most of
whom match a tenant user (half by ImmutableID, a quarter by userPrincipalName, a quarter by
mail; the last 5% of tenant users are orphans), then measures, each cycle in a process of
its own so its peak RSS is the engine's and not the sandbox's:

1. the first cycle: a full users round plus matching (time, pages, round trips, peak RSS);
2. an incremental cycle with nothing changed (round trips per resource, tasks created);
3. 1% of the tenant users changed out of band: the next cycle must find exactly them;
4. the baseline, in the same run: a full re-read with plain `GET /users` paging ($top=999),
   which is what a client without delta would do every cycle to notice a change.

    BENCH_DATABASE_URL=postgresql://... python bench/sync.py [--users N]
    python bench/sync.py --smoke     # small run for CI; asserts the targets proportionally
    BENCH_PROFILE=full python bench/sync.py --users 20000   # profile one child, then stop
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from _common import drop_database, fresh_database

DB_NAME = "provisioner_bench_sync"
ROOT = Path(__file__).resolve().parent.parent
TARGET_S_PER_100K = 120.0  # first full round + match of 100,000 users
TARGET_RSS_MB = 500.0


# --- the child: one cycle, or the baseline re-read -----------------------------------------


def _child(mode: str, app_id: int) -> None:
    from app.sync.service import run_cycle

    started = time.perf_counter()
    out: dict[str, Any] = {}
    if mode == "baseline":
        out.update(asyncio.run(_baseline(app_id)))
    else:
        result = asyncio.run(run_cycle(app_id, full=mode == "full", reason="bench"))
        assert result.ran and result.cycle is not None, result
        assert result.cycle["ok"], result.cycle
        out["cycle"] = result.cycle
    out["wall_s"] = time.perf_counter() - started
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out, default=str))


async def _baseline(app_id: int) -> dict[str, Any]:
    """Every user with plain `GET /users` paging, the same $select, the largest page."""
    from app.apps.runtime import GraphRuntime
    from app.db import transaction
    from app.evaluation.desired import app_parameters
    from app.models import App
    from app.settings import get_settings
    from app.sync import delta

    with transaction() as session:
        app = session.get(App, app_id)
        assert app is not None
        names = [p.name for p in app_parameters(app.parameters or [], app.immutable_id_attribute)]
    select = delta.user_select(names)
    runtime = GraphRuntime(get_settings())
    pages = users = 0
    try:
        client = await runtime.client_for(app_id)
        async for page in client.pages("users", params={"$select": ",".join(select), "$top": 999}):
            pages += 1
            users += len(page.get("value") or [])
    finally:
        await runtime.aclose()
    return {"pages": pages, "round_trips": pages, "users": users}


def _run_child(mode: str, app_id: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--app-id", str(app_id)],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"{mode} cycle failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- seeding ------------------------------------------------------------------------------


def _seed_tenant(sandbox: Any, n: int) -> None:
    from app.sandbox import seed
    from app.sandbox.graph_users import USER_PROPERTIES
    from app.sandbox.state import User

    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    base = dict(USER_PROPERTIES)
    base["usageLocation"] = tenant.default_usage_location
    with sandbox.state.lock:
        for i in range(n):
            props = dict(base)
            mail_match = i % 4 == 3
            upn = f"x{i}@{seed.DOMAIN_DEFAULT}" if mail_match else f"bench{i}@{seed.DOMAIN_DEFAULT}"
            props.update(
                userPrincipalName=upn,
                displayName=f"Bench {i}",
                mailNickname=f"bench{i}",
                mail=f"bench{i}@example.org" if mail_match else None,
                onPremisesImmutableId=f"imm-{i}" if i % 2 == 0 else None,
                department="Sales",
            )
            user = User(id=str(uuid.uuid4()), props=props)
            user.created_mono -= 10**6
            tenant.users[user.id] = user
            tenant.touch(user)


def _seed_directory(n: int) -> None:
    """Directory users for the first 95% of tenant users (the rest are orphans)."""
    from sqlalchemy import insert

    from app.db import transaction
    from app.models import User, utcnow

    now = utcnow()
    rows = []
    for i in range(int(n * 0.95)):
        email = f"bench{i}@example.org"
        rows.append(
            {
                "username": f"bench{i}",
                "username_lower": f"bench{i}",
                "email": email,
                "email_lower": email,
                "firstname": "Bench",
                "lastname": str(i),
                "member_of": [],
                "status": "active",
                "custom_attributes": {"immutable_id": f"imm-{i}"} if i % 2 == 0 else {},
                "mapped_attributes": {},
                "mapped_roles": {},
                "created_at": now,
                "updated_at": now,
            }
        )
    with transaction() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(User), rows[start : start + 5000])


def _make_app() -> int:
    from app.apps.schemas import AppCreate
    from app.apps.service import create_app
    from app.db import transaction
    from app.models import RuleRow, utcnow
    from app.sandbox import seed

    with transaction() as session:
        app = create_app(
            session,
            AppCreate(
                name="Bench",
                cloud="sandbox",
                tenant=seed.DEMO_TENANT_ID,
                domain=seed.DOMAIN_DEFAULT,
                client_id=seed.DEMO_CLIENT_ID,
                client_secret=seed.DEMO_CLIENT_SECRET,
            ),
        )
        # The demo app is consented in the sandbox already: record it as the callback would.
        app.consented_tenant_id = seed.DEMO_TENANT_ID
        app.consented_at = utcnow()
        session.add(app)
        session.flush()
        assert app.id is not None
        session.add(
            RuleRow(
                app_id=app.id,
                name="sales",
                conditions=[],
                actions=[{"action": "set_groups", "value": [seed.GROUP_SALES]}],
            )
        )
        return app.id


def _change_one_percent(sandbox: Any, n: int) -> set[str]:
    from app.sandbox import seed

    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    step = 100
    with sandbox.state.lock:
        users = sorted(tenant.users.values(), key=lambda u: u.id)
        changed = set()
        for user in users[::step][: max(1, n // 100)]:
            user.props["department"] = "Legal"
            tenant.touch(user)
            changed.add(user.id)
    return changed


def _changed_since(app_id: int, since: Any) -> set[str]:
    from sqlmodel import col, select

    from app.db import transaction
    from app.models import TenantAccount

    with transaction() as session:
        rows = session.exec(
            select(TenantAccount.object_id).where(
                col(TenantAccount.app_id) == app_id, col(TenantAccount.changed_at) > since
            )
        ).all()
        return set(rows)


def _tasks() -> int:
    from sqlmodel import func, select

    from app.db import transaction
    from app.models import Task

    with transaction() as session:
        return int(session.exec(select(func.count()).select_from(Task)).one())


def _graph_requests(sandbox: Any) -> dict[str, int]:
    per = sandbox.state.counters.per_endpoint
    return {k: int(v) for k, v in per.items() if k.startswith("GET /")}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--smoke", action="store_true", help="small run for CI")
    parser.add_argument("--child", choices=["full", "incremental", "baseline"])
    parser.add_argument("--app-id", type=int)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        if os.environ.get("BENCH_PROFILE") == args.child:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(_child, args.child, args.app_id)
            pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(30)
            sys.exit(1)
        _child(args.child, args.app_id)
        return
    if args.smoke:
        args.users = 2000

    from cryptography.fernet import Fernet

    from app.models import utcnow
    from app.sandbox.server import SandboxServer

    os.environ.setdefault("SECRET_KEY", Fernet.generate_key().decode())
    os.environ["QUEUE_MODE"] = "inline"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("REDIS_URL", None)
    fresh_database(DB_NAME)
    n = args.users
    with (
        tempfile.TemporaryDirectory() as data_dir,
        SandboxServer(cert_dir=Path(data_dir) / "certs") as sandbox,
    ):
        os.environ["SANDBOX_URL"] = sandbox.base_url
        os.environ["SANDBOX_CA_FILE"] = str(sandbox.ca_file)
        try:
            t0 = time.perf_counter()
            _seed_tenant(sandbox, n)
            _seed_directory(n)
            app_id = _make_app()
            print(
                f"seeded {n} tenant users and {int(n * 0.95)} directory users in "
                f"{time.perf_counter() - t0:.1f} s; latency {args.latency_ms:.0f} ms per call"
            )
            sandbox.state.set_behaviour({"latency_ms": args.latency_ms})

            first = _run_child("full", app_id)
            c = first["cycle"]
            print(
                f"first full round + match: {c['duration_ms'] / 1000:7.1f} s  pages={c['pages']} "
                f"round trips={c['round_trips']}  accounts={c['accounts_seen']}  "
                f"matched={c['matched_by']}  conflicts={c['conflicts']}  "
                f"peak RSS={first['peak_rss_mb']:.0f} MB  phases ms={c['phases_ms']}"
            )
            tasks_before = _tasks()
            before = _graph_requests(sandbox)
            quiet = _run_child("incremental", app_id)
            q = quiet["cycle"]
            after = _graph_requests(sandbox)
            calls = {k: after.get(k, 0) - before.get(k, 0) for k in after}
            tasks_created = _tasks() - tasks_before
            print(
                f"no-change incremental:    {q['duration_ms'] / 1000:7.3f} s  round trips="
                f"{q['round_trips']}  Graph GETs={ {k: v for k, v in calls.items() if v} }  "
                f"changed={q['accounts_changed']}  tasks created={tasks_created}"
            )
            since = utcnow()
            changed = _change_one_percent(sandbox, n)
            delta_run = _run_child("incremental", app_id)
            d = delta_run["cycle"]
            found = _changed_since(app_id, since)
            print(
                f"1% changed out of band:   {d['duration_ms'] / 1000:7.3f} s  "
                f"changed={len(changed)} found={d['accounts_changed']} "
                f"exactly={found == changed}  round trips={d['round_trips']}"
            )
            baseline = _run_child("baseline", app_id)
            print(
                f"baseline GET /users re-read: {baseline['wall_s']:7.1f} s  "
                f"pages={baseline['pages']}  users={baseline['users']}"
            )
            full_s = c["duration_ms"] / 1000
            quiet_trips = sum(q["round_trips"].values())
            quiet_s = max(q["duration_ms"] / 1000, 1e-3)
            print(
                f"ratios: first full round + match vs one baseline re-read = "
                f"{full_s / baseline['wall_s']:.2f}x the time; noticing a change costs "
                f"{quiet_trips} round trips with delta vs {baseline['round_trips']} re-reading "
                f"({baseline['round_trips'] / quiet_trips:.0f}x fewer), "
                f"{baseline['wall_s'] / quiet_s:.0f}x faster"
            )
            # Proportional to 120 s per 100,000 users, with a floor for the fixed costs
            # (token, first queries) that a small smoke run cannot spread.
            target_s = max(TARGET_S_PER_100K * n / 100_000, 5.0)
            checks = {
                f"first full round + match <= {target_s:.1f} s": full_s <= target_s,
                f"peak RSS <= {TARGET_RSS_MB:.0f} MB": first["peak_rss_mb"] <= TARGET_RSS_MB,
                "no-change cycle: 1 round trip per resource": q["round_trips"]
                == {"users": 1, "groups": 1},
                "no-change cycle: 0 accounts changed, 0 tasks": q["accounts_changed"] == 0
                and tasks_created == 0,
                "1% changed: found exactly them": found == changed
                and d["accounts_changed"] == len(changed),
                "every tenant user matched or orphaned": c["accounts_seen"] >= n,
            }
            for name, ok in checks.items():
                print(f"  target {name}: {'met' if ok else 'MISSED'}")
            if args.smoke and not all(checks.values()):
                sys.exit("targets missed")
        finally:
            drop_database(DB_NAME)


if __name__ == "__main__":
    main()
