"""Writes never deadlock a full pool: chat turns hold a read connection each and then
write, while a write from outside any turn (the outbox sender, the sandbox page) waits
for a connection. On SQLite writers also queue for the one writer turn; whoever holds
that turn must never be the one waiting for a connection."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, update

from services.platform.database import Database
from storage.models import User

_USERS = User.__table__  # type: ignore[attr-defined]


async def test_turns_holding_the_pool_and_a_waiting_writer_all_finish(db: Database) -> None:
    now = datetime.now(UTC)
    async with db.begin() as conn:
        for telegram in (1, 2, 3):
            await conn.execute(_USERS.insert().values(
                telegram_id=telegram, first_name="before", created_at=now, updated_at=now))
    small = Database(db.url, pool_size=1, schema=db.schema)  # two connections in all
    rename = (update(_USERS).where(_USERS.c.telegram_id == bindparam("who"))
              .values(first_name=bindparam("name")))
    holding = asyncio.Event()
    held = 0

    async def turn(who: int) -> None:
        nonlocal held
        async with small.holding_reads():
            async with small.reading() as conn:  # the turn's read connection, kept
                await conn.execute(select(_USERS.c.id).where(_USERS.c.telegram_id == who))
            held += 1
            if held == 2:
                holding.set()
            await go.wait()
            async with small.begin() as conn:
                await conn.execute(rename, {"who": who, "name": f"turn {who}"})

    async def outside_write() -> None:
        await holding.wait()  # every connection is held by a turn now
        async with small.begin() as conn:
            await conn.execute(rename, {"who": 3, "name": "outside"})

    go = asyncio.Event()
    tasks = [asyncio.create_task(turn(1)), asyncio.create_task(turn(2)),
             asyncio.create_task(outside_write())]
    await holding.wait()
    await asyncio.sleep(0.1)  # the outside write is queued first
    go.set()
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=20)
    finally:
        for task in tasks:
            task.cancel()
        await small.dispose()
    async with db.reading() as conn:
        names = dict((await conn.execute(
            select(_USERS.c.telegram_id, _USERS.c.first_name))).all())
    assert names == {1: "turn 1", 2: "turn 2", 3: "outside"}
