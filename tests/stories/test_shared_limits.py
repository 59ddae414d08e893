"""Telegram's sending limits are per bot: every worker and the push sender take each
message from one budget (in Redis), and a user who floods is slowed, told once, and
loses nothing. Against the real Redis server, each test under a key prefix of its own."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.scale.limits import (
    Budget,
    FloodGuard,
    LocalLimiter,
    RedisLimiter,
    SendBudget,
    reserve_at,
)
from handlers.app import build_router
from handlers.core import Command, Incoming, PreCheckout, Sender, SendText
from handlers.i18n import t
from handlers.router import App, Options, dispatch
from services.platform.database import Database
from services.platform.users import ensure_user, set_language


def _budget(limiter: object) -> SendBudget:
    return SendBudget(limiter, rate=30, per_chat=1, chat_burst=3,  # type: ignore[arg-type]
                      group_per_minute=20)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ----------------------------------------------------------------- the arithmetic


def test_a_chat_gets_a_burst_of_three_then_one_message_a_second() -> None:
    budgets = [Budget("chat", 1.0, 3)]
    tat, waits = 0.0, []
    for _ in range(6):
        at, [tat] = reserve_at([tat], budgets, now=100.0)
        waits.append(at - 100.0)
    assert waits == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]


def test_the_bot_budget_spreads_thirty_a_second_over_all_chats() -> None:
    clock = FakeClock()
    budget = _budget(LocalLimiter(clock))
    waits = [asyncio.run(budget.limiter.reserve(budget.budgets(chat)))
             for chat in range(1, 91)]  # ninety chats at once, one message each
    assert waits[:30] == [0.0] * 30  # a second's worth at once
    assert waits[59] == pytest.approx(1.0, abs=0.05)
    assert waits[89] == pytest.approx(2.0, abs=0.05)
    assert waits == sorted(waits)


def test_a_group_chat_gets_twenty_messages_a_minute() -> None:
    clock = FakeClock()
    budget = _budget(LocalLimiter(clock))
    waits = [asyncio.run(budget.limiter.reserve(budget.budgets(-100123)))
             for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(3.0) and waits[4] == pytest.approx(6.0)


# ------------------------------------------------------------------- over Redis


async def test_two_workers_share_one_chat_budget_in_redis(
        redis_prefix: tuple[object, str]) -> None:
    client, prefix = redis_prefix
    worker_a, worker_b = RedisLimiter(client, prefix), RedisLimiter(client, prefix)
    chat = [Budget("send:chat:42", 1.0, 3)]
    began, goes = time.monotonic(), []
    for n in range(8):  # the two workers answer the same chat, turn about
        wait = await (worker_a if n % 2 else worker_b).reserve(chat)
        goes.append(time.monotonic() - began + wait)  # when this message may go
    assert all(at < 0.1 for at in goes[:3])  # the burst, at once
    for k, at in enumerate(goes[3:], start=1):  # then one a second, whoever sends
        assert at == pytest.approx(k, abs=0.1), goes
    # Another chat is not held up by this one's budget.
    assert await worker_a.reserve([Budget("send:chat:43", 1.0, 3)]) == 0.0


async def test_redis_and_this_process_book_the_same_waits(
        redis_prefix: tuple[object, str]) -> None:
    client, prefix = redis_prefix
    shared, local = RedisLimiter(client, prefix), LocalLimiter()  # both on real time
    budgets = [Budget("send:bot", 1 / 30, 30), Budget("send:chat:7", 1.0, 3)]
    for _ in range(40):
        from_redis = await shared.reserve(budgets)
        from_here = await local.reserve(budgets)
        assert from_redis == pytest.approx(from_here, abs=0.05)


async def test_a_429_pauses_every_worker_for_its_retry_after(
        redis_prefix: tuple[object, str]) -> None:
    client, prefix = redis_prefix
    worker_a, worker_b = _budget(RedisLimiter(client, prefix)), _budget(
        RedisLimiter(client, prefix))
    await worker_a.flood_wait(2.0)
    wait = await worker_b.limiter.reserve(worker_b.budgets(5001))
    assert wait == pytest.approx(2.0, abs=0.1)
    # A shorter pause afterwards does not shorten the longer one.
    await worker_b.flood_wait(0.5)
    assert await worker_a.limiter.reserve(worker_a.budgets(5002)) > 1.5


async def test_keys_live_only_while_their_budget_is_spent(
        redis_prefix: tuple[object, str]) -> None:
    client, prefix = redis_prefix
    limiter = RedisLimiter(client, prefix)
    await limiter.reserve([Budget("send:chat:9", 0.1, 1)])
    ttl = await client.pttl(f"{prefix}:send:chat:9")  # type: ignore[attr-defined]
    assert 0 < ttl <= 1200
    assert await limiter.first_time("told:9", 60) is True
    assert await limiter.first_time("told:9", 60) is False


async def test_the_budget_paces_alone_while_redis_is_away() -> None:
    from redis.asyncio import Redis

    nowhere = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    budget = _budget(RedisLimiter(nowhere, "test:away"))
    try:
        started = time.monotonic()
        for _ in range(4):  # a burst of three, then one a second
            await budget.take(77)
        assert 0.9 < time.monotonic() - started < 5.0
    finally:
        await nowhere.aclose()


# ------------------------------------------------------------------ flood control


def _incoming(user: int, n: int, language: str | None) -> Incoming:
    return Incoming(Sender(user, "Flo", None, language), user, Command("help", ""),
                    update_id=n)


@pytest.mark.parametrize("where", ["process", "redis"])
async def test_a_user_sending_twenty_messages_at_once_is_slowed_told_once_and_answered_all(
        db: Database, redis_prefix: tuple[object, str], where: str) -> None:
    client, prefix = redis_prefix
    limiter = LocalLimiter() if where == "process" else RedisLimiter(client, prefix)
    guard = FloodGuard(limiter, burst=10, rate=40)  # fast enough for a test
    app = App(db=db, options=Options(), middlewares=(guard,))
    router = build_router()
    began = time.monotonic()
    answers = await asyncio.gather(*(dispatch(app, router, _incoming(7007, n, "en"))
                                     for n in range(20)))
    took = time.monotonic() - began
    assert len(answers) == 20 and all(answers)  # nobody's message lost
    notices = [a for a in answers if a and isinstance(a[0], SendText)
               and a[0].text == t("en", "flood-slow-down")]
    assert len(notices) == 1  # told once, politely, in their language
    assert 8 <= guard.slowed <= 10  # (the first ones take real time to arrive)
    assert took >= 10 / 40 * 0.8  # the last ten waited their turn
    # Someone else is not slowed by them.
    other = await dispatch(app, router, _incoming(7008, 99, "zh"))
    assert all(not (isinstance(r, SendText) and r.text == t("zh", "flood-slow-down"))
               for r in other)


@pytest.mark.parametrize(("saved", "telegram"), [("zh", "en"), ("en", "zh")])
async def test_a_flooding_user_is_told_in_the_language_they_chose_not_their_apps(
        db: Database, saved: str, telegram: str) -> None:
    # The user's app says one language; in /settings they chose the other.
    user = await ensure_user(db, 7020, first_name="Flo", language_code=telegram)
    await set_language(db, user.id, saved)
    guard = FloodGuard(LocalLimiter(), burst=2, rate=40, default_language=telegram)
    app = App(db=db, options=Options(), middlewares=(guard,))
    router = build_router()
    answers = await asyncio.gather(*(dispatch(app, router, _incoming(7020, n, telegram))
                                     for n in range(5)))
    texts = [r.text for a in answers for r in a if isinstance(r, SendText)]
    assert texts.count(t(saved, "flood-slow-down")) == 1
    assert t(telegram, "flood-slow-down") not in texts


async def test_payments_are_never_slowed(db: Database) -> None:
    guard = FloodGuard(LocalLimiter(), burst=1, rate=0.01)
    app = App(db=db, options=Options(), middlewares=(guard,))
    router = build_router()
    started = time.monotonic()
    for n in range(3):
        event = PreCheckout(f"q{n}", "o:1", 100, "CNY")
        await dispatch(app, router, Incoming(Sender(7010, "Pay"), 7010, event, n))
    assert time.monotonic() - started < 5 and guard.slowed == 0
