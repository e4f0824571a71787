from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus

if TYPE_CHECKING:
    from ..models.job_progress import JobProgress
    from ..models.job_read_params import JobReadParams
    from ..models.job_read_result_type_0 import JobReadResultType0


T = TypeVar("T", bound="JobRead")


@_attrs_define
class JobRead:
    """
    Attributes:
        attempts (int):
        created_at (datetime.datetime):
        created_by (None | str):
        error (None | str):
        finished_at (datetime.datetime | None):
        id (int):
        kind (str):
        params (JobReadParams):
        progress (JobProgress):
        result (JobReadResultType0 | None):
        started_at (datetime.datetime | None):
        status (JobStatus):
    """

    attempts: int
    created_at: datetime.datetime
    created_by: None | str
    error: None | str
    finished_at: datetime.datetime | None
    id: int
    kind: str
    params: JobReadParams
    progress: JobProgress
    result: JobReadResultType0 | None
    started_at: datetime.datetime | None
    status: JobStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_read_result_type_0 import JobReadResultType0  # noqa: PLC0415

        attempts = self.attempts

        created_at = self.created_at.isoformat()

        created_by: None | str
        created_by = self.created_by

        error: None | str
        error = self.error

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = self.id

        kind = self.kind

        params = self.params.to_dict()

        progress = self.progress.to_dict()

        result: dict[str, Any] | None
        if isinstance(self.result, JobReadResultType0):
            result = self.result.to_dict()
        else:
            result = self.result

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "created_at": created_at,
                "created_by": created_by,
                "error": error,
                "finished_at": finished_at,
                "id": id,
                "kind": kind,
                "params": params,
                "progress": progress,
                "result": result,
                "started_at": started_at,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_progress import JobProgress  # noqa: PLC0415
        from ..models.job_read_params import JobReadParams  # noqa: PLC0415
        from ..models.job_read_result_type_0 import JobReadResultType0  # noqa: PLC0415

        d = dict(src_dict)
        attempts = d.pop("attempts")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_created_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_by = _parse_created_by(d.pop("created_by"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

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

        id = d.pop("id")

        kind = d.pop("kind")

        params = JobReadParams.from_dict(d.pop("params"))

        progress = JobProgress.from_dict(d.pop("progress"))

        def _parse_result(data: object) -> JobReadResultType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                result_type_0 = JobReadResultType0.from_dict(data)

                return result_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobReadResultType0 | None, data)

        result = _parse_result(d.pop("result"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        status = JobStatus(d.pop("status"))

        job_read = cls(
            attempts=attempts,
            created_at=created_at,
            created_by=created_by,
            error=error,
            finished_at=finished_at,
            id=id,
            kind=kind,
            params=params,
            progress=progress,
            result=result,
            started_at=started_at,
            status=status,
        )

        job_read.additional_properties = d
        return job_read

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
