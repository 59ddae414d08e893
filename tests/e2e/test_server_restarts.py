"""PostgreSQL and Redis restart under load (private servers of this test, never the
shared ones): the worker answers 503 on /healthz while the database is away and 200
again once it is back, without being restarted; payments that failed meanwhile are
retried (as a provider's webhook is) and each applies exactly once, nothing paid lost;
the shared send budget paces alone while Redis is away and shares again once it is
back."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.config import ConfigError, load_settings
from bot.runtime import configure_logging
from bot.scale.limits import RedisLimiter, SendBudget
from bot.scale.startup import connect_redis, wait_for_database
from bot.web import build_web_app, pay_with_sandbox
from handlers.router import App, Options
from services.demo.seed import seed_demo
from services.ledger.check import check_books
from services.platform.database import Database
from storage.models import Order, OrderStatus, RedemptionCode
from tests.conftest import STORY_NOW, Chat
from tests.helpers.private_servers import PrivatePostgres, PrivateRedis, available
from tests.helpers.runtime import recording, runtime_for
from tests.stories.test_buying_stories import buy, pay_url

pytestmark = pytest.mark.e2e

SHOPPERS = 10


@pytest.fixture
async def servers() -> AsyncIterator[tuple[PrivatePostgres, PrivateRedis]]:
    problem = available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem} (CI must run the restart tests)")
        pytest.skip(problem)
    postgres = PrivatePostgres()
    redis = PrivateRedis()
    try:
        await asyncio.to_thread(postgres.start)
        await redis.start()
        yield postgres, redis
    finally:
        await redis.stop()
        await asyncio.to_thread(postgres.remove)


async def _health(client: TestClient) -> int:
    try:
        return (await client.get("/healthz")).status
    except Exception:
        return 0


async def _until_health(client: TestClient, status: int, timeout: float) -> float:
    began = time.monotonic()
    while await _health(client) != status:
        assert time.monotonic() - began < timeout, f"/healthz never answered {status}"
        await asyncio.sleep(0.2)
    return time.monotonic() - began


async def test_the_database_and_redis_restart_under_load_and_nothing_paid_is_lost(
        servers: tuple[PrivatePostgres, PrivateRedis]) -> None:
    postgres, private_redis = servers
    await wait_for_database(postgres.url, 30)
    db = Database(postgres.url)
    await db.upgrade()
    await seed_demo(db, now=STORY_NOW, groups=False, bookings=False)
    app = App(db=db, options=Options(), clock=lambda: STORY_NOW)
    runtime = runtime_for(app)
    recording(runtime)
    tokens = []
    for n in range(SHOPPERS):
        shopper = Chat(app, user_id=8800 + n, name=f"s{n}")
        await buy(shopper, "hdl-four")
        tokens.append(app.payments.get("sandbox").token_in(pay_url(shopper)))  # type: ignore[union-attr]
    outcomes: dict[str, list[str]] = {token: [] for token in tokens}
    failed_tries = 0

    async def pay(some: list[str | None]) -> None:
        """The provider's webhook: each payment retried until it is taken."""
        nonlocal failed_tries
        for token in some:
            while True:
                try:
                    outcome, _ = await pay_with_sandbox(runtime, token or "")
                except Exception:
                    failed_tries += 1
                    await asyncio.sleep(0.3)
                    continue
                outcomes[token].append(outcome)  # type: ignore[index]
                break
            await asyncio.sleep(0.3)

    redis = connect_redis(private_redis.url)
    budget = SendBudget(RedisLimiter(redis, "restart"), rate=30, per_chat=1, chat_burst=3,
                        group_per_minute=20)
    try:
        async with TestClient(TestServer(build_web_app(runtime))) as client:
            assert await _health(client) == 200
            await pay(tokens[:3])  # a few paid before
            await asyncio.to_thread(postgres.stop)
            assert await _until_health(client, 503, 15) < 15
            paying = asyncio.create_task(pay(tokens[3:]))  # the rest while it is away
            turn = await Chat(app, user_id=8899, name="away").say("/help")  # polite, no crash
            assert turn
            await asyncio.sleep(1.5)
            await asyncio.to_thread(postgres.start)
            recovered = await _until_health(client, 200, 30)
            await asyncio.wait_for(paying, 60)

            # Redis away: the budget paces this process alone, then shares again.
            await budget.take(5)
            await private_redis.stop()
            started = time.monotonic()
            for _ in range(4):  # a fresh chat: a burst of three, then one a second
                await budget.take(6)
            assert 0.8 < time.monotonic() - started < 5
            await private_redis.start()
            for _ in range(50):
                with contextlib.suppress(Exception):
                    if await redis.ping():
                        break
                await asyncio.sleep(0.1)
            assert await budget.limiter.reserve(budget.budgets(7)) == 0.0  # from Redis
            assert await redis.exists("restart:send:chat:7")  # type: ignore[misc]
    finally:
        await redis.aclose()

    assert recovered < 30
    assert failed_tries > 0  # the outage was felt ...
    assert all(outcome == ["paid"] for outcome in outcomes.values()), outcomes  # ... once each
    async with db.session() as session:
        orders = (await session.exec(select(Order))).all()
        codes = (await session.exec(select(RedemptionCode))).all()
    paid = [o for o in orders if o.status in (OrderStatus.PAID, OrderStatus.FULFILLED)]
    assert len(paid) == SHOPPERS and len(codes) == SHOPPERS
    books = await check_books(db)
    assert books.ok, books.problem
    await db.dispose()


async def test_start_up_waits_for_a_late_database_one_line_per_try(
        servers: tuple[PrivatePostgres, PrivateRedis]) -> None:
    postgres, _ = servers
    await asyncio.to_thread(postgres.stop)  # the worker comes up before its database
    stream = io.StringIO()
    configure_logging(load_settings(None), stream=stream)
    waiting = asyncio.create_task(wait_for_database(postgres.url, 60))
    await asyncio.sleep(2.0)
    await asyncio.to_thread(postgres.start)
    tries = await asyncio.wait_for(waiting, 60)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    waited = [line for line in lines if line["event"] == "waiting for the database"]
    assert tries >= 3 and len(waited) == tries - 1  # one line per failed try ...
    assert [line["attempt"] for line in waited] == list(range(1, tries))
    assert lines[-1]["event"] == "the database answers"  # ... and one when it answers
    # A database that never comes: one clear line, no traceback.
    await asyncio.to_thread(postgres.stop)
    with pytest.raises(ConfigError, match=r"the database did not answer within 1 s"):
        await wait_for_database(postgres.url, 1)
