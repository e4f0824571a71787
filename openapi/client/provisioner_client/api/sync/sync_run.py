from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.job_read import JobRead
from ...models.problem import Problem
from ...models.sync_request import SyncRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    app_id: int,
    *,
    body: None | SyncRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/apps/{app_id}/sync".format(
            app_id=quote(str(app_id), safe=""),
        ),
    }

    if isinstance(body, SyncRequest):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> JobRead | Problem | None:
    if response.status_code == 202:
        response_202 = JobRead.from_dict(response.json())

        return response_202

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[JobRead | Problem]:
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
    body: None | SyncRequest | Unset = UNSET,
) -> Response[JobRead | Problem]:
    """Run Sync

     Run a cycle now, in a job with progress (pages read). It runs even when the app is
    quarantined, and its result says what happened; a cycle already running elsewhere is not
    doubled (the job says so). Without a body: an incremental cycle.

    Args:
        app_id (int):
        body (None | SyncRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobRead | Problem]
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
    body: None | SyncRequest | Unset = UNSET,
) -> JobRead | Problem | None:
    """Run Sync

     Run a cycle now, in a job with progress (pages read). It runs even when the app is
    quarantined, and its result says what happened; a cycle already running elsewhere is not
    doubled (the job says so). Without a body: an incremental cycle.

    Args:
        app_id (int):
        body (None | SyncRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobRead | Problem
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
    body: None | SyncRequest | Unset = UNSET,
) -> Response[JobRead | Problem]:
    """Run Sync

     Run a cycle now, in a job with progress (pages read). It runs even when the app is
    quarantined, and its result says what happened; a cycle already running elsewhere is not
    doubled (the job says so). Without a body: an incremental cycle.

    Args:
        app_id (int):
        body (None | SyncRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobRead | Problem]
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
    body: None | SyncRequest | Unset = UNSET,
) -> JobRead | Problem | None:
    """Run Sync

     Run a cycle now, in a job with progress (pages read). It runs even when the app is
    quarantined, and its result says what happened; a cycle already running elsewhere is not
    doubled (the job says so). Without a body: an incremental cycle.

    Args:
        app_id (int):
        body (None | SyncRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobRead | Problem
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            client=client,
            body=body,
        )
    ).parsed
