"""Apps over the API: CRUD, validation, write-only secrets, encryption at rest, role links."""

from __future__ import annotations

import hashlib
import logging

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app import crypto
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.apps.helpers import app_body, key_and_cert, row
from tests.support import ApiClient


def test_create_read_update_delete(api: ApiClient) -> None:
    created = api.ok("POST", "/apps", json=app_body(tenant="Contoso.OnMicrosoft.com"))
    app_id = created["id"]
    assert created["tenant"] == "contoso.onmicrosoft.com"
    assert created["has_client_secret"] is True and created["certificate"] is None
    assert created["consent"] == {"authenticated": False, "tenant_id": None, "consented_at": None}
    assert created["on_user_deleted"] == "suspend"
    assert created["immutable_id_attribute"] == "custom_attributes.immutable_id"
    names = {p["name"]: p for p in created["parameters"]}
    assert names["userPrincipalName"]["value"] == "{email|local|upn_local}@{domain}"
    assert names["onPremisesImmutableId"]["value"] == "custom_attributes.immutable_id"
    assert created["entitlements"] == {"licenses": [], "groups": [], "refreshed_at": None}

    patched = api.ok(
        "PATCH",
        f"/apps/{app_id}",
        json={
            "name": "Contoso prod",
            "approval_required": {"delete": True},
            "on_user_deleted": "delete",
            "deletion_threshold": 25,
            "provisioning_enabled": True,
        },
    )
    assert patched["name"] == "Contoso prod" and patched["deletion_threshold"] == 25
    assert patched["approval_required"] == {
        "create": False, "update": False, "suspend": False, "delete": True,
    }  # fmt: skip
    assert api.ok("GET", f"/apps/{app_id}")["on_user_deleted"] == "delete"
    moved = api.ok(
        "PATCH", f"/apps/{app_id}", json={"immutable_id_attribute": "custom_attributes.anchor"}
    )
    anchor = next(p for p in moved["parameters"] if p["name"] == "onPremisesImmutableId")
    assert anchor["value"] == "custom_attributes.anchor"
    assert [a["id"] for a in api.ok("GET", "/apps")["items"]] == [app_id]

    role = api.ok("POST", "/roles", json={"name": "Office 365", "app_ids": [app_id]})
    assert role["app_ids"] == [app_id]
    api.ok("DELETE", f"/apps/{app_id}", expect=204)
    api.problem("GET", f"/apps/{app_id}", 404)
    assert api.ok("GET", f"/roles/{role['id']}")["app_ids"] == []


INVALID: list[tuple[dict[str, object], str]] = [
    ({"cloud": "germany"}, "cloud"),
    ({"domain": "not a domain"}, "domain"),
    ({"domain": "contoso"}, "domain"),
    ({"tenant": "-bad-.example"}, "tenant"),
    ({"client_id": "not-a-guid"}, "client_id"),
    ({"parameters": [{"name": "mail", "source": "template", "value": "{nope}@x"}]},
     "parameters[0].value"),
    ({"parameters": [{"name": "mail", "source": "template", "value": "{email|shout}"}]},
     "parameters[0].value"),
    ({"parameters": [{"name": "mail", "source": "field", "value": "email"},
                     {"name": "mail", "source": "constant", "value": "x"}]},
     "parameters[1].name"),
    ({"immutable_id_attribute": "department"}, "immutable_id_attribute"),
    ({"client_secret": None, "provisioning_enabled": True}, "provisioning_enabled"),
    ({"certificate": {"private_key_pem": "x", "certificate_pem": "y"}}, "client_secret"),
    ({"on_user_deleted": "archive"}, "on_user_deleted"),
    ({"deletion_threshold": -1}, "deletion_threshold"),
    # Hosts come from the server's settings only: an API caller cannot name one.
    ({"graph_host": "https://evil.example"}, "graph_host"),
]  # fmt: skip


