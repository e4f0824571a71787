"""Graph's attribute rules: each rule named, each refusal from the brief and the contract, and
the normalizers that make directory values fit them."""

from __future__ import annotations

from typing import Any

import pytest

from app.graph import rules
from app.graph.rules import TenantFacts, check, check_template, check_user, country_code

TENANT = TenantFacts.of(["Contoso.com", "fed.contoso.com"], ["fed.contoso.com"], "US")
VALID: dict[str, Any] = {
    "userPrincipalName": "jane.doe@contoso.com",
    "displayName": "Jane Doe",
    "mailNickname": "jane.doe",
    "usageLocation": "US",
}


def rule_ids(violations: list[rules.Violation]) -> list[str]:
    return sorted(v.rule for v in violations)


def broken(**changes: Any) -> list[str]:
    values = {k: v for k, v in {**VALID, **changes}.items() if v is not None}
    return rule_ids(check_user(values, TENANT))


def test_every_rule_has_a_summary_and_a_source() -> None:
    for rule in rules.RULES.values():
        assert rule.summary and rule.source.startswith("https://"), rule
        assert rule.id.split(".")[0] in (rule.attribute, "upn"), rule


def test_valid_attributes_break_nothing() -> None:
    assert broken() == []
    assert broken(userPrincipalName="o'brien!#^~_-x@CONTOSO.COM") == []
    assert broken(mailNickname="a!#$%&'*+-/=?^_`{|}~.b") == []
    assert broken(onPremisesImmutableId="abc+/==", givenName="x" * 64) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"userPrincipalName": None}, ["upn.required"]),
        ({"displayName": None, "mailNickname": None},
         ["displayName.required", "mailNickname.required"]),
        ({"displayName": "   "}, ["displayName.required"]),
        ({"displayName": "x" * 257}, ["displayName.length"]),
        ({"userPrincipalName": "jane.doe"}, ["upn.format"]),
        ({"userPrincipalName": "a@b@contoso.com"}, ["upn.format"]),
        ({"userPrincipalName": "@contoso.com"}, ["upn.format"]),
        ({"userPrincipalName": "jane.@contoso.com"}, ["upn.trailing_dot"]),
        ({"userPrincipalName": ".jane@contoso.com"}, ["upn.leading_dot"]),
        ({"userPrincipalName": "jane..doe@contoso.com"}, ["upn.double_dot"]),
        ({"userPrincipalName": "zoë@contoso.com"}, ["upn.characters"]),
        ({"userPrincipalName": "jane doe@contoso.com"}, ["upn.characters"]),
        ({"userPrincipalName": "j+d@contoso.com"}, ["upn.characters"]),
        ({"userPrincipalName": "x" * 65 + "@contoso.com"}, ["upn.length"]),
        ({"userPrincipalName": "jane@fabrikam.com"}, ["upn.domain_not_verified"]),
        ({"userPrincipalName": "jane@con toso.com"}, ["upn.domain", "upn.domain_not_verified"]),
        ({"userPrincipalName": "jane@fed.contoso.com"}, ["onPremisesImmutableId.federated"]),
        ({"mailNickname": "jane doe"}, ["mailNickname.characters"]),
        ({"mailNickname": "jane@doe"}, ["mailNickname.characters"]),
        ({"mailNickname": "Mills, Jr."}, ["mailNickname.characters", "mailNickname.trailing_dot"]),
        ({"mailNickname": "zoë"}, ["mailNickname.characters"]),
        ({"mailNickname": ".jane"}, ["mailNickname.leading_dot"]),
        ({"mailNickname": "jane..doe"}, ["mailNickname.double_dot"]),
        ({"mailNickname": "n" * 65}, ["mailNickname.length"]),
        ({"usageLocation": "us"}, ["usageLocation.iso3166"]),
        ({"usageLocation": "USA"}, ["usageLocation.iso3166"]),
        ({"usageLocation": "Germany"}, ["usageLocation.iso3166"]),
        ({"usageLocation": "XX"}, ["usageLocation.iso3166"]),
        ({"usageLocation": "ZZ"}, ["usageLocation.iso3166"]),
        ({"usageLocation": "QQ"}, ["usageLocation.iso3166"]),
        ({"onPremisesImmutableId": "a$b"}, ["onPremisesImmutableId.characters"]),
        ({"onPremisesImmutableId": "a_b"}, ["onPremisesImmutableId.characters"]),
        ({"onPremisesImmutableId": "x" * 60}, ["onPremisesImmutableId.length"]),
        ({"givenName": "x" * 65}, ["givenName.length"]),
        ({"surname": "x" * 65}, ["surname.length"]),
        ({"jobTitle": "x" * 129}, ["jobTitle.length"]),
        ({"department": "x" * 65}, ["department.length"]),
        ({"companyName": "x" * 65}, ["companyName.length"]),
        ({"city": "x" * 129}, ["city.length"]),
        ({"postalCode": "x" * 41}, ["postalCode.length"]),
        ({"employeeId": "x" * 17}, ["employeeId.length"]),
        ({"mail": "josé@contoso.com"}, ["mail.characters"]),
        ({"mail": "jane doe@contoso.com"}, ["mail.format"]),
        ({"businessPhones": ["1", "2"]}, ["businessPhones.count"]),
        ({"displayName": 42}, ["displayName.type"]),
    ],
)  # fmt: skip
def test_each_rule_refuses_what_graph_refuses(changes: dict[str, Any], expected: list[str]) -> None:
    assert broken(**changes) == expected


