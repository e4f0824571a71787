from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.graph_call_read import GraphCallRead
    from ..models.log_step_error_type_0 import LogStepErrorType0


T = TypeVar("T", bound="LogStep")


@_attrs_define
class LogStep:
    """
    Attributes:
        error (LogStepErrorType0 | None): Graph's code, message, status, request id
        graph_call (GraphCallRead | None): The request that carried the step
        kind (str):
        reason (None | str):
        status (str):
        target (None | str):
        target_name (None | str): The license's product name, the group's name
        text (str): e.g. added license Office 365 E3: succeeded
    """

    error: LogStepErrorType0 | None
    graph_call: GraphCallRead | None
    kind: str
    reason: None | str
    status: str
    target: None | str
    target_name: None | str
    text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.graph_call_read import GraphCallRead  # noqa: PLC0415
        from ..models.log_step_error_type_0 import LogStepErrorType0  # noqa: PLC0415

        error: dict[str, Any] | None
        if isinstance(self.error, LogStepErrorType0):
            error = self.error.to_dict()
        else:
            error = self.error

        graph_call: dict[str, Any] | None
        if isinstance(self.graph_call, GraphCallRead):
            graph_call = self.graph_call.to_dict()
        else:
            graph_call = self.graph_call

        kind = self.kind

        reason: None | str
        reason = self.reason

        status = self.status

        target: None | str
        target = self.target

        target_name: None | str
        target_name = self.target_name

        text = self.text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "graph_call": graph_call,
                "kind": kind,
                "reason": reason,
                "status": status,
                "target": target,
                "target_name": target_name,
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.graph_call_read import GraphCallRead  # noqa: PLC0415
        from ..models.log_step_error_type_0 import LogStepErrorType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_error(data: object) -> LogStepErrorType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = LogStepErrorType0.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LogStepErrorType0 | None, data)

        error = _parse_error(d.pop("error"))

        def _parse_graph_call(data: object) -> GraphCallRead | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                graph_call_type_0 = GraphCallRead.from_dict(data)

                return graph_call_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(GraphCallRead | None, data)

        graph_call = _parse_graph_call(d.pop("graph_call"))

        kind = d.pop("kind")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        status = d.pop("status")

        def _parse_target(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        target = _parse_target(d.pop("target"))

        def _parse_target_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        target_name = _parse_target_name(d.pop("target_name"))

        text = d.pop("text")

        log_step = cls(
            error=error,
            graph_call=graph_call,
            kind=kind,
            reason=reason,
            status=status,
            target=target,
            target_name=target_name,
            text=text,
        )

        log_step.additional_properties = d
        return log_step

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
