"""The user API under real traffic, through a real uvicorn server, two arq workers, Postgres
and Redis: ingest (single POSTs from concurrent clients, and the bulk endpoint) and
`GET /users` latency per filter on N users.

Set-up: N users (20 mappings, 30 roles, 10 groups: the reapply bench's data), mappings
applied, statistics fresh. Then, each figure printed next to a baseline measured in the same
run and with the load average at that moment (the machine is shared; read figures with it):

  lists   p50/p99 of `GET /users` by role, by group, by an empty group, by status, by exact
          email, by `q=` substring and a deep cursor page. Baseline: the same requests with
          the list indexes of migrations 0018 and 0021 dropped (then recreated). Each query's plan
          (EXPLAIN ANALYZE) is summarised next to it.
  ingest  users/s of `POST /users` from 8 concurrent clients; baseline: one client.
  bulk    users/s of `POST /users/bulk` (1,000 per request, all-or-nothing and per-item);
          baseline: single POSTs from 8 clients.

An app whose roles grant it and with provisioning enabled makes every new user evaluated,
assigned and planned (a task and a wake-up each), as in production. `--tenant connected` (the
default) sets that app up on a sandbox tenant through the API, and the two workers provision
the new users meanwhile at Graph's published write budget, as a deployment does.
`--tenant unreachable` gives the app no credentials (a state the API refuses): every claim
then fails before Graph and the workers record each task blocked as fast as ingest plans it.

    BENCH_DATABASE_URL=postgresql://... REDIS_URL=redis://... python bench/users_api.py
    python bench/users_api.py --smoke     # small run for CI (well under a minute)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import orjson
from _common import (
    connect_sandbox_app,
    drop_database,
    free_port,
    fresh_database,
    timed,
    wait_ready,
)

DB_NAME = "provisioner_bench_users_api"
ROOT = Path(__file__).resolve().parent.parent
LIST_INDEXES = (
    "ix_directory_user_search_text_trgm",
    "ix_directory_user_live_status_id",
    "ix_directory_user_live_effective_group_id",
    "ix_directory_user_mapped_roles",
    "ix_user_role_role_user",
)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:4.1f}/{five:4.1f}"


def _engine() -> Any:
    from app.db import get_engine

    return get_engine()


def _sql(statement: str, **params: Any) -> list[Any]:
    from sqlalchemy import text

    with _engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        result = conn.execute(text(statement), params)
        return list(result.all()) if result.returns_rows else []


def seed_users(n: int) -> None:
    """The reapply bench's directory, with its mappings applied."""
    from reapply import seed

    from app.db import transaction
    from app.mappings.service import reapply_all

    seed(n)
    reapply_all(transaction)
    # Every table, not only the two the lists read most: otherwise autovacuum works through
    # the rest (the search table, the audit trail) while the first figures are measured.
    _sql("VACUUM ANALYZE")


def add_token() -> str:
    """An admin token, written directly."""
    from app.db import transaction
    from app.models import Scope
    from app.tokens.service import create_token

    with transaction() as s:
        _, token = create_token(s, "bench", [Scope.admin])
    return token


def grant_app(app_id: int) -> None:
    """Every role of the seed grants the app: each new user gets an assignment and a task."""
    from app.db import transaction
    from app.models import RoleApp

    with transaction() as s:
        for role_id in range(1, 31):
            s.add(RoleApp(role_id=role_id, app_id=app_id))


def connect_app(base: str, token: str, sandbox: Any) -> None:
    """`--tenant connected`: an app on the sandbox tenant, set up through the API as an admin
    does it (secret, consent, domain), provisioning enabled. Its workers carry out the tasks
    at the pace of Graph's published write budget (20 writes/s per app and tenant), which the
    sandbox enforces and our limiter keeps to, as in production."""
    with httpx.Client(base_url=base, headers=_headers(token), timeout=60) as api:

        def call(method: str, url: str, **kw: Any) -> Any:
            r = api.request(method, "/api/v1" + url, **kw)
            if r.status_code >= 300:
                raise SystemExit(f"{method} {url}: {r.status_code} {r.text[:500]}")
            return r.json() if r.content else None

        app = connect_sandbox_app(call, lambda target: api.get(target).status_code, sandbox)
        call("PATCH", f"/apps/{app['id']}", json={"provisioning_enabled": True})
    grant_app(app["id"])