def test_invalid_apps_are_422_naming_the_field(api: ApiClient) -> None:
    for change, field in INVALID:
        body = {k: v for k, v in {**app_body(), **change}.items() if v is not None}
        problem = api.problem("POST", "/apps", 422, json=body)
        assert field in [e["field"] for e in problem["errors"]], (change, problem)
    assert api.ok("GET", "/apps")["items"] == []


def test_parameters_that_break_a_graph_rule_are_422_naming_the_parameter(api: ApiClient) -> None:
    broken = [
        {"name": "userPrincipalName", "source": "template",
         "value": "{firstname} {lastname}@{domain}"},
        {"name": "displayName", "source": "field", "value": "display_name"},
        {"name": "mailNickname", "source": "template", "value": "{firstname} {lastname}"},
        {"name": "usageLocation", "source": "constant", "value": "XX"},
    ]  # fmt: skip
    problem = api.problem("POST", "/apps", 422, json=app_body(parameters=broken))
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("parameters[0].value", "upn.characters"),
        ("parameters[2].value", "mailNickname.characters"),
        ("parameters[3].value", "usageLocation.iso3166"),
    ]
    assert problem["errors"][1]["message"].startswith("mailNickname '{…} {…}'")
    assert "'XX'" in problem["detail"]
    assert api.ok("GET", "/apps")["items"] == []

    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    api.problem("PATCH", f"/apps/{app_id}", 422, json={"parameters": broken[3:]})
    # Templates that may render a valid value are kept: the users decide, and the preflight
    # and the executor judge each value.
    fine = [
        {"name": "mailNickname", "source": "template", "value": "{firstname}.{lastname}"},
        {"name": "usageLocation", "source": "constant", "value": "DE"},
    ]
    api.ok("PATCH", f"/apps/{app_id}", json={"parameters": fine})


def test_duplicate_name_conflicts_and_bad_update_changes_nothing(api: ApiClient) -> None:
    app_id = api.ok("POST", "/apps", json=app_body(1))["id"]
    api.problem("POST", "/apps", 409, json=app_body(1))
    api.problem("PATCH", f"/apps/{app_id}", 422, json={"domain": "x"})
    api.problem("PATCH", f"/apps/{app_id}", 422, json={"name": None})
    assert api.ok("GET", f"/apps/{app_id}")["domain"] == seed.DOMAIN_DEFAULT


