from enum import StrEnum


class ConnectionReportFailedStepType0(StrEnum):
    BIND = "bind"
    CONNECT = "connect"
    SEARCH = "search"

    def __str__(self) -> str:
        return str(self.value)
