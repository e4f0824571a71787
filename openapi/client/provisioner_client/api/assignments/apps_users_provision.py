from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.on_demand_result import OnDemandResult
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    app_id: int,
    user_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/apps/{app_id}/users/{user_id}/provision".format(
            app_id=quote(str(app_id), safe=""),
            user_id=quote(str(user_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> OnDemandResult | Problem | None:
    if response.status_code == 200:
        response_200 = OnDemandResult.from_dict(response.json())

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
) -> Response[OnDemandResult | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    app_id: int,
    user_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[OnDemandResult | Problem]:
    """Provision On Demand

     Run this user's assignment now and answer with each step's result and Graph's answers
    (the look-up, link or create, attributes, licenses, groups, write-back), like Entra's
    "provision on demand". It goes the worker's way: a task is planned (the app's approval
    policy applies: a task that needs approval is not run, and `result` says so), claimed and
    carried out in this request. 409: the user has no assignment for the app (the detail
    says why), provisioning is disabled, or a task for the assignment is already running.

    Args:
        app_id (int):
        user_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OnDemandResult | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        user_id=user_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app_id: int,
    user_id: int,
    *,
    client: AuthenticatedClient,
) -> OnDemandResult | Problem | None:
    """Provision On Demand

     Run this user's assignment now and answer with each step's result and Graph's answers
    (the look-up, link or create, attributes, licenses, groups, write-back), like Entra's
    "provision on demand". It goes the worker's way: a task is planned (the app's approval
    policy applies: a task that needs approval is not run, and `result` says so), claimed and
    carried out in this request. 409: the user has no assignment for the app (the detail
    says why), provisioning is disabled, or a task for the assignment is already running.

    Args:
        app_id (int):
        user_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OnDemandResult | Problem
    """

    return sync_detailed(
        app_id=app_id,
        user_id=user_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    app_id: int,
    user_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[OnDemandResult | Problem]:
    """Provision On Demand

     Run this user's assignment now and answer with each step's result and Graph's answers
    (the look-up, link or create, attributes, licenses, groups, write-back), like Entra's
    "provision on demand". It goes the worker's way: a task is planned (the app's approval
    policy applies: a task that needs approval is not run, and `result` says so), claimed and
    carried out in this request. 409: the user has no assignment for the app (the detail
    says why), provisioning is disabled, or a task for the assignment is already running.

    Args:
        app_id (int):
        user_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OnDemandResult | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        user_id=user_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app_id: int,
    user_id: int,
    *,
    client: AuthenticatedClient,
) -> OnDemandResult | Problem | None:
    """Provision On Demand

     Run this user's assignment now and answer with each step's result and Graph's answers
    (the look-up, link or create, attributes, licenses, groups, write-back), like Entra's
    "provision on demand". It goes the worker's way: a task is planned (the app's approval
    policy applies: a task that needs approval is not run, and `result` says so), claimed and
    carried out in this request. 409: the user has no assignment for the app (the detail
    says why), provisioning is disabled, or a task for the assignment is already running.

    Args:
        app_id (int):
        user_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OnDemandResult | Problem
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            user_id=user_id,
            client=client,
        )
    ).parsed