def test_secrets_are_write_only_and_encrypted_at_rest(
    api: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-value-that-must-never-leave-9f8e"
    key_pem, cert_pem = key_and_cert()
    key_body = key_pem.split("-----")[2].strip()[:60]  # a piece of the key material itself
    with caplog.at_level(logging.DEBUG):
        responses = [api.post("/api/v1/apps", json=app_body(client_secret=secret))]
        app_id = responses[0].json()["id"]
        stored = row(app_id)
        assert stored.client_secret_enc and secret not in stored.client_secret_enc
        assert crypto.decrypt(stored.client_secret_enc) == secret
        responses.append(api.get(f"/api/v1/apps/{app_id}"))
        responses.append(api.get("/api/v1/apps"))
        responses.append(
            api.patch(
                f"/api/v1/apps/{app_id}",
                json={"certificate": {"private_key_pem": key_pem, "certificate_pem": cert_pem}},
            )
        )
        # A failing request must not echo the secret back in its validation error either.
        responses.append(
            api.post("/api/v1/apps", json=app_body(2, client_secret=secret, cloud="mars"))
        )
    for response in responses:
        assert secret not in response.text and key_body not in response.text
    assert responses[-1].status_code == 422
    read = responses[3].json()
    assert read["has_client_secret"] is False
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    sha1 = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    assert read["certificate"]["thumbprint"] == sha1.upper()
    assert read["certificate"]["expires_at"].startswith(cert.not_valid_after_utc.date().isoformat())
    stored = row(app_id)
    assert stored.client_secret_enc is None
    assert stored.certificate_enc and key_body not in stored.certificate_enc
    assert "PRIVATE KEY" not in stored.certificate_enc
    assert key_body in crypto.decrypt(stored.certificate_enc)
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records  # the requests above logged at DEBUG: there is something to check
    assert secret not in logged and key_body not in logged


def test_certificate_must_match_its_key_and_be_valid(api: ApiClient) -> None:
    key_pem, _ = key_and_cert()
    _, other_cert = key_and_cert()
    mismatch = api.problem(
        "POST",
        "/apps",
        422,
        json=app_body(
            client_secret=None,
            certificate={"private_key_pem": key_pem, "certificate_pem": other_cert},
        ),
    )
    assert mismatch["errors"][0]["code"] == "key_mismatch"
    old_key, old_cert = key_and_cert(days=-1)
    expired = api.problem(
        "POST",
        "/apps",
        422,
        json={
            **{k: v for k, v in app_body().items() if k != "client_secret"},
            "certificate": {"private_key_pem": old_key, "certificate_pem": old_cert},
        },
    )
    assert expired["errors"][0]["code"] == "certificate_expired"
    garbage = api.problem(
        "POST",
        "/apps",
        422,
        json={
            **{k: v for k, v in app_body().items() if k != "client_secret"},
            "certificate": {"private_key_pem": "nope", "certificate_pem": old_cert},
        },
    )
    assert garbage["errors"][0]["field"] == "certificate.private_key_pem"


def test_roles_may_only_name_existing_apps(api: ApiClient) -> None:
    problem = api.problem("POST", "/roles", 422, json={"name": "Office 365", "app_ids": [999]})
    assert problem["errors"][0]["field"] == "app_ids" and "999" in problem["errors"][0]["message"]
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    role = api.ok("POST", "/roles", json={"name": "Office 365", "app_ids": [app_id]})
    api.problem("PATCH", f"/roles/{role['id']}", 422, json={"app_ids": [app_id, 998]})
    assert api.ok("GET", f"/roles/{role['id']}")["app_ids"] == [app_id]


def test_sandbox_demo_names_the_demo_tenant(api: ApiClient) -> None:
    demo = api.ok("GET", "/apps/sandbox-demo")
    assert demo["available"] is True and demo["tenant"] == seed.DEMO_TENANT_ID
    created = api.ok("POST", "/apps", json=demo["example"])
    assert created["cloud"] == "sandbox" and created["client_id"] == seed.DEMO_CLIENT_ID


def test_sandbox_demo_reports_the_sandbox_in_use_as_it_describes_itself(
    api: ApiClient, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read from the sandbox the `sandbox` cloud points at, not from this build's seed: a
    domain the sandbox gained shows; a server without one (or one that is down) says so."""
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    with sandbox.state.lock:
        for domain in tenant.domains.values():
            domain.is_default = False
        tenant.domains["fabrikam.com"].is_default = True
    demo = api.ok("GET", "/apps/sandbox-demo")
    assert demo["available"] is True and demo["sandbox_url"] == sandbox.base_url
    assert demo["domain"] == "fabrikam.com" and demo["example"]["domain"] == "fabrikam.com"
    assert demo["tenant_domain"] == seed.DOMAIN_INITIAL
    assert demo["unverified_domain"] == seed.DOMAIN_UNVERIFIED

    from app.settings import get_settings

    monkeypatch.setenv("SANDBOX_URL", "https://127.0.0.1:9")  # nothing listens there
    get_settings.cache_clear()
    down = api.ok("GET", "/apps/sandbox-demo")
    assert down["available"] is False and "did not answer" in down["reason"]
    assert down["tenant"] is None and down["example"] is None
    monkeypatch.delenv("SANDBOX_URL")
    get_settings.cache_clear()
    none = api.ok("GET", "/apps/sandbox-demo")
    assert none["available"] is False and none["sandbox_url"] is None
    assert "no sandbox" in none["reason"]
