from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.disposition import Disposition
from ...models.page_tenant_account_read import PageTenantAccountRead
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    app_id: int,
    *,
    matched: bool | None | Unset = UNSET,
    disposition: Disposition | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_matched: bool | None | Unset
    if isinstance(matched, Unset):
        json_matched = UNSET
    else:
        json_matched = matched
    params["matched"] = json_matched

    json_disposition: None | str | Unset
    if isinstance(disposition, Unset):
        json_disposition = UNSET
    elif isinstance(disposition, Disposition):
        json_disposition = disposition.value
    else:
        json_disposition = disposition
    params["disposition"] = json_disposition

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
        "url": "/api/v1/apps/{app_id}/tenant-accounts".format(
            app_id=quote(str(app_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageTenantAccountRead | Problem | None:
    if response.status_code == 200:
        response_200 = PageTenantAccountRead.from_dict(response.json())

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
) -> Response[PageTenantAccountRead | Problem]:
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
    matched: bool | None | Unset = UNSET,
    disposition: Disposition | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[PageTenantAccountRead | Problem]:
    """List Accounts

     The app's tenant users as the snapshot holds them.

    Args:
        app_id (int):
        matched (bool | None | Unset): true: linked to a directory user; false: belonging to
            nobody here (ignored ones only with `disposition=ignored`)
        disposition (Disposition | None | Unset):
        q (None | str | Unset): Part of the userPrincipalName or mail
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageTenantAccountRead | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        matched=matched,
        disposition=disposition,
        q=q,
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
    matched: bool | None | Unset = UNSET,
    disposition: Disposition | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> PageTenantAccountRead | Problem | None:
    """List Accounts

     The app's tenant users as the snapshot holds them.

    Args:
        app_id (int):
        matched (bool | None | Unset): true: linked to a directory user; false: belonging to
            nobody here (ignored ones only with `disposition=ignored`)
        disposition (Disposition | None | Unset):
        q (None | str | Unset): Part of the userPrincipalName or mail
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageTenantAccountRead | Problem
    """

    return sync_detailed(
        app_id=app_id,
        client=client,
        matched=matched,
        disposition=disposition,
        q=q,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    app_id: int,
    *,
    client: AuthenticatedClient,
    matched: bool | None | Unset = UNSET,
    disposition: Disposition | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[PageTenantAccountRead | Problem]:
    """List Accounts

     The app's tenant users as the snapshot holds them.

    Args:
        app_id (int):
        matched (bool | None | Unset): true: linked to a directory user; false: belonging to
            nobody here (ignored ones only with `disposition=ignored`)
        disposition (Disposition | None | Unset):
        q (None | str | Unset): Part of the userPrincipalName or mail
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageTenantAccountRead | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        matched=matched,
        disposition=disposition,
        q=q,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app_id: int,
    *,
    client: AuthenticatedClient,
    matched: bool | None | Unset = UNSET,
    disposition: Disposition | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> PageTenantAccountRead | Problem | None:
    """List Accounts

     The app's tenant users as the snapshot holds them.

    Args:
        app_id (int):
        matched (bool | None | Unset): true: linked to a directory user; false: belonging to
            nobody here (ignored ones only with `disposition=ignored`)
        disposition (Disposition | None | Unset):
        q (None | str | Unset): Part of the userPrincipalName or mail
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageTenantAccountRead | Problem
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            client=client,
            matched=matched,
            disposition=disposition,
            q=q,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