def add_unreachable_app() -> None:
    """`--tenant unreachable`: an app with provisioning enabled and no credentials, written
    directly (the API refuses it: `credentials_required`). Every task's claim fails before
    Graph and records the task blocked, as fast as ingest plans them: the workers spend what
    an app that cannot reach its tenant costs (about a third of the machine's CPU in bulk)."""
    from app.db import transaction
    from app.models import App

    with transaction() as s:
        app = App(
            name="Bench",
            tenant="contoso.onmicrosoft.com",
            domain="contoso.com",
            client_id="00000000-0000-0000-0000-000000000001",
            provisioning_enabled=True,
            approval_required={},
            parameters=[],
            entitlements={},
        )
        s.add(app)
        s.flush()
        assert app.id is not None
        app_id = app.id
    grant_app(app_id)


class Services:
    """The API (uvicorn, one process, as `provisioner serve` runs it) and two arq workers."""

    def __init__(
        self, redis_url: str, workers: int, extra_env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.dir = tempfile.mkdtemp(prefix="bench-users-api-")
        self.env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "QUEUE_MODE": "arq",
            "DATA_DIR": self.dir,
            "SANDBOX_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
            "SWEEPER_INTERVAL_S": "30",
            **(extra_env or {}),
        }
        self.procs: list[subprocess.Popen[bytes]] = []
        self.workers = workers

    def _start(self, name: str, *args: str) -> None:
        log = open(Path(self.dir) / f"{name}.log", "wb")  # noqa: SIM115
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "app.cli", *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )

    def __enter__(self) -> Services:
        self._start("api", "serve", "--host", "127.0.0.1", "--port", str(self.port))
        for i in range(self.workers):
            self._start(f"worker{i}", "worker")
        try:
            wait_ready(self.base, self.procs[0], Path(self.dir) / "api.log")
        except SystemExit:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


# --- lists ----------------------------------------------------------------------------------


