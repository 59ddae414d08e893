"""The checkout world's noodle shop taking bookings: both stores open 11:00-22:00
(Shanghai), 2-seat x3, 4-seat x2 and 8-seat x1 tables, 30-minute slots, 90-minute
sittings; no deposit unless a story sets one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from services.bookings.booking import BookingAttempt, book
from services.bookings.seating import SeatingPlan, save_plan
from services.platform.database import Database
from storage.models import Store
from tests.conftest import STORY_NOW
from tests.helpers.checkout_world import World, build_world

SHANGHAI = ZoneInfo("Asia/Shanghai")
TABLES = ((2, 3), (4, 2), (8, 1))


def shanghai(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Shanghai, `day_offset` days after STORY_NOW's day, in UTC."""
    day = STORY_NOW.astimezone(SHANGHAI).date() + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute,
                    tzinfo=SHANGHAI).astimezone(UTC)


async def build_booking_world(db: Database, buyers: int = 6,
                              plan: SeatingPlan | None = None) -> World:
    """The checkout world with seating at both of its shop's stores."""
    world = await build_world(db, buyers=buyers)
    async with db.transaction() as session:
        await session.exec(update(Store).where(Store.merchant_id == world.merchant_id)  # type: ignore[call-overload]
                           .values(opening_hours="11:00-22:00", phone="0591-8888"))
    for store_id in world.store_ids:
        await save_plan(db, store_id, plan or SeatingPlan(tables=TABLES), STORY_NOW)
    return world


async def book_as(db: Database, world: World, buyer: str, party: int, at: datetime,
                  store: int = 0, now: datetime = STORY_NOW) -> BookingAttempt:
    """`buyer` books `party` at `at` at the shop's store number `store` (0 or 1)."""
    return await book(db, world.users[buyer], world.store_ids[store], party, at, now)
