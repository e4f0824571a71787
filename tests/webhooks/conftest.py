"""Fixtures for webhook tests: a real HTTP receiver on a local port, and settings that let
the service call it (a loopback address) and retry without waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook

from tests.support import ApiClient

MAX_ATTEMPTS = 3


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver: records every POST and answers with the next status of `script`
    (then 200 once the script is used up)."""

    url: str = ""
    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            return self.script.pop(0) if self.script else 200

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} received"
            time.sleep(0.05)
        return list(self.received)

    def of_type(self, event_type: str, secret: str) -> list[dict[str, Any]]:
        """Payloads of this type whose signature verifies with `secret`."""
        verified = [Webhook(secret).verify(r.body, r.headers) for r in self.received]
        return [p for p in verified if p["type"] == event_type]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            status = state.answer()
            reply = b'{"ok": true}' if status < 300 else b"receiver is down: " + b"x" * 5000
            self.send_response(status)
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
            with state.lock:
                state.received.append(Received(self.path, dict(self.headers.items()), body))

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def webhook_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Autouse, so it runs before `env` reads the settings: the receiver listens on loopback,
    and retries follow each other at once (a base of 0 seconds)."""
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("WEBHOOK_BACKOFF_BASE_S", "0")
    monkeypatch.setenv("WEBHOOK_MAX_ATTEMPTS", str(MAX_ATTEMPTS))


def add_endpoint(api: ApiClient, url: str, **extra: Any) -> dict[str, Any]:
    return api.ok("POST", "/webhooks", json={"url": url, **extra}, expect=201)


def wait_deliveries(
    api: ApiClient,
    webhook_id: int,
    done: Callable[[list[dict[str, Any]]], bool],
    timeout: float = 30,
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        items = api.ok("GET", f"/webhooks/{webhook_id}/deliveries")["items"]
        if done(items):
            return items
        assert time.monotonic() < deadline, items
        time.sleep(0.05)


def settled(items: list[dict[str, Any]]) -> bool:
    return bool(items) and all(d["status"] != "pending" for d in items)
