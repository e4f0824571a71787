from __future__ import annotations

import base64
import uuid

import pytest

from app.evaluation.errors import ParameterError
from app.evaluation.parameters import (
    DEFAULT_PARAMETERS,
    Parameter,
    compute_attributes,
    default_parameters,
    derive_immutable_id,
    parameter_violations,
    validate_parameter,
    validate_parameters,
)
from app.evaluation.templates import parse_template, render, to_alias, to_ascii
from app.graph.rules import check
from tests.evaluation.builders import user

DOMAIN = "contoso.com"


def attrs(params, u=None, overrides=None):
    return compute_attributes(params, u or user(), DOMAIN, overrides)


def rule_ids(violations):
    return sorted(v.rule for v in violations)


# --- templates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{firstname|lower}.{lastname|lower}@{domain}", "zoë.o'brien@contoso.com"),
        ("{firstname|ascii|lower}", "zoe"),
        ("{lastname|alnum|upper}", "OBRIEN"),
        ("{firstname|initial|lower}{lastname|alnum|lower}", "zobrien"),
        ("{email|local}", "zoe.obrien"),
        ("{country|iso2}", "GB"),
        ("{id}-{custom_attributes.badge}", "42-B7"),
        ("{{literal}} {firstname}", "{literal} Zoë"),
    ],
)
def test_template_rendering(template, expected):
    u = user(
        id=42,
        firstname="Zoë",
        lastname="O'Brien",
        email="zoe.obrien@fabrikam.com",
        country="gb",
        custom={"badge": "B7"},
    )
    assert attrs([Parameter("x", "template", template)], u) == {"x": expected}


def test_template_with_a_missing_placeholder_renders_nothing():
    u = user(email=None)
    assert render(parse_template("{email|local}@{domain}"), lambda s: None) is None
    assert attrs([Parameter("userPrincipalName", "template", "{email|local}@{domain}")], u) == {}


def test_filter_that_leaves_nothing_renders_nothing():
    template = "{firstname|upn_local}@{domain}"
    assert attrs([Parameter("userPrincipalName", "template", template)], user(firstname="😀")) == {}


@pytest.mark.parametrize(
    ("country", "code"),
    [("Germany", "DE"), ("United States", "US"), ("USA", "US"), ("UK", "GB"), ("de", "DE"),
     (" germany ", "DE"), ("DEU", "DE"), ("Côte d'Ivoire", "CI"), ("Holland", "NL")],
)  # fmt: skip
def test_iso2_takes_codes_names_and_aliases(country, code):
    # Germany used to be dropped: only two-letter values were understood.
    usage = Parameter("usageLocation", "template", "{country|iso2}")
    assert attrs([usage], user(country=country)) == {"usageLocation": code}


@pytest.mark.parametrize("country", ["Gemany", "Korea", "XX", "Atlantis"])
def test_iso2_leaves_an_unknown_country_for_the_validator_to_report(country):
    usage = Parameter("usageLocation", "template", "{country|iso2}")
    out = attrs([usage], user(country=country))
    assert out == {"usageLocation": country}
    assert [v.rule for v in check("usageLocation", out["usageLocation"])] == [
        "usageLocation.iso3166"
    ]


def test_the_default_upn_template_transliterates_accents():
    out = attrs(DEFAULT_PARAMETERS, user(email="josé.núñez@contoso.com"))
    assert out["userPrincipalName"] == "jose.nunez@contoso.com"
    assert check("userPrincipalName", out["userPrincipalName"]) == []


@pytest.mark.parametrize(
    ("template", "expected"),
    [("{lastname|nickname}", "MillsJr"),
     ("{firstname|nickname}.{lastname|nickname}", "John.MillsJr"),
     ("{lastname|alnum}", "MillsJr")],
)  # fmt: skip
def test_a_mail_nickname_from_mills_jr_is_valid(template, expected):
    u = user(firstname="John", lastname="Mills, Jr.")
    out = attrs([Parameter("mailNickname", "template", template)], u)
    assert out == {"mailNickname": expected}
    assert check("mailNickname", expected) == []


