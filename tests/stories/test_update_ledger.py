"""The update-id ledger of webhook workers (`services.platform.update_ids`), on each of
its stores: the database (SQLite and PostgreSQL) and Redis (a key prefix per test).

Two workers are two ledgers on one store. An update is taken by one of them; while it
is in hand the other is told "busy"; once done, everyone is told "done" for a day; a
taker that gives it back, or dies and lets its lease run out, leaves it to the next.
The done-mark carries the turn's replies until they are marked sent: a worker that dies
in between leaves them, after its lease, to the next delivery's worker, once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.transports.kept import BYTES_KEPT_MAX, keep, restore
from handlers.core import AnswerButton, Button, Notify, Reply, SendPhoto, SendText
from services.platform.database import Database
from services.platform.update_ids import (
    ChatTurns,
    DatabaseUpdateLedger,
    RedisUpdateLedger,
    Taken,
    Unsent,
    UpdateLedger,
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


# ------------------------------------------------------- replies kept with the done-mark

CHAT = 6_004
SEARCH_RESULT: list[Reply] = [
    AnswerButton("q-1"),  # not kept: a query's answer expires long before a retry
    SendText("🍲 火锅 near you\n" + "很好吃😋 " * 800,  # about Telegram's longest text
             buttons=tuple((Button(f"海底捞 {n} ¥88", data=f"d:{n}"),) for n in range(8))),
    SendPhoto(b"\x89PNG" + bytes(range(256)) * 20, caption="🎫 QR"),
    SendPhoto(b"\0" * (BYTES_KEPT_MAX * 4), caption="a chart too big to keep"),
    Notify(7_001, (SendText("Ann joined your group 🎉"),)),
]
KEPT_AS = [SEARCH_RESULT[1], SEARCH_RESULT[2], SendText("a chart too big to keep"),
           SEARCH_RESULT[4]]


async def _dies_after_the_mark(one: UpdateLedger, two: UpdateLedger, update_id: int,
                               lease_out: Any) -> None:
    """`one` handles the update and dies before its replies went out; `two` takes the
    delivery again (busy until `one`'s lease is out) and gets the replies, once."""
    kept = keep(CHAT, SEARCH_RESULT)
    assert kept is not None
    assert await one.take(update_id) is Taken.TAKEN
    await one.finish(update_id, kept)
    assert await two.take(update_id) is Taken.BUSY  # `one` may still be sending them
    assert await one.renew(update_id) is True  # and it renews while it does
    await lease_out()  # ... until it died
    again = await two.take(update_id)
    assert isinstance(again, Unsent) and restore(again.replies) == (CHAT, KEPT_AS)
    assert await one.take(update_id) is Taken.BUSY  # `two` holds them now
    assert await one.renew(update_id) is False  # the dead one's lease is gone
    await one.sent(update_id)  # the dead one's late word changes nothing
    assert await one.take(update_id) is Taken.BUSY
    await two.sent(update_id)  # `two` sent them
    assert await one.take(update_id) is Taken.DONE  # a replay after "sent": nothing again
    assert await two.take(update_id) is Taken.DONE


async def _the_normal_path_sends_each_reply_once(one: UpdateLedger, two: UpdateLedger,
                                                 update_id: int) -> None:
    assert await one.take(update_id) is Taken.TAKEN
    await one.finish(update_id, keep(CHAT, [SendText("👋")]))
    await one.sent(update_id)  # they went out: plain "done", nothing to send again
    assert await two.take(update_id) is Taken.DONE
    # A turn with nothing worth sending again is plain "done" from the mark on.
    assert await one.take(update_id + 1) is Taken.TAKEN
    await one.finish(update_id + 1, keep(CHAT, [AnswerButton("q")]))
    assert await two.take(update_id + 1) is Taken.DONE


async def test_in_redis_replies_of_a_worker_dead_before_sending_them_go_to_the_next(
    redis: tuple[Any, str],
) -> None:
    one, two = _pair_in_redis(redis)
    await _dies_after_the_mark(one, two, 11, lambda: asyncio.sleep(LEASE + 0.3))
    client, prefix = redis
    assert await client.get(f"{prefix}:upd:{BOT}:11") == b"done"  # the replies forgotten
    assert 86_000 < await client.ttl(f"{prefix}:upd:{BOT}:11") <= 86_400  # a day, as ever


async def test_in_redis_replies_marked_sent_with_the_chat_lock_released_in_one_go(
    redis: tuple[Any, str],
) -> None:
    one, two = _pair_in_redis(redis)
    await _the_normal_path_sends_each_reply_once(one, two, 21)
    client, prefix = redis
    turns = ChatTurns(client, prefix, BOT, LEASE, wait=0.2)
    lock = turns.lock(CHAT)
    assert await lock.acquire() is True
    assert await one.take(23) is Taken.TAKEN
    await one.finish(23, keep(CHAT, [SendText("🍜 results")]))
    await one.sent(23, lock)
    assert await two.take(23) is Taken.DONE
    assert await turns.lock(CHAT).acquire() is True  # the chat's turn is free at once
    assert 86_000 < await client.ttl(f"{prefix}:upd:{BOT}:23") <= 86_400


async def _lease_out(db: Database) -> None:
    async with db.begin() as conn:  # the holder's lease moved into the past
        await conn.execute(update(UpdateSeen).values(until_ms=1))  # type: ignore[arg-type]


async def test_in_the_database_replies_of_a_worker_dead_before_sending_them_go_to_the_next(
    db: Database,
) -> None:
    one, two = DatabaseUpdateLedger(db, BOT, 30), DatabaseUpdateLedger(db, BOT, 30)
    await _dies_after_the_mark(one, two, 2**40 + 11, lambda: _lease_out(db))
    await _the_normal_path_sends_each_reply_once(one, two, 21)
    async with db.reading() as conn:
        rows = (await conn.execute(select(UpdateSeen.state, UpdateSeen.replies))).all()
    assert set(rows) == {("done", None)}  # nothing kept once sent


async def test_in_the_database_replies_never_sent_are_forgotten_after_a_day(
    db: Database,
) -> None:
    ledger = DatabaseUpdateLedger(db, BOT, 30)
    assert await ledger.take(5) is Taken.TAKEN
    await ledger.finish(5, keep(CHAT, [SendText("lost in time")]))
    await _lease_out(db)  # and a day more: Telegram gave up long ago
    assert await ledger.prune() == 1
    assert await ledger.take(5) is Taken.TAKEN


async def test_in_redis_a_fresh_take_also_takes_a_free_chats_turn_in_one_go(
    redis: tuple[Any, str],
) -> None:
    client, prefix = redis
    one, two = _pair_in_redis(redis)
    turns = ChatTurns(client, prefix, BOT, LEASE, wait=0.2)
    first = turns.lock(CHAT)
    assert await one.take(31, first) is Taken.TAKEN and ChatTurns.held(first)
    assert await turns.lock(CHAT).acquire() is False  # the chat's turn is `one`'s
    assert await first.extend(LEASE, replace_ttl=True)  # and held as any acquired lock
    # The chat busy: the update is taken all the same, its turn waited for later.
    second = turns.lock(CHAT)
    assert await two.take(32, second) is Taken.TAKEN and not ChatTurns.held(second)
    # A delivery again of a taken update touches no lock.
    third = turns.lock(CHAT + 1)
    assert await two.take(31, third) is Taken.BUSY and not ChatTurns.held(third)
    assert await turns.lock(CHAT + 1).acquire() is True
    await one.finish(31, keep(CHAT, [SendText("🍲")]))
    await one.sent(31, first)  # "sent", and the turn released, in one script
    assert await second.acquire() is True
    assert await two.take(31) is Taken.DONE
