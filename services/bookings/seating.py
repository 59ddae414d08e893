"""A store's seating: its tables and its booking rules, read and saved.

`/seating` (the owner) saves a `SeatingPlan`; every booking reads a `StoreSeating`: the
plan with the store's hours and timezone as a slot grid (`services.bookings.slots`).
Table types are never deleted: a type the owner drops keeps its row with 0 tables, so
its bookings stay valid and no new ones are taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Row, bindparam, select, update

from services.bookings.slots import Grid
from services.catalog.deal_cards import Bilingual
from services.platform.database import Database
from storage.models import Merchant, MerchantStatus, Seating, Store, TableType

DEFAULT_TIMEZONE = "Asia/Shanghai"
MAX_SEATS = 50  # one table
MAX_TABLES = 500  # of one type


@dataclass(frozen=True)
class SeatingPlan:
    """What an owner sets; the defaults make it one step (only the tables to say)."""

    tables: tuple[tuple[int, int], ...]  # (seats, how many), any order
    slot_minutes: int = 30
    stay_minutes: int = 90
    horizon_days: int = 14
    last_seating_minutes: int = 60
    closed_days: frozenset[int] = frozenset()
    deposit: int = 0  # minor units per booking
    currency: str = "CNY"
    cancel_hours: int = 2


@dataclass(frozen=True)
class TableKind:
    """A table type of a store."""

    id: int
    seats: int
    tables: int


@dataclass(frozen=True)
class StoreSeating:
    """A store that takes bookings, as a booking needs it."""

    store_id: int
    merchant_id: int
    merchant_slug: str
    name: Bilingual  # the store's (else the merchant's) name
    merchant_name: Bilingual
    address: Bilingual
    phone: str | None
    category: str
    lat: float
    lon: float
    grid: Grid
    kinds: tuple[TableKind, ...]  # by seats, smallest first
    deposit: int
    currency: str
    cancel_hours: int
    open_for_business: bool  # the merchant is approved and not suspended
    plan: SeatingPlan = field(repr=False, default=SeatingPlan(()))

    def fitting(self, party: int) -> list[TableKind]:
        """The table types that seat `party`, smallest first (none with 0 tables)."""
        return [k for k in self.kinds if k.seats >= party and k.tables > 0]

    @property
    def largest(self) -> int:
        """The most people one table seats (0: no tables)."""
        return max((k.seats for k in self.kinds if k.tables > 0), default=0)


def zone_of(name: str | None, default: str = DEFAULT_TIMEZONE) -> ZoneInfo:
    """The store's zone; an unknown or missing name is the default."""
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def _closed(text: str) -> frozenset[int]:
    return frozenset(int(c) for c in text if c.isdigit() and int(c) < 7)


# One statement: the seating, its store and merchant, and a row per table type (Core on
# a bare connection, as the hot paths do; `book` adds the booker's facts to it).
_SEATINGS, _STORES, _MERCHANTS, _TYPES = (
    Seating.__table__, Store.__table__, Merchant.__table__,  # type: ignore[attr-defined]
    TableType.__table__)  # type: ignore[attr-defined]
SEATING_QUERY = (
    select(_SEATINGS.c.slot_minutes, _SEATINGS.c.stay_minutes, _SEATINGS.c.horizon_days,
           _SEATINGS.c.last_seating_minutes, _SEATINGS.c.closed_days, _SEATINGS.c.deposit,
           _SEATINGS.c.currency, _SEATINGS.c.cancel_hours,
           _STORES.c.id.label("store_id"), _STORES.c.name_zh.label("store_zh"),
           _STORES.c.name_en.label("store_en"), _STORES.c.address_zh, _STORES.c.address_en,
           _STORES.c.phone.label("store_phone"), _STORES.c.lat, _STORES.c.lon,
           _STORES.c.opening_hours, _STORES.c.timezone,
           _MERCHANTS.c.id.label("merchant_id"), _MERCHANTS.c.slug,
           _MERCHANTS.c.name_zh.label("merchant_zh"), _MERCHANTS.c.name_en.label("merchant_en"),
           _MERCHANTS.c.phone.label("merchant_phone"), _MERCHANTS.c.category,
           _MERCHANTS.c.status, _TYPES.c.id.label("type_id"), _TYPES.c.seats, _TYPES.c.tables)
    .select_from(_SEATINGS.join(_STORES, _STORES.c.id == _SEATINGS.c.store_id)
                 .join(_MERCHANTS, _MERCHANTS.c.id == _STORES.c.merchant_id)
                 .outerjoin(_TYPES, _TYPES.c.store_id == _SEATINGS.c.store_id))
    .where(_SEATINGS.c.store_id == bindparam("store"))
    .order_by(_TYPES.c.seats)
)


