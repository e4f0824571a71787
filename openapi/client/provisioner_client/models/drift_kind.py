from enum import StrEnum


class DriftKind(StrEnum):
    ACCOUNT_ENABLED = "account_enabled"
    ATTRIBUTES = "attributes"
    DELETED = "deleted"
    GROUPS = "groups"
    LICENSES = "licenses"

    def __str__(self) -> str:
        return str(self.value)
