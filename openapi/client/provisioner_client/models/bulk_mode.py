from enum import StrEnum


class BulkMode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    PER_ITEM = "per_item"

    def __str__(self) -> str:
        return str(self.value)
