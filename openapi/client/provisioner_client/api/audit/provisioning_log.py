import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.page_provisioning_log_entry import PageProvisioningLogEntry
from ...models.problem import Problem
from ...models.task_status import TaskStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    app_id: int | None | Unset = UNSET,
    user_id: int | None | Unset = UNSET,
    status: list[TaskStatus] | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    correlation: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_app_id: int | None | Unset
    if isinstance(app_id, Unset):
        json_app_id = UNSET
    else:
        json_app_id = app_id
    params["app_id"] = json_app_id

    json_user_id: int | None | Unset
    if isinstance(user_id, Unset):
        json_user_id = UNSET
    else:
        json_user_id = user_id
    params["user_id"] = json_user_id

    json_status: list[str] | None | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, list):
        json_status = []
        for status_type_0_item_data in status:
            status_type_0_item = status_type_0_item_data.value
            json_status.append(status_type_0_item)

    else:
        json_status = status
    params["status"] = json_status

    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    elif isinstance(since, datetime.datetime):
        json_since = since.isoformat()
    else:
        json_since = since
    params["since"] = json_since

    json_until: None | str | Unset
    if isinstance(until, Unset):
        json_until = UNSET
    elif isinstance(until, datetime.datetime):
        json_until = until.isoformat()
    else:
        json_until = until
    params["until"] = json_until

    json_correlation: None | str | Unset
    if isinstance(correlation, Unset):
        json_correlation = UNSET
    else:
        json_correlation = correlation
    params["correlation"] = json_correlation

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
        "url": "/api/v1/provisioning/log",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageProvisioningLogEntry | Problem | None:
    if response.status_code == 200:
        response_200 = PageProvisioningLogEntry.from_dict(response.json())

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
) -> Response[PageProvisioningLogEntry | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    app_id: int | None | Unset = UNSET,
    user_id: int | None | Unset = UNSET,
    status: list[TaskStatus] | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    correlation: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[PageProvisioningLogEntry | Problem]:
    """Provisioning Log List

     Each task and each of its steps in words, with names: the Graph request that carried
    each step, Graph's answer and request id, the engine's events, and why the assignment
    wants it ("rule 'Josh' granted Office 365 E3"). Oldest first, in cursor pages.

    Args:
        app_id (int | None | Unset):
        user_id (int | None | Unset):
        status (list[TaskStatus] | None | Unset):
        since (datetime.datetime | None | Unset): Created at or after
        until (datetime.datetime | None | Unset): Created before
        correlation (None | str | Unset): Only the tasks planned by one request, job or CLI
            command (the audit trail's `request_id` of the changes that caused them)
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageProvisioningLogEntry | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        user_id=user_id,
        status=status,
        since=since,
        until=until,
        correlation=correlation,
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
    app_id: int | None | Unset = UNSET,
    user_id: int | None | Unset = UNSET,
    status: list[TaskStatus] | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    correlation: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> PageProvisioningLogEntry | Problem | None:
    """Provisioning Log List

     Each task and each of its steps in words, with names: the Graph request that carried
    each step, Graph's answer and request id, the engine's events, and why the assignment
    wants it ("rule 'Josh' granted Office 365 E3"). Oldest first, in cursor pages.

    Args:
        app_id (int | None | Unset):
        user_id (int | None | Unset):
        status (list[TaskStatus] | None | Unset):
        since (datetime.datetime | None | Unset): Created at or after
        until (datetime.datetime | None | Unset): Created before
        correlation (None | str | Unset): Only the tasks planned by one request, job or CLI
            command (the audit trail's `request_id` of the changes that caused them)
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageProvisioningLogEntry | Problem
    """

    return sync_detailed(
        client=client,
        app_id=app_id,
        user_id=user_id,
        status=status,
        since=since,
        until=until,
        correlation=correlation,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    app_id: int | None | Unset = UNSET,
    user_id: int | None | Unset = UNSET,
    status: list[TaskStatus] | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    correlation: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[PageProvisioningLogEntry | Problem]:
    """Provisioning Log List

     Each task and each of its steps in words, with names: the Graph request that carried
    each step, Graph's answer and request id, the engine's events, and why the assignment
    wants it ("rule 'Josh' granted Office 365 E3"). Oldest first, in cursor pages.

    Args:
        app_id (int | None | Unset):
        user_id (int | None | Unset):
        status (list[TaskStatus] | None | Unset):
        since (datetime.datetime | None | Unset): Created at or after
        until (datetime.datetime | None | Unset): Created before
        correlation (None | str | Unset): Only the tasks planned by one request, job or CLI
            command (the audit trail's `request_id` of the changes that caused them)
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageProvisioningLogEntry | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        user_id=user_id,
        status=status,
        since=since,
        until=until,
        correlation=correlation,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    app_id: int | None | Unset = UNSET,
    user_id: int | None | Unset = UNSET,
    status: list[TaskStatus] | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    correlation: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> PageProvisioningLogEntry | Problem | None:
    """Provisioning Log List

     Each task and each of its steps in words, with names: the Graph request that carried
    each step, Graph's answer and request id, the engine's events, and why the assignment
    wants it ("rule 'Josh' granted Office 365 E3"). Oldest first, in cursor pages.

    Args:
        app_id (int | None | Unset):
        user_id (int | None | Unset):
        status (list[TaskStatus] | None | Unset):
        since (datetime.datetime | None | Unset): Created at or after
        until (datetime.datetime | None | Unset): Created before
        correlation (None | str | Unset): Only the tasks planned by one request, job or CLI
            command (the audit trail's `request_id` of the changes that caused them)
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageProvisioningLogEntry | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            app_id=app_id,
            user_id=user_id,
            status=status,
            since=since,
            until=until,
            correlation=correlation,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
