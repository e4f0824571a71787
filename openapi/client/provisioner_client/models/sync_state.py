from enum import StrEnum


class SyncState(StrEnum):
    IDLE = "idle"
    QUARANTINED = "quarantined"
    RUNNING = "running"

    def __str__(self) -> str:
        return str(self.value)
