from enum import StrEnum


class SourceAnchor(StrEnum):
    ENTRYUUID = "entryUUID"
    MS_DS_CONSISTENCYGUID = "mS-DS-ConsistencyGuid"
    OBJECTGUID = "objectGUID"

    def __str__(self) -> str:
        return str(self.value)
