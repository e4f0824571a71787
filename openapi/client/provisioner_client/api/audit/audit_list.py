import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_list_format_type_0 import AuditListFormatType0
from ...models.object_type import ObjectType
from ...models.page_audit_entry_read import PageAuditEntryRead
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    actor: None | str | Unset = UNSET,
    actor_id: int | None | Unset = UNSET,
    object_type: None | ObjectType | Unset = UNSET,
    object_: None | str | Unset = UNSET,
    action: list[str] | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    request: None | str | Unset = UNSET,
    format_: AuditListFormatType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_actor: None | str | Unset
    if isinstance(actor, Unset):
        json_actor = UNSET
    else:
        json_actor = actor
    params["actor"] = json_actor

    json_actor_id: int | None | Unset
    if isinstance(actor_id, Unset):
        json_actor_id = UNSET
    else:
        json_actor_id = actor_id
    params["actor_id"] = json_actor_id

    json_object_type: None | str | Unset
    if isinstance(object_type, Unset):
        json_object_type = UNSET
    elif isinstance(object_type, ObjectType):
        json_object_type = object_type.value
    else:
        json_object_type = object_type
    params["object_type"] = json_object_type

    json_object_: None | str | Unset
    if isinstance(object_, Unset):
        json_object_ = UNSET
    else:
        json_object_ = object_
    params["object"] = json_object_

    json_action: list[str] | None | Unset
    if isinstance(action, Unset):
        json_action = UNSET
    elif isinstance(action, list):
        json_action = action

    else:
        json_action = action
    params["action"] = json_action

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

    json_request: None | str | Unset
    if isinstance(request, Unset):
        json_request = UNSET
    else:
        json_request = request
    params["request"] = json_request

    json_format_: None | str | Unset
    if isinstance(format_, Unset):
        json_format_ = UNSET
    elif isinstance(format_, AuditListFormatType0):
        json_format_ = format_.value
    else:
        json_format_ = format_
    params["format"] = json_format_

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
        "url": "/api/v1/audit",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageAuditEntryRead | Problem | None:
    if response.status_code == 200:
        response_200 = PageAuditEntryRead.from_dict(response.json())

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
) -> Response[PageAuditEntryRead | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    actor: None | str | Unset = UNSET,
    actor_id: int | None | Unset = UNSET,
    object_type: None | ObjectType | Unset = UNSET,
    object_: None | str | Unset = UNSET,
    action: list[str] | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    request: None | str | Unset = UNSET,
    format_: AuditListFormatType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[PageAuditEntryRead | Problem]:
    """List Audit

     Every change to apps (credentials and policy included), approvals, mappings, rules,
    roles, users, groups, tokens and webhooks: who, when, what, and the changed fields before
    and after. Oldest first, in cursor pages; as CSV, every matching entry in one file.

    Args:
        actor (None | str | Unset): The actor's name
        actor_id (int | None | Unset): The actor's token id
        object_type (None | ObjectType | Unset):
        object_ (None | str | Unset): The object's id (a number, or a SCIM group's id); use with
            `object_type`
        action (list[str] | None | Unset): e.g. `app.policy_changed`
        since (datetime.datetime | None | Unset): At or after
        until (datetime.datetime | None | Unset): Before
        request (None | str | Unset): The request that made the changes: an `X-Request-ID`, or the
            id a CLI command or a job ran under (the `correlation_id` of the tasks it planned)
        format_ (AuditListFormatType0 | None | Unset): `csv` exports every matching entry (as does
            `Accept: text/csv`)
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageAuditEntryRead | Problem]
    """

    kwargs = _get_kwargs(
        actor=actor,
        actor_id=actor_id,
        object_type=object_type,
        object_=object_,
        action=action,
        since=since,
        until=until,
        request=request,
        format_=format_,
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
    actor: None | str | Unset = UNSET,
    actor_id: int | None | Unset = UNSET,
    object_type: None | ObjectType | Unset = UNSET,
    object_: None | str | Unset = UNSET,
    action: list[str] | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    request: None | str | Unset = UNSET,
    format_: AuditListFormatType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> PageAuditEntryRead | Problem | None:
    """List Audit

     Every change to apps (credentials and policy included), approvals, mappings, rules,
    roles, users, groups, tokens and webhooks: who, when, what, and the changed fields before
    and after. Oldest first, in cursor pages; as CSV, every matching entry in one file.

    Args:
        actor (None | str | Unset): The actor's name
        actor_id (int | None | Unset): The actor's token id
        object_type (None | ObjectType | Unset):
        object_ (None | str | Unset): The object's id (a number, or a SCIM group's id); use with
            `object_type`
        action (list[str] | None | Unset): e.g. `app.policy_changed`
        since (datetime.datetime | None | Unset): At or after
        until (datetime.datetime | None | Unset): Before
        request (None | str | Unset): The request that made the changes: an `X-Request-ID`, or the
            id a CLI command or a job ran under (the `correlation_id` of the tasks it planned)
        format_ (AuditListFormatType0 | None | Unset): `csv` exports every matching entry (as does
            `Accept: text/csv`)
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageAuditEntryRead | Problem
    """

    return sync_detailed(
        client=client,
        actor=actor,
        actor_id=actor_id,
        object_type=object_type,
        object_=object_,
        action=action,
        since=since,
        until=until,
        request=request,
        format_=format_,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    actor: None | str | Unset = UNSET,
    actor_id: int | None | Unset = UNSET,
    object_type: None | ObjectType | Unset = UNSET,
    object_: None | str | Unset = UNSET,
    action: list[str] | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    request: None | str | Unset = UNSET,
    format_: AuditListFormatType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[PageAuditEntryRead | Problem]:
    """List Audit

     Every change to apps (credentials and policy included), approvals, mappings, rules,
    roles, users, groups, tokens and webhooks: who, when, what, and the changed fields before
    and after. Oldest first, in cursor pages; as CSV, every matching entry in one file.

    Args:
        actor (None | str | Unset): The actor's name
        actor_id (int | None | Unset): The actor's token id
        object_type (None | ObjectType | Unset):
        object_ (None | str | Unset): The object's id (a number, or a SCIM group's id); use with
            `object_type`
        action (list[str] | None | Unset): e.g. `app.policy_changed`
        since (datetime.datetime | None | Unset): At or after
        until (datetime.datetime | None | Unset): Before
        request (None | str | Unset): The request that made the changes: an `X-Request-ID`, or the
            id a CLI command or a job ran under (the `correlation_id` of the tasks it planned)
        format_ (AuditListFormatType0 | None | Unset): `csv` exports every matching entry (as does
            `Accept: text/csv`)
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageAuditEntryRead | Problem]
    """

    kwargs = _get_kwargs(
        actor=actor,
        actor_id=actor_id,
        object_type=object_type,
        object_=object_,
        action=action,
        since=since,
        until=until,
        request=request,
        format_=format_,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    actor: None | str | Unset = UNSET,
    actor_id: int | None | Unset = UNSET,
    object_type: None | ObjectType | Unset = UNSET,
    object_: None | str | Unset = UNSET,
    action: list[str] | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    request: None | str | Unset = UNSET,
    format_: AuditListFormatType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> PageAuditEntryRead | Problem | None:
    """List Audit

     Every change to apps (credentials and policy included), approvals, mappings, rules,
    roles, users, groups, tokens and webhooks: who, when, what, and the changed fields before
    and after. Oldest first, in cursor pages; as CSV, every matching entry in one file.

    Args:
        actor (None | str | Unset): The actor's name
        actor_id (int | None | Unset): The actor's token id
        object_type (None | ObjectType | Unset):
        object_ (None | str | Unset): The object's id (a number, or a SCIM group's id); use with
            `object_type`
        action (list[str] | None | Unset): e.g. `app.policy_changed`
        since (datetime.datetime | None | Unset): At or after
        until (datetime.datetime | None | Unset): Before
        request (None | str | Unset): The request that made the changes: an `X-Request-ID`, or the
            id a CLI command or a job ran under (the `correlation_id` of the tasks it planned)
        format_ (AuditListFormatType0 | None | Unset): `csv` exports every matching entry (as does
            `Accept: text/csv`)
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` from the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageAuditEntryRead | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            actor=actor,
            actor_id=actor_id,
            object_type=object_type,
            object_=object_,
            action=action,
            since=since,
            until=until,
            request=request,
            format_=format_,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
