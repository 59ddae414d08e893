"""A booking at a slot already full is refused from one read, writing nothing (the
benchmark's busy evenings refuse about half the attempts); a slot partly taken still
books, and the conditional write stays the judge. SQLite and PostgreSQL.

STORY_NOW is Wednesday 25 November 2026, 12:00 in Shanghai.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from services.platform.database import Database
from tests.helpers.booking_world import book_as, build_booking_world, shanghai


async def test_a_full_evening_refuses_the_next_couple_without_writing(db: Database) -> None:
    world = await build_booking_world(db, buyers=8)
    seven = shanghai(1, 19)
    # The one 8-seat table, then both 4-seat and all three 2-seat tables go at seven.
    for n, party in enumerate((8, 4, 4, 2, 2, 2)):
        made = await book_as(db, world, f"buyer{n + 1}", party, seven)
        assert made.booking is not None and made.booking.seats == party
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement.lstrip().split()[0].upper())

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        refused = await book_as(db, world, "buyer7", 2, seven)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert refused.reason == "full"
    assert not {"INSERT", "UPDATE", "DELETE"} & set(sent), sent
    # Half an hour after the others end, the same couple gets a table.
    later = await book_as(db, world, "buyer7", 2, shanghai(1, 20, 30))
    assert later.booking is not None and later.booking.seats == 2