@pytest.mark.parametrize(
    ("text", "upn_local", "nickname"),
    [("josé.núñez", "jose.nunez", "jose.nunez"),
     ("Mills, Jr.", "MillsJr", "MillsJr"),
     ("O'Brien", "O'Brien", "O'Brien"),
     ("..a...b..", "a.b", "a.b"),
     ("Jürgen Straße", "JurgenStrasse", "JurgenStrasse"),
     ("Владимир", "Vladimir", "Vladimir"),
     ("a+b$c%d", "abcd", "a+b$c%d"),
     ("😀", "", "")],
)  # fmt: skip
def test_upn_local_and_nickname_filters(text, upn_local, nickname):
    assert attrs([Parameter("x", "template", "{firstname|upn_local}")], user(firstname=text)) == (
        {"x": upn_local} if upn_local else {}
    )
    assert attrs([Parameter("x", "template", "{firstname|nickname}")], user(firstname=text)) == (
        {"x": nickname} if nickname else {}
    )


def test_usage_location_falls_back_to_the_tenant_default():
    usage = Parameter("usageLocation", "template", "{country|iso2}")
    with_default = compute_attributes([usage], user(country=None), DOMAIN,
                                      default_usage_location="NL")  # fmt: skip
    assert with_default == {"usageLocation": "NL"}
    # The user's own country wins; with neither, the attribute is left out.
    own = compute_attributes([usage], user(country="Germany"), DOMAIN, default_usage_location="NL")
    assert own == {"usageLocation": "DE"}
    assert attrs([usage], user(country=None)) == {}
    # An attribute the app does not manage gets no default.
    excluded = Parameter("usageLocation", "template", "{country|iso2}", include=False)
    assert compute_attributes([excluded], user(), DOMAIN, default_usage_location="NL") == {}


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("{member_of}", "multi-valued"),
        ("{shoe_size}", "not allowed"),
        ("{firstname|reverse}", "unknown filter"),
        ("{firstname", "unmatched"),
        ("firstname}", "unmatched"),
    ],
)
def test_template_errors(template, fragment):
    with pytest.raises(ParameterError) as info:
        validate_parameter(Parameter("x", "template", template))
    assert info.value.field == "value"
    assert fragment in info.value.message


def test_ascii_and_alias_helpers():
    assert to_ascii("Jürgen Straße Øre Łódź") == "Jurgen Strasse Ore Lodz"
    assert to_alias("..José  María..Núñez!") == "JoseMaria.Nunez"


# --- parameters ----------------------------------------------------------------------------


def test_field_constant_and_custom_and_id_sources():
    params = [
        Parameter("department", "field", "department"),
        Parameter("companyName", "constant", "Contoso Ltd"),
        Parameter("employeeId", "field", "custom_attributes.employee_id"),
        Parameter("extension_app_id", "field", "id"),
    ]
    u = user(id=7, department="  Sales ", custom={"employee_id": "E-1"})
    assert attrs(params, u) == {
        "department": "Sales",
        "companyName": "Contoso Ltd",
        "employeeId": "E-1",
        "extension_app_id": "7",
    }


def test_not_included_and_empty_are_omitted_and_business_phones_is_a_list():
    params = [
        Parameter("jobTitle", "field", "title", include=False),
        Parameter("department", "field", "department"),
        Parameter("businessPhones", "field", "phone"),
    ]
    out = attrs(params, user(title="CEO", department="", phone="+1 555 0100"))
    assert out == {"businessPhones": ["+1 555 0100"]}


def test_rule_overrides_replace_included_parameters_only():
    params = [
        Parameter("usageLocation", "template", "{country|iso2}"),
        Parameter("jobTitle", "field", "title", include=False),
    ]
    out = attrs(params, user(country="US", title="CEO"), {"usageLocation": "GB", "jobTitle": "X"})
    assert out == {"usageLocation": "GB"}
    assert attrs(params, user(country="US"), {"usageLocation": ""}) == {}


def test_default_parameters():
    u = user(
        email="Jane.Doe@corp.example",
        display_name="Jane Doe",
        country="de",
        phone="+49 1",
        custom={"immutable_id": "abc+/=="},
    )
    out = attrs(DEFAULT_PARAMETERS, u)
    assert out["userPrincipalName"] == "Jane.Doe@contoso.com"
    assert out["mailNickname"] == "Jane.Doe"
    assert out["mail"] == "Jane.Doe@corp.example"
    assert out["usageLocation"] == "DE"
    assert out["country"] == "de"
    assert out["businessPhones"] == ["+49 1"]
    assert out["onPremisesImmutableId"] == "abc+/=="
    assert {p.name for p in DEFAULT_PARAMETERS} >= {"city", "state", "postalCode", "employeeId"}
    validate_parameters(DEFAULT_PARAMETERS)


