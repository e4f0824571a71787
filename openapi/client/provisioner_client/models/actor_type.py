from enum import StrEnum


class ActorType(StrEnum):
    CLI = "cli"
    SCIM = "scim"
    SOURCE = "source"
    SYSTEM = "system"
    TOKEN = "token"

    def __str__(self) -> str:
        return str(self.value)
