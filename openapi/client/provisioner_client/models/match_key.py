from enum import StrEnum


class MatchKey(StrEnum):
    IMMUTABLE_ID = "immutable_id"
    MAIL = "mail"
    USER_PRINCIPAL_NAME = "user_principal_name"

    def __str__(self) -> str:
        return str(self.value)
