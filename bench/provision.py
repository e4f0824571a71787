"""Onboarding N users (create + 1 license + 2 groups) through the real API and arq workers
against the sandbox tenant, with per-call latency and Graph's write budget scaled together.

The write budget is Graph's 3,000 writes per 150 s shrunk to a 1-second window and multiplied
by --scale (20 writes/s x scale), so the initial burst cannot hide the steady state (see
design.md, "Testing and measuring"). Prints, for the engine and for a naive baseline run in
the same process (one Graph call at a time, no batching, same limiter):
achieved writes/s against the ceiling, Graph writes per user, HTTP round trips per user, the
share of 429s and wall time.

Then a third run (unless --no-faults) onboards the same number of users with faults injected
into every Graph call: --faults (default 2%) each of 429s, 503s with Retry-After, and lost
answers (the write is carried out, the answer never arrives: 504 after a hang). It reports
what the engine did about them, each of which must be 0 apart from the injected faults
themselves: 429s the tenant gave on its own (the engine overran the budget), wasted writes
(writes that changed nothing: a lost answer resent blindly) and requests that arrived inside
a Retry-After window the sandbox had announced (the engine did not honour the pause).

Then (unless --no-leaver) a user provisioned beforehand is suspended 30% of the way through a
load of the same size, planned at once by bulk creates: how long the suspension took to reach
the tenant, against how long the rest of the load took from then (where a suspension queued
behind the load would land).

    BENCH_DATABASE_URL=postgresql://... REDIS_URL=redis://... python bench/provision.py [--users N]
    python bench/provision.py --smoke     # small run for CI
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import itertools
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from _common import connect_sandbox_app, drop_database, free_port, fresh_database, wait_ready

DB_NAME = "provisioner_bench_provision"
BENCH_SKU = "b3c4d5e6-0000-4000-8000-00000000be11"  # a SKU with enough seats for the run
ROOT = Path(__file__).resolve().parent.parent


def _env(args: argparse.Namespace, sandbox: Any, redis_url: str, data_dir: str) -> dict[str, str]:
    ceiling = 20.0 * args.scale
    return {
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": redis_url,
        "QUEUE_MODE": "arq",
        "DATA_DIR": data_dir,
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "SANDBOX_ENABLED": "false",
        "SANDBOX_URL": sandbox.base_url,
        "SANDBOX_CA_FILE": str(sandbox.ca_file),
        # Our limiter gets the same budget the sandbox enforces.
        "GRAPH_WRITE_CAPACITY": str(ceiling * args.window),
        "GRAPH_WRITE_WINDOW_S": str(args.window),
        "GRAPH_UNITS_CAPACITY": str(ceiling * 4 * args.window),
        "GRAPH_UNITS_WINDOW_S": str(args.window),
        "LOG_LEVEL": "WARNING",
        "WORKER_CONCURRENCY": str(args.concurrency),
        "SWEEPER_INTERVAL_S": "5",
        **({"CLAIM_COALESCE_MS": str(args.coalesce_ms)} if args.coalesce_ms is not None else {}),
    }


def _sandbox_budget(sandbox: Any, args: argparse.Namespace) -> None:
    ceiling = 20.0 * args.scale
    sandbox.state.set_behaviour(
        {
            "latency_ms": args.latency_ms,
            "throttling_enabled": True,
            "write_capacity": ceiling * args.window,
            "write_window_s": args.window,
            "ru_capacity": ceiling * 4 * args.window,
            "ru_window_s": args.window,
            "throttle_scale": 1.0,
            "fractional_retry_after": True,
            "shuffle_batch_responses": True,
            "request_log_cap": 100,
        }
    )


def _counters(sandbox: Any) -> dict[str, Any]:
    return dict(sandbox.state.counters.to_dict())


def _delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, float]:
    keys = ("http_requests", "graph_calls", "writes", "throttled", "writes_unchanged")
    keys += ("faults_injected",)
    out = {k: float(after[k] - before[k]) for k in keys}
    out["injected_429"] = float(
        after["faults_by_kind"].get("429", 0) - before["faults_by_kind"].get("429", 0)
    )
    out["status_429"] = float(
        after["per_status"].get("429", 0) - before["per_status"].get("429", 0)
    )
    return out


def _report(name: str, users: int, wall: float, d: dict[str, float], ceiling: float) -> None:
    wps = d["writes"] / wall if wall else 0.0
    if "steady_wps" in d:
        steady = d["steady_wps"]
        print(
            f"{name:9} steady state (10%..90% of writes): {steady:7.1f} writes/s "
            f"({steady / ceiling:5.2f} of {ceiling:.0f})"
        )
    share_429 = d["status_429"] / d["graph_calls"] if d["graph_calls"] else 0.0
    print(
        f"{name:9} users={users:6d}  wall={wall:7.1f} s  writes/s={wps:7.1f} "
        f"({wps / ceiling:5.2f} of {ceiling:.0f})  writes/user={d['writes'] / users:5.2f}  "
        f"round trips/user={d['http_requests'] / users:5.3f}  429s={share_429:6.2%}"
    )


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """The API as `provisioner serve` runs it, in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=open(Path(env["DATA_DIR"]) / "api.log", "wb"),
    )


