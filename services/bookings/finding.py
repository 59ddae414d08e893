"""Which store a shopper means when they ask for a table: the stores taking bookings
(a seating set, the merchant approved), of one merchant or any, nearest a point first,
else the best rated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY

from services.catalog.deal_cards import Bilingual
from services.platform.database import Database, run_prebuilt
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


@lru_cache(maxsize=16)
def _seating_statement(of_merchant: bool, among_stores: bool, of_category: bool,
                       dialect: str) -> Select[Any]:
    """The stores taking bookings, built once per shape: of the merchant `slug`, among
    `store_ids` (PostgreSQL: one array, `= ANY`, so the text is the same whatever their
    number and is prepared once; SQLite: an expanding IN list), of merchants of
    `category`, as asked."""
    stores, merchants, seating = (Store.__table__, Merchant.__table__,  # type: ignore[attr-defined]
                                  Seating.__table__)  # type: ignore[attr-defined]
    query = (select(stores.c.id, merchants.c.id, merchants.c.slug, stores.c.name_zh,
                    stores.c.name_en, merchants.c.name_zh, merchants.c.name_en, stores.c.lat,
                    stores.c.lon, merchants.c.rating_sum, merchants.c.rating_count)
             .select_from(stores.join(seating, seating.c.store_id == stores.c.id)
                          .join(merchants, merchants.c.id == stores.c.merchant_id))
             .where(merchants.c.status == MerchantStatus.APPROVED))
    if of_merchant:
        query = query.where(merchants.c.slug == bindparam("slug"))
    if among_stores:
        query = query.where(
            stores.c.id == any_(bindparam("store_ids", type_=ARRAY(Integer)))
            if dialect == "postgresql" else
            stores.c.id.in_(bindparam("store_ids", expanding=True)))
    if of_category:
        query = query.where(merchants.c.category == bindparam("category"))
    return query


async def seating_stores(db: Database, *, merchant_slug: str | None = None,
                         store_ids: Sequence[int] | None = None,
                         near: tuple[float, float] | None = None,
                         category: str | None = None,
                         limit: int = 5) -> list[SeatingStore]:
    """Stores taking bookings (of the merchant `merchant_slug`, or among `store_ids`, or
    of merchants of `category`), nearest `near` first, else the best rated merchants'
    first."""
    async with db.reading() as conn:
        rows = (await run_prebuilt(conn, _seating_statement(
            merchant_slug is not None, store_ids is not None, category is not None,
            db.dialect),
            {"slug": merchant_slug, "store_ids": list(store_ids or ()),
             "category": category})).all()

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
