from enum import StrEnum


class StepKind(StrEnum):
    ATTRIBUTES = "attributes"
    CREATE = "create"
    DELETE = "delete"
    GROUP_ADD = "group_add"
    GROUP_REMOVE = "group_remove"
    LICENSE_ADD = "license_add"
    LICENSE_REMOVE = "license_remove"
    LINK = "link"
    RESTORE = "restore"
    WRITE_BACK = "write_back"

    def __str__(self) -> str:
        return str(self.value)