def test_a_violation_names_attribute_value_rule_and_source() -> None:
    [v] = check("usageLocation", "Germany")
    assert (v.attribute, v.value, v.rule) == ("usageLocation", "Germany", "usageLocation.iso3166")
    assert "'DE'" in v.message  # what the admin probably meant
    assert str(v).startswith("usageLocation 'Germany' breaks usageLocation.iso3166: ")
    assert v.source == rules.USER_RESOURCE
    [upper] = check("usageLocation", "de")
    assert "'DE'" in upper.message


def test_domain_rules_need_the_tenant() -> None:
    upn = "jane@fabrikam.com"
    assert check("userPrincipalName", upn) == []
    assert check("userPrincipalName", upn, tenant=TenantFacts()) == []  # domains unknown
    [v] = check("userPrincipalName", upn, tenant=TENANT)
    assert v.rule == "upn.domain_not_verified" and "fabrikam.com" in v.message
    federated = {**VALID, "userPrincipalName": "jane@fed.contoso.com"}
    assert check_user(federated) == []
    assert rule_ids(check_user(federated, TENANT)) == ["onPremisesImmutableId.federated"]
    assert check_user({**federated, "onPremisesImmutableId": "abc=="}, TENANT) == []


@pytest.mark.parametrize(
    ("password", "expected"),
    [("Sandbox!2024", []), ("Abcdefg1", []), ("abc 1ABC", []), ("x" * 254 + "A1", []),
     ("alllowercase", ["password.complexity"]), ("Ab1!", ["password.length"]),
     ("x" * 254 + "A1!", ["password.length"]), ("Pässwort1!", ["password.characters"]),
     ("abcdefgh1", ["password.complexity"])],
)  # fmt: skip
def test_password_rules(password: str, expected: list[str]) -> None:
    body = {**VALID, "passwordProfile": {"password": password}}
    violations = check_user(body, TENANT)
    assert rule_ids(violations) == expected
    assert all(v.value == "***" for v in violations)  # a password is never echoed


def test_updates_check_only_what_is_sent_and_refuse_clearing() -> None:
    assert check_user({"givenName": "Jane"}, TENANT, creating=False) == []
    assert check_user({"givenName": None, "jobTitle": None}, TENANT, creating=False) == []
    cleared = check_user({"usageLocation": None, "displayName": ""}, TENANT, creating=False)
    assert rule_ids(cleared) == ["displayName.required", "usageLocation.required"]
    assert check_user({"passwordProfile": {}}, TENANT, creating=False) == []


