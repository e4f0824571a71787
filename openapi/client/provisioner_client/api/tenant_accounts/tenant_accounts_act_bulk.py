from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.account_actions_in import AccountActionsIn
from ...models.account_actions_result import AccountActionsResult
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    app_id: int,
    *,
    body: AccountActionsIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/apps/{app_id}/tenant-accounts/actions".format(
            app_id=quote(str(app_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AccountActionsResult | Problem | None:
    if response.status_code == 200:
        response_200 = AccountActionsResult.from_dict(response.json())

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
) -> Response[AccountActionsResult | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    app_id: int,
    *,
    client: AuthenticatedClient,
    body: AccountActionsIn,
) -> Response[AccountActionsResult | Problem]:
    """Act Bulk

     One action on many accounts, each on its own: the answer has every item's result
    (a refused item is undone alone and carries its status and reason). Deprovisioning more
    accounts than the app's deletion threshold holds them all for approval. The scopes are
    those of the single action (`link`, `import`, `deprovision`: `admin`; `ignore`: `write`).

    Args:
        app_id (int):
        body (AccountActionsIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccountActionsResult | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app_id: int,
    *,
    client: AuthenticatedClient,
    body: AccountActionsIn,
) -> AccountActionsResult | Problem | None:
    """Act Bulk

     One action on many accounts, each on its own: the answer has every item's result
    (a refused item is undone alone and carries its status and reason). Deprovisioning more
    accounts than the app's deletion threshold holds them all for approval. The scopes are
    those of the single action (`link`, `import`, `deprovision`: `admin`; `ignore`: `write`).

    Args:
        app_id (int):
        body (AccountActionsIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccountActionsResult | Problem
    """

    return sync_detailed(
        app_id=app_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    app_id: int,
    *,
    client: AuthenticatedClient,
    body: AccountActionsIn,
) -> Response[AccountActionsResult | Problem]:
    """Act Bulk

     One action on many accounts, each on its own: the answer has every item's result
    (a refused item is undone alone and carries its status and reason). Deprovisioning more
    accounts than the app's deletion threshold holds them all for approval. The scopes are
    those of the single action (`link`, `import`, `deprovision`: `admin`; `ignore`: `write`).

    Args:
        app_id (int):
        body (AccountActionsIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccountActionsResult | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app_id: int,
    *,
    client: AuthenticatedClient,
    body: AccountActionsIn,
) -> AccountActionsResult | Problem | None:
    """Act Bulk

     One action on many accounts, each on its own: the answer has every item's result
    (a refused item is undone alone and carries its status and reason). Deprovisioning more
    accounts than the app's deletion threshold holds them all for approval. The scopes are
    those of the single action (`link`, `import`, `deprovision`: `admin`; `ignore`: `write`).

    Args:
        app_id (int):
        body (AccountActionsIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccountActionsResult | Problem
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            client=client,
            body=body,
        )
    ).parsed
