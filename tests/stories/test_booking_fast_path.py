"""The booking hot path, lean as checkout's, told as stories on SQLite and PostgreSQL:
what a booker is shown right after booking is what anyone reads back later (the view
is built from what `book` knows, not read again); the seating is read fresh, so an
owner's change made in another worker counts at the very next booking; a booking is a
handful of statements, none of them reading the booking back.

STORY_NOW is Wednesday 25 November 2026, 12:00 in Shanghai.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, update

from services.bookings.booking import book, booking_view
from services.bookings.seating import SeatingPlan, save_plan, set_store_timezone
from services.platform.database import Database
from storage.models import Store
from tests.conftest import STORY_NOW
from tests.helpers.booking_world import book_as, build_booking_world, shanghai

NOW = STORY_NOW


async def test_the_booking_shown_at_once_is_the_one_read_back(db: Database) -> None:
    world = await build_booking_world(db)
    # A confirmed booking at a store named after its merchant (no name of its own).
    async with db.transaction() as session:
        await session.exec(update(Store).where(Store.id == world.store_ids[1])  # type: ignore[call-overload]
                           .values(name_zh=None, name_en=None, phone=None))
    for store in (0, 1):
        made = await book_as(db, world, f"buyer{store + 1}", 2, shanghai(1, 19), store)
        assert made.booking is not None and made.booking.status == "confirmed"
        assert made.booking == await booking_view(db, made.booking.id)
    # A held one, at a store asking a deposit, on New York's clock.
    await save_plan(db, world.store_ids[0],
                    SeatingPlan(tables=((2, 3), (4, 2)), deposit=3000), NOW)
    await set_store_timezone(db, world.store_ids[0], "America/New_York")
    held = await book(db, world.users["buyer3"], world.store_ids[0], 3,
                      shanghai(2, 8), NOW, name="Li")  # 19:00 in New York
    assert held.booking is not None and held.deposit_why == "store"
    assert held.booking.status == "held" and held.booking.hold_until is not None
    assert held.booking == await booking_view(db, held.booking.id)
    assert held.booking.local_start().hour == 19


async def test_an_owner_changing_tables_in_another_worker_counts_at_the_next_booking(
    db: Database,
) -> None:
    world = await build_booking_world(db)
    # The bot's worker books; the owner's /seating runs in another process.
    other = Database(db.url, schema=db.schema)
    try:
        eight = await book_as(other, world, "buyer1", 8, shanghai(1, 12))
        assert eight.booking is not None and eight.booking.seats == 8
        await save_plan(db, world.store_ids[0], SeatingPlan(tables=((2, 3), (4, 2))), NOW)
        gone = await book_as(other, world, "buyer2", 8, shanghai(1, 19))
        assert gone.reason == "party_too_big" and gone.largest == 4
        await save_plan(db, world.store_ids[0], SeatingPlan(tables=((2, 3), (4, 2)),
                                                            deposit=2000), NOW)
        asked = await book_as(other, world, "buyer3", 2, shanghai(1, 19))
        assert asked.booking is not None and asked.booking.status == "held"
    finally:
        await other.dispose()


async def test_a_booking_is_a_few_statements_and_never_reads_itself_back(
    db: Database,
) -> None:
    world = await build_booking_world(db)
    first = await book_as(db, world, "buyer1", 2, shanghai(1, 19))  # its units exist now
    assert first.booking is not None
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement.lstrip().split()[0].upper())

    event.listen(db.quick.sync_engine, "before_cursor_execute", record)  # the hot paths'
    try:
        made = await book_as(db, world, "buyer2", 2, shanghai(1, 19))
    finally:
        event.remove(db.quick.sync_engine, "before_cursor_execute", record)
    assert made.booking is not None
    # Two reads, then (PostgreSQL) the booker's lock and near-booking check, the units
    # taken in one statement, the booking and its reminder; SQLite: BEGIN, no locks.
    assert len(sent) <= 7, sent
    assert "SELECT" not in sent[sent.index("INSERT"):], sent


async def test_many_overlapping_bookings_at_once_queue_without_overbooking(
    db: Database,
) -> None:
    world = await build_booking_world(db, buyers=40)
    # Forty people at once, starts from 17:30 to 20:30: every stay overlaps others.
    starts = [shanghai(1, 17, 30) + (shanghai(1, 18) - shanghai(1, 17, 30)) * (n % 7)
              for n in range(40)]
    results = await asyncio.gather(*(
        book_as(db, world, f"buyer{n + 1}", 2 + n % 3, at) for n, at in enumerate(starts)))
    assert {r.reason for r in results if r.booking is None} <= {"full"}
    made = [r.booking for r in results if r.booking is not None]
    assert made
    # At every quarter hour, no more tables of a size than there are.
    tables = {2: 3, 4: 2, 8: 1}
    for quarter in range(0, 5 * 4 + 1):
        at = shanghai(1, 17, 30) + (shanghai(1, 17, 45) - shanghai(1, 17, 30)) * quarter
        for seats, count in tables.items():
            sitting = [b for b in made if b.seats == seats and b.starts_at <= at < b.ends_at]
            assert len(sitting) <= count, (at, seats, sitting)
