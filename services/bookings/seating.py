"""A store's seating: its tables and its booking rules, read and saved.

`/seating` (the owner) saves a `SeatingPlan`; every booking reads a `StoreSeating`: the
plan with the store's hours and timezone as a slot grid (`services.bookings.slots`).
Table types are never deleted: a type the owner drops keeps its row with 0 tables, so
its bookings stay valid and no new ones are taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update

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


async def store_seating(db: Database, store_id: int,
                        default_tz: str = DEFAULT_TIMEZONE) -> StoreSeating | None:
    """The seating of a store, or None when it takes no bookings (no seating set)."""
    async with db.session() as session:
        row = (await session.exec(
            select(Seating, Store, Merchant)
            .join(Store, Store.id == Seating.store_id)  # type: ignore[arg-type]
            .join(Merchant, Merchant.id == Store.merchant_id)  # type: ignore[arg-type]
            .where(Seating.store_id == store_id))).first()
        if row is None:
            return None
        seating, store, merchant = row
        kinds = (await session.exec(
            select(TableType.id, TableType.seats, TableType.tables)
            .where(TableType.store_id == store_id).order_by(TableType.seats))).all()
    return _assemble(seating, store, merchant, kinds, default_tz)


def _assemble(seating: Seating, store: Store, merchant: Merchant, kinds: list,  # type: ignore[type-arg]
              default_tz: str) -> StoreSeating:
    closed = _closed(seating.closed_days)
    grid = Grid(hours=store.opening_hours or "", tz=zone_of(store.timezone, default_tz),
                slot_minutes=seating.slot_minutes, stay_minutes=seating.stay_minutes,
                horizon_days=seating.horizon_days,
                last_seating_minutes=seating.last_seating_minutes, closed_days=closed)
    table_kinds = tuple(TableKind(int(k[0]), int(k[1]), int(k[2])) for k in kinds)
    plan = SeatingPlan(
        tables=tuple((k.seats, k.tables) for k in table_kinds if k.tables > 0),
        slot_minutes=seating.slot_minutes, stay_minutes=seating.stay_minutes,
        horizon_days=seating.horizon_days, last_seating_minutes=seating.last_seating_minutes,
        closed_days=closed, deposit=seating.deposit, currency=seating.currency,
        cancel_hours=seating.cancel_hours)
    return StoreSeating(
        store_id=store.id or 0, merchant_id=merchant.id or 0, merchant_slug=merchant.slug,
        name=Bilingual(store.name_zh or merchant.name_zh, store.name_en or merchant.name_en),
        merchant_name=Bilingual(merchant.name_zh, merchant.name_en),
        address=Bilingual(store.address_zh, store.address_en),
        phone=store.phone or merchant.phone, category=merchant.category,
        lat=store.lat, lon=store.lon, grid=grid, kinds=table_kinds,
        deposit=seating.deposit, currency=seating.currency,
        cancel_hours=seating.cancel_hours,
        open_for_business=merchant.status == MerchantStatus.APPROVED, plan=plan)


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
