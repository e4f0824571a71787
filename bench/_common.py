"""Shared set-up for benchmarks: a fresh Postgres database of their own, migrated."""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def fresh_database(name: str) -> str:
    """Create (or recreate) database `name` next to BENCH_DATABASE_URL / TEST_DATABASE_URL /
    DATABASE_URL, migrate it and point the app at it. Returns its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
    )
    if not base:
        sys.exit("set BENCH_DATABASE_URL (or run through scripts/test.sh): benchmarks use Postgres")
    url = make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    target = url.set(database=name).render_as_string(hide_password=False)
    os.environ["DATABASE_URL"] = target
    os.environ.setdefault("DATA_DIR", f"/tmp/{name}")
    os.environ.setdefault("SANDBOX_ENABLED", "false")
    from app import db, settings

    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()
    db.migrate(db.get_engine())
    return target


def drop_database(name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app import db

    db.get_engine().dispose()
    url = make_url(os.environ["DATABASE_URL"])
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server a bench starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, proc: Any, log: Path, timeout_s: float = 60) -> None:
    """Wait until the API a bench started at `base` answers `/readyz`; exit naming `log` if
    its process ends or it is not ready within `timeout_s`."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(base + "/readyz", timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the API did not start: see {log}")


def connect_sandbox_app(
    call: Any, answer_callback: Any, sandbox: Any, name: str = "Bench"
) -> dict[str, Any]:
    """An app on the sandbox tenant, set up as an admin does it through the API: created with
    the demo client's secret, consent granted (the sandbox's authorize page redirects to our
    callback, which `answer_callback(path_and_query)` must make the API answer 200), and the
    domain verified. Provisioning is left off. `call(method, url, json=...)` sends to
    `/api/v1` and returns the JSON answer."""
    import ssl
    from urllib.parse import urlsplit

    import httpx

    from app.sandbox import seed

    app: dict[str, Any] = call(
        "POST",
        "/apps",
        json={
            "name": name,
            "cloud": "sandbox",
            "tenant": seed.DEMO_TENANT_ID,
            "domain": seed.DOMAIN_DEFAULT,
            "client_id": seed.DEMO_CLIENT_ID,
            "client_secret": seed.DEMO_CLIENT_SECRET,
        },
    )
    url = call("GET", f"/apps/{app['id']}/authorize")["url"]
    ctx = ssl.create_default_context(cafile=str(sandbox.ca_file))
    with httpx.Client(verify=ctx, trust_env=False) as browser:
        loc = urlsplit(browser.get(url).headers["location"])
    status = answer_callback(f"{loc.path}?{loc.query}")
    assert status == 200, f"consent callback answered {status}"
    call("POST", f"/apps/{app['id']}/verify-domain")
    return app
