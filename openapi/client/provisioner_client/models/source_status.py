from enum import StrEnum


class SourceStatus(StrEnum):
    ERROR = "error"
    HELD = "held"
    IDLE = "idle"
    RUNNING = "running"

    def __str__(self) -> str:
        return str(self.value)