async def store_seating(db: Database, store_id: int,
                        default_tz: str = DEFAULT_TIMEZONE) -> StoreSeating | None:
    """The seating of a store, or None when it takes no bookings (no seating set).
    Read fresh every time (one statement): the owner may change it in another worker."""
    async with db.reading() as conn:
        rows = (await conn.execute(SEATING_QUERY, {"store": store_id})).all()
    return seating_of(rows, default_tz)


def seating_of(rows: Sequence[Row[Any]], default_tz: str = DEFAULT_TIMEZONE
               ) -> StoreSeating | None:
    """The `StoreSeating` in `SEATING_QUERY`'s rows (None: no rows, no seating)."""
    if not rows:
        return None
    first = rows[0]
    closed = _closed(first.closed_days)
    grid = Grid(hours=first.opening_hours or "", tz=zone_of(first.timezone, default_tz),
                slot_minutes=first.slot_minutes, stay_minutes=first.stay_minutes,
                horizon_days=first.horizon_days,
                last_seating_minutes=first.last_seating_minutes, closed_days=closed)
    table_kinds = tuple(TableKind(int(r.type_id), int(r.seats), int(r.tables))
                        for r in rows if r.type_id is not None)
    plan = SeatingPlan(
        tables=tuple((k.seats, k.tables) for k in table_kinds if k.tables > 0),
        slot_minutes=first.slot_minutes, stay_minutes=first.stay_minutes,
        horizon_days=first.horizon_days, last_seating_minutes=first.last_seating_minutes,
        closed_days=closed, deposit=first.deposit, currency=first.currency,
        cancel_hours=first.cancel_hours)
    return StoreSeating(
        store_id=first.store_id, merchant_id=first.merchant_id, merchant_slug=first.slug,
        name=Bilingual(first.store_zh or first.merchant_zh,
                       first.store_en or first.merchant_en),
        merchant_name=Bilingual(first.merchant_zh, first.merchant_en),
        address=Bilingual(first.address_zh, first.address_en),
        phone=first.store_phone or first.merchant_phone, category=first.category,
        lat=first.lat, lon=first.lon, grid=grid, kinds=table_kinds,
        deposit=first.deposit, currency=first.currency,
        cancel_hours=first.cancel_hours,
        open_for_business=first.status == MerchantStatus.APPROVED, plan=plan)


async def save_plan(db: Database, store_id: int, plan: SeatingPlan, now: datetime) -> None:
    """Set a store's seating (first time or again). Table types the plan leaves out keep
    their bookings and take no new ones (0 tables)."""
    wanted = {seats: count for seats, count in plan.tables}
    async with db.transaction() as session:
        seating = await session.get(Seating, store_id)
        if seating is None:
            seating = Seating(store_id=store_id)
        seating.slot_minutes = plan.slot_minutes
        seating.stay_minutes = plan.stay_minutes
        seating.horizon_days = plan.horizon_days
        seating.last_seating_minutes = plan.last_seating_minutes
        seating.closed_days = "".join(str(d) for d in sorted(plan.closed_days))
        seating.deposit = plan.deposit
        seating.currency = plan.currency
        seating.cancel_hours = plan.cancel_hours
        seating.updated_at = now
        session.add(seating)
        existing = {t.seats: t for t in (await session.exec(
            select(TableType).where(TableType.store_id == store_id))).scalars()}
        for seats, table in existing.items():
            table.tables = wanted.get(seats, 0)
            session.add(table)
        for seats, count in wanted.items():
            if seats not in existing:
                session.add(TableType(store_id=store_id, seats=seats, tables=count))


async def set_store_timezone(db: Database, store_id: int, timezone: str | None) -> None:
    """Set the IANA zone of a store's wall clock (None: the default)."""
    async with db.transaction() as session:
        await session.exec(update(Store).where(Store.id == store_id)  # type: ignore[arg-type]
                              .values(timezone=timezone))
