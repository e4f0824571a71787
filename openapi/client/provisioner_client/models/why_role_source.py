from enum import StrEnum


class WhyRoleSource(StrEnum):
    MANUAL = "manual"
    MAPPING = "mapping"

    def __str__(self) -> str:
        return str(self.value)
