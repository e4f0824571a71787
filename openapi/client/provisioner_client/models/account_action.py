from enum import StrEnum


class AccountAction(StrEnum):
    DEPROVISION = "deprovision"
    IGNORE = "ignore"
    IMPORT = "import"
    LINK = "link"

    def __str__(self) -> str:
        return str(self.value)
