from enum import StrEnum


class AssignmentTarget(StrEnum):
    DELETED = "deleted"
    PRESENT = "present"
    SUSPENDED = "suspended"
    UNMANAGED = "unmanaged"

    def __str__(self) -> str:
        return str(self.value)
