"""Listing Users: filters translated to SQL, paging, /.search, and discovery."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scim.conftest import ENTERPRISE, GROUP, USER, ScimClient, scim_user


@pytest.fixture
def people(scim: ScimClient) -> list[str]:
    ids = []
    for n in range(1, 6):
        ent = {"department": "Sales" if n % 2 else "Engineering", "employeeNumber": f"E{n}"}
        body = scim_user(n, active=n != 5, title="Boss" if n == 1 else None, **{ENTERPRISE: ent})
        ids.append(scim.json("POST", "/Users", 201, json=body)["id"])
    return ids


def _ids(scim: ScimClient, flt: str) -> list[str]:
    body = scim.json("GET", "/Users", params={"filter": flt})
    assert body["totalResults"] == len(body["Resources"])
    return [r["id"] for r in body["Resources"]]


FILTERS = (
    ('userName eq "BJENSEN2@example.com"', [2]),
    ('userName sw "bjensen"', [1, 2, 3, 4, 5]),
    ('emails.value co "n3@"', [3]),
    ('emails[type eq "work" and value ew "4@example.com"]', [4]),
    ('externalId eq "ext-2"', [2]),
    ('externalId eq "EXT-2"', []),  # externalId is case-exact
    ('name.familyName eq "jensen5"', [5]),
    ("title pr", [1]),
    ("not (title pr)", [2, 3, 4, 5]),
    ("active eq false", [5]),
    ('active eq true and userName ew "1@example.com"', [1]),
    (f'{ENTERPRISE}:department eq "engineering"', [2, 4]),
    (f'{ENTERPRISE}:employeeNumber eq "E3" or displayName co "Jensen 5"', [3, 5]),
    (
        '(userName eq "bjensen1@example.com" or userName eq "bjensen2@example.com") '
        "and active eq true",
        [1, 2],
    ),
    ('userName co "100%"', []),  # LIKE wildcards are escaped
    ('meta.lastModified gt "2000-01-01T00:00:00Z"', [1, 2, 3, 4, 5]),
    ('meta.lastModified gt "0001-01-01T00:00:00Z"', [1, 2, 3, 4, 5]),
)


def test_filters_translate_to_sql(scim: ScimClient, people: list[str]) -> None:
    # One table, one set of users: building the fixture per case would dominate the run.
    for flt, expected in FILTERS:
        assert _ids(scim, flt) == [people[n - 1] for n in expected], flt


INVALID_FILTERS = (
    "userName eq",  # syntax
    'nickName eq "x"',  # a real attribute we do not store
    'noSuchThing eq "x"',
    'active eq "yes"',
    "userName gt 3",
    # No date-time in UTC (the years 0 and 10000): an OverflowError, once a 500.
    'meta.lastModified gt "0001-01-01T00:00:00+14:00"',
    'meta.lastModified lt "9999-12-31T23:59:59-14:00"',
)


def test_invalid_filters(scim: ScimClient, people: list[str]) -> None:
    for flt in INVALID_FILTERS:
        scim.error("GET", "/Users", 400, "invalidFilter", params={"filter": flt})


def test_paging(scim: ScimClient, people: list[str]) -> None:
    page = scim.json("GET", "/Users", params={"startIndex": 2, "count": 2})
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [r["id"] for r in page["Resources"]] == people[1:3]
    empty = scim.json("GET", "/Users", params={"count": 0})
    assert (empty["totalResults"], empty["Resources"]) == (5, [])
    past = scim.json("GET", "/Users", params={"startIndex": 9})
    assert (past["totalResults"], past["itemsPerPage"], past["Resources"]) == (5, 0, [])
    # startIndex < 1 is read as 1, and count is capped at maxResults (200).
    assert scim.json("GET", "/Users", params={"startIndex": -3})["startIndex"] == 1


def test_too_deep_paging_is_too_many(people: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import make_token

    monkeypatch.setenv("SCIM_MAX_START_INDEX", "3")
    with ScimClient(make_token("scim")) as scim:
        scim.error("GET", "/Users", 400, "tooMany", params={"startIndex": 4})


def test_post_search(scim: ScimClient, people: list[str]) -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName sw "bjensen" and active eq true',
        "startIndex": 1,
        "count": 2,
        "attributes": ["userName"],
    }
    found = scim.json("POST", "/Users/.search", json=body)
    assert found["totalResults"] == 4 and len(found["Resources"]) == 2
    assert set(found["Resources"][0]) == {"schemas", "id", "userName"}
    scim.error("POST", "/.search", 501, json=body)
    scim.error("POST", "/Users/.search", 400, "invalidFilter", json={**body, "filter": "x eq"})


def test_discovery_describes_what_is_supported(scim: ScimClient) -> None:
    config = scim.json("GET", "/ServiceProviderConfig")
    assert config["patch"]["supported"] and config["etag"]["supported"]
    assert config["filter"] == {"supported": True, "maxResults": 200}
    assert not config["bulk"]["supported"] and not config["sort"]["supported"]
    types = scim.json("GET", "/ResourceTypes")["Resources"]
    assert {t["name"]: t["endpoint"] for t in types} == {"User": "/Users", "Group": "/Groups"}
    assert types[0]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    schemas = {s["id"]: s for s in scim.json("GET", "/Schemas")["Resources"]}
    assert set(schemas) == {USER, ENTERPRISE, GROUP}
    user_attrs = {a["name"] for a in schemas[USER]["attributes"]}
    assert user_attrs == {
        "userName",
        "name",
        "displayName",
        "title",
        "active",
        "emails",
        "phoneNumbers",
        "addresses",
        "groups",
    }
    assert scim.json("GET", f"/Schemas/{GROUP}")["id"] == GROUP
    assert scim.json("GET", "/ResourceTypes/User")["meta"]["location"].endswith(
        "/ResourceTypes/User"
    )
    scim.error("GET", "/Schemas/urn:nope", 404)


def test_identifier_filters_compare_the_stored_form(scim: ScimClient, admin: Any) -> None:
    """`emails eq` compares the address as its column holds it (an IDNA domain in Unicode),
    as `GET /users?email=` and the uniqueness check do; `userName` and a group's
    `displayName` in NFKC, as they were stored: an IdP matching before it creates found
    nobody, then got a 409."""
    admin.ok("POST", "/users", json={"username": "josh", "email": "X@xn--bcher-kva.example"})
    admin.ok("POST", "/users", json={"username": "other", "email": "o@example.com"})
    scim.json("POST", "/Groups", 201, json={"schemas": [GROUP], "displayName": "Sales"})
    for expr in (
        'emails eq "x@xn--bcher-kva.example"',
        'emails.value eq "X@BÜCHER.example"',
        'emails co "bücher"',
        'userName eq "\uff4a\uff4f\uff53\uff48"',  # fullwidth
        'userName sw "\uff2a\uff2f"',
    ):
        found = scim.json("GET", "/Users", params={"filter": expr})
        assert [u["userName"] for u in found["Resources"]] == ["josh"], expr
    # Exact: an address with a name around it is not the address (the email type would take
    # the address out of it), and ordering compares the stored form as eq does.
    for expr, names in (
        ('emails eq "Mallory <o@example.com>"', []),
        ('emails ne "Mallory <o@example.com>"', ["josh", "other"]),
        ('emails ge "x@xn--bcher-kva.example" and emails le "x@xn--bcher-kva.example"', ["josh"]),
    ):
        found = scim.json("GET", "/Users", params={"filter": expr})
        assert sorted(u["userName"] for u in found["Resources"]) == names, expr
    fullwidth = 'displayName eq "\uff53\uff41\uff4c\uff45\uff53"'
    groups = scim.json("GET", "/Groups", params={"filter": fullwidth})
    assert [g["displayName"] for g in groups["Resources"]] == ["Sales"]
