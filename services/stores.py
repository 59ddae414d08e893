"""A merchant's stores, added and listed by the owner (`/addstore`, `/stores`).

A store is where codes are redeemed and what "near me" measures to, so its location
is required; its opening hours follow `services.hours` (or are left empty).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from services.catalog import StoreView, is_chinese, store_view
from services.database import Database
from services.hours import parse_hours
from services.staff import owned_merchant
from storage.models import Merchant, MerchantStatus, Store

NAME_LENGTH = (2, 60)
ADDRESS_LENGTH = (4, 200)


@dataclass(frozen=True)
class StoreForm:
    """A new store, as the owner entered it (checked by the `check_*` functions)."""

    name: str
    address: str
    lat: float
    lon: float
    opening_hours: str
    phone: str | None


def check_store_name(text: str) -> str | None:
    """The store's name, trimmed, 2 to 60 characters with some letters; else None."""
    name = " ".join(text.split())
    ok = NAME_LENGTH[0] <= len(name) <= NAME_LENGTH[1] and any(c.isalnum() for c in name)
    return name if ok else None


def check_address(text: str) -> str | None:
    """The street address, trimmed, 4 to 200 characters; else None."""
    address = " ".join(text.split())
    ok = ADDRESS_LENGTH[0] <= len(address) <= ADDRESS_LENGTH[1] and any(
        c.isalnum() for c in address)
    return address if ok else None


def check_coordinates(lat: float, lon: float) -> bool:
    """Real coordinates (not NaN, within range, not the 0,0 of a broken GPS)."""
    return (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
            and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0))


def check_hours(text: str) -> str | None:
    """Opening hours in the `services.hours` grammar ("-" for none); None if unreadable.

    Full-width digits and colons (typed on Chinese keyboards) are accepted.
    """
    hours = unicodedata.normalize("NFKC", text).strip().replace("：", ":").replace("－", "-")
    if hours in ("-", "无", "none"):
        return ""
    return hours if len(hours) <= 200 and parse_hours(hours) is not None else None


async def add_store(db: Database, owner_user_id: int, form: StoreForm,
                    now: datetime) -> StoreView | None:
    """Add a store to the owner's approved merchant; None when they have none."""
    merchant = await owned_merchant(db, owner_user_id)
    if merchant is None:
        return None
    async with db.transaction() as session:
        row = await session.get(Merchant, merchant.id)
        if row is None or row.status != MerchantStatus.APPROVED:
            return None
        chinese = is_chinese(form.name + form.address)
        store = Store(
            merchant_id=merchant.id,
            name_zh=form.name if chinese else None, name_en=None if chinese else form.name,
            address_zh=form.address if chinese else None,
            address_en=None if chinese else form.address,
            lat=form.lat, lon=form.lon, opening_hours=form.opening_hours, phone=form.phone,
            created_at=now,
        )
        session.add(store)
        await session.flush()
        return store_view(store)


async def list_stores(db: Database, owner_user_id: int) -> list[StoreView] | None:
    """The owner's merchant's stores, oldest first; None for non-owners."""
    merchant = await owned_merchant(db, owner_user_id)
    if merchant is None:
        return None
    async with db.session() as session:
        stores = (await session.exec(select(Store).where(Store.merchant_id == merchant.id)
                                     .order_by(col(Store.id)))).all()
    return [store_view(s) for s in stores]

