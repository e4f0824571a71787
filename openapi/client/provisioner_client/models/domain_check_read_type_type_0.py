from enum import StrEnum


class DomainCheckReadTypeType0(StrEnum):
    FEDERATED = "Federated"
    MANAGED = "Managed"

    def __str__(self) -> str:
        return str(self.value)
