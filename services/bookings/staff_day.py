"""The staff's day at their stores: which stores a person works at, a store's bookings of
one local day with the day's totals.

Staff work for a merchant (`merchant_staff`: every store, or the one store they are tied
to); an owner works at every store of the merchants they own. Only those stores' bookings
are shown to them and only those they may mark (`services.bookings.booking.mark_booking`
checks the merchant again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import exists, or_, select

from services.bookings.booking import BookingView, day_bookings
from services.bookings.seating import zone_of
from services.catalog.deal_cards import Bilingual
from services.platform.database import Database
from storage.models import BookingStatus, Merchant, MerchantStaff, Seating, Store

NOT_COUNTED = (BookingStatus.CANCELLED, BookingStatus.EXPIRED)


@dataclass(frozen=True)
class WorkStore:
    """A store someone works at."""

    store_id: int
    merchant_id: int
    name: Bilingual  # the store's, else the merchant's name
    timezone: str
    takes_bookings: bool  # it has seating (possibly stopped: its bookings still show)


async def working_stores(db: Database, user_id: int,
                         default_tz: str = "Asia/Shanghai") -> list[WorkStore]:
    """The stores this person works at (as staff or owner), by merchant then store."""
    staff_here = exists().where(
        MerchantStaff.merchant_id == Store.merchant_id,  # type: ignore[arg-type]
        MerchantStaff.user_id == user_id,  # type: ignore[arg-type]
        or_(MerchantStaff.store_id.is_(None),  # type: ignore[union-attr]
            MerchantStaff.store_id == Store.id))  # type: ignore[arg-type]
    async with db.session() as session:
        rows = (await session.exec(
            select(Store.id, Store.merchant_id, Store.name_zh, Store.name_en, Merchant.name_zh,
                   Merchant.name_en, Store.timezone, Seating.store_id)
            .join(Merchant, Merchant.id == Store.merchant_id)  # type: ignore[arg-type]
            .outerjoin(Seating, Seating.store_id == Store.id)  # type: ignore[arg-type]
            .where(or_(Merchant.owner_user_id == user_id, staff_here))  # type: ignore[arg-type]
            .order_by(Store.merchant_id, Store.id))).all()  # type: ignore[arg-type]
    return [WorkStore(int(r[0]), int(r[1]), Bilingual(r[2] or r[4], r[3] or r[5]),
                      r[6] or default_tz, r[7] is not None) for r in rows]


async def works_at(db: Database, user_id: int, store_id: int) -> WorkStore | None:
    """The store, when this person works there; else None."""
    return next((s for s in await working_stores(db, user_id) if s.store_id == store_id), None)


def day_bounds(tz_name: str, day: date) -> tuple[datetime, datetime]:
    """A store's local calendar day as [start, end) in UTC (23 or 25 hours long on the
    days the clocks change)."""
    tz = zone_of(tz_name)
    after = day + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    end = datetime(after.year, after.month, after.day, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class DayTotals:
    """What a store's day adds up to."""

    booked: int  # bookings still standing (not cancelled or expired), walk-ins apart
    covers: int  # their people
    arrived: int  # people of bookings marked arrived
    no_shows: int  # bookings marked no-show
    cancelled: int  # bookings cancelled
    walk_ins: int  # walk-in tables
    walk_in_covers: int


@dataclass(frozen=True)
class StoreDay:
    """A store's bookings of one local day, in time order, and their totals."""

    store: WorkStore
    day: date
    bookings: tuple[BookingView, ...]
    totals: DayTotals


def _totals(bookings: list[BookingView]) -> DayTotals:
    booked = [b for b in bookings if not b.walk_in and b.status not in NOT_COUNTED]
    walk_ins = [b for b in bookings if b.walk_in]
    return DayTotals(
        booked=len(booked), covers=sum(b.party for b in booked),
        arrived=sum(b.party for b in booked if b.status == BookingStatus.ARRIVED),
        no_shows=sum(1 for b in booked if b.status == BookingStatus.NO_SHOW),
        cancelled=sum(1 for b in bookings if b.status == BookingStatus.CANCELLED),
        walk_ins=len(walk_ins), walk_in_covers=sum(b.party for b in walk_ins))


async def store_day(db: Database, store: WorkStore, day: date) -> StoreDay:
    """The store's bookings of its local `day` (every status but expired holds)."""
    first, last = day_bounds(store.timezone, day)
    bookings = await day_bookings(db, store.store_id, first, last)
    return StoreDay(store, day, tuple(bookings), _totals(bookings))
