"""A merchant's stores, added, listed and edited by the owner (`/addstore`, `/stores`).

A store is where codes are redeemed and what "near me" measures to, so its location
is required; its opening hours follow `services.catalog.hours` (or are left empty).

Search reads stores live: `storage.geo.deals_near` measures to the `stores` rows and
the "open now" filter reads their hours, while `Deal.search_text` holds no store
names or places. So editing a store needs no other data rebuilt: the next search
already sees its new place, name and hours.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select

from services.catalog.deal_cards import StoreView, is_chinese, store_view
from services.catalog.hours import parse_hours
from services.merchants.deals import owned_merchant_ids
from services.platform.database import Database
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
    """Opening hours in the `services.catalog.hours` grammar ("-" for none); None if unreadable.

    Full-width digits and colons (typed on Chinese keyboards) are accepted.
    """
    hours = unicodedata.normalize("NFKC", text).strip().replace("：", ":").replace("－", "-")
    if hours in ("-", "无", "none"):
        return ""
    return hours if len(hours) <= 200 and parse_hours(hours) is not None else None


async def add_store(db: Database, merchant_id: int, form: StoreForm,
                    now: datetime) -> StoreView | None:
    """Add a store to the owner's merchant (the caller checked it is theirs); None when
    the merchant is not approved at the moment of writing."""
    async with db.transaction() as session:
        row = await session.get(Merchant, merchant_id)
        if row is None or row.status != MerchantStatus.APPROVED:
            return None
        chinese = is_chinese(form.name + form.address)
        store = Store(
            merchant_id=merchant_id,
            name_zh=form.name if chinese else None, name_en=None if chinese else form.name,
            address_zh=form.address if chinese else None,
            address_en=None if chinese else form.address,
            lat=form.lat, lon=form.lon, opening_hours=form.opening_hours, phone=form.phone,
            created_at=now,
        )
        session.add(store)
        await session.flush()
        return store_view(store)


async def list_stores(db: Database, merchant_id: int) -> list[StoreView]:
    """The merchant's stores, oldest first."""
    async with db.session() as session:
        stores = (await session.exec(select(Store).where(Store.merchant_id == merchant_id)
                                     .order_by(col(Store.id)))).all()
    return [store_view(s) for s in stores]


@dataclass(frozen=True)
class StoreChanges:
    """What an owner changes in a store; a field left None stays as it is.

    `opening_hours` "" means "no hours given" and `phone` "" removes the phone, as in
    /addstore. Each value must have passed its `check_*` function.
    """

    name: str | None = None
    address: str | None = None
    location: tuple[float, float] | None = None  # (lat, lon)
    opening_hours: str | None = None
    phone: str | None = None

    def empty(self) -> bool:
        """Nothing is changed."""
        return all(v is None for v in (self.name, self.address, self.location,
                                       self.opening_hours, self.phone))


async def owned_store(db: Database, owner_user_id: int, store_id: int) -> StoreView | None:
    """The store, when it belongs to an approved merchant this person owns; else None
    (someone else's store, staff, a shopper, an unknown id)."""
    async with db.session() as session:
        mine = col(Store.merchant_id).in_(owned_merchant_ids(owner_user_id, approved=True))
        store = (await session.exec(select(Store).where(Store.id == store_id, mine))).first()
    return store_view(store) if store is not None else None


def _bilingual(column: str, text: str) -> dict[str, str | None]:
    """A new name or address goes in the column of its script; the other language's
    version is cleared, as it would now be out of date (readers fall back to this one)."""
    chinese = is_chinese(text)
    return {f"{column}_zh": text if chinese else None,
            f"{column}_en": None if chinese else text}


def _store_values(changes: StoreChanges) -> dict[str, object]:
    """The column values of `changes`, checked again (a handler's bug must not store
    a name or place /addstore would refuse)."""
    values: dict[str, object] = {}
    if changes.name is not None:
        if check_store_name(changes.name) != changes.name:
            raise ValueError(f"bad store name {changes.name!r}")
        values.update(_bilingual("name", changes.name))
    if changes.address is not None:
        if check_address(changes.address) != changes.address:
            raise ValueError(f"bad address {changes.address!r}")
        values.update(_bilingual("address", changes.address))
    if changes.location is not None:
        lat, lon = changes.location
        if not check_coordinates(lat, lon):
            raise ValueError(f"impossible coordinates {lat}, {lon}")
        values.update(lat=lat, lon=lon)
    if changes.opening_hours is not None:
        if changes.opening_hours and check_hours(changes.opening_hours) != changes.opening_hours:
            raise ValueError(f"bad opening hours {changes.opening_hours!r}")
        values["opening_hours"] = changes.opening_hours
    if changes.phone is not None:
        if len(changes.phone) > 32:
            raise ValueError(f"bad phone {changes.phone!r}")
        values["phone"] = changes.phone or None
    return values


async def update_store(db: Database, owner_user_id: int, store_id: int,
                       changes: StoreChanges) -> StoreView | None:
    """Change a store of the owner's own approved merchant and return it as it now is.

    Ownership is part of the UPDATE's WHERE clause, so it holds at the moment of
    writing: for anyone else (another merchant's owner, staff, a shopper, a merchant no
    longer approved, a store that is gone) nothing changes and the answer is None.
    Raises ValueError for a value its `check_*` function would refuse.
    """
    values = _store_values(changes)
    async with db.transaction() as session:
        mine = (Store.id == store_id) & col(Store.merchant_id).in_(
            owned_merchant_ids(owner_user_id, approved=True))
        if values:
            result = await session.exec(  # type: ignore[call-overload]
                update(Store).where(mine).values(**values)
                .execution_options(synchronize_session=False))
            if result.rowcount != 1:
                return None
        store = (await session.exec(
            select(Store).where(mine).execution_options(populate_existing=True))).first()
        return store_view(store) if store is not None else None
