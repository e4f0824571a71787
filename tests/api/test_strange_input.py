"""Strange input gets a clear 4xx problem and changes nothing, never a 500."""

from __future__ import annotations

import base64
import json

import pytest

from tests.support import ApiClient


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": value}).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "url",
    [
        "/users/2147483648",
        "/roles/9999999999999",
        "/groups/2147483648",
        "/mappings/2147483648",
        "/apps/2147483648",
        "/jobs/2147483648",
        "/provisioning/tasks/2147483648",
    ],
)
def test_ids_beyond_the_integer_range_are_a_client_error(client: ApiClient, url: str) -> None:
    resp = client.get("/api/v1" + url)
    assert 400 <= resp.status_code < 500, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("url", ["/users?role=2147483648", "/users?group=99999999999"])
def test_filters_by_ids_beyond_the_range_match_nothing(client: ApiClient, url: str) -> None:
    assert client.ok("GET", url)["items"] == []


@pytest.mark.parametrize("value", [True, False, -1, 2**31, "7", 1.5, None])
def test_a_cursor_of_the_wrong_type_is_refused(client: ApiClient, value: object) -> None:
    client.problem("GET", "/users", 400, params={"cursor": _cursor(value)})


def test_a_nul_character_in_a_name_changes_nothing(client: ApiClient) -> None:
    resp = client.post("/api/v1/roles", json={"name": "r\u0000"})
    assert 400 <= resp.status_code < 500, resp.text
    assert client.ok("GET", "/roles")["items"] == []


def test_a_user_at_the_maximum_lengths_can_be_deleted_and_its_names_reused(
    client: ApiClient,
) -> None:
    username = "u" * 256
    email = "e" * 64 + "@" + ".".join(["d" * 60] * 3) + ".com"  # the longest email-validator takes
    body = {"username": username, "email": email}
    first = client.ok("POST", "/users", json=body)

    client.ok("DELETE", f"/users/{first['id']}", expect=204)
    client.problem("GET", f"/users/{first['id']}", 404)
    again = client.ok("POST", "/users", json=body)
    assert again["id"] != first["id"] and again["username"] == username


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: ApiClient) -> None:
    huge = {"username": "big", "email": "big@example.com"}
    huge["custom_attributes"] = {f"k{i}": "x" * 100 for i in range(30_000)}  # ~3.5 MB
    resp = client.post("/api/v1/users", json=huge)
    assert resp.status_code == 413
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert client.ok("GET", "/users")["items"] == []


def test_a_streamed_body_over_the_limit_is_cut_off(client: ApiClient) -> None:
    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"username": "big", "email": "big@example.com", "department": "'
        for _ in range(300):
            yield b"x" * 10_000
        yield b'"}'

    resp = client.post(
        "/api/v1/users", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 413
    assert client.ok("GET", "/users")["items"] == []


@pytest.mark.parametrize("raw", ['{"username": "a",', '{"username": }', "[1, 2", "{'a': 1}"])
def test_json_that_does_not_parse_names_the_body_and_the_position(
    client: ApiClient, raw: str
) -> None:
    body = client.problem(
        "POST", "/users", 422, content=raw, headers={"Content-Type": "application/json"}
    )
    (error,) = body["errors"]
    assert (error["field"], error["code"]) == ("body", "json_invalid")
    assert "at character" in error["message"]
    assert client.ok("GET", "/users")["items"] == []


EDGES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")
"""The first and last day of the range with a far offset: no date-time in UTC (year 0, 10000)."""


@pytest.mark.parametrize("value", EDGES)
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/audit", "since"),
        ("/audit", "until"),
        ("/provisioning/log", "since"),
        ("/provisioning/log", "until"),
        ("/provisioning/tasks", "since"),
        ("/provisioning/tasks", "until"),
        ("/jobs", "since"),
        ("/users", "updated_since"),
    ],
)
def test_a_date_time_out_of_range_in_utc_is_a_422_naming_the_field(
    client: ApiClient, url: str, field: str, value: str
) -> None:
    body = client.problem("GET", url, 422, params={field: value})
    assert [e["field"] for e in body["errors"]] == [field]
    assert "out of range" in body["errors"][0]["message"]


@pytest.mark.parametrize("value", EDGES)
def test_a_token_expiring_out_of_range_is_a_422_and_no_token(client: ApiClient, value: str) -> None:
    before = client.ok("GET", "/tokens")["items"]
    body = client.problem(
        "POST", "/tokens", 422, json={"name": "edge", "scopes": ["read"], "expires_at": value}
    )
    assert [e["field"] for e in body["errors"]] == ["expires_at"]
    assert client.ok("GET", "/tokens")["items"] == before


def test_the_edges_of_the_range_in_utc_are_still_accepted(client: ApiClient) -> None:
    for value in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00"):
        client.ok("GET", "/audit", params={"since": value, "until": value})