def engine_run(
    args: argparse.Namespace,
    sandbox: Any,
    env: dict[str, str],
    faults: dict[str, Any] | None = None,
    leaver_at: float | None = None,
) -> tuple[float, dict[str, float]]:
    """One onboarding run; (wall seconds, figures). `leaver_at`: once that share of the run's
    writes went out, the first user (created by then) is suspended, and the figures say when
    the suspension reached the tenant (`_leaver_report`)."""
    from fastapi.testclient import TestClient

    from app import crypto, db, settings
    from app.main import create_app
    from app.models import Scope
    from app.sandbox import seed
    from app.tokens.service import create_token

    os.environ.update(env)
    settings.get_settings.cache_clear()
    from app.logging import configure_logging

    configure_logging(settings.get_settings())  # LOG_LEVEL=WARNING: no line per request
    db.get_engine.cache_clear()
    crypto._fernet.cache_clear()
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=open(Path(env["DATA_DIR"]) / f"worker{i}.log", "wb"),  # noqa: SIM115
        )
        for i in range(args.workers)
    ]
    try:
        with db.transaction() as session:
            _, token = create_token(session, "bench", [Scope.admin])
        with TestClient(create_app(), headers={"Authorization": f"Bearer {token}"}) as api:

            def call(method: str, url: str, **kw: Any) -> Any:
                r = api.request(method, "/api/v1" + url, **kw)
                assert r.status_code < 300, (method, url, r.status_code, r.text)
                return r.json() if r.content else None

            def wait_job(job_id: int) -> None:
                while (job := call("GET", f"/jobs/{job_id}"))["status"] not in (
                    "succeeded",
                    "failed",
                ):
                    time.sleep(0.2)
                assert job["status"] == "succeeded", job

            app = connect_sandbox_app(call, lambda target: api.get(target).status_code, sandbox)
            wait_job(call("POST", f"/apps/{app['id']}/entitlements/refresh")["id"])
            role = call("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
            call(
                "POST",
                f"/apps/{app['id']}/rules",
                json={
                    "name": "everyone",
                    "conditions": [{"source": "username", "operator": "exists"}],
                    "actions": [
                        {"action": "set_licenses", "value": [BENCH_SKU]},
                        {
                            "action": "set_groups",
                            "value": [seed.GROUP_SALES, seed.GROUP_ENGINEERING],
                        },
                    ],
                },
            )

            def person(i: int) -> dict[str, Any]:
                return {
                    "username": f"bench{i}",
                    "email": f"bench{i}@contoso.com",
                    "firstname": "Bench",
                    "lastname": f"User{i}",
                    "country": "US",
                    "role_ids": [role["id"]],
                }

            def post_user(i: int) -> None:
                call("POST", "/users", json=person(i))

            if args.arrival_rate:
                # Arrivals go to the API as production runs it: its own process, over HTTP.
                # Served from this process, the API's Python shared one GIL with the sandbox
                # (the fake Graph): POSTs fell behind the schedule (19 of 25/s) and Graph's
                # answers waited on them.
                port = free_port()
                workers.append(_serve(env, port))
                base = f"http://127.0.0.1:{port}"
                wait_ready(base, workers[-1], Path(env["DATA_DIR"]) / "api.log")
                with httpx.Client(
                    base_url=base + "/api/v1",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                    trust_env=False,
                ) as http:

                    def post_over_http(i: int) -> None:
                        r = http.post("/users", json=person(i))
                        assert r.status_code == 201, (r.status_code, r.text)

                    return _arrivals(args, sandbox, call, app["id"], post_over_http, faults)
            leaver = Leaver(sandbox, "leaver@contoso.com", leaver_at) if leaver_at else None
            if leaver is None:
                for i in range(1, args.users + 1):
                    post_user(i)
            else:
                # Someone provisioned before the load, who leaves during it.
                call("POST", "/users", json={**person(0), "username": "leaver",
                                             "email": "leaver@contoso.com"})  # fmt: skip
            _sandbox_budget(sandbox, args)
            if faults:
                sandbox.state.set_behaviour(faults)
            time.sleep(args.window * 1.5)  # let the token buckets fill to their steady level
            sandbox.state.clear_log()
            # This process is the sandbox tenant: a full collection of its heap (the app, the
            # seeded tenant) stalled every Graph answer for up to half a second, and requests
            # answered late were charged together with the burst after a pause. No Graph
            # stalls like that; freezing what exists now keeps its collections short.
            gc.collect()
            gc.freeze()
            before = _counters(sandbox)
            start = time.perf_counter()
            samples: list[tuple[float, float]] = []
            sampling = threading.Event()

            def sample() -> None:
                while not sampling.is_set():
                    samples.append((time.perf_counter(), float(_counters(sandbox)["writes"])))
                    if leaver is not None:
                        leaver.watch()
                    time.sleep(0.01 if leaver is not None else 0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            # Enabling provisioning plans every user at once; the clock stops when all are done.
            call("PATCH", f"/apps/{app['id']}", json={"provisioning_enabled": True})
            if leaver is not None:
                # The load: every user planned at once, by bulk creates (an HR import).
                while not (leaver.created() and _task_counts() == {"succeeded": 1}):
                    time.sleep(0.05)
                start = time.perf_counter()
                for first in range(1, args.users + 1, 1000):
                    batch = [person(i) for i in range(first, min(first + 1000, args.users + 1))]
                    call("POST", "/users/bulk", json={"mode": "all_or_nothing", "users": batch})
            writes_due = 2.1 * args.users
            while True:
                if leaver is not None and leaver.requested is None:
                    done = _counters(sandbox)["writes"] - before["writes"]
                    if done >= leaver_at * writes_due and leaver.created():  # type: ignore[operator]
                        leaver.requested, leaver.requested_at = time.perf_counter(), time.time()
                        leaver.users_then = leaver.live_users()
                        user = call("GET", "/users", params={"username": "leaver"})["items"][0]
                        call("PATCH", f"/users/{user['id']}", json={"status": "suspended"})
                counts = _task_counts()
                finished = sum(counts.get(k, 0) for k in ("succeeded", "failed", "blocked"))
                if finished >= args.users + (leaver is not None) and not any(
                    counts.get(k) for k in ("queued", "running", "pending_approval")
                ):
                    break
                time.sleep(0.05)
            wall = time.perf_counter() - start
            sampling.set()
            sampler.join()
            after = _counters(sandbox)
            failed = counts.get("failed", 0) + counts.get("blocked", 0)
            if failed:
                raise SystemExit(f"FAIL: {failed} tasks did not succeed: {counts}")
            delta = _delta(after, before)
            delta["steady_wps"] = _steady_rate(samples, before["writes"], delta["writes"])
            if faults:
                wasted = after["unchanged_by_endpoint"]
                print(f"faults    writes that changed nothing, by call: {wasted}")
                delta["inside_retry_after"] = float(len(sandbox.state.inside_retry_windows()))
                # Sent after the pause could be known: more than the round trip of the
                # announcing answer plus the pause reaching the other worker through Redis.
                grace = 2 * args.latency_ms / 1000 + 0.05
                delta["inside_after_grace"] = float(
                    len(sandbox.state.inside_retry_windows(grace_s=grace))
                )
                with sandbox.state.lock:
                    logged = list(sandbox.state.request_log)
                delta["logged"] = float(len(logged))
                if args.dump_log:
                    _dump_log(args.dump_log, logged)
                delta.update(_bursts(logged, args.retry_after))
            if leaver is not None:
                delta.update(leaver.figures(start, start + wall))
            return wall, delta
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=20)


class _Onboarded:
    """Watches the sandbox tenant for users `bench{i}` holding the bench license and both
    groups, and notes when each first did (the same clock as the POSTs: one process)."""

    def __init__(self, sandbox: Any) -> None:
        from app.sandbox import seed

        self.tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
        self.lock = sandbox.state.lock
        self.groups = (seed.GROUP_SALES, seed.GROUP_ENGINEERING)
        self.posted: dict[str, float] = {}
        self.done: dict[str, float] = {}
        self._ids: dict[str, str] = {}  # user id -> "bench{i}"
        self._users_seen = 0
        self._members: dict[str, set[str]] = {g: set() for g in self.groups}
        self._members_seen = dict.fromkeys(self.groups, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.is_set():
            self._look()
            time.sleep(0.01)

    def _look(self) -> None:
        with self.lock:
            # Users and members only come in this bench: read only what is new since last time.
            fresh = list(itertools.islice(self.tenant.users.values(), self._users_seen, None))
            self._users_seen += len(fresh)
            for g in self.groups:
                members = self.tenant.groups[g].members
                self._members[g].update(members[self._members_seen[g] :])
                self._members_seen[g] = len(members)
            for u in fresh:
                self._ids[u.id] = u.upn.split("@")[0].lower()
            now = time.perf_counter()
            # Only users not yet onboarded: this runs every 10 ms in the fake Graph's process,
            # and a pass over everyone would delay its answers more as the run goes on.
            waiting = [(n, u) for u, n in self._ids.items() if n in self.posted]
            for name, uid in waiting:
                del self._ids[uid]
                user = self.tenant.users.get(uid)
                if (
                    user is not None
                    and any(lic.sku_id == BENCH_SKU for lic in user.licenses)
                    and all(uid in self._members[g] for g in self.groups)
                ):
                    self.done[name] = now
                else:
                    self._ids[uid] = name


def _arrivals(
    args: argparse.Namespace,
    sandbox: Any,
    call: Any,
    app_id: int,
    post_user: Any,
    faults: dict[str, Any] | None,
) -> tuple[float, dict[str, float]]:
    """Provisioning enabled first, then one POST per user at --arrival-rate: the wall runs
    from the first POST until every user holds its license and groups in the tenant."""
    _sandbox_budget(sandbox, args)
    if faults:
        sandbox.state.set_behaviour(faults)
    call("PATCH", f"/apps/{app_id}", json={"provisioning_enabled": True})
    time.sleep(args.window * 1.5)
    sandbox.state.clear_log()
    # As in the loaded-first run: this process is the fake Graph, and a full collection of
    # its heap stalls every answer (see engine_run).
    gc.collect()
    gc.freeze()
    before = _counters(sandbox)
    watch = _Onboarded(sandbox)
    watch.start()
    start = time.perf_counter()
    numbers = iter(range(1, args.users + 1))
    take = threading.Lock()

    def client() -> None:
        # Each person is one POST on the schedule; a few clients, so that one slow answer
        # does not hold back the next arrival (people do not wait for each other).
        while True:
            with take:
                i = next(numbers, None)
            if i is None:
                return
            due = start + (i - 1) / args.arrival_rate
            if (ahead := due - time.perf_counter()) > 0:
                time.sleep(ahead)
            post_user(i)
            watch.posted[f"bench{i}"] = time.perf_counter()

    clients = [threading.Thread(target=client) for _ in range(args.clients)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    posting = time.perf_counter() - start
    deadline = time.perf_counter() + 120
    while len(watch.done) < args.users and time.perf_counter() < deadline:
        time.sleep(0.05)
    wall = max(watch.done.values(), default=start) - start
    watch.stop()
    counts = _task_counts()
    if len(watch.done) < args.users or counts.get("failed") or counts.get("blocked"):
        raise SystemExit(f"FAIL: {len(watch.done)} of {args.users} onboarded; tasks {counts}")
    after = _counters(sandbox)
    delta = _delta(after, before)
    lat = sorted(watch.done[n] - watch.posted[n] for n in watch.done)
    delta["p50"] = lat[len(lat) // 2]
    delta["p99"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    delta["max"] = lat[-1]
    delta["posted_per_s"] = args.users / posting
    return wall, delta


def _steady_rate(samples: list[tuple[float, float]], base: float, total: float) -> float:
    """Writes/s between 10% and 90% of the run's writes: the steady state, without the start
    (planning, first batches) and the tail (last stragglers)."""
    lo = next((s for s in samples if s[1] - base >= 0.1 * total), None)
    hi = next((s for s in samples if s[1] - base >= 0.9 * total), None)
    if lo is None or hi is None or hi[0] <= lo[0]:
        return 0.0
    return (hi[1] - lo[1]) / (hi[0] - lo[0])


def _dump_log(path: str, entries: list[Any]) -> None:
    """The sandbox's request log of the run with faults, one JSON object a line (when each
    request arrived and was answered on the sandbox's clock, its items and statuses, the
    Retry-After it announced): for looking at the bursts one by one."""
    with open(path, "w", encoding="utf-8") as out:
        for entry in entries:
            out.write(json.dumps(dataclasses.asdict(entry)) + "\n")


class Leaver:
    """A user suspended part-way through an initial load: when the request was made, when the
    tenant first showed the account disabled, and how many users the tenant held at each."""

    def __init__(self, sandbox: Any, upn: str, at: float) -> None:
        from app.sandbox import seed

        self.tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
        self.lock = sandbox.state.lock
        self.upn = upn
        self.at = at
        self.requested: float | None = None
        self.requested_at = 0.0  # the same moment on the wall clock, for the task's row
        self.landed: float | None = None
        self.users_then = 0
        self.users_landed = 0
        self.account: Any = None

    def created(self) -> bool:
        """Whether the account exists yet (found once: the watch reads only its own row)."""
        if self.account is None:
            with self.lock:
                users = self.tenant.live_users()
                self.account = next((u for u in users if u.upn == self.upn), None)
        return self.account is not None

    def live_users(self) -> int:
        """The users the load made so far (the tenant's own seeded ones left out)."""
        with self.lock:
            return sum(1 for u in self.tenant.live_users() if u.upn.startswith("bench"))

    def watch(self) -> None:
        """Called every 10 ms: notes when the account is first seen disabled."""
        if self.requested is None or self.landed is not None:
            return
        if self.account.props.get("accountEnabled") is False:
            self.landed = time.perf_counter()
            self.users_landed = self.live_users()

    def figures(self, start: float, end: float) -> dict[str, float]:
        if self.requested is None or self.landed is None:
            raise SystemExit("FAIL: the leaver's suspension never reached the tenant")
        from sqlalchemy import select

        from app.db import transaction
        from app.models import Task

        with transaction() as session:
            row = session.execute(
                select(Task.created_at, Task.started_at, Task.finished_at)
                .where(Task.action == "suspend")
                .order_by(Task.id.desc())  # type: ignore[union-attr]
            ).first()
        assert row is not None and row[1] is not None, "the suspension's task was not run"
        return {
            "leaver_planned_s": row[0].timestamp() - self.requested_at,
            "leaver_claimed_s": row[1].timestamp() - self.requested_at,
            "leaver_requested_s": self.requested - start,
            "leaver_landed_s": self.landed - self.requested,
            "leaver_backlog_s": end - self.requested,
            "leaver_users_then": float(self.users_then),
            "leaver_users_landed": float(self.users_landed),
        }


def _leaver_report(args: argparse.Namespace, wall: float, d: dict[str, float]) -> None:
    """The leaver run: a suspension requested during the load against the time the rest of
    the load took from then (where it would have landed behind the backlog)."""
    landed, backlog = d["leaver_landed_s"], d["leaver_backlog_s"]
    print(
        f"leaver    suspended {d['leaver_requested_s']:.1f} s into a load of {args.users} "
        f"users ({d['leaver_users_then']:.0f} in the tenant then): in the tenant "
        f"{landed * 1000:.0f} ms later (planned after {d['leaver_planned_s'] * 1000:.0f} ms, "
        f"claimed after {d['leaver_claimed_s'] * 1000:.0f} ms), with "
        f"{d['leaver_users_landed']:.0f} users created; "
        f"the rest of the load took {backlog:.1f} s ({landed / backlog:.3f} of it)"
    )
    target = 2.0
    print(
        f"  target suspension in the tenant within {target:.0f} s: "
        f"{'met' if landed <= target else 'MISSED'}"
    )


def _bursts(entries: list[Any], retry_after: float) -> dict[str, float]:
    """What a run with faults is made of: bursts of requests, each followed by a pause that
    ends a Retry-After after the burst's last announcing answer (every answer's window is
    honoured). Requests less than half a Retry-After apart (at least 0.1 s: the workers'
    own idle gaps are shorter) are one burst. Over whole cycles (a burst with the next one
    after it): how many (`cycles`), the Graph calls a burst carried (`burst_items`, mean) and
    the time from its first request to the next burst's (`cycle_s`, mean); over the cycles
    whose burst announced a Retry-After (`paused_cycles`), the time from its last announcing
    answer to the next burst (`pause_s`, mean)."""
    gap = max(retry_after / 2, 0.1)
    groups: list[list[Any]] = []
    for e in sorted(entries, key=lambda e: e.received_at):
        if groups and e.received_at - groups[-1][-1].received_at < gap:
            groups[-1].append(e)
        else:
            groups.append([e])
    items, cycles, pauses = [], [], []
    for burst, after in itertools.pairwise(groups):
        items.append(sum(e.items or 1 for e in burst))
        cycles.append(after[0].received_at - burst[0].received_at)
        announced = [e.answered_at for e in burst if e.retry_after_s is not None]
        if announced:
            pauses.append(after[0].received_at - max(announced))
    return {
        "cycles": float(len(cycles)),
        "burst_items": sum(items) / len(items) if items else 0.0,
        "cycle_s": sum(cycles) / len(cycles) if cycles else 0.0,
        "paused_cycles": float(len(pauses)),
        "pause_s": sum(pauses) / len(pauses) if pauses else 0.0,
    }


def _task_counts() -> dict[str, int]:
    from sqlalchemy import func, select

    from app.db import transaction
    from app.models import Task

    with transaction() as s:
        return dict(s.execute(select(Task.status, func.count()).group_by(Task.status)).all())  # type: ignore[arg-type]


async def baseline_run(args: argparse.Namespace, sandbox: Any) -> tuple[float, dict[str, float]]:
    """One call at a time, no batching, through the same Graph client and limiter."""
    from app.graph import GraphClient, InProcessLimiter
    from app.graph.auth import MsalTokenProvider
    from app.graph.limiter import Budget
    from app.sandbox import seed

    sandbox.state.reset()
    _add_bench_sku(sandbox.state.tenant(seed.DEMO_TENANT_ID), args.baseline_users)
    _sandbox_budget(sandbox, args)
    ceiling = 20.0 * args.scale
    budget = Budget(
        write_capacity=ceiling * args.window,
        write_window_s=args.window,
        unit_capacity=ceiling * 4 * args.window,
        unit_window_s=args.window,
    )
    tokens = MsalTokenProvider(
        seed.DEMO_CLIENT_ID,
        authority_base=sandbox.base_url,
        tenant=seed.DEMO_TENANT_ID,
        client_secret=seed.DEMO_CLIENT_SECRET,
        scope="https://graph.microsoft.com/.default",
        ca_file=str(sandbox.ca_file),
    )
    client = GraphClient(
        graph_base=sandbox.base_url,
        token_provider=tokens,
        limiter=InProcessLimiter(budget),
        limiter_key="baseline",
        ssl_context=ssl.create_default_context(cafile=str(sandbox.ca_file)),
    )
    await tokens.token()
    time.sleep(args.window * 1.5)
    before = _counters(sandbox)
    start = time.perf_counter()
    n = args.baseline_users
    for i in range(1, n + 1):
        upn = f"base{i}@{seed.DOMAIN_DEFAULT}"
        found = await client.get("/users", params={"$filter": f"userPrincipalName eq '{upn}'"})
        if found.json and found.json.get("value"):
            continue
        created = await client.post(
            "/users",
            json={
                "accountEnabled": True,
                "displayName": f"Base {i}",
                "mailNickname": f"base{i}",
                "userPrincipalName": upn,
                "usageLocation": "US",
                "passwordProfile": {
                    "password": "Bench-Passw0rd!",
                    "forceChangePasswordNextSignIn": True,
                },
            },
        )
        uid = created.json["id"]  # type: ignore[index]
        await client.post(
            f"/users/{uid}/assignLicense",
            json={"addLicenses": [{"skuId": BENCH_SKU, "disabledPlans": []}], "removeLicenses": []},
            retry_not_found=True,
        )
        for gid in (seed.GROUP_SALES, seed.GROUP_ENGINEERING):
            await client.post(
                f"/groups/{gid}/members/$ref",
                json={"@odata.id": f"{sandbox.base_url}/v1.0/directoryObjects/{uid}"},
                retry_not_found=True,
            )
    wall = time.perf_counter() - start
    after = _counters(sandbox)
    await client.aclose()
    tokens.close()
    return wall, _delta(after, before)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--baseline-users", type=int, default=300)
    parser.add_argument("--scale", type=float, default=10.0, help="budget = 20 writes/s x scale")
    parser.add_argument("--window", type=float, default=1.0, help="bucket window, seconds")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--concurrency", type=int, default=20, help="WORKER_CONCURRENCY: tasks per worker at once"
    )
    parser.add_argument("--smoke", action="store_true", help="small run for CI")
    parser.add_argument(
        "--faults", type=float, default=0.02, help="share of calls given each injected fault"
    )
    parser.add_argument("--no-faults", action="store_true", help="skip the run with faults")
    parser.add_argument(
        "--no-leaver",
        action="store_true",
        help="skip the run where a user is suspended 30%% of the way through the load",
    )
    parser.add_argument(
        "--dump-log", metavar="PATH", help="write the faults run's request log (JSON lines)"
    )
    parser.add_argument(
        "--lost-answers", type=float, default=None, help="share of lost answers (default --faults)"
    )
    parser.add_argument(
        "--retry-after", type=float, default=0.5, help="Retry-After of injected 429s and 503s, s"
    )
    parser.add_argument(
        "--arrival-rate",
        type=float,
        default=0.0,
        help="users/s POSTed one at a time with provisioning already enabled (people "
        "arriving one by one); prints the change-to-tenant latency",
    )
    parser.add_argument(
        "--clients", type=int, default=4, help="client threads sharing the arrival schedule"
    )
    parser.add_argument(
        "--coalesce-ms",
        type=int,
        default=None,
        help="CLAIM_COALESCE_MS for the workers (default: the setting's)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.users, args.baseline_users, args.scale, args.latency_ms = 60, 10, 5.0, 5.0
        if args.arrival_rate:
            args.users = 40

    sys.path.insert(0, str(ROOT))
    from cryptography.fernet import Fernet

    from app.sandbox.server import SandboxServer

    redis_url = os.environ.get("REDIS_URL") or os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        sys.exit("set REDIS_URL (or run through scripts/test.sh): the engine runs on arq workers")
    os.environ.setdefault("SECRET_KEY", Fernet.generate_key().decode())
    fresh_database(DB_NAME)
    import redis as redis_lib

    redis_lib.Redis.from_url(redis_url).flushdb()
    ceiling = 20.0 * args.scale
    with (
        tempfile.TemporaryDirectory() as data_dir,
        SandboxServer(cert_dir=Path(data_dir) / "certs") as sandbox,
    ):
        from app.sandbox import seed

        tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
        _add_bench_sku(tenant, args.users + args.baseline_users)
        try:
            wall, d = engine_run(args, sandbox, _env(args, sandbox, redis_url, data_dir))
        finally:
            drop_database(DB_NAME)
        _report("engine", args.users, wall, d, ceiling)
        tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
        bwall, bd = asyncio.run(baseline_run(args, sandbox))
        _report("baseline", args.baseline_users, bwall, bd, ceiling)
        if args.arrival_rate:
            _arrival_report(args, wall, d, bwall, bd)
            return
        users_per_s, base_per_s = args.users / wall, args.baseline_users / bwall
        print(
            f"users/s engine={users_per_s:.1f} baseline={base_per_s:.1f} "
            f"ratio={users_per_s / base_per_s:.1f}x"
        )
        checks = {
            "steady writes/s >= 0.95 of ceiling": d["steady_wps"] / ceiling >= 0.95,
            "writes/user <= 2.1": d["writes"] / args.users <= 2.1,
            "round trips/user <= 0.15": d["http_requests"] / args.users <= 0.15,
            "429s <= 1%": (d["status_429"] / d["graph_calls"] if d["graph_calls"] else 0) <= 0.01,
        }
        for name, ok in checks.items():
            print(f"  target {name}: {'met' if ok else 'MISSED'}")
        if not args.no_faults:
            _faults_run(args, sandbox, redis_url, data_dir, ceiling, args.users / wall)
        if not args.no_leaver:
            sandbox.state.reset()
            _add_bench_sku(sandbox.state.tenant(seed.DEMO_TENANT_ID), args.users)
            redis_lib.Redis.from_url(redis_url).flushdb()
            fresh_database(DB_NAME)
            try:
                env = _env(args, sandbox, redis_url, data_dir)
                lwall, ld = engine_run(args, sandbox, env, leaver_at=0.3)
            finally:
                drop_database(DB_NAME)
            _leaver_report(args, lwall, ld)
        if args.smoke:
            # The smoke covers people arriving one by one too (one command runs every mode).
            args.arrival_rate, args.users = 25.0, 30
            sandbox.state.reset()
            _add_bench_sku(sandbox.state.tenant(seed.DEMO_TENANT_ID), args.users)
            redis_lib.Redis.from_url(redis_url).flushdb()
            fresh_database(DB_NAME)
            try:
                awall, ad = engine_run(args, sandbox, _env(args, sandbox, redis_url, data_dir))
            finally:
                drop_database(DB_NAME)
            _arrival_report(args, awall, ad, bwall, bd)


def _arrival_report(
    args: argparse.Namespace, wall: float, d: dict[str, float], bwall: float, bd: dict[str, float]
) -> None:
    n, bn = args.users, args.baseline_users
    from app.settings import get_settings

    coalesce = get_settings().claim_coalesce_ms  # the workers' too: same environment
    print(
        f"arrivals  rate={args.arrival_rate:.0f}/s (POSTed at {d['posted_per_s']:.1f}/s)  "
        f"window={coalesce} ms  users/s={n / wall:.1f} (baseline {bn / bwall:.1f})  "
        f"writes/user={d['writes'] / n:.2f} (baseline {bd['writes'] / bn:.2f})  "
        f"round trips/user={d['http_requests'] / n:.3f} (baseline {bd['http_requests'] / bn:.2f})"
    )
    print(
        f"arrivals  change-to-tenant latency p50={d['p50'] * 1000:.0f} ms  "
        f"p99={d['p99'] * 1000:.0f} ms  max={d['max'] * 1000:.0f} ms  "
        f"(baseline, one user's calls in a row: {bwall / bn * 1000:.0f} ms)"
    )
    checks = {
        "writes/user <= 2.2": d["writes"] / n <= 2.2,
        "round trips/user <= 0.3": d["http_requests"] / n <= 0.3,
        "latency p99 <= 1 s": d["p99"] <= 1.0,
        # Otherwise the run measured fewer arrivals per window than the target asks about.
        "POSTs kept the arrival rate (>= 0.95 of it)": d["posted_per_s"]
        >= 0.95 * args.arrival_rate,
    }
    for name, ok in checks.items():
        print(f"  target {name}: {'met' if ok else 'MISSED'}")


def _faults_run(
    args: argparse.Namespace,
    sandbox: Any,
    redis_url: str,
    data_dir: str,
    ceiling: float,
    fault_free_per_s: float,
) -> None:
    """The same onboarding with each fault injected into --faults of the calls."""
    import redis as redis_lib

    from app.sandbox import seed

    sandbox.state.reset()
    _add_bench_sku(sandbox.state.tenant(seed.DEMO_TENANT_ID), args.users)
    redis_lib.Redis.from_url(redis_url).flushdb()
    fresh_database(DB_NAME)
    lost = args.faults if args.lost_answers is None else args.lost_answers
    faults = {
        "fault_rate_429": args.faults,
        "fault_rate_503": args.faults,
        "fault_rate_timeout": lost,
        "fault_timeout_after_commit": True,  # the write happens; its answer is lost
        "timeout_hang_s": 0.2,
        "fault_retry_after_s": args.retry_after,
        "fault_seed": 7,
        "request_log_cap": 1_000_000,
    }
    # engine_run switches the faults on; they are put back afterwards, or every run after this
    # one (the smoke's arrivals) would be measured with faults it does not report.
    fault_free = {name: getattr(sandbox.state.behaviour, name) for name in faults}
    try:
        wall, d = engine_run(args, sandbox, _env(args, sandbox, redis_url, data_dir), faults)
    finally:
        sandbox.state.set_behaviour(fault_free)
        drop_database(DB_NAME)
    _report("faults", args.users, wall, d, ceiling)
    calls = d["graph_calls"] or 1.0
    own_429 = d["throttled"] - d["injected_429"]
    print(
        f"faults    injected={d['faults_injected']:.0f} ({args.faults:.0%} each of 429, 503, "
        f"lost answer)  429s not injected={own_429:.0f} ({own_429 / calls:.2%})  "
        f"wasted writes={d['writes_unchanged']:.0f}  requests inside a Retry-After window="
        f"{d['inside_retry_after']:.0f} of {d['logged']:.0f} (already on their way when the "
        f"answer left: {d['inside_retry_after'] - d['inside_after_grace']:.0f}; sent after the "
        f"pause could be known: {d['inside_after_grace']:.0f})"
    )
    if d["cycles"]:
        # The shape that bounds the run: a burst of the bank (~185 calls) nearly always has a
        # fault, and nothing goes until a Retry-After after its last announcing answer.
        pause = (
            f"{d['pause_s']:.3f} s after its last Retry-After answer "
            f"({d['paused_cycles']:.0f} of them announced one)"
            if d["paused_cycles"]
            else "no burst announced a Retry-After"
        )
        print(
            f"faults    {d['cycles']:.0f} burst cycles: {d['burst_items']:.0f} Graph calls a "
            f"burst (mean), the next burst {d['cycle_s']:.3f} s after a burst began, {pause}: "
            f"{d['burst_items'] / d['cycle_s']:.0f} calls/s in this shape"
        )
    ratio = args.users / wall / fault_free_per_s
    share_429 = d["status_429"] / calls
    # The injection draws each call at random: the rate it reached is the comparison (the
    # nominal one alone would make the check pass or fail by the draw).
    injected_share = d["injected_429"] / calls
    print(
        f"faults    users/s={args.users / wall:.1f} = {ratio:.2f} of the fault-free run's "
        f"{fault_free_per_s:.1f}  429 share={share_429:.2%} (injected: {injected_share:.2%} "
        f"of the calls, {args.faults:.0%} asked)"
    )
    checks = {
        "users/s >= 0.8 of the fault-free run": ratio >= 0.8,
        "429 share <= injected rate": share_429 <= injected_share,
        "429s not injected = 0": own_429 == 0,
        "wasted writes = 0": d["writes_unchanged"] == 0,
        "requests sent inside a known Retry-After window = 0": d["inside_after_grace"] == 0,
    }
    for name, ok in checks.items():
        print(f"  target {name}: {'met' if ok else 'MISSED'}")


def _add_bench_sku(tenant: Any, seats: int) -> None:
    from app.sandbox import seed
    from app.sandbox.state import ServicePlan, Sku

    tenant.skus[BENCH_SKU] = Sku(
        sku_id=BENCH_SKU,
        part_number="BENCHPACK",
        enabled=seats + 10,
        service_plans=[ServicePlan(seed.PLAN_EXCHANGE_E3, "EXCHANGE_S_ENTERPRISE")],
    )


if __name__ == "__main__":
    main()
