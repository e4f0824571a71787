from enum import StrEnum


class DriftPolicyLicenses(StrEnum):
    ENFORCE = "enforce"
    REPORT = "report"

    def __str__(self) -> str:
        return str(self.value)
