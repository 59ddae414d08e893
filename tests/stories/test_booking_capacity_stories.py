"""Table capacity told as stories, on SQLite and PostgreSQL: a table is never given
twice for overlapping sittings, whatever the concurrency, and a booking takes the
smallest table that fits.

STORY_NOW is Wednesday 25 November 2026, 12:00 in Shanghai.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.bookings.booking import (
    cancel_booking,
    change_booking,
    free_slots,
    mark_booking,
    offer,
    reminder_time,
    walk_in,
)
from services.bookings.seating import SeatingPlan, save_plan, set_store_timezone, store_seating
from services.platform.database import Database
from storage.models import Booking, BookingStatus, OutboxMessage, TableType, TableUnit
from tests.conftest import STORY_NOW
from tests.helpers.booking_world import book_as, build_booking_world, shanghai

NOW = STORY_NOW


async def over_capacity(db: Database) -> int:
    """Units where more tables are taken than the type has: must always be 0."""
    async with db.session() as session:
        return int((await session.exec(
            select(func.count()).select_from(TableUnit)
            .join(TableType, TableType.id == TableUnit.table_type_id)  # type: ignore[arg-type]
            .where(TableUnit.taken > TableType.tables))).scalar_one())  # type: ignore[arg-type]


async def test_a_couple_books_tomorrow_at_seven_and_gets_a_two_seat_table(db: Database) -> None:
    world = await build_booking_world(db)
    done = await book_as(db, world, "buyer1", 2, shanghai(1, 19))
    assert done.reason is None and done.booking is not None
    booking = done.booking
    assert (booking.status, booking.seats, booking.party) == ("confirmed", 2, 2)
    assert booking.ends_at - booking.starts_at == timedelta(minutes=90)
    assert booking.local_start().strftime("%H:%M") == "19:00"
    assert len(booking.code) == 8


async def test_a_sitting_occupies_its_whole_stay_so_the_next_start_inside_it_is_taken(
        db: Database) -> None:
    world = await build_booking_world(db)
    for buyer in ("buyer1", "buyer2", "buyer3"):  # all three 2-seat tables at 19:00
        assert (await book_as(db, world, buyer, 2, shanghai(1, 19))).booking is not None
    # 20:00 overlaps the 19:00 sittings (90 min): the couple gets a 4-seat table
    later = await book_as(db, world, "buyer4", 2, shanghai(1, 20))
    assert later.booking is not None and later.booking.seats == 4
    seating = await store_seating(db, world.store_ids[0])
    assert seating is not None
    free = await free_slots(db, seating, 2, shanghai(1, 18), shanghai(1, 22), NOW)
    starts = {s.starts_at: s.seats for s in free}
    assert starts[shanghai(1, 18)] == 4  # 18:00-19:30 overlaps 19:00
    assert starts[shanghai(1, 20, 30)] == 2  # 20:30: the 19:00 sittings have left
    assert await over_capacity(db) == 0


async def test_a_full_evening_offers_the_neighbouring_slots(db: Database) -> None:
    world = await build_booking_world(db, buyers=8)
    for n in range(1, 7):  # 3 two-seat + 2 four-seat + 1 eight-seat
        assert (await book_as(db, world, f"buyer{n}", 2, shanghai(1, 19))).booking
    full = await book_as(db, world, "buyer7", 2, shanghai(1, 19))
    assert full.reason == "full" and full.booking is None
    seating = await store_seating(db, world.store_ids[0])
    assert seating is not None
    offered = await offer(db, seating, 2, shanghai(1, 19), NOW)
    assert not offered.exact
    times = [s.starts_at.astimezone(shanghai(0, 0).tzinfo) for s in offered.slots]
    assert shanghai(1, 17, 30) in [s.starts_at for s in offered.slots]  # ends 19:00
    assert shanghai(1, 20, 30) in [s.starts_at for s in offered.slots]
    assert all(abs(s.starts_at - shanghai(1, 19)) <= timedelta(hours=3)
               for s in offered.slots), times
    taken = await book_as(db, world, "buyer7", 2, offered.slots[0].starts_at)
    assert taken.booking is not None


async def test_cancelling_frees_the_table_once(db: Database) -> None:
    world = await build_booking_world(db)
    first = await book_as(db, world, "buyer1", 8, shanghai(1, 19))
    assert first.booking is not None and first.booking.seats == 8
    assert (await book_as(db, world, "buyer2", 7, shanghai(1, 19))).reason == "full"
    gone = await cancel_booking(db, first.booking.id, NOW, user_id=world.users["buyer1"])
    assert gone.changed and gone.booking is not None and gone.booking.status == "cancelled"
    again = await cancel_booking(db, first.booking.id, NOW, user_id=world.users["buyer1"])
    assert not again.changed
    assert (await book_as(db, world, "buyer2", 7, shanghai(1, 19))).booking is not None
    assert await over_capacity(db) == 0


async def test_someone_elses_booking_cannot_be_cancelled(db: Database) -> None:
    world = await build_booking_world(db)
    mine = await book_as(db, world, "buyer1", 2, shanghai(1, 19))
    assert mine.booking is not None
    theirs = await cancel_booking(db, mine.booking.id, NOW, user_id=world.users["buyer2"])
    assert not theirs.changed and theirs.booking is not None
    assert theirs.booking.status == "confirmed"


async def test_changing_a_booking_moves_it_or_changes_nothing(db: Database) -> None:
    world = await build_booking_world(db)
    mine = await book_as(db, world, "buyer1", 2, shanghai(1, 19))
    assert mine.booking is not None
    moved = await change_booking(db, mine.booking.id, world.users["buyer1"],
                                 shanghai(1, 19, 30), 4, NOW)
    assert moved.booking is not None and moved.booking.seats == 4
    assert moved.booking.starts_at == shanghai(1, 19, 30)
    # the 8-seat table is taken by someone else: growing to 8 is refused, nothing changes
    assert (await book_as(db, world, "buyer2", 8, shanghai(1, 19))).booking is not None
    refused = await change_booking(db, mine.booking.id, world.users["buyer1"],
                                   shanghai(1, 19, 30), 8, NOW)
    assert refused.reason == "full"
    async with db.session() as session:
        row = await session.get(Booking, mine.booking.id)
        assert row is not None and (row.party, row.starts_at) == (4, shanghai(1, 19, 30))
        taken = (await session.exec(select(func.sum(TableUnit.taken)))).scalar_one()
    assert taken == 12  # two sittings of six units each, none leaked by the refusal
    assert await over_capacity(db) == 0


async def test_bad_requests_get_reasons(db: Database) -> None:
    world = await build_booking_world(db)
    assert (await book_as(db, world, "buyer1", 2, shanghai(0, 11))).reason == "in_past"
    assert (await book_as(db, world, "buyer1", 2, shanghai(20, 19))).reason == "too_far"
    assert (await book_as(db, world, "buyer1", 2, shanghai(1, 23))).reason == "not_offered"
    assert (await book_as(db, world, "buyer1", 2, shanghai(1, 21, 30))).reason == "not_offered"
    assert (await book_as(db, world, "buyer1", 2, shanghai(1, 19, 10))).reason == "not_offered"
    big = await book_as(db, world, "buyer1", 12, shanghai(1, 19))
    assert (big.reason, big.largest) == ("party_too_big", 8)
    assert (await book_as(db, world, "buyer1", 0, shanghai(1, 19))).reason == "bad_party"
    assert (await book_as(db, world, "buyer1", 2, shanghai(1, 19))).booking is not None
    twice = await book_as(db, world, "buyer1", 2, shanghai(1, 19))
    assert twice.reason == "already_booked" and twice.conflict is not None
    close = await book_as(db, world, "buyer1", 2, shanghai(1, 20), store=1)
    assert close.reason == "already_booked"


async def test_a_closed_day_offers_nothing(db: Database) -> None:
    world = await build_booking_world(db)
    thursday = shanghai(1, 19).astimezone(shanghai(0, 0).tzinfo).weekday()
    await save_plan(db, world.store_ids[0], SeatingPlan(
        tables=((2, 3),), closed_days=frozenset({thursday})), NOW)
    assert (await book_as(db, world, "buyer1", 2, shanghai(1, 19))).reason == "not_offered"
    assert (await book_as(db, world, "buyer1", 2, shanghai(2, 19))).booking is not None


async def test_staff_mark_arrivals_and_no_shows_and_seat_a_walk_in(db: Database) -> None:
    world = await build_booking_world(db)
    came = await book_as(db, world, "buyer1", 2, shanghai(0, 13))
    missing = await book_as(db, world, "buyer2", 8, shanghai(0, 13))
    assert came.booking and missing.booking
    at_one = shanghai(0, 13, 5)
    assert await mark_booking(db, missing.booking.id, world.merchant_id, "no_show",
                              at_one) == "too_early"
    marked = await mark_booking(db, came.booking.id, world.merchant_id, "arrived", at_one)
    assert not isinstance(marked, str) and marked.changed
    assert await mark_booking(db, came.booking.id, world.rival_id, "arrived",
                              at_one) == "not_yours"
    later = shanghai(0, 13, 20)
    gone = await mark_booking(db, missing.booking.id, world.merchant_id, "no_show", later)
    assert not isinstance(gone, str) and gone.booking and gone.booking.status == "no_show"
    # the 8-seat table is free again from now: a walk-in of 6 takes it
    seated = await walk_in(db, world.store_ids[0], 6, later, name="window")
    assert seated.booking is not None and seated.booking.seats == 8
    assert seated.booking.walk_in and seated.booking.status == "arrived"
    assert (await walk_in(db, world.store_ids[0], 6, later)).reason == "full"
    assert await over_capacity(db) == 0


async def test_the_reminder_is_owed_two_hours_before_or_before_quiet_hours(
        db: Database) -> None:
    quiet = (22 * 60, 8 * 60, "Asia/Shanghai")
    evening = shanghai(1, 19)
    assert reminder_time(evening, NOW, quiet) == evening - timedelta(hours=2)
    morning = shanghai(2, 9, 30)  # 07:30 is quiet: the evening before, at 21:59
    assert reminder_time(morning, NOW, quiet) == shanghai(1, 21, 59)
    assert reminder_time(shanghai(0, 13), NOW, quiet) is None  # booked an hour ahead
    world = await build_booking_world(db)
    done = await book_as(db, world, "buyer1", 2, evening)
    assert done.booking is not None
    async with db.session() as session:
        owed = (await session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "booking_reminder"))).scalars().all()
    assert [(o.next_try_at, o.status) for o in owed] == [(shanghai(1, 17), "pending")]
    await cancel_booking(db, done.booking.id, NOW, user_id=world.users["buyer1"])
    async with db.session() as session:
        owed = (await session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "booking_reminder"))).scalars().all()
    assert [o.status for o in owed] == ["dropped"]


async def test_a_store_in_new_york_books_on_its_own_clock_across_daylight_saving(
        db: Database) -> None:
    world = await build_booking_world(db)
    store = world.store_ids[1]
    await set_store_timezone(db, store, "America/New_York")
    await save_plan(db, store, SeatingPlan(tables=((2, 1),), horizon_days=200), NOW)
    from sqlalchemy import update

    from storage.models import Store
    async with db.transaction() as session:
        await session.exec(update(Store).where(Store.id == store)  # type: ignore[arg-type]
                              .values(opening_hours="18:00-04:00"))
    seating = await store_seating(db, store)
    assert seating is not None
    # Sunday 14 March 2027: the clocks jump from 02:00 to 03:00 in New York
    from zoneinfo import ZoneInfo
    ny = ZoneInfo("America/New_York")
    night = datetime(2027, 3, 14, 0, 0, tzinfo=ny)
    free = await free_slots(db, seating, 2, night.astimezone(UTC),
                            (night + timedelta(hours=6)).astimezone(UTC), NOW)
    walls = [s.starts_at.astimezone(ny).strftime("%H:%M") for s in free]
    assert "01:30" in walls and "02:00" not in walls and "02:30" not in walls
    assert "03:00" in walls and "04:00" not in walls
    # 01:30 EST for 90 minutes ends at 04:00 EDT: 03:00 EDT overlaps it
    half_past_one = datetime(2027, 3, 14, 1, 30, tzinfo=ny).astimezone(UTC)
    done = await book_as(db, world, "buyer1", 2, half_past_one, store=1)
    assert done.booking is not None
    three = datetime(2027, 3, 14, 3, 0, tzinfo=ny).astimezone(UTC)
    assert (await book_as(db, world, "buyer2", 2, three, store=1)).reason == "full"
    assert done.booking.local_start().strftime("%H:%M %Z") == "01:30 EST"
    # 19:00 in New York is not 19:00 in Shanghai
    evening = datetime(2026, 11, 26, 19, 0, tzinfo=ny).astimezone(UTC)
    assert (await book_as(db, world, "buyer3", 2, evening, store=1)).booking is not None


async def test_fifty_people_race_for_the_last_table_and_one_gets_it(db: Database) -> None:
    world = await build_booking_world(db, buyers=50, plan=SeatingPlan(tables=((4, 1),)))
    at = shanghai(1, 19)
    results = await asyncio.gather(*(book_as(db, world, f"buyer{n}", 3, at)
                                     for n in range(1, 51)))
    winners = [r for r in results if r.booking is not None]
    assert len(winners) == 1
    assert {r.reason for r in results if r.booking is None} == {"full"}
    # and the sittings overlapping it (18:00 to 20:00 starts) are all taken too
    overlapping = await asyncio.gather(*(
        book_as(db, world, f"buyer{n}", 2, at + timedelta(minutes=offset))
        for n, offset in zip(range(2, 12), (-60, -30, 30, 60, -60, -30, 30, 60, 0, 0),
                             strict=True)))
    # (the winner among them is refused as already booked at that time)
    assert {r.reason for r in overlapping} <= {"full", "already_booked"}
    assert sum(r.booking is not None for r in overlapping) == 0
    assert await over_capacity(db) == 0
    async with db.session() as session:
        live = (await session.exec(select(func.count()).select_from(Booking).where(
            Booking.status == BookingStatus.CONFIRMED))).scalar_one()
    assert live == 1


@pytest.mark.parametrize("party", [1, 2])
async def test_small_parties_prefer_the_smallest_table(db: Database, party: int) -> None:
    world = await build_booking_world(db)
    done = await book_as(db, world, "buyer1", party, shanghai(1, 12))
    assert done.booking is not None and done.booking.seats == 2
