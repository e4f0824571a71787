from enum import StrEnum


class CheckUserResult(StrEnum):
    WILL_BE_MAPPED = "will be mapped"
    WILL_NOT_BE_MAPPED = "will not be mapped"

    def __str__(self) -> str:
        return str(self.value)
