"""The update-id ledger of webhook workers (`services.platform.update_ids`), on each of
its stores: the database (SQLite and PostgreSQL) and Redis (a key prefix per test).

Two workers are two ledgers on one store. An update is taken by one of them; while it
is in hand the other is told "busy"; once done, everyone is told "done" for a day; a
taker that gives it back, or dies and lets its lease run out, leaves it to the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import update

from services.platform.database import Database
from services.platform.update_ids import (
    ChatTurns,
    DatabaseUpdateLedger,
    RedisUpdateLedger,
    Taken,
)
from storage.models import UpdateSeen
from tests.helpers.webhooks import REDIS_URL, forget_redis_keys, redis_prefix

BOT = 424242
LEASE = 1  # seconds: Redis's smallest expiry


@pytest.fixture
async def redis() -> AsyncIterator[tuple[Any, str]]:
    """A Redis client and a key prefix of this test's own (its keys deleted after)."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        await asyncio.wait_for(client.ping(), 5)
    except Exception as exc:
        await client.aclose()
        pytest.fail(f"Redis at {REDIS_URL} does not answer: {exc!r}")
    prefix = redis_prefix()
    yield client, prefix
    await forget_redis_keys(prefix)
    await client.aclose()


def _pair_in_redis(redis: tuple[Any, str]) -> tuple[RedisUpdateLedger, RedisUpdateLedger]:
    client, prefix = redis
    return (RedisUpdateLedger(client, prefix, BOT, LEASE),
            RedisUpdateLedger(client, prefix, BOT, LEASE))


async def test_in_redis_an_update_is_taken_once_then_done_for_everyone(
    redis: tuple[Any, str],
) -> None:
    one, two = _pair_in_redis(redis)
    assert await one.take(1) is Taken.TAKEN
    assert await two.take(1) is Taken.BUSY
    assert await one.take(1) is Taken.BUSY  # the same worker asked again: still in hand
    assert await one.renew(1) is True
    assert await two.renew(1) is False  # not its to renew
    await one.finish(1)
    assert await two.take(1) is Taken.DONE and await one.take(1) is Taken.DONE
    client, prefix = redis
    assert 86_000 < await client.ttl(f"{prefix}:upd:{BOT}:1") <= 86_400
    assert await two.take(2) is Taken.TAKEN  # other updates are their own


async def test_in_redis_a_given_back_or_abandoned_update_goes_to_the_next_taker(
    redis: tuple[Any, str],
) -> None:
    one, two = _pair_in_redis(redis)
    assert await one.take(7) is Taken.TAKEN
    await two.release(7)  # not its to give back: nothing happens
    assert await two.take(7) is Taken.BUSY
    await one.release(7)
    assert await two.take(7) is Taken.TAKEN
    # `two` dies holding it: nobody renews, the lease runs out, the retry is taken.
    await asyncio.sleep(LEASE + 0.3)
    assert await one.take(7) is Taken.TAKEN
    assert await two.renew(7) is False  # the dead one's lease is gone for good
    await one.finish(7)
    assert await two.take(7) is Taken.DONE


async def test_in_redis_one_chat_takes_turns_and_a_dead_holder_frees_it(
    redis: tuple[Any, str],
) -> None:
    client, prefix = redis
    turns = ChatTurns(client, prefix, BOT, LEASE, wait=0.2)
    first, second = turns.lock(5001), turns.lock(5001)
    assert await first.acquire() is True
    assert await second.acquire() is False  # waited 0.2 s: the chat is busy
    assert await turns.lock(5002).acquire() is True  # another chat is not
    await asyncio.sleep(LEASE + 0.3)  # the holder died: its turn times out
    assert await second.acquire() is True


@pytest.mark.parametrize("update_id", [1, 2**31 + 5, 2**62])
async def test_in_the_database_an_update_is_taken_once_then_done(
    db: Database, update_id: int,
) -> None:
    one, two = DatabaseUpdateLedger(db, BOT, 30), DatabaseUpdateLedger(db, BOT, 30)
    other_bot = DatabaseUpdateLedger(db, BOT + 1, 30)
    assert await one.take(update_id) is Taken.TAKEN
    assert await two.take(update_id) is Taken.BUSY
    assert await other_bot.take(update_id) is Taken.TAKEN  # bots have their own ids
    assert await one.renew(update_id) is True and await two.renew(update_id) is False
    await one.finish(update_id)
    assert await two.take(update_id) is Taken.DONE
    assert await one.take(update_id) is Taken.DONE


async def test_in_the_database_a_given_back_or_abandoned_update_goes_to_the_next(
    db: Database,
) -> None:
    one, two = DatabaseUpdateLedger(db, BOT, 30), DatabaseUpdateLedger(db, BOT, 30)
    assert await one.take(9) is Taken.TAKEN
    await two.release(9)  # not its to give back
    assert await two.take(9) is Taken.BUSY
    await one.release(9)
    assert await two.take(9) is Taken.TAKEN
    # `two` dies: its lease ends (moved into the past rather than waited for).
    async with db.begin() as conn:
        await conn.execute(update(UpdateSeen).values(until_ms=0))  # type: ignore[arg-type]
    assert await one.take(9) is Taken.TAKEN
    assert await two.renew(9) is False
    await one.finish(9)
    assert await two.take(9) is Taken.DONE


async def test_in_the_database_racing_takers_leave_exactly_one_holder(db: Database) -> None:
    ledgers = [DatabaseUpdateLedger(db, BOT, 30) for _ in range(8)]
    results = await asyncio.gather(*(ledger.take(42) for ledger in ledgers))
    assert results.count(Taken.TAKEN) == 1 and results.count(Taken.BUSY) == 7


async def test_in_the_database_day_old_done_updates_are_forgotten(db: Database) -> None:
    ledger = DatabaseUpdateLedger(db, BOT, 30)
    for update_id in (1, 2, 3):
        assert await ledger.take(update_id) is Taken.TAKEN
    await ledger.finish(1)
    await ledger.finish(2)
    async with db.begin() as conn:  # 1 was handled two days ago
        await conn.execute(update(UpdateSeen).where(
            UpdateSeen.update_id == 1).values(until_ms=0))  # type: ignore[arg-type]
    assert await ledger.prune() == 1
    assert await ledger.take(1) is Taken.TAKEN  # forgotten: a week-later id may repeat
    assert await ledger.take(2) is Taken.DONE
    assert await ledger.take(3) is Taken.BUSY  # still in hand: never pruned
