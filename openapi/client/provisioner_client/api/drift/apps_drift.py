from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.drift_kind import DriftKind
from ...models.drift_report import DriftReport
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    app_id: int,
    *,
    kind: DriftKind | None | Unset = UNSET,
    user_id: int | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_kind: None | str | Unset
    if isinstance(kind, Unset):
        json_kind = UNSET
    elif isinstance(kind, DriftKind):
        json_kind = kind.value
    else:
        json_kind = kind
    params["kind"] = json_kind

    json_user_id: int | None | Unset
    if isinstance(user_id, Unset):
        json_user_id = UNSET
    else:
        json_user_id = user_id
    params["user_id"] = json_user_id

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/apps/{app_id}/drift".format(
            app_id=quote(str(app_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DriftReport | Problem | None:
    if response.status_code == 200:
        response_200 = DriftReport.from_dict(response.json())

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
) -> Response[DriftReport | Problem]:
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
    kind: DriftKind | None | Unset = UNSET,
    user_id: int | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[DriftReport | Problem]:
    """App Drift

     The app's current drift, as the last delta cycles found it: open items per kind, and
    the items themselves (oldest first, in cursor pages), with the tenant's value beside the
    one we applied.

    Args:
        app_id (int):
        kind (DriftKind | None | Unset):
        user_id (int | None | Unset): Only this directory user's drift
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DriftReport | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        kind=kind,
        user_id=user_id,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app_id: int,
    *,
    client: AuthenticatedClient,
    kind: DriftKind | None | Unset = UNSET,
    user_id: int | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> DriftReport | Problem | None:
    """App Drift

     The app's current drift, as the last delta cycles found it: open items per kind, and
    the items themselves (oldest first, in cursor pages), with the tenant's value beside the
    one we applied.

    Args:
        app_id (int):
        kind (DriftKind | None | Unset):
        user_id (int | None | Unset): Only this directory user's drift
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DriftReport | Problem
    """

    return sync_detailed(
        app_id=app_id,
        client=client,
        kind=kind,
        user_id=user_id,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    app_id: int,
    *,
    client: AuthenticatedClient,
    kind: DriftKind | None | Unset = UNSET,
    user_id: int | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[DriftReport | Problem]:
    """App Drift

     The app's current drift, as the last delta cycles found it: open items per kind, and
    the items themselves (oldest first, in cursor pages), with the tenant's value beside the
    one we applied.

    Args:
        app_id (int):
        kind (DriftKind | None | Unset):
        user_id (int | None | Unset): Only this directory user's drift
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DriftReport | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        kind=kind,
        user_id=user_id,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app_id: int,
    *,
    client: AuthenticatedClient,
    kind: DriftKind | None | Unset = UNSET,
    user_id: int | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> DriftReport | Problem | None:
    """App Drift

     The app's current drift, as the last delta cycles found it: open items per kind, and
    the items themselves (oldest first, in cursor pages), with the tenant's value beside the
    one we applied.

    Args:
        app_id (int):
        kind (DriftKind | None | Unset):
        user_id (int | None | Unset): Only this directory user's drift
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DriftReport | Problem
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            client=client,
            kind=kind,
            user_id=user_id,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
