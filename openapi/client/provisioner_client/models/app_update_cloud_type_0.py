from enum import StrEnum


class AppUpdateCloudType0(StrEnum):
    CHINA = "china"
    GLOBAL = "global"
    SANDBOX = "sandbox"
    USGOV = "usgov"

    def __str__(self) -> str:
        return str(self.value)
