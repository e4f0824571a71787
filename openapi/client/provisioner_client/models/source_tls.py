from enum import StrEnum


class SourceTls(StrEnum):
    LDAPS = "ldaps"
    PLAINTEXT = "plaintext"
    STARTTLS = "starttls"

    def __str__(self) -> str:
        return str(self.value)
