from enum import StrEnum


class ParameterInSource(StrEnum):
    CONSTANT = "constant"
    FIELD = "field"
    TEMPLATE = "template"

    def __str__(self) -> str:
        return str(self.value)
