from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.graph_call_read import GraphCallRead
    from ..models.log_event import LogEvent
    from ..models.log_step import LogStep
    from ..models.named_ref import NamedRef
    from ..models.why_read import WhyRead


T = TypeVar("T", bound="ProvisioningLogEntry")


@_attrs_define
class ProvisioningLogEntry:
    """
    Attributes:
        action (str):
        app (NamedRef):
        approved_by (None | str):
        correlation_id (None | str): What planned the task: the API request's X-Request-ID, or the id of the job or CLI
            command (the audit trail's `request_id` of the change behind it)
        created_at (datetime.datetime):
        denied_by (None | str):
        events (list[LogEvent]):
        finished_at (datetime.datetime | None):
        graph_calls (list[GraphCallRead]):
        reason (None | str):
        status (str):
        steps (list[LogStep]):
        task_id (int):
        text (str): One line: who, what, where, how it ended
        user (NamedRef | None): null for the deprovisioning of a tenant account that belongs to no directory user (the
            text names the account)
        why (None | WhyRead): What grants the user's assignment now
    """

    action: str
    app: NamedRef
    approved_by: None | str
    correlation_id: None | str
    created_at: datetime.datetime
    denied_by: None | str
    events: list[LogEvent]
    finished_at: datetime.datetime | None
    graph_calls: list[GraphCallRead]
    reason: None | str
    status: str
    steps: list[LogStep]
    task_id: int
    text: str
    user: NamedRef | None
    why: None | WhyRead
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.named_ref import NamedRef  # noqa: PLC0415
        from ..models.why_read import WhyRead  # noqa: PLC0415

        action = self.action

        app = self.app.to_dict()

        approved_by: None | str
        approved_by = self.approved_by

        correlation_id: None | str
        correlation_id = self.correlation_id

        created_at = self.created_at.isoformat()

        denied_by: None | str
        denied_by = self.denied_by

        events = []
        for events_item_data in self.events:
            events_item = events_item_data.to_dict()
            events.append(events_item)

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        graph_calls = []
        for graph_calls_item_data in self.graph_calls:
            graph_calls_item = graph_calls_item_data.to_dict()
            graph_calls.append(graph_calls_item)

        reason: None | str
        reason = self.reason

        status = self.status

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        task_id = self.task_id

        text = self.text

        user: dict[str, Any] | None
        if isinstance(self.user, NamedRef):
            user = self.user.to_dict()
        else:
            user = self.user

        why: dict[str, Any] | None
        if isinstance(self.why, WhyRead):
            why = self.why.to_dict()
        else:
            why = self.why

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "app": app,
                "approved_by": approved_by,
                "correlation_id": correlation_id,
                "created_at": created_at,
                "denied_by": denied_by,
                "events": events,
                "finished_at": finished_at,
                "graph_calls": graph_calls,
                "reason": reason,
                "status": status,
                "steps": steps,
                "task_id": task_id,
                "text": text,
                "user": user,
                "why": why,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.graph_call_read import GraphCallRead  # noqa: PLC0415
        from ..models.log_event import LogEvent  # noqa: PLC0415
        from ..models.log_step import LogStep  # noqa: PLC0415
        from ..models.named_ref import NamedRef  # noqa: PLC0415
        from ..models.why_read import WhyRead  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        app = NamedRef.from_dict(d.pop("app"))

        def _parse_approved_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        approved_by = _parse_approved_by(d.pop("approved_by"))

        def _parse_correlation_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        correlation_id = _parse_correlation_id(d.pop("correlation_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_denied_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        denied_by = _parse_denied_by(d.pop("denied_by"))

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = LogEvent.from_dict(events_item_data)

            events.append(events_item)

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        graph_calls = []
        _graph_calls = d.pop("graph_calls")
        for graph_calls_item_data in _graph_calls:
            graph_calls_item = GraphCallRead.from_dict(graph_calls_item_data)

            graph_calls.append(graph_calls_item)

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        status = d.pop("status")

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = LogStep.from_dict(steps_item_data)

            steps.append(steps_item)

        task_id = d.pop("task_id")

        text = d.pop("text")

        def _parse_user(data: object) -> NamedRef | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                user_type_0 = NamedRef.from_dict(data)

                return user_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(NamedRef | None, data)

        user = _parse_user(d.pop("user"))

        def _parse_why(data: object) -> None | WhyRead:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                why_type_0 = WhyRead.from_dict(data)

                return why_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | WhyRead, data)

        why = _parse_why(d.pop("why"))

        provisioning_log_entry = cls(
            action=action,
            app=app,
            approved_by=approved_by,
            correlation_id=correlation_id,
            created_at=created_at,
            denied_by=denied_by,
            events=events,
            finished_at=finished_at,
            graph_calls=graph_calls,
            reason=reason,
            status=status,
            steps=steps,
            task_id=task_id,
            text=text,
            user=user,
            why=why,
        )

        provisioning_log_entry.additional_properties = d
        return provisioning_log_entry

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
