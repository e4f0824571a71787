from enum import StrEnum


class TaskStatus(StrEnum):
    BLOCKED = "blocked"
    CANCELLED = "cancelled"
    DENIED = "denied"
    FAILED = "failed"
    PENDING_APPROVAL = "pending_approval"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
