from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.connection_report_failed_step_type_0 import ConnectionReportFailedStepType0
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.search_result import SearchResult
    from ..models.server_info import ServerInfo
    from ..models.step_result import StepResult


T = TypeVar("T", bound="ConnectionReport")


@_attrs_define
class ConnectionReport:
    """
    Attributes:
        bind (StepResult):
        connect (StepResult):
        duration_ms (int):
        ok (bool): Connected, bound, and every base DN searched
        searches (list[SearchResult]):
        failed_step (ConnectionReportFailedStepType0 | None | Unset): The first step that failed
        server (None | ServerInfo | Unset):
    """

    bind: StepResult
    connect: StepResult
    duration_ms: int
    ok: bool
    searches: list[SearchResult]
    failed_step: ConnectionReportFailedStepType0 | None | Unset = UNSET
    server: None | ServerInfo | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.server_info import ServerInfo  # noqa: PLC0415

        bind = self.bind.to_dict()

        connect = self.connect.to_dict()

        duration_ms = self.duration_ms

        ok = self.ok

        searches = []
        for searches_item_data in self.searches:
            searches_item = searches_item_data.to_dict()
            searches.append(searches_item)

        failed_step: None | str | Unset
        if isinstance(self.failed_step, Unset):
            failed_step = UNSET
        elif isinstance(self.failed_step, ConnectionReportFailedStepType0):
            failed_step = self.failed_step.value
        else:
            failed_step = self.failed_step

        server: dict[str, Any] | None | Unset
        if isinstance(self.server, Unset):
            server = UNSET
        elif isinstance(self.server, ServerInfo):
            server = self.server.to_dict()
        else:
            server = self.server

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bind": bind,
                "connect": connect,
                "duration_ms": duration_ms,
                "ok": ok,
                "searches": searches,
            }
        )
        if failed_step is not UNSET:
            field_dict["failed_step"] = failed_step
        if server is not UNSET:
            field_dict["server"] = server

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.search_result import SearchResult  # noqa: PLC0415
        from ..models.server_info import ServerInfo  # noqa: PLC0415
        from ..models.step_result import StepResult  # noqa: PLC0415

        d = dict(src_dict)
        bind = StepResult.from_dict(d.pop("bind"))

        connect = StepResult.from_dict(d.pop("connect"))

        duration_ms = d.pop("duration_ms")

        ok = d.pop("ok")

        searches = []
        _searches = d.pop("searches")
        for searches_item_data in _searches:
            searches_item = SearchResult.from_dict(searches_item_data)

            searches.append(searches_item)

        def _parse_failed_step(data: object) -> ConnectionReportFailedStepType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                failed_step_type_0 = ConnectionReportFailedStepType0(data)

                return failed_step_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConnectionReportFailedStepType0 | None | Unset, data)

        failed_step = _parse_failed_step(d.pop("failed_step", UNSET))

        def _parse_server(data: object) -> None | ServerInfo | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                server_type_0 = ServerInfo.from_dict(data)

                return server_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ServerInfo | Unset, data)

        server = _parse_server(d.pop("server", UNSET))

        connection_report = cls(
            bind=bind,
            connect=connect,
            duration_ms=duration_ms,
            ok=ok,
            searches=searches,
            failed_step=failed_step,
            server=server,
        )

        connection_report.additional_properties = d
        return connection_report

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
