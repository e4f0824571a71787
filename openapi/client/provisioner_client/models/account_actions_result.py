from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.account_action import AccountAction

if TYPE_CHECKING:
    from ..models.account_action_result import AccountActionResult


T = TypeVar("T", bound="AccountActionsResult")


@_attrs_define
class AccountActionsResult:
    """
    Attributes:
        action (AccountAction):
        failed (int):
        results (list[AccountActionResult]):
        succeeded (int):
    """

    action: AccountAction
    failed: int
    results: list[AccountActionResult]
    succeeded: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        failed = self.failed

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        succeeded = self.succeeded

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "failed": failed,
                "results": results,
                "succeeded": succeeded,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.account_action_result import AccountActionResult  # noqa: PLC0415

        d = dict(src_dict)
        action = AccountAction(d.pop("action"))

        failed = d.pop("failed")

        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = AccountActionResult.from_dict(results_item_data)

            results.append(results_item)

        succeeded = d.pop("succeeded")

        account_actions_result = cls(
            action=action,
            failed=failed,
            results=results,
            succeeded=succeeded,
        )

        account_actions_result.additional_properties = d
        return account_actions_result

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
