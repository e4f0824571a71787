from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.step_status import StepStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.graph_call_read import GraphCallRead
    from ..models.step_error_read import StepErrorRead


T = TypeVar("T", bound="OnDemandStep")


@_attrs_define
class OnDemandStep:
    """One step of the run: the look-up first, then link or create, attributes, licenses,
    groups and write-back, with the Graph requests that served it.

        Attributes:
            kind (str): `lookup`, or a step kind (link, create, attributes, ...)
            status (StepStatus): What became of a step: `outcome.decide` of its answer, or `skipped` when it was not
                sent because Graph refused the same value before (in another task).
            target (None | str):
            error (None | StepErrorRead | Unset):
            graph (list[GraphCallRead] | Unset):
            reason (None | str | Unset):
    """

    kind: str
    status: StepStatus
    target: None | str
    error: None | StepErrorRead | Unset = UNSET
    graph: list[GraphCallRead] | Unset = UNSET
    reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.step_error_read import StepErrorRead  # noqa: PLC0415

        kind = self.kind

        status = self.status.value

        target: None | str
        target = self.target

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, StepErrorRead):
            error = self.error.to_dict()
        else:
            error = self.error

        graph: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.graph, Unset):
            graph = []
            for graph_item_data in self.graph:
                graph_item = graph_item_data.to_dict()
                graph.append(graph_item)

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "status": status,
                "target": target,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if graph is not UNSET:
            field_dict["graph"] = graph
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.graph_call_read import GraphCallRead  # noqa: PLC0415
        from ..models.step_error_read import StepErrorRead  # noqa: PLC0415

        d = dict(src_dict)
        kind = d.pop("kind")

        status = StepStatus(d.pop("status"))

        def _parse_target(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        target = _parse_target(d.pop("target"))

        def _parse_error(data: object) -> None | StepErrorRead | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = StepErrorRead.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StepErrorRead | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        _graph = d.pop("graph", UNSET)
        graph: list[GraphCallRead] | Unset = UNSET
        if _graph is not UNSET:
            graph = []
            for graph_item_data in _graph:
                graph_item = GraphCallRead.from_dict(graph_item_data)

                graph.append(graph_item)

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        on_demand_step = cls(
            kind=kind,
            status=status,
            target=target,
            error=error,
            graph=graph,
            reason=reason,
        )

        on_demand_step.additional_properties = d
        return on_demand_step

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
