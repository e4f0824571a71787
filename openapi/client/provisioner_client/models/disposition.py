from enum import StrEnum


class Disposition(StrEnum):
    CONFLICT = "conflict"
    DEPROVISIONED = "deprovisioned"
    DEPROVISIONING = "deprovisioning"
    IGNORED = "ignored"
    IMPORTED = "imported"

    def __str__(self) -> str:
        return str(self.value)