def list_cases(n_users: int) -> dict[str, dict[str, Any]]:
    from app.pagination import encode_cursor

    return {
        "role (mapping, ~58%)": {"role_id": 4},
        "role (mapping, ~13%)": {"role_id": 13},
        "role (by hand, ~0.7%)": {"role_id": 29},
        "group (~9%)": {"group_id": 5},
        "group (~75%)": {"group_id": 10},
        "group, no members": {"group_id": 3},
        "status=suspended": {"status": "suspended"},
        "exact email": {"email": f"user{max(1, n_users // 2)}@contoso.com"},
        "q= substring (rare)": {"q": f"first{max(1, n_users // 3)}"},
        "q= substring (common)": {"q": "last12"},
        "q= no match": {"q": "nobody-here"},
        "deep cursor page": {"cursor": encode_cursor(max(1, n_users - 1000))},
        "role + deep cursor": {"role_id": 4, "cursor": encode_cursor(max(1, n_users * 9 // 10))},
    }


def _plan_summary(params: dict[str, Any]) -> str:
    """The access paths Postgres chose for this list query, from EXPLAIN ANALYZE."""
    from sqlalchemy.dialects import postgresql

    from app.directory import repository
    from app.models import User
    from app.pagination import decode_cursor

    f = repository.UserFilter(
        email=params.get("email"),
        role_id=params.get("role_id"),
        group_id=params.get("group_id"),
        status=params.get("status"),
        q=params.get("q"),
    )
    stmt = repository.user_query(f)
    if "cursor" in params:
        stmt = stmt.where(User.id > decode_cursor(params["cursor"]))  # type: ignore[operator]
    stmt = stmt.order_by(User.id).limit(51)  # type: ignore[arg-type]
    sql = str(
        stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})  # type: ignore[no-untyped-call]
    )
    lines = [r[0] for r in _sql("EXPLAIN (ANALYZE, COSTS OFF) " + sql)]
    paths = []
    for line in lines:
        text = line.strip().lstrip("-> ").strip()
        for kind in ("Index Only Scan", "Index Scan", "Bitmap Index Scan", "Seq Scan"):
            if text.startswith(kind):
                paths.append(text.split("  (")[0])
                break
    total = next((ln for ln in lines if ln.startswith("Execution Time")), "")
    return f"{'; '.join(dict.fromkeys(paths))} [{total}]"


def measure_lists(
    base: str, token: str, cases: dict[str, dict[str, Any]], repeats: int
) -> dict[str, tuple[float, float, int]]:
    out = {}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
        for name, params in cases.items():
            for _ in range(3):  # warm: connection, plan cache, pages
                api.get("/api/v1/users", params=params).raise_for_status()
            times = []
            count = 0
            for _ in range(repeats):
                t = time.perf_counter()
                r = api.get("/api/v1/users", params=params)
                times.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
                count = len(r.json()["items"])
            times.sort()
            p99 = times[min(len(times) - 1, round(len(times) * 0.99) - 1)]
            out[name] = (statistics.median(times), p99, count)
    return out


def drop_list_indexes() -> list[str]:
    """Drop the list indexes; returns their definitions, to recreate them."""
    rows = _sql(
        "SELECT indexdef FROM pg_indexes WHERE indexname = ANY(:names)", names=list(LIST_INDEXES)
    )
    for name in LIST_INDEXES:
        _sql(f"DROP INDEX IF EXISTS {name}")
    _sql("ANALYZE directory_user")
    return [r[0] for r in rows]


def create_indexes(definitions: list[str]) -> None:
    for definition in definitions:
        _sql(definition)
    _sql("ANALYZE directory_user")
    _sql("ANALYZE user_role")


def run_lists(base: str, token: str, n_users: int, repeats: int) -> None:
    cases = list_cases(n_users)
    plans = {name: _plan_summary(p) for name, p in cases.items()}
    print(f"\nGET /users on {n_users} users, {repeats} requests each ({load()})")
    after = measure_lists(base, token, cases, repeats)
    after_load = load()
    definitions = drop_list_indexes()
    base_plans = {name: _plan_summary(p) for name, p in cases.items()}
    before = measure_lists(base, token, cases, repeats)
    before_load = load()
    create_indexes(definitions)
    print(f"  with indexes measured at {after_load}; baseline (indexes dropped) at {before_load}")
    print(f"  {'filter':28} {'p50 ms':>8} {'p99 ms':>8}   {'baseline p50':>12} {'p99':>8}  items")
    for name in cases:
        a50, a99, count = after[name]
        b50, b99, _ = before[name]
        print(f"  {name:28} {a50:8.1f} {a99:8.1f}   {b50:12.1f} {b99:8.1f}  {count:5d}")
    print("  plans (with indexes | baseline):")
    for name in cases:
        print(f"    {name}: {plans[name]}")
        print(f"    {'':{len(name)}}  | {base_plans[name]}")


# --- ingest ---------------------------------------------------------------------------------


def user_body(tag: str, i: int) -> dict[str, Any]:
    return {
        "username": f"{tag}{i}",
        "email": f"{tag}{i}@contoso.com",
        "firstname": "Ingest",
        "lastname": f"User{i}",
        "department": "Engineering",
        "country": "NO",
        "member_of": ["Office 365"],
        "custom_attributes": {"site": "Remote", "cost_center": "900"},
        "role_ids": [1],
    }


# The ingest clients are aiohttp sessions sending orjson bodies: the load generator shares the
# 2-core machine with what it measures, and httpx cost about 1.6 ms of CPU per POST (a quarter
# of a core at 160 POSTs/s) against about 0.3 ms here. Real clients run elsewhere.


async def _post_singles(base: str, token: str, tag: str, total: int, clients: int) -> float:
    """Users/s of `total` single POSTs spread over `clients` concurrent clients."""
    counter = iter(range(total))

    async def client() -> None:
        async with aiohttp.ClientSession(base, headers=_headers(token)) as api:
            for i in counter:
                async with api.post("/api/v1/users", data=orjson.dumps(user_body(tag, i))) as r:
                    if r.status != 201:
                        raise SystemExit(f"POST /users: {r.status} {await r.text()}")
                    await r.read()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return total / (time.perf_counter() - start)


async def _post_bulk(
    base: str, token: str, tag: str, total: int, size: int, clients: int, mode: str
) -> float:
    batches = iter(range(0, total, size))
    timeout = aiohttp.ClientTimeout(total=120)

    async def client() -> None:
        async with aiohttp.ClientSession(base, headers=_headers(token), timeout=timeout) as api:
            for start in batches:
                users = [user_body(tag, i) for i in range(start, min(start + size, total))]
                body = orjson.dumps({"mode": mode, "users": users})
                async with api.post("/api/v1/users/bulk", data=body) as r:
                    text = await r.read()
                    if r.status not in (200, 201):
                        raise SystemExit(f"POST /users/bulk: {r.status} {text[:500]!r}")
                bad = [x for x in orjson.loads(text)["items"] if x["status"] != 201]
                if bad:
                    raise SystemExit(f"POST /users/bulk: items failed: {bad[:3]}")

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return total / (time.perf_counter() - start)


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _tenant_users(sandbox: Any) -> int:
    if sandbox is None:
        return 0
    from app.sandbox import seed

    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    with sandbox.state.lock:
        return len(tenant.users)


def run_ingest(base: str, token: str, singles: int, bulk: int) -> None:
    print(f"\ningest ({singles} single POSTs per run, {bulk} users per bulk run)")
    one = asyncio.run(_post_singles(base, token, "solo", max(50, singles // 4), 1))
    print(f"  POST /users, 1 client (baseline):     {one:8.1f} users/s  ({load()})")
    eight = asyncio.run(_post_singles(base, token, "eight", singles, 8))
    print(
        f"  POST /users, 8 clients:               {eight:8.1f} users/s  ({load()})  "
        f"{eight / one:4.1f}x baseline; target >= 200"
    )
    for mode in ("all_or_nothing", "per_item"):
        rate = asyncio.run(_post_bulk(base, token, f"bulk-{mode}-", bulk, 1000, 2, mode))
        print(
            f"  POST /users/bulk {mode:15} 1000/request, 2 clients: {rate:8.1f} users/s "
            f"({load()})  {rate / eight:4.1f}x single POSTs; target >= 2000"
        )
    rows = _sql("SELECT status, count(*) FROM task GROUP BY status ORDER BY status")
    users = _sql("SELECT count(*) FROM directory_user")[0][0]
    assignments = _sql("SELECT count(*) FROM assignment")[0][0]
    print(f"  afterwards: {users} users, {assignments} assignments, tasks {dict(rows)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100_000, help="users seeded for lists")
    parser.add_argument("--singles", type=int, default=3000, help="single POSTs per run")
    parser.add_argument("--bulk", type=int, default=20_000, help="users per bulk run")
    parser.add_argument("--repeats", type=int, default=200, help="requests per list filter")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--parts",
        default="lists,ingest",
        help="what to measure, comma-separated: lists, ingest (default both)",
    )
    parser.add_argument(
        "--tenant",
        choices=("connected", "unreachable"),
        default="connected",
        help="the app the users' roles grant: on the sandbox tenant, provisioned at Graph's "
        "budget (default), or with no credentials, every task recorded blocked at once",
    )
    parser.add_argument("--smoke", action="store_true", help="small run for CI")
    args = parser.parse_args()
    if args.smoke:
        args.users, args.singles, args.bulk, args.repeats = 1000, 80, 1000, 5
    redis_url = os.environ.get("REDIS_URL") or os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        sys.exit("set REDIS_URL (or run through scripts/test.sh): the workers need Redis")
    if not os.environ.get("SECRET_KEY"):
        from cryptography.fernet import Fernet

        os.environ["SECRET_KEY"] = Fernet.generate_key().decode()

    fresh_database(DB_NAME)
    try:
        with timed() as t_seed:
            seed_users(args.users)
        print(f"seeded {args.users} users, mappings applied, in {t_seed[0]:.1f} s ({load()})")
        token = add_token()
        with ExitStack() as stack:
            extra: dict[str, str] = {}
            sandbox = None
            if args.tenant == "connected":
                from app.sandbox.server import SandboxServer

                certs = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "certs"
                sandbox = stack.enter_context(SandboxServer(cert_dir=certs))
                sandbox.state.set_behaviour({"latency_ms": 30.0})
                extra = {"SANDBOX_URL": sandbox.base_url, "SANDBOX_CA_FILE": str(sandbox.ca_file)}
            else:
                add_unreachable_app()
            services = stack.enter_context(Services(redis_url, args.workers, extra))
            if sandbox is not None:
                connect_app(services.base, token, sandbox)
            print(f"tenant: {args.tenant}")
            parts = set(args.parts.split(","))
            if "lists" in parts:
                run_lists(services.base, token, args.users, args.repeats)
            if "ingest" in parts:
                before = _tenant_users(sandbox)
                run_ingest(services.base, token, args.singles, args.bulk)
                if sandbox is not None:
                    made = _tenant_users(sandbox) - before
                    print(f"  the workers created {made} users in the tenant meanwhile")
    finally:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