def test_default_parameters_with_another_immutable_id_attribute():
    params = default_parameters("custom_attributes.objectguid")
    out = attrs(params, user(custom={"objectguid": "g1", "immutable_id": "x"}))
    assert out["onPremisesImmutableId"] == "g1"


@pytest.mark.parametrize(
    ("param", "field", "fragment"),
    [
        (Parameter("x", "field", "member_of"), "value", "multi-valued"),
        (Parameter("x", "field", "nickname"), "value", "not allowed"),
        (Parameter("x", "lookup", "a"), "source", "unknown source"),  # type: ignore[arg-type]
        (Parameter("bad name", "constant", "a"), "name", "not a valid attribute"),
    ],
)
def test_parameter_errors(param, field, fragment):
    with pytest.raises(ParameterError) as info:
        validate_parameter(param)
    assert info.value.field == field
    assert fragment in info.value.message


def test_validate_parameters_rejects_duplicates_and_nests_fields():
    with pytest.raises(ParameterError) as dup:
        validate_parameters([Parameter("a", "constant", "1"), Parameter("a", "constant", "2")])
    assert dup.value.field == "parameters[1].name"
    with pytest.raises(ParameterError) as bad:
        validate_parameters([Parameter("a", "constant", "1"), Parameter("b", "field", "x")])
    assert bad.value.field == "parameters[1].value"


# --- immutable id --------------------------------------------------------------------------


def test_derive_immutable_id_is_stable_guid_base64():
    first = derive_immutable_id(42)
    assert first == derive_immutable_id("42")
    assert first != derive_immutable_id(43)
    raw = base64.b64decode(first)
    assert len(raw) == 16
    assert uuid.UUID(bytes_le=raw).version == 5
    assert "$" not in first and "_" not in first


# --- save-time checks against Graph's rules ------------------------------------------------


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        (Parameter("usageLocation", "constant", "XX"), ["usageLocation.iso3166"]),
        (Parameter("usageLocation", "constant", "Germany"), ["usageLocation.iso3166"]),
        (Parameter("mailNickname", "constant", "sales team"), ["mailNickname.characters"]),
        (Parameter("displayName", "constant", "x" * 257), ["displayName.length"]),
        (Parameter("displayName", "constant", "  "), ["displayName.required"]),
        (Parameter("onPremisesImmutableId", "constant", "a_b"),
         ["onPremisesImmutableId.characters"]),
        (Parameter("userPrincipalName", "template", "{firstname} {lastname}@{domain}"),
         ["upn.characters"]),
        (Parameter("userPrincipalName", "template", "{firstname}é@{domain}"), ["upn.characters"]),
        (Parameter("userPrincipalName", "template", "{firstname}..{lastname}@{domain}"),
         ["upn.double_dot"]),
        (Parameter("userPrincipalName", "template", "{firstname}.@{domain}"),
         ["upn.trailing_dot"]),
        (Parameter("userPrincipalName", "template", "{firstname}@{domain}@x"), ["upn.format"]),
        (Parameter("userPrincipalName", "template", "{firstname}@contoso_corp.com"),
         ["upn.domain"]),
        (Parameter("mailNickname", "template", "{firstname} {lastname}"),
         ["mailNickname.characters"]),
        (Parameter("mailNickname", "template", ".{firstname}"), ["mailNickname.leading_dot"]),
        (Parameter("mailNickname", "template", "{firstname}." + "x" * 64),
         ["mailNickname.length"]),
        (Parameter("usageLocation", "template", "d{country}"), ["usageLocation.iso3166"]),
    ],
)  # fmt: skip
def test_parameters_that_can_never_be_valid(param, expected):
    assert rule_ids(parameter_violations(param)) == expected


@pytest.mark.parametrize(
    "param",
    [
        Parameter("usageLocation", "constant", "DE"),
        Parameter("mailNickname", "field", "display_name"),  # may hold a valid value
        Parameter("mailNickname", "template", "{firstname}.{lastname}"),
        Parameter("mailNickname", "template", "{firstname} {lastname}", include=False),
        Parameter("userPrincipalName", "template", "{email}"),
        Parameter("userPrincipalName", "template", "{firstname}.{lastname}@{domain}"),
        Parameter("usageLocation", "template", "{country}"),
        Parameter("usageLocation", "template", "D{country|upper}"),
        Parameter("givenName", "constant", ""),
        *DEFAULT_PARAMETERS,
    ],
)
def test_parameters_that_may_be_valid_pass(param):
    assert parameter_violations(param) == []
