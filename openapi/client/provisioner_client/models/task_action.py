from enum import StrEnum


class TaskAction(StrEnum):
    CREATE = "create"
    DELETE = "delete"
    REACTIVATE = "reactivate"
    SUSPEND = "suspend"
    UPDATE = "update"

    def __str__(self) -> str:
        return str(self.value)
