from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.user_bulk_create import UserBulkCreate
from ...models.user_bulk_result import UserBulkResult
from ...types import Response


def _get_kwargs(
    *,
    body: UserBulkCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/users/bulk",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | UserBulkResult | None:
    if response.status_code == 200:
        response_200 = UserBulkResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | UserBulkResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: UserBulkCreate,
) -> Response[Problem | UserBulkResult]:
    """Bulk Create Users

     Create up to 1,000 users in one request, under the rules of `POST /users` (validation,
    unique username and email, existing group and roles), evaluated in one pass.

    `per_item` answers 200 with each item's own status (201 with its id, or 409 / 422 with a
    problem); `all_or_nothing` answers 200 with every item created, or 422 and creates none.

    Args:
        body (UserBulkCreate): Many users in one request. Each item is a `UserCreate`, validated
            on its own so that
            in `per_item` mode one bad item does not refuse the others (hence not `Input`, whose
            checks would refuse the whole request).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserBulkResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: UserBulkCreate,
) -> Problem | UserBulkResult | None:
    """Bulk Create Users

     Create up to 1,000 users in one request, under the rules of `POST /users` (validation,
    unique username and email, existing group and roles), evaluated in one pass.

    `per_item` answers 200 with each item's own status (201 with its id, or 409 / 422 with a
    problem); `all_or_nothing` answers 200 with every item created, or 422 and creates none.

    Args:
        body (UserBulkCreate): Many users in one request. Each item is a `UserCreate`, validated
            on its own so that
            in `per_item` mode one bad item does not refuse the others (hence not `Input`, whose
            checks would refuse the whole request).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserBulkResult
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: UserBulkCreate,
) -> Response[Problem | UserBulkResult]:
    """Bulk Create Users

     Create up to 1,000 users in one request, under the rules of `POST /users` (validation,
    unique username and email, existing group and roles), evaluated in one pass.

    `per_item` answers 200 with each item's own status (201 with its id, or 409 / 422 with a
    problem); `all_or_nothing` answers 200 with every item created, or 422 and creates none.

    Args:
        body (UserBulkCreate): Many users in one request. Each item is a `UserCreate`, validated
            on its own so that
            in `per_item` mode one bad item does not refuse the others (hence not `Input`, whose
            checks would refuse the whole request).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserBulkResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: UserBulkCreate,
) -> Problem | UserBulkResult | None:
    """Bulk Create Users

     Create up to 1,000 users in one request, under the rules of `POST /users` (validation,
    unique username and email, existing group and roles), evaluated in one pass.

    `per_item` answers 200 with each item's own status (201 with its id, or 409 / 422 with a
    problem); `all_or_nothing` answers 200 with every item created, or 422 and creates none.

    Args:
        body (UserBulkCreate): Many users in one request. Each item is a `UserCreate`, validated
            on its own so that
            in `per_item` mode one bad item does not refuse the others (hence not `Input`, whose
            checks would refuse the whole request).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserBulkResult
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