# --- templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "parts", "expected"),
    [
        ("userPrincipalName", (None, " ", None, "@", None), ["upn.characters"]),
        ("userPrincipalName", (None, "+x@", None), ["upn.characters"]),
        ("userPrincipalName", (None, "@x_y.com"), ["upn.domain"]),
        ("userPrincipalName", (None, "@.com"), ["upn.domain"]),
        ("userPrincipalName", ("@", None), ["upn.format"]),
        ("userPrincipalName", (None, "@", None, "@x"), ["upn.format"]),
        ("userPrincipalName", (".", None, "@", None), ["upn.leading_dot"]),
        ("userPrincipalName", (None, ".@", None), ["upn.trailing_dot"]),
        ("userPrincipalName", (None, "..", None), ["upn.double_dot"]),
        ("userPrincipalName", ("x" * 64, None, "@", None), ["upn.length"]),
        ("mailNickname", (None, " ", None), ["mailNickname.characters"]),
        ("mailNickname", (None, "."), ["mailNickname.trailing_dot"]),
        ("mailNickname", ("x" * 64, None), ["mailNickname.length"]),
        ("usageLocation", ("x", None), ["usageLocation.iso3166"]),
        ("usageLocation", ("X", None, None), ["usageLocation.iso3166"]),
        ("onPremisesImmutableId", (None, "_"), ["onPremisesImmutableId.characters"]),
        ("mail", (None, "@x@y"), ["mail.format"]),
        ("displayName", ("x" * 256, None), ["displayName.length"]),
        # No placeholder: the constant itself is judged.
        ("usageLocation", ("DE",), []),
        ("usageLocation", ("Germany",), ["usageLocation.iso3166"]),
    ],
)  # fmt: skip
def test_templates_that_can_never_render_a_valid_value(
    attribute: str, parts: tuple[str | None, ...], expected: list[str]
) -> None:
    assert rule_ids(check_template(attribute, parts)) == expected


@pytest.mark.parametrize(
    ("attribute", "parts"),
    [
        ("userPrincipalName", (None,)),
        ("userPrincipalName", (None, ".", None, "@", None)),
        ("userPrincipalName", (None, "@contoso.com")),
        ("userPrincipalName", (None, "_", None)),  # '_' fits the alias, where the '@' may follow
        ("mailNickname", (None, ".", None)),
        ("usageLocation", (None,)),
        ("usageLocation", ("D", None)),
        ("onPremisesImmutableId", ("x-", None)),
        ("displayName", (None, " ", None)),
    ],
)
def test_templates_that_may_render_a_valid_value_pass(
    attribute: str, parts: tuple[str | None, ...]
) -> None:
    assert check_template(attribute, parts) == []


# --- normalizers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ascii"),
    [("Jürgen Straße Øre Łódź", "Jurgen Strasse Ore Lodz"), ("josé.núñez", "jose.nunez"),
     ("Владимир", "Vladimir"), ("O\u2019Brien", "O'Brien"), ("Ann\u2013Marie", "Ann-Marie"),
     ("Zoë 😀 ©", "Zoe  ")],
)  # fmt: skip
def test_transliterate(text: str, ascii: str) -> None:
    assert rules.transliterate(text) == ascii


@pytest.mark.parametrize(
    ("text", "code"),
    [("Germany", "DE"), ("germany", "DE"), ("United States", "US"), ("USA", "US"),
     ("UK", "GB"), ("United Kingdom", "GB"), ("de", "DE"), ("DEU", "DE"), ("Viet Nam", "VN"),
     ("Côte d'Ivoire", "CI"), ("Cote d\u2019Ivoire", "CI"), ("Holland", "NL"),
     ("Russian Federation", "RU"), ("Russia", "RU")],
)  # fmt: skip
def test_country_code_accepts_codes_names_and_aliases(text: str, code: str) -> None:
    assert country_code(text) == code


@pytest.mark.parametrize("text", ["Gemany", "Untied States", "Korea", "XX", "ZZ", "QQ", "", "276"])
def test_country_code_never_guesses(text: str) -> None:
    assert country_code(text) is None
