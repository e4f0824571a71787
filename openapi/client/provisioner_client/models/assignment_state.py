from enum import StrEnum


class AssignmentState(StrEnum):
    DELETED = "deleted"
    ERROR = "error"
    PARTIAL = "partial"
    PENDING = "pending"
    PROVISIONED = "provisioned"
    SUSPENDED = "suspended"

    def __str__(self) -> str:
        return str(self.value)
