from enum import StrEnum


class DeprovisionPolicy(StrEnum):
    DELETE = "delete"
    NOTHING = "nothing"
    SUSPEND = "suspend"

    def __str__(self) -> str:
        return str(self.value)
