from enum import StrEnum


class AppCreateOnUserDeleted(StrEnum):
    DELETE = "delete"
    NOTHING = "nothing"
    SUSPEND = "suspend"

    def __str__(self) -> str:
        return str(self.value)
