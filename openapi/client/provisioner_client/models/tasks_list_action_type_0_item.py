from enum import StrEnum


class TasksListActionType0Item(StrEnum):
    CREATE = "create"
    DELETE = "delete"
    REACTIVATE = "reactivate"
    SUSPEND = "suspend"
    UPDATE = "update"

    def __str__(self) -> str:
        return str(self.value)
