"""Settings that follow each other, all of them documented, and a consent callback that
cannot come back reported rather than failing in the admin's browser."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from app.apps import callback_check
from app.apps.service import CALLBACK_PATH
from app.cli.settings import README, readme_with_table, rows
from app.settings import Settings
from tests.apps.helpers import app_body
from tests.ops.conftest import PROVISIONER, LiveServer, free_port
from tests.support import ApiClient


def test_public_url_follows_host_and_port_unless_set() -> None:
    assert Settings(port=18431).effective_public_url == "http://127.0.0.1:18431"
    assert Settings(host="0.0.0.0", port=9000).effective_public_url == "http://127.0.0.1:9000"
    assert Settings(host="::1", port=9000).effective_public_url == "http://[::1]:9000"
    explicit = Settings(port=18431, public_url="https://prov.example.com/")
    assert explicit.effective_public_url == "https://prov.example.com"


def test_the_readme_lists_every_setting_as_the_settings_classes_describe_it() -> None:
    names = {row.env for row in rows()}  # raises for a field without a description
    for name in ("GRAPH_TIMEOUT_S", "GRAPH_MAX_ATTEMPTS", "GRAPH_BUDGET_SCALE", "QUEUE_MODE"):
        assert name in names
    assert {"WORKER_CONCURRENCY", "OAUTH_STATE_TTL_S", "LOG_FORMAT", "SCIM_MAX_RESULTS"} <= names
    text = README.read_text()
    assert readme_with_table(text) == text, "run `provisioner settings readme`"


def test_the_readme_check_fails_when_a_setting_is_missing(tmp_path: Path) -> None:
    stale = tmp_path / "README.md"
    stale.write_text(
        "\n".join(ln for ln in README.read_text().splitlines() if "`GRAPH_TIMEOUT_S`" not in ln)
    )
    check = [PROVISIONER, "settings", "readme", "--path", str(stale), "--check"]
    assert subprocess.run(check, capture_output=True, timeout=60).returncode == 1
    subprocess.run(check[:-1], check=True, capture_output=True, timeout=60)
    assert "`GRAPH_TIMEOUT_S`" in stale.read_text()
    assert subprocess.run(check, capture_output=True, timeout=60).returncode == 0


def test_settings_get_answers_with_what_the_server_would_use(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_URL", "HOST")}
    env.update(PORT="18431", DATA_DIR=str(tmp_path / "elsewhere"))

    def get(name: str) -> str:
        out = subprocess.run(
            [PROVISIONER, "settings", "get", name], env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert get("PUBLIC_URL") == "http://127.0.0.1:18431"
    assert get("DATA_DIR") == str(tmp_path / "elsewhere")


# --- the consent callback -------------------------------------------------------------------


def _as_live_server(env: dict[str, str], public_url: str, **extra: str) -> Settings:
    # The live server runs with the test database and SECRET_KEY (tests/ops/conftest.py).
    values = {"database_url": env["DATABASE_URL"], "secret_key": env["SECRET_KEY"], **extra}
    return Settings(public_url=public_url, **values)  # type: ignore[arg-type]


def test_a_callback_served_by_this_deployment_passes(
    live_server: LiveServer, env: dict[str, str]
) -> None:
    check = callback_check.probe(_as_live_server(env, live_server.url), CALLBACK_PATH)
    assert check.reachable and check.problem is None
    assert check.callback == live_server.url + CALLBACK_PATH


def test_a_callback_served_by_another_provisioner_is_reported(
    live_server: LiveServer, env: dict[str, str]
) -> None:
    # Same URL, but this "server" has another key: consent would land where we cannot use it.
    other = _as_live_server(env, live_server.url, secret_key=Fernet.generate_key().decode())
    check = callback_check.probe(other, CALLBACK_PATH)
    assert not check.reachable and check.answered
    assert check.problem is not None and "another provisioner" in check.problem


def test_authorize_reports_a_callback_that_reaches_nothing(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from app.settings import get_settings

    nowhere = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("PUBLIC_URL", nowhere)
    get_settings.cache_clear()
    app_id = client.post("/api/v1/apps", json=app_body(cloud="global")).json()["id"]
    with caplog.at_level(logging.WARNING, logger="app.apps"):
        authorize = client.get(f"/api/v1/apps/{app_id}/authorize").json()
    assert authorize["redirect_uri"] == nowhere + CALLBACK_PATH
    assert authorize["redirect_uri_reaches_server"] is False
    assert "did not answer" in authorize["redirect_uri_problem"]
    assert "PUBLIC_URL" in authorize["redirect_uri_problem"]
    [record] = [r for r in caplog.records if r.getMessage() == "consent.callback_unreachable"]
    assert record.callback == nowhere + CALLBACK_PATH  # type: ignore[attr-defined]


def test_at_start_up_a_refused_probe_is_retried_only_for_the_grace_period() -> None:
    nowhere = Settings(public_url=f"http://127.0.0.1:{free_port()}")
    check = callback_check.wait_and_probe(nowhere, CALLBACK_PATH, grace_s=0)
    assert not check.reachable and not check.answered
    assert check.problem is not None and "set PUBLIC_URL" in check.problem


@pytest.mark.parametrize("lease", [0, -5])
def test_a_lease_that_is_not_positive_is_refused(lease: int) -> None:
    """A worker renews its leases every third of one: a lease of 0 would renew in a loop."""
    with pytest.raises(ValidationError, match="task_lease_s"):
        Settings(task_lease_s=lease)
