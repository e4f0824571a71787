from enum import StrEnum


class StepStatus(StrEnum):
    BLOCKED = "blocked"
    FAILED = "failed"
    RETRY = "retry"
    SKIPPED = "skipped"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
