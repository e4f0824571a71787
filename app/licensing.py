"""Microsoft's product names for license SKUs ("Office 365 E3" for `ENTERPRISEPACK`).

The names come from Microsoft's published table "Product names and service plan identifiers
for licensing", shipped as `app/data/licensing_products.csv` (its source and date are in
`app/data/README.md`). Graph's `subscribedSkus` gives only the part number and the GUID, so
without this table an admin reads `ENTERPRISEPACK` where the admin center says "Office 365 E3".
A SKU the table does not know (newer than the copy, or a trial) falls back to its part number.
Imports nothing from `app`: every layer may ask.
"""

from __future__ import annotations

import csv
import importlib.resources
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Product:
    part_number: str  # Microsoft's "String ID", Graph's skuPartNumber
    sku_id: str  # "GUID", Graph's skuId (lower case)
    name: str  # "Product name", as the admin center shows it


@cache
def _table() -> tuple[dict[str, Product], dict[str, Product]]:
    text = (
        importlib.resources.files("app")
        .joinpath("data/licensing_products.csv")
        .read_text(encoding="utf-8")
    )
    by_id: dict[str, Product] = {}
    by_part: dict[str, Product] = {}
    for row in csv.DictReader(text.splitlines()):
        product = Product(row["String_Id"], row["GUID"].lower(), row["Product_Display_Name"])
        by_id.setdefault(product.sku_id, product)
        by_part.setdefault(product.part_number.upper(), product)
    return by_id, by_part


def product(sku_id: str | None = None, part_number: str | None = None) -> Product | None:
    """The product with this SKU GUID (or, failing that, this part number)."""
    by_id, by_part = _table()
    if sku_id and (found := by_id.get(sku_id.strip().lower())):
        return found
    if part_number:
        return by_part.get(part_number.strip().upper())
    return None


def product_name(sku_id: str | None = None, part_number: str | None = None) -> str | None:
    """Microsoft's name of the SKU, or None when the table does not know it."""
    found = product(sku_id, part_number)
    return found.name if found else None


def license_label(sku_id: str, part_number: str | None = None) -> str:
    """How a license reads in explanations and logs: the product name, else the part number,
    else the GUID (e.g. "Office 365 E3")."""
    return product_name(sku_id, part_number) or part_number or sku_id
