from enum import StrEnum


class AppCreateOnAppRemoved(StrEnum):
    DELETE = "delete"
    NOTHING = "nothing"
    SUSPEND = "suspend"

    def __str__(self) -> str:
        return str(self.value)
