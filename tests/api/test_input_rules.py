"""Issue 11 §3: hidden characters, Unicode look-alikes, nulls in PATCH, LIKE wildcards and
oversized custom attributes get a 422 (or a literal match), never a 500 or a silent yes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.apps.helpers import app_body
from tests.support import ApiClient

HIDDEN = [
    "\u0000",  # NUL
    "\u0001",
    "\u001b",  # ESC
    "\u007f",  # DEL
    "\u0085",  # NEL (C1)
    "\u009f",
    "\u200b",  # zero-width space
    "\u200c",
    "\u200d",
    "\u2060",  # word joiner
    "\ufeff",  # BOM
    "\u202a",
    "\u202e",  # right-to-left override
    "\u2066",
    "\u2069",
]


def _fields(body: dict[str, Any]) -> list[str]:
    return [e["field"] for e in body.get("errors") or []]


@pytest.mark.parametrize("char", HIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_hidden_characters_in_a_role_name_are_a_422_naming_the_field(
    client: ApiClient, char: str
) -> None:
    body = client.problem("POST", "/roles", 422, json={"name": f"r{char}x"})
    assert _fields(body) == ["name"]
    assert f"U+{ord(char):04X}" in body["errors"][0]["message"]
    assert client.ok("GET", "/roles")["items"] == []


def test_nul_in_a_role_name_is_a_validation_error_not_a_database_error(
    client: ApiClient,
) -> None:
    body = client.problem("POST", "/roles", 422, json={"name": "r\u0000"})
    assert body["errors"][0] == {
        "field": "name",
        "message": "contains U+0000, a control, zero-width or bidirectional character",
        "code": "hidden_character",
    }


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/users", {"username": "a\u200bb", "email": "a@example.com"}, "username"),
        ("/users", {"username": "ab", "email": "a@example.com", "title": "x\ty"}, "title"),
        (
            "/users",
            {"username": "ab", "email": "a@example.com", "member_of": ["g\u202e"]},
            "member_of",
        ),
        (
            "/users",
            {"username": "ab", "email": "a@example.com", "custom_attributes": {"k": "v\u0000"}},
            "custom_attributes",
        ),
        ("/groups", {"name": "g\ufeff"}, "name"),
        ("/groups", {"name": "g", "description": "d\u0007"}, "description"),
        ("/roles", {"name": "r", "description": "\u2066d"}, "description"),
        ("/tokens", {"name": "t\u0000", "scopes": ["read"]}, "name"),
        (
            "/mappings",
            {
                "name": "m\u200d",
                "conditions": [{"source": "department", "operator": "equals", "value": "x"}],
                "actions": [{"action": "set_attribute", "value": ["k", "v"]}],
            },
            "name",
        ),
        (
            "/mappings",
            {
                "name": "m",
                "conditions": [{"source": "department", "operator": "equals", "value": "x\u0000"}],
                "actions": [{"action": "set_attribute", "value": ["k", "v"]}],
            },
            "conditions.0.value",
        ),
        ("/apps", app_body(name="Contoso\u202e"), "name"),
    ],
)
def test_hidden_characters_are_refused_in_every_create_body(
    client: ApiClient, url: str, body: dict[str, Any], field: str
) -> None:
    problem = client.problem("POST", url, 422, json=body)
    assert field in _fields(problem), problem


def test_free_text_keeps_tabs_and_line_breaks(client: ApiClient) -> None:
    role = client.ok("POST", "/roles", json={"name": "r", "description": "one\n\ttwo\r\n"})
    assert role["description"] == "one\n\ttwo\r\n"
    client.problem("POST", "/roles", 422, json={"name": "line\nbreak"})


@pytest.mark.parametrize("param", ["q", "email", "username"])
@pytest.mark.parametrize("char", ["\u0000", "\u200b", "\u202e", "\n"])
def test_hidden_characters_in_query_strings_are_refused(
    client: ApiClient, param: str, char: str
) -> None:
    body = client.problem("GET", "/users", 422, params={param: f"a{char}"})
    assert _fields(body) == [param]


@pytest.mark.parametrize("url", ["/groups", "/roles"])
def test_hidden_characters_in_name_searches_are_refused(client: ApiClient, url: str) -> None:
    client.problem("GET", url, 422, params={"q": "\u0000"})


# --- Unicode normalization ------------------------------------------------------------------


def test_a_fullwidth_username_is_the_same_person(client: ApiClient) -> None:
    josh = client.ok("POST", "/users", json={"username": "josh", "email": "josh@example.com"})
    body = {"username": "\uff4a\uff4f\uff53\uff48", "email": "other@example.com"}
    client.problem("POST", "/users", 409, json=body)
    body = {"username": "JOSH", "email": "other@example.com"}
    client.problem("POST", "/users", 409, json=body)
    found = client.ok("GET", "/users", params={"username": "\uff2a\uff4f\uff53\uff48"})
    assert [u["id"] for u in found["items"]] == [josh["id"]]


def test_identifiers_are_stored_in_nfkc(client: ApiClient) -> None:
    user = client.ok(
        "POST",
        "/users",
        json={"username": "\uff41\uff4e\uff4e", "email": "\uff41\uff4e\uff4e@example.com"},
    )
    assert (user["username"], user["email"]) == ("ann", "ann@example.com")
    client.problem("POST", "/users", 409, json={"username": "x", "email": "ANN@example.com"})
    group = client.ok("POST", "/groups", json={"name": "\uff33ales"})
    assert group["name"] == "Sales"
    client.problem("POST", "/groups", 409, json={"name": "sales"})
    role = client.ok("POST", "/roles", json={"name": "\u2168 admins"})  # roman numeral nine
    assert role["name"] == "IX admins"
    client.problem("POST", "/roles", 409, json={"name": "ix ADMINS"})
    client.ok("PATCH", f"/roles/{role['id']}", json={"name": "\uff52"})
    assert client.ok("GET", f"/roles/{role['id']}")["name"] == "r"


# --- blank identifiers -----------------------------------------------------------------------

BLANKS = ["   ", "\t", " \u00a0 ", "\u3000", "\u2003\u2003"]


@pytest.mark.parametrize("blank", BLANKS, ids=lambda b: "+".join(f"U+{ord(c):04X}" for c in b))
def test_a_name_of_whitespace_only_is_a_422_and_writes_nothing(
    client: ApiClient, blank: str
) -> None:
    """Stripped, these are empty: once stored as "" (the length was checked before the strip),
    and every later blank name then collided with it (409)."""
    user = client.ok("POST", "/users", json={"username": "ann", "email": "ann@example.com"})
    role = client.ok("POST", "/roles", json={"name": "r"})
    group = client.ok("POST", "/groups", json={"name": "g"})
    refused = [
        ("POST", "/users", {"username": blank, "email": "b@example.com"}, "username"),
        ("PATCH", f"/users/{user['id']}", {"username": blank}, "username"),
        ("POST", "/roles", {"name": blank}, "name"),
        ("PATCH", f"/roles/{role['id']}", {"name": blank}, "name"),
        ("POST", "/groups", {"name": blank}, "name"),
        ("PATCH", f"/groups/{group['id']}", {"name": blank}, "name"),
    ]
    for method, url, body, field in refused:
        problem = client.problem(method, url, 422, json=body)
        assert _fields(problem) == [field], (method, url, problem)
        assert problem["errors"][0]["code"] == "string_too_short"
    item = {"username": blank, "email": "c@example.com"}
    result = client.ok("POST", "/users/bulk", json={"mode": "per_item", "users": [item]})
    assert result["items"][0]["status"] == 422
    assert _fields(result["items"][0]["problem"]) == ["username"]
    client.problem("POST", "/users/bulk", 422, json={"users": [item]})
    assert [u["username"] for u in client.ok("GET", "/users")["items"]] == ["ann"]
    assert [r["name"] for r in client.ok("GET", "/roles")["items"]] == ["r"]
    assert [g["name"] for g in client.ok("GET", "/groups")["items"]] == ["g"]


def test_surrounding_whitespace_does_not_count_toward_a_name_limit(client: ApiClient) -> None:
    """The limits are those of the stored (stripped) value, as the column holds it."""
    name = "a" * 256
    user = client.ok("POST", "/users", json={"username": f"  {name}\t", "email": "a@example.com"})
    assert user["username"] == name
    client.problem("POST", "/users", 422, json={"username": name + "b", "email": "b@example.com"})
    role = client.ok("POST", "/roles", json={"name": f" {'r' * 200} "})
    assert role["name"] == "r" * 200


@pytest.mark.parametrize("param", ["email", "username"])
def test_an_empty_exact_filter_matches_nobody(client: ApiClient, param: str) -> None:
    """Read as no filter, `?email=` answered with every user: a caller looking someone up by an
    address it did not have got the first person on the list."""
    client.ok("POST", "/users", json={"username": "ann", "email": "ann@example.com"})
    client.ok("POST", "/users", json={"username": "bob", "email": "bob@example.com"})
    assert client.ok("GET", "/users", params={param: ""})["items"] == []
    assert len(client.ok("GET", "/users", params={"q": ""})["items"]) == 2  # a search box


def test_an_email_filter_finds_an_address_as_it_was_stored(client: ApiClient) -> None:
    """An IDNA domain is stored in Unicode (`xn--bcher-kva` as `bücher`): the filter matches
    it in either spelling and any case, as the uniqueness check on create does."""
    user = client.ok("POST", "/users", json={"username": "v", "email": "V@xn--bcher-kva.example"})
    assert user["email"] == "V@bücher.example"
    for spelling in ("V@xn--bcher-kva.example", "v@BÜCHER.example", "v@bücher.example"):
        found = client.ok("GET", "/users", params={"email": spelling})["items"]
        assert [u["id"] for u in found] == [user["id"]], spelling
    client.problem("POST", "/users", 409, json={"username": "w", "email": "v@bücher.example"})
    # Exact: the address with a name around it is not the address.
    assert client.ok("GET", "/users", params={"email": "V <v@bücher.example>"})["items"] == []


def test_a_display_name_of_spaces_is_none_and_the_derived_one_is_used(client: ApiClient) -> None:
    """Graph requires a displayName and refuses a blank one."""
    body = {"username": "jd", "email": "jd@example.com", "firstname": "Jo", "lastname": "Doe"}
    user = client.ok("POST", "/users", json={**body, "display_name": "   "})
    assert user["display_name"] == "Jo Doe"
    bulk = {
        "mode": "per_item",
        "users": [{**body, "username": "j2", "email": "j2@example.com", "display_name": "\t "}],
    }
    created = client.ok("POST", "/users/bulk", json=bulk)["items"][0]["id"]
    assert client.ok("GET", f"/users/{created}")["display_name"] == "Jo Doe"
    # A PATCH to blank clears it, as null does (a SCIM remove), never to an empty string.
    client.ok("PATCH", f"/users/{user['id']}", json={"display_name": "Custom"})
    assert (
        client.ok("PATCH", f"/users/{user['id']}", json={"display_name": " "})["display_name"]
        is None
    )


# --- null in PATCH ----------------------------------------------------------------------------


def _app(client: ApiClient) -> int:
    return int(client.ok("POST", "/apps", json=app_body())["id"])


def _mapping(client: ApiClient) -> int:
    body = {
        "name": "m",
        "conditions": [{"source": "department", "operator": "equals", "value": "x"}],
        "actions": [{"action": "set_attribute", "value": ["k", "v"]}],
    }
    return int(client.ok("POST", "/mappings", json=body)["id"])


def _rule(client: ApiClient, app_id: int) -> int:
    body = {
        "name": "r",
        "conditions": [{"source": "department", "operator": "equals", "value": "x"}],
        "actions": [{"action": "set_parameter", "value": ["usageLocation", "DE"]}],
    }
    return int(client.ok("POST", f"/apps/{app_id}/rules", json=body)["id"])


NON_NULLABLE = {
    "users": [
        "username",
        "email",
        "status",
        "member_of",
        "custom_attributes",
    ],
    "groups": ["name"],
    "roles": ["name", "app_ids"],
    "mappings": ["name", "enabled", "match", "position", "conditions", "actions"],
    "apps": [
        "name",
        "tenant",
        "domain",
        "cloud",
        "client_id",
        "client_secret",
        "certificate",
        "provisioning_enabled",
        "approval_required",
        "on_user_deleted",
        "on_user_suspended",
        "on_app_removed",
        "immutable_id_attribute",
        "parameters",
    ],
    "rules": ["name", "enabled", "match", "position", "conditions", "actions"],
}


def _target(client: ApiClient, kind: str) -> str:
    if kind == "users":
        return "/users/" + str(
            client.ok("POST", "/users", json={"username": "u", "email": "u@example.com"})["id"]
        )
    if kind == "groups":
        return "/groups/" + str(client.ok("POST", "/groups", json={"name": "g"})["id"])
    if kind == "roles":
        return "/roles/" + str(client.ok("POST", "/roles", json={"name": "r"})["id"])
    if kind == "mappings":
        return f"/mappings/{_mapping(client)}"
    if kind == "apps":
        return f"/apps/{_app(client)}"
    app_id = _app(client)
    return f"/apps/{app_id}/rules/{_rule(client, app_id)}"


@pytest.mark.parametrize(
    ("kind", "field"), [(k, f) for k, fields in NON_NULLABLE.items() for f in fields]
)
def test_null_for_a_non_nullable_field_in_a_patch_is_a_422(
    client: ApiClient, kind: str, field: str
) -> None:
    url = _target(client, kind)
    before = client.ok("GET", url)
    body = client.problem("PATCH", url, 422, json={field: None})
    assert _fields(body) == [field]
    assert client.ok("GET", url) == before


def test_on_app_removed_null_is_refused(client: ApiClient) -> None:
    app_id = _app(client)
    body = client.problem("PATCH", f"/apps/{app_id}", 422, json={"on_app_removed": None})
    assert _fields(body) == ["on_app_removed"]


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("users", "title"),
        ("users", "group_id"),
        ("groups", "description"),
        ("roles", "description"),
        ("apps", "deletion_threshold"),
    ],
)
def test_null_clears_a_nullable_field(client: ApiClient, kind: str, field: str) -> None:
    url = _target(client, kind)
    assert client.ok("PATCH", url, json={field: None})[field] is None


# --- LIKE wildcards ---------------------------------------------------------------------------


def test_like_wildcards_in_q_match_only_themselves(client: ApiClient) -> None:
    plain = client.ok("POST", "/users", json={"username": "ann", "email": "ann@example.com"})
    pct = client.ok("POST", "/users", json={"username": "50%off", "email": "p@example.com"})
    under = client.ok("POST", "/users", json={"username": "a_b", "email": "ab@example.com"})
    slash = client.ok("POST", "/users", json={"username": "c\\d", "email": "cd@example.com"})
    assert plain["id"]

    def ids(q: str) -> list[int]:
        return [u["id"] for u in client.ok("GET", "/users", params={"q": q})["items"]]

    assert ids("%") == [pct["id"]]
    assert ids("_") == [under["id"]]
    assert ids("\\") == [slash["id"]]
    assert ids("a_") == [under["id"]]
    assert ids("0%o") == [pct["id"]]
    assert ids("\\d") == [slash["id"]]


@pytest.mark.parametrize("url", ["/groups", "/roles"])
def test_like_wildcards_in_name_searches_match_only_themselves(client: ApiClient, url: str) -> None:
    for name in ("plain", "100%", "a_b", "x\\y"):
        client.ok("POST", url, json={"name": name})

    def names(q: str) -> list[str]:
        return [g["name"] for g in client.ok("GET", url, params={"q": q})["items"]]

    assert names("%") == ["100%"]
    assert names("_") == ["a_b"]
    assert names("\\") == ["x\\y"]


# --- custom attribute limits --------------------------------------------------------------------


def _user(**custom: Any) -> dict[str, Any]:
    return {"username": "u", "email": "u@example.com", "custom_attributes": custom}


def test_custom_attributes_within_the_limits_are_kept(client: ApiClient) -> None:
    attrs = {f"k{i}": "v" for i in range(99)} | {"x" * 64: "y" * 2048}
    user = client.ok("POST", "/users", json=_user(**attrs))
    assert user["custom_attributes"] == attrs


@pytest.mark.parametrize(
    ("attrs", "field"),
    [
        ({f"k{i}": "v" for i in range(101)}, "custom_attributes"),
        ({"x" * 65: "v"}, "custom_attributes.{key}.[key]"),
        ({"1abc": "v"}, "custom_attributes.{key}.[key]"),
        ({"a b": "v"}, "custom_attributes.{key}.[key]"),
        ({"k": "v" * 2049}, "custom_attributes.k"),
    ],
)
def test_custom_attributes_beyond_the_limits_are_a_422_naming_the_key(
    client: ApiClient, attrs: dict[str, str], field: str
) -> None:
    key = next(iter(attrs))
    body = client.problem("POST", "/users", 422, json=_user(**attrs))
    assert field.format(key=key) in _fields(body), body
    user = client.ok("POST", "/users", json=_user())
    body = client.problem("PATCH", f"/users/{user['id']}", 422, json={"custom_attributes": attrs})
    assert field.format(key=key) in _fields(body), body
