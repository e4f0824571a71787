"""Does the admin-consent callback reach this server? A consent that cannot come back fails
in the admin's browser, far from our logs, so we look for ourselves and say so.

Microsoft (or the sandbox) sends the admin's browser to `PUBLIC_URL/oauth/consent/callback`.
That works only if `PUBLIC_URL` leads to a server of this deployment: one with the database
holding the consent's state and the key that decrypts the app's client secret. `/healthz`
answers with `X-Provisioner-Instance`, an id derived from both (`instance_id`), so a probe of
`PUBLIC_URL/healthz` tells "this deployment" (any replica of it) from nothing listening, from
another provisioner (another checkout, another port) and from something else entirely.

The probe is a report, never a gate: a server behind a proxy may be unable to reach its own
public name (no hairpin routing), and consent may still work from the admin's browser.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import httpx
from sqlalchemy import make_url

from app import crypto
from app.settings import Settings

INSTANCE_HEADER = "X-Provisioner-Instance"
HEALTH_PATH = "/healthz"
PROBE_TIMEOUT_S = 3.0
# How long a result is reused when an authorize URL is built (each probe is a round trip).
FRESH_S = 30.0


def instance_id(settings: Settings) -> str:
    """This deployment's id: the same on every replica sharing the database and SECRET_KEY."""
    key = settings.secret_key.get_secret_value() if settings.secret_key else None
    return _instance_id(settings.effective_database_url, key, str(settings.data_dir.resolve()))


@lru_cache(maxsize=8)
def _instance_id(database_url: str, secret_key: str | None, data_dir: str) -> str:
    # Cached per (database, key): /healthz answers with it on every call.
    shown = make_url(database_url).render_as_string(hide_password=True)
    return crypto.derived_id(
        f"provisioner-instance:{shown}",
        Settings(database_url=database_url, secret_key=secret_key, data_dir=Path(data_dir)),
    )


@dataclass(frozen=True)
class CallbackCheck:
    callback: str
    reachable: bool
    answered: bool  # something answered at all (a refused connection may be "not yet")
    problem: str | None  # why the consent would not come back here, when it would not
    checked_at: float


def probe(settings: Settings, callback_path: str) -> CallbackCheck:
    """Ask `PUBLIC_URL/healthz` once whether it is served by this deployment."""
    base = settings.effective_public_url
    callback, url = base + callback_path, base + HEALTH_PATH
    ours = instance_id(settings)
    hint = "set PUBLIC_URL to the address browsers use to reach this server"
    try:
        # No proxies from the environment: they are for reaching the internet, and would send
        # a probe of a local address somewhere else.
        resp = httpx.get(url, timeout=PROBE_TIMEOUT_S, follow_redirects=True, trust_env=False)
    except httpx.HTTPError as exc:
        problem = f"{url} did not answer ({type(exc).__name__}: {exc}); {hint}"
        return CallbackCheck(callback, False, False, problem, time.monotonic())
    theirs = resp.headers.get(INSTANCE_HEADER)
    if theirs == ours:
        return CallbackCheck(callback, True, True, None, time.monotonic())
    if theirs:
        problem = (
            f"{url} is served by another provisioner (a different database or SECRET_KEY): "
            f"consent would be recorded there, not here; {hint}"
        )
    else:
        problem = f"{url} answered {resp.status_code} but is not this provisioner; {hint}"
    return CallbackCheck(callback, False, True, problem, time.monotonic())


_last: CallbackCheck | None = None
_lock = threading.Lock()


def current(settings: Settings, callback_path: str) -> CallbackCheck:
    """The latest check of the callback, probing again when it is older than `FRESH_S` or was
    made for another URL."""
    global _last
    with _lock:
        last = _last
    expected = settings.effective_public_url + callback_path
    if last is None or last.callback != expected or time.monotonic() - last.checked_at > FRESH_S:
        last = probe(settings, callback_path)
        with _lock:
            _last = last
    return last


def wait_and_probe(settings: Settings, callback_path: str, grace_s: float) -> CallbackCheck:
    """Probe once the server has had time to listen: a refused connection is retried for
    `grace_s` seconds (start-up), any other answer is final."""
    deadline = time.monotonic() + grace_s
    while True:
        check = probe(settings, callback_path)
        if check.answered or time.monotonic() > deadline:
            return check
        time.sleep(0.5)
