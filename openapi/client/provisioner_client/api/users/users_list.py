import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.page_user_read import PageUserRead
from ...models.problem import Problem
from ...models.user_status import UserStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    email: None | str | Unset = UNSET,
    username: None | str | Unset = UNSET,
    role_id: int | None | Unset = UNSET,
    group_id: int | None | Unset = UNSET,
    status: None | Unset | UserStatus = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_email: None | str | Unset
    if isinstance(email, Unset):
        json_email = UNSET
    else:
        json_email = email
    params["email"] = json_email

    json_username: None | str | Unset
    if isinstance(username, Unset):
        json_username = UNSET
    else:
        json_username = username
    params["username"] = json_username

    json_role_id: int | None | Unset
    if isinstance(role_id, Unset):
        json_role_id = UNSET
    else:
        json_role_id = role_id
    params["role_id"] = json_role_id

    json_group_id: int | None | Unset
    if isinstance(group_id, Unset):
        json_group_id = UNSET
    else:
        json_group_id = group_id
    params["group_id"] = json_group_id

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, UserStatus):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_updated_since: None | str | Unset
    if isinstance(updated_since, Unset):
        json_updated_since = UNSET
    elif isinstance(updated_since, datetime.datetime):
        json_updated_since = updated_since.isoformat()
    else:
        json_updated_since = updated_since
    params["updated_since"] = json_updated_since

    json_q: None | str | Unset
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    params["q"] = json_q

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
        "url": "/api/v1/users",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PageUserRead | Problem | None:
    if response.status_code == 200:
        response_200 = PageUserRead.from_dict(response.json())

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
) -> Response[PageUserRead | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    email: None | str | Unset = UNSET,
    username: None | str | Unset = UNSET,
    role_id: int | None | Unset = UNSET,
    group_id: int | None | Unset = UNSET,
    status: None | Unset | UserStatus = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[PageUserRead | Problem]:
    """List Users

    Args:
        email (None | str | Unset): Exact email, case-insensitive
        username (None | str | Unset): Exact username, case-insensitive
        role_id (int | None | Unset): Holds this role (manually or by mapping)
        group_id (int | None | Unset): In this group (effective)
        status (None | Unset | UserStatus):
        updated_since (datetime.datetime | None | Unset): Changed at or after this time
        q (None | str | Unset): Search names, username, email
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageUserRead | Problem]
    """

    kwargs = _get_kwargs(
        email=email,
        username=username,
        role_id=role_id,
        group_id=group_id,
        status=status,
        updated_since=updated_since,
        q=q,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    email: None | str | Unset = UNSET,
    username: None | str | Unset = UNSET,
    role_id: int | None | Unset = UNSET,
    group_id: int | None | Unset = UNSET,
    status: None | Unset | UserStatus = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> PageUserRead | Problem | None:
    """List Users

    Args:
        email (None | str | Unset): Exact email, case-insensitive
        username (None | str | Unset): Exact username, case-insensitive
        role_id (int | None | Unset): Holds this role (manually or by mapping)
        group_id (int | None | Unset): In this group (effective)
        status (None | Unset | UserStatus):
        updated_since (datetime.datetime | None | Unset): Changed at or after this time
        q (None | str | Unset): Search names, username, email
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageUserRead | Problem
    """

    return sync_detailed(
        client=client,
        email=email,
        username=username,
        role_id=role_id,
        group_id=group_id,
        status=status,
        updated_since=updated_since,
        q=q,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    email: None | str | Unset = UNSET,
    username: None | str | Unset = UNSET,
    role_id: int | None | Unset = UNSET,
    group_id: int | None | Unset = UNSET,
    status: None | Unset | UserStatus = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[PageUserRead | Problem]:
    """List Users

    Args:
        email (None | str | Unset): Exact email, case-insensitive
        username (None | str | Unset): Exact username, case-insensitive
        role_id (int | None | Unset): Holds this role (manually or by mapping)
        group_id (int | None | Unset): In this group (effective)
        status (None | Unset | UserStatus):
        updated_since (datetime.datetime | None | Unset): Changed at or after this time
        q (None | str | Unset): Search names, username, email
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageUserRead | Problem]
    """

    kwargs = _get_kwargs(
        email=email,
        username=username,
        role_id=role_id,
        group_id=group_id,
        status=status,
        updated_since=updated_since,
        q=q,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    email: None | str | Unset = UNSET,
    username: None | str | Unset = UNSET,
    role_id: int | None | Unset = UNSET,
    group_id: int | None | Unset = UNSET,
    status: None | Unset | UserStatus = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> PageUserRead | Problem | None:
    """List Users

    Args:
        email (None | str | Unset): Exact email, case-insensitive
        username (None | str | Unset): Exact username, case-insensitive
        role_id (int | None | Unset): Holds this role (manually or by mapping)
        group_id (int | None | Unset): In this group (effective)
        status (None | Unset | UserStatus):
        updated_since (datetime.datetime | None | Unset): Changed at or after this time
        q (None | str | Unset): Search names, username, email
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageUserRead | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            email=email,
            username=username,
            role_id=role_id,
            group_id=group_id,
            status=status,
            updated_since=updated_since,
            q=q,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
