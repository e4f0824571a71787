from enum import StrEnum


class DriftPolicyAttributes(StrEnum):
    ADOPT = "adopt"
    ENFORCE = "enforce"
    REPORT = "report"

    def __str__(self) -> str:
        return str(self.value)
