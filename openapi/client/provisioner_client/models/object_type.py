from enum import StrEnum


class ObjectType(StrEnum):
    APP = "app"
    GROUP = "group"
    MAPPING = "mapping"
    ROLE = "role"
    RULE = "rule"
    SCIM_GROUP = "scim_group"
    SOURCE = "source"
    TASK = "task"
    TENANT_ACCOUNT = "tenant_account"
    TOKEN = "token"
    USER = "user"
    WEBHOOK = "webhook"

    def __str__(self) -> str:
        return str(self.value)
