"""`scripts/serve.sh` as a new admin runs it, on non-default ports: it says where the admin
token is on every start, consent comes back to the port it serves on, requests are logged, and
Ctrl-C stops the whole process tree at once.

The script runs from a copy of the tree whose `.venv` wraps this interpreter (marked
installed), so it never installs anything; every other line of it runs as written.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.ops.conftest import PROVISIONER, ROOT, free_port, wait_http

MEGAN = "meganb@contoso.com"

# Settings the test environment sets that a fresh clone does not have.
_NOT_IN_A_FRESH_SHELL = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DATA_DIR",
    "SANDBOX_URL",
    "SANDBOX_CA_FILE",
    "SANDBOX_ENABLED",
    "PUBLIC_URL",
    "HOST",
    "QUEUE_MODE",
    "LOG_FORMAT",
    "LOG_LEVEL",
)


def _clone(tmp: Path) -> Path:
    root = tmp / "clone"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "serve.sh", root / "scripts" / "serve.sh")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, target in (("python", sys.executable), ("provisioner", PROVISIONER)):
        wrapper = bin_dir / name
        wrapper.write_text(f'#!/bin/sh\nexec "{target}" "$@"\n')
        wrapper.chmod(0o755)
    (root / ".venv" / ".installed-serve").touch()
    return root


def _start(root: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        # Its own session, like a terminal's foreground job: Ctrl-C goes to the whole group.
        return subprocess.Popen(
            ["bash", str(root / "scripts" / "serve.sh")],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _ctrl_c(proc: subprocess.Popen[bytes], log: Path) -> None:
    """SIGINT to the process group, as a terminal sends it; every process must be gone in ~3 s."""
    os.killpg(proc.pid, signal.SIGINT)
    deadline = time.monotonic() + 3
    while True:
        proc.poll()  # reap our child: a zombie still counts as a member of the group
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"serve.sh still running 3 s after Ctrl-C:\n{log.read_text()}")
        time.sleep(0.05)
    proc.wait(timeout=5)


def test_serve_sh_on_other_ports_tells_the_token_takes_consent_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    root = _clone(tmp_path)
    port, sandbox_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in _NOT_IN_A_FRESH_SHELL}
    env.update(PORT=str(port), SANDBOX_PORT=str(sandbox_port), PYTHONPATH=str(ROOT), COLUMNS="200")
    # The stand-in checkout borrows ROOT's code, whose default data directory is ROOT/data:
    # point it at the stand-in's own, as a real checkout's default would be.
    env["DATA_DIR"] = str(root / "data")
    base, token_file = f"http://127.0.0.1:{port}", root / "data" / "admin-token"

    first_log = tmp_path / "first.log"
    proc = _start(root, env, first_log)
    try:
        wait_http(base + "/healthz", proc, first_log, timeout=180)
        token = token_file.read_text().strip()
        h = {"Authorization": f"Bearer {token}"}
        assert httpx.get(base + "/api/v1/users", headers={**h, "X-Request-ID": "abc"}).is_success

        # Consent goes through the sandbox and comes back to this port, not 8000.
        example = httpx.get(base + "/api/v1/apps/sandbox-demo", headers=h).json()["example"]
        app_id = httpx.post(base + "/api/v1/apps", headers=h, json=example).json()["id"]
        authorize = httpx.get(f"{base}/api/v1/apps/{app_id}/authorize", headers=h).json()
        assert authorize["redirect_uri"] == f"{base}/oauth/consent/callback"
        assert authorize["redirect_uri_reaches_server"] is True
        ca = ssl.create_default_context(cafile=str(root / "data/sandbox-certs/sandbox-ca.pem"))
        with httpx.Client(verify=ca, trust_env=False, follow_redirects=True) as browser:
            consent = browser.get(authorize["url"])
        assert consent.status_code == 200, consent.text
        app = httpx.get(f"{base}/api/v1/apps/{app_id}", headers=h).json()
        assert app["consent"]["authenticated"] is True
        # A change in the tenant, made just before Ctrl-C: the restart below must still see it.
        megan = f"https://127.0.0.1:{sandbox_port}/_sandbox/tenants/contoso.com/users/{MEGAN}"
        assert httpx.patch(megan, json={"jobTitle": "Kept"}, verify=ca).is_success
    finally:
        _ctrl_c(proc, first_log)

    output = first_log.read_text()
    assert f"admin token in {token_file}" in output
    lines = [json.loads(ln) for ln in output.splitlines() if ln.startswith("{")]
    [request] = [ln for ln in lines if ln.get("request_id") == "abc"]
    assert (request["event"], request["route"], request["status"]) == (
        "http.request",
        "/api/v1/users",
        200,
    )
    assert request["token_name"] == "first-admin"
    assert not [ln for ln in lines if ln["logger"].startswith("alembic")]
    assert token not in output

    # Every start says where the token is, not only the first; the token is the same one.
    second_log = tmp_path / "second.log"
    proc = _start(root, env, second_log)
    try:
        wait_http(base + "/healthz", proc, second_log, timeout=180)
        assert token_file.read_text().strip() == token
        assert httpx.get(base + "/api/v1/users", headers=h).is_success
        # The embedded sandbox kept its tenant in DATA_DIR, next to the database.
        assert httpx.get(megan, verify=ca).json()["jobTitle"] == "Kept"
    finally:
        _ctrl_c(proc, second_log)
    again = second_log.read_text()
    assert f"admin token in {token_file}" in again and "made an admin token" not in again
