"""Which store a shopper means when they ask for a table: the stores taking bookings
(a seating set, the merchant approved), of one merchant or any, nearest a point first,
else the best rated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from services.catalog.deal_cards import Bilingual
from services.platform.database import Database
from storage.models import Merchant, MerchantStatus, Seating, Store


@dataclass(frozen=True)
class SeatingStore:
    """A store that takes bookings, as a button names it."""

    store_id: int
    merchant_id: int
    merchant_slug: str
    name: Bilingual
    lat: float
    lon: float


async def seating_stores(db: Database, *, merchant_slug: str | None = None,
                         store_ids: Sequence[int] | None = None,
                         near: tuple[float, float] | None = None,
                         category: str | None = None,
                         limit: int = 5) -> list[SeatingStore]:
    """Stores taking bookings (of the merchant `merchant_slug`, or among `store_ids`, or
    of merchants of `category`), nearest `near` first, else the best rated merchants'
    first."""
    query = (select(Store.id, Merchant.id, Merchant.slug, Store.name_zh, Store.name_en,
                    Merchant.name_zh, Merchant.name_en, Store.lat, Store.lon,
                    Merchant.rating_sum, Merchant.rating_count)
             .join(Seating, Seating.store_id == Store.id)  # type: ignore[arg-type]
             .join(Merchant, Merchant.id == Store.merchant_id)  # type: ignore[arg-type]
             .where(Merchant.status == MerchantStatus.APPROVED))  # type: ignore[arg-type]
    if merchant_slug is not None:
        query = query.where(Merchant.slug == merchant_slug)  # type: ignore[arg-type]
    if store_ids is not None:
        query = query.where(Store.id.in_(list(store_ids)))  # type: ignore[union-attr]
    if category is not None:
        query = query.where(Merchant.category == category)  # type: ignore[arg-type]
    async with db.session() as session:
        rows = (await session.exec(query)).all()  # type: ignore[call-overload]

    def rank(row: tuple) -> tuple[float, int]:  # type: ignore[type-arg]
        if near is not None:
            return ((row[7] - near[0]) ** 2 + (row[8] - near[1]) ** 2, int(row[0]))
        rating = row[9] / row[10] if row[10] else 0.0
        return (-rating, int(row[0]))

    return [SeatingStore(int(r[0]), int(r[1]), str(r[2]),
                         Bilingual(r[3] or r[5], r[4] or r[6]), float(r[7]), float(r[8]))
            for r in sorted(rows, key=rank)[:limit]]


@dataclass(frozen=True)
class StoreContact:
    """A store as a "call them" answer needs it."""

    store_id: int
    name: Bilingual
    phone: str | None
    lat: float
    lon: float


async def store_contact(db: Database, store_id: int) -> StoreContact | None:
    """A store's name and phone (the merchant's when the store has none), or None."""
    async with db.session() as session:
        row = (await session.exec(
            select(Store.name_zh, Store.name_en, Merchant.name_zh, Merchant.name_en,
                   Store.phone, Merchant.phone, Store.lat, Store.lon)
            .join(Merchant, Merchant.id == Store.merchant_id)  # type: ignore[arg-type]
            .where(Store.id == store_id))).first()  # type: ignore[call-overload]
    if row is None:
        return None
    return StoreContact(store_id, Bilingual(row[0] or row[2], row[1] or row[3]),
                        row[4] or row[5], float(row[6]), float(row[7]))
