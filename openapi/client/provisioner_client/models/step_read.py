from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.step_kind import StepKind
from ..models.step_status import StepStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.step_error_read import StepErrorRead


T = TypeVar("T", bound="StepRead")


@_attrs_define
class StepRead:
    """One part of the task's work in the tenant and what became of it.

    Attributes:
        error (None | StepErrorRead):
        kind (StepKind): One part of a task's work in the tenant, with its own outcome.
        status (StepStatus): What became of a step: `outcome.decide` of its answer, or `skipped` when it was not
            sent because Graph refused the same value before (in another task).
        target (None | str): What the step changes: the attribute names of the PATCH, the sku id, the group id, the
            userPrincipalName (link, create) or the tenant object id
        reason (None | str | Unset): Why it waits, or why it was not sent
    """

    error: None | StepErrorRead
    kind: StepKind
    status: StepStatus
    target: None | str
    reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.step_error_read import StepErrorRead  # noqa: PLC0415

        error: dict[str, Any] | None
        if isinstance(self.error, StepErrorRead):
            error = self.error.to_dict()
        else:
            error = self.error

        kind = self.kind.value

        status = self.status.value

        target: None | str
        target = self.target

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "kind": kind,
                "status": status,
                "target": target,
            }
        )
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.step_error_read import StepErrorRead  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_error(data: object) -> None | StepErrorRead:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = StepErrorRead.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StepErrorRead, data)

        error = _parse_error(d.pop("error"))

        kind = StepKind(d.pop("kind"))

        status = StepStatus(d.pop("status"))

        def _parse_target(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        target = _parse_target(d.pop("target"))

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        step_read = cls(
            error=error,
            kind=kind,
            status=status,
            target=target,
            reason=reason,
        )

        step_read.additional_properties = d
        return step_read

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
