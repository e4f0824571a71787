from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.connection_report import ConnectionReport
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    source_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/sources/{source_id}/test".format(
            source_id=quote(str(source_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ConnectionReport | Problem | None:
    if response.status_code == 200:
        response_200 = ConnectionReport.from_dict(response.json())

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
) -> Response[ConnectionReport | Problem]:
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
) -> Response[ConnectionReport | Problem]:
    """Test Source

     Connect, bind, read the root DSE and count people and groups under each base DN with
    the stored settings. Writes nothing. A failure (unreachable, TLS, refused bind, unknown
    base DN) is a 200 report with `ok: false` and the step that failed.

    Args:
        source_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConnectionReport | Problem]
    """

    kwargs = _get_kwargs(
        source_id=source_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    source_id: int,
    *,
    client: AuthenticatedClient,
) -> ConnectionReport | Problem | None:
    """Test Source

     Connect, bind, read the root DSE and count people and groups under each base DN with
    the stored settings. Writes nothing. A failure (unreachable, TLS, refused bind, unknown
    base DN) is a 200 report with `ok: false` and the step that failed.

    Args:
        source_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConnectionReport | Problem
    """

    return sync_detailed(
        source_id=source_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    source_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[ConnectionReport | Problem]:
    """Test Source

     Connect, bind, read the root DSE and count people and groups under each base DN with
    the stored settings. Writes nothing. A failure (unreachable, TLS, refused bind, unknown
    base DN) is a 200 report with `ok: false` and the step that failed.

    Args:
        source_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConnectionReport | Problem]
    """

    kwargs = _get_kwargs(
        source_id=source_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    source_id: int,
    *,
    client: AuthenticatedClient,
) -> ConnectionReport | Problem | None:
    """Test Source

     Connect, bind, read the root DSE and count people and groups under each base DN with
    the stored settings. Writes nothing. A failure (unreachable, TLS, refused bind, unknown
    base DN) is a 200 report with `ok: false` and the step that failed.

    Args:
        source_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConnectionReport | Problem
    """

    return (
        await asyncio_detailed(
            source_id=source_id,
            client=client,
        )
    ).parsed
