from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.app_read import AppRead
from ...models.app_update import AppUpdate
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    app_id: int,
    *,
    body: AppUpdate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/api/v1/apps/{app_id}".format(
            app_id=quote(str(app_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AppRead | Problem | None:
    if response.status_code == 200:
        response_200 = AppRead.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AppRead | Problem]:
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
    body: AppUpdate,
) -> Response[AppRead | Problem]:
    """Update App

     Change an app. A new tenant, cloud or client id forgets consent and cached tokens.

    Needs `write`; changing who approves what (`approval_required`, `deletion_threshold`) or
    the deprovisioning policy (`on_user_deleted`, `on_user_suspended`, `on_app_removed`), or
    the credentials (`client_secret`, `certificate`, `client_id`, `tenant`) needs `admin`:
    a `write` token gets a 403 naming those fields and nothing changes. Each such change is
    in the audit trail (`audit-list`) as `app.policy_changed` / `app.credentials_changed`
    (who, which fields, before and after; a secret only as a fingerprint, a certificate as its
    thumbprint, never a value).

    Args:
        app_id (int):
        body (AppUpdate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AppRead | Problem]
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
    body: AppUpdate,
) -> AppRead | Problem | None:
    """Update App

     Change an app. A new tenant, cloud or client id forgets consent and cached tokens.

    Needs `write`; changing who approves what (`approval_required`, `deletion_threshold`) or
    the deprovisioning policy (`on_user_deleted`, `on_user_suspended`, `on_app_removed`), or
    the credentials (`client_secret`, `certificate`, `client_id`, `tenant`) needs `admin`:
    a `write` token gets a 403 naming those fields and nothing changes. Each such change is
    in the audit trail (`audit-list`) as `app.policy_changed` / `app.credentials_changed`
    (who, which fields, before and after; a secret only as a fingerprint, a certificate as its
    thumbprint, never a value).

    Args:
        app_id (int):
        body (AppUpdate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AppRead | Problem
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
    body: AppUpdate,
) -> Response[AppRead | Problem]:
    """Update App

     Change an app. A new tenant, cloud or client id forgets consent and cached tokens.

    Needs `write`; changing who approves what (`approval_required`, `deletion_threshold`) or
    the deprovisioning policy (`on_user_deleted`, `on_user_suspended`, `on_app_removed`), or
    the credentials (`client_secret`, `certificate`, `client_id`, `tenant`) needs `admin`:
    a `write` token gets a 403 naming those fields and nothing changes. Each such change is
    in the audit trail (`audit-list`) as `app.policy_changed` / `app.credentials_changed`
    (who, which fields, before and after; a secret only as a fingerprint, a certificate as its
    thumbprint, never a value).

    Args:
        app_id (int):
        body (AppUpdate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AppRead | Problem]
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
    body: AppUpdate,
) -> AppRead | Problem | None:
    """Update App

     Change an app. A new tenant, cloud or client id forgets consent and cached tokens.

    Needs `write`; changing who approves what (`approval_required`, `deletion_threshold`) or
    the deprovisioning policy (`on_user_deleted`, `on_user_suspended`, `on_app_removed`), or
    the credentials (`client_secret`, `certificate`, `client_id`, `tenant`) needs `admin`:
    a `write` token gets a 403 naming those fields and nothing changes. Each such change is
    in the audit trail (`audit-list`) as `app.policy_changed` / `app.credentials_changed`
    (who, which fields, before and after; a secret only as a fingerprint, a certificate as its
    thumbprint, never a value).

    Args:
        app_id (int):
        body (AppUpdate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AppRead | Problem
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            client=client,
            body=body,
        )
    ).parsed
