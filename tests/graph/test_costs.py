from __future__ import annotations

import pytest

from app.graph.costs import RequestCost, path_template, request_cost

USER_ID = "8f3c0a0e-1b2c-4d5e-8f90-123456789abc"


@pytest.mark.parametrize(
    ("raw", "template"),
    [
        (f"/users/{USER_ID}", "/users/{id}"),
        ("users/alice@contoso.com/licenseDetails", "/users/{id}/licenseDetails"),
        (
            f"https://graph.microsoft.com/v1.0/groups/{USER_ID}/members/$ref",
            "/groups/{id}/members/$ref",
        ),
        ("https://graph.microsoft.com/v1.0/users?$skiptoken=X'4453707402'", "/users"),
        (
            "/directory/deletedItems/microsoft.graph.user",
            "/directory/deletedItems/microsoft.graph.user",
        ),
        ("/me/memberOf", "/users/{id}/memberOf"),
        ("/$batch", "/$batch"),
    ],
)
def test_path_template_hides_ids_and_queries(raw: str, template: str) -> None:
    assert path_template(raw) == template


@pytest.mark.parametrize(
    ("method", "path", "params", "cost"),
    [
        ("GET", "/users", None, RequestCost(0, 2)),
        ("GET", "/users", {"$select": "id"}, RequestCost(0, 1)),
        ("GET", "/users", {"$select": "id", "$top": "5"}, RequestCost(0, 1)),
        ("GET", f"/users/{USER_ID}", {"$expand": "manager"}, RequestCost(0, 2)),
        ("GET", "/subscribedSkus", None, RequestCost(0, 3)),
        ("GET", f"/groups/{USER_ID}/members", None, RequestCost(0, 3)),
        ("GET", f"/users/{USER_ID}/licenseDetails", None, RequestCost(0, 2)),
        ("POST", "/users", None, RequestCost(1, 1)),
        ("PATCH", f"/users/{USER_ID}", None, RequestCost(1, 1)),
        ("DELETE", f"/groups/{USER_ID}/members/{USER_ID}/$ref", None, RequestCost(1, 1)),
        ("GET", "/users?$select=id&$top=10", None, RequestCost(0, 1)),
    ],
)
def test_request_cost_follows_the_published_table(
    method: str, path: str, params: dict[str, str] | None, cost: RequestCost
) -> None:
    assert request_cost(method, path, params) == cost
