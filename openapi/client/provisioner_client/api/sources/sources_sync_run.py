from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.job_read import JobRead
from ...models.problem import Problem
from ...models.source_sync_request import SourceSyncRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    source_id: int,
    *,
    body: None | SourceSyncRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/sources/{source_id}/sync".format(
            source_id=quote(str(source_id), safe=""),
        ),
    }

    if isinstance(body, SourceSyncRequest):
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
    source_id: int,
    *,
    client: AuthenticatedClient,
    body: None | SourceSyncRequest | Unset = UNSET,
) -> Response[JobRead | Problem]:
    """Run Sync

     Sync the source now (admin: a sync decides who is in the directory), in a job with
    progress (entries read). A sync already running
    is not doubled (the job says so). Without a body: an incremental sync (a full one when
    the source never synced).

    Args:
        source_id (int):
        body (None | SourceSyncRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobRead | Problem]
    """

    kwargs = _get_kwargs(
        source_id=source_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    source_id: int,
    *,
    client: AuthenticatedClient,
    body: None | SourceSyncRequest | Unset = UNSET,
) -> JobRead | Problem | None:
    """Run Sync

     Sync the source now (admin: a sync decides who is in the directory), in a job with
    progress (entries read). A sync already running
    is not doubled (the job says so). Without a body: an incremental sync (a full one when
    the source never synced).

    Args:
        source_id (int):
        body (None | SourceSyncRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobRead | Problem
    """

    return sync_detailed(
        source_id=source_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    source_id: int,
    *,
    client: AuthenticatedClient,
    body: None | SourceSyncRequest | Unset = UNSET,
) -> Response[JobRead | Problem]:
    """Run Sync

     Sync the source now (admin: a sync decides who is in the directory), in a job with
    progress (entries read). A sync already running
    is not doubled (the job says so). Without a body: an incremental sync (a full one when
    the source never synced).

    Args:
        source_id (int):
        body (None | SourceSyncRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobRead | Problem]
    """

    kwargs = _get_kwargs(
        source_id=source_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    source_id: int,
    *,
    client: AuthenticatedClient,
    body: None | SourceSyncRequest | Unset = UNSET,
) -> JobRead | Problem | None:
    """Run Sync

     Sync the source now (admin: a sync decides who is in the directory), in a job with
    progress (entries read). A sync already running
    is not doubled (the job says so). Without a body: an incremental sync (a full one when
    the source never synced).

    Args:
        source_id (int):
        body (None | SourceSyncRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobRead | Problem
    """

    return (
        await asyncio_detailed(
            source_id=source_id,
            client=client,
            body=body,
        )
    ).parsed
