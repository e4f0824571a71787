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
    validate_attribute_values,
    validate_parameter,
    validate_parameters,
)
from app.evaluation.templates import parse_template, render, to_alias, to_ascii
from tests.evaluation.builders import user

DOMAIN = "contoso.com"


def attrs(params, u=None, overrides=None):
    return compute_attributes(params, u or user(), DOMAIN, overrides)


def codes(findings):
    return sorted((f.attribute, f.code) for f in findings)


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
    assert attrs([Parameter("x", "template", "{country|iso2}")], user(country="Germany")) == {}


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


# --- attribute validation ------------------------------------------------------------------

VALID = {
    "userPrincipalName": "jane.doe@contoso.com",
    "displayName": "Jane Doe",
    "mailNickname": "jane.doe",
    "usageLocation": "US",
}


def check(**changes):
    values = {**VALID, **changes}
    values = {k: v for k, v in values.items() if v is not None}
    return codes(
        validate_attribute_values(values, ["Contoso.com", "fed.contoso.com"], ["fed.contoso.com"])
    )


def test_valid_attributes_have_no_findings():
    assert check() == []
    assert check(userPrincipalName="o'brien!#^~_-x@CONTOSO.COM") == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"userPrincipalName": None}, [("userPrincipalName", "required")]),
        ({"displayName": None, "mailNickname": None},
         [("displayName", "required"), ("mailNickname", "required")]),
        ({"userPrincipalName": "jane.doe"}, [("userPrincipalName", "upn_format")]),
        ({"userPrincipalName": "a@b@contoso.com"}, [("userPrincipalName", "upn_format")]),
        ({"userPrincipalName": "jane.@contoso.com"}, [("userPrincipalName", "upn_format")]),
        ({"userPrincipalName": "zoë@contoso.com"}, [("userPrincipalName", "upn_non_ascii")]),
        ({"userPrincipalName": "jane doe@contoso.com"},
         [("userPrincipalName", "upn_characters")]),
        ({"userPrincipalName": "j+d@contoso.com"}, [("userPrincipalName", "upn_characters")]),
        ({"userPrincipalName": "x" * 65 + "@contoso.com"}, [("userPrincipalName", "upn_length")]),
        ({"userPrincipalName": "jane@fabrikam.com"},
         [("userPrincipalName", "upn_domain_unverified")]),
        ({"userPrincipalName": "jane@fed.contoso.com"},
         [("onPremisesImmutableId", "immutable_id_required")]),
        ({"mailNickname": "jane doe"}, [("mailNickname", "mail_nickname_characters")]),
        ({"mailNickname": "jane@doe"}, [("mailNickname", "mail_nickname_characters")]),
        ({"mailNickname": "zoë"}, [("mailNickname", "mail_nickname_characters")]),
        ({"mailNickname": "n" * 65}, [("mailNickname", "mail_nickname_length")]),
        ({"usageLocation": "us"}, [("usageLocation", "usage_location_format")]),
        ({"usageLocation": "USA"}, [("usageLocation", "usage_location_format")]),
        ({"onPremisesImmutableId": "a$b"},
         [("onPremisesImmutableId", "immutable_id_characters")]),
        ({"onPremisesImmutableId": "a_b"},
         [("onPremisesImmutableId", "immutable_id_characters")]),
    ],
)  # fmt: skip
def test_attribute_findings(changes, expected):
    assert check(**changes) == expected


def test_federated_upn_with_immutable_id_is_fine():
    assert check(userPrincipalName="jane@fed.contoso.com", onPremisesImmutableId="abc==") == []
