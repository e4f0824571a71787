from enum import StrEnum


class Scope(StrEnum):
    ADMIN = "admin"
    APPROVE = "approve"
    READ = "read"
    SCIM = "scim"
    WRITE = "write"

    def __str__(self) -> str:
        return str(self.value)
