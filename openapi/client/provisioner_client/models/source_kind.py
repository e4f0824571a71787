from enum import StrEnum


class SourceKind(StrEnum):
    ACTIVE_DIRECTORY = "active_directory"
    LDAP = "ldap"

    def __str__(self) -> str:
        return str(self.value)
