from enum import StrEnum


class AppUpdateCloud(StrEnum):
    CHINA = "china"
    GLOBAL = "global"
    SANDBOX = "sandbox"
    USGOV = "usgov"

    def __str__(self) -> str:
        return str(self.value)
