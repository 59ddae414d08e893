"""Exactly one scheduler: two workers on one PostgreSQL database, one holds the role
(housekeeping, campaign timers, the push sender). When the leader's session is cut in
the middle of a campaign, the other takes over within 10 s with a new fencing epoch, the
old leader's late claims are refused, and no follower gets the push twice. A new
leader puts in doubt only the owed messages whose taker is gone, never a live
follower's. On SQLite the one process simply holds the role."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.config import Settings
from bot.runtime import Runtime
from bot.scale.leader import SchedulerRole
from handlers.app import build_router
from handlers.router import App, Options
from services.marketing.pushes.sending import claim_due
from services.platform.database import Database
from services.platform.fencing import Fenced
from services.platform.outbox import (
    Owing,
    get_owed,
    mark_sent,
    owe_many,
    recover_in_doubt,
    statuses,
    take,
)
from storage.models import Delivery, DeliveryStatus, OutboxMessage, SchedulerLeader
from tests.conftest import STORY_NOW
from tests.stories.test_push_stories import OWNER, Phones, World

FOLLOWERS = 60


def _worker(db: Database, phones: Phones, rate: float) -> Runtime:
    """A second worker process's runtime: its own pool on the same database."""
    app = App(db=db, options=Options(), clock=lambda: STORY_NOW)
    runtime = Runtime(settings=Settings(push_rate=rate), db=db, app=app,
                      router=build_router())
    runtime.pusher = phones.push
    runtime.outbox = phones.deliver
    return runtime


async def _statuses(db: Database) -> Counter[str]:
    async with db.session() as session:
        return Counter((await session.exec(select(Delivery.status))).all())


async def test_sqlite_simply_holds_the_role(app: App) -> None:
    if app.db.dialect != "sqlite":
        pytest.skip("the PostgreSQL election is the story below")
    phones = Phones()
    role = SchedulerRole(_worker(app.db, phones, 30))
    stop = asyncio.Event()
    task = asyncio.create_task(role.run(stop))
    await role.wait_until(True, 10)
    assert role.epoch is None and role.runtime.scheduler_epoch is None
    stop.set()
    await task
    assert not role.is_leader


async def test_a_leader_cut_off_mid_campaign_is_replaced_fenced_and_nothing_goes_twice(
        app: App) -> None:
    if app.db.dialect != "postgresql":
        pytest.skip("one process on SQLite: nobody to elect")
    world = World(app)
    for n in range(FOLLOWERS):
        await world.follower(7400 + n)
    coupon = await world.coupon()
    await world.campaign("now", coupon)  # starts when the leader's timers catch up

    phones_a, phones_b = Phones(), Phones()
    other_db = Database(app.db.url, schema=app.db.schema)
    worker_a = _worker(app.db, phones_a, rate=20)
    worker_b = _worker(other_db, phones_b, rate=20)
    role_a, role_b = SchedulerRole(worker_a), SchedulerRole(worker_b)
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    task_a = asyncio.create_task(role_a.run(stop_a))
    try:
        await role_a.wait_until(True, 15)
        task_b = asyncio.create_task(role_b.run(stop_b))
        first_epoch = role_a.epoch
        assert first_epoch is not None
        # A third of the campaign out, the leader's session is cut (a network fault, a
        # killed connection: PostgreSQL drops its advisory lock at once).
        deadline = time.monotonic() + 30
        while len(phones_a.received) < FOLLOWERS // 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not role_b.is_leader  # it was following all along
        assert role_a.connection is not None
        pid = role_a.connection.get_server_pid()
        cut_at = time.monotonic()
        async with app.db.engine.connect() as conn:
            await conn.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        await role_b.wait_until(True, 10)
        took_over = time.monotonic() - cut_at
        assert took_over < 10
        assert role_b.epoch == first_epoch + 1
        await role_a.wait_until(False, 10)  # the old leader noticed and stopped its jobs

        # A deposed leader's late write is refused; the current one's goes through.
        with pytest.raises(Fenced):
            await claim_due(app.db, STORY_NOW, 10, epoch=first_epoch)
        await claim_due(app.db, STORY_NOW, 0, epoch=role_b.epoch)

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            statuses = await _statuses(app.db)
            if not statuses.get(DeliveryStatus.PLANNED) and not statuses.get(
                    DeliveryStatus.SENDING):
                break
            await asyncio.sleep(0.2)
    finally:
        stop_a.set()
        stop_b.set()
        await asyncio.gather(task_a, *([task_b] if "task_b" in locals() else []))
        await other_db.dispose()

    received = [chat for phones in (phones_a, phones_b)
                for chat, _ in phones.received if chat != OWNER]
    assert len(received) == len(set(received))  # nobody got the push twice
    statuses = await _statuses(app.db)
    async with app.db.session() as session:
        rows = (await session.exec(select(Delivery.status, Delivery.reason))).all()
        leader = (await session.exec(select(SchedulerLeader))).one()
    in_doubt = sum(reason == "in_doubt" for _, reason in rows)
    assert statuses[DeliveryStatus.SENT] + in_doubt == FOLLOWERS, statuses
    assert statuses[DeliveryStatus.SENT] == len(received)  # every sent row reached its chat
    assert phones_b.received  # the new leader finished the campaign
    assert leader.epoch == first_epoch + 1 and leader.holder == role_b.holder


async def _outbox_status(db: Database, key: str) -> str:
    return (await statuses(db, key))[key]


async def test_a_new_leader_puts_in_doubt_only_the_owed_messages_of_a_worker_that_is_gone(
        app: App) -> None:
    if app.db.dialect != "postgresql":
        pytest.skip("one process on SQLite: every row left sending is a dead one's")
    db = app.db
    keys = ["taker:sent-by-a-live-follower", "taker:left-by-a-stopped-follower"]
    async with db.begin() as conn:  # due tomorrow: nobody's sender takes them by itself
        await owe_many(db, conn, [Owing(7500, "codes", {"order_id": 0}, key,
                                        STORY_NOW + timedelta(days=1)) for key in keys], STORY_NOW)
    async with db.reading() as conn:
        ids = dict((await conn.execute(select(OutboxMessage.dedupe_key, OutboxMessage.id)
                                       .where(col(OutboxMessage.dedupe_key).in_(keys)))).all())
    phones = Phones()
    others = [Database(db.url, schema=db.schema) for _ in range(2)]
    workers = [_worker(d, phones, 20) for d in (db, *others)]
    roles = [SchedulerRole(w) for w in workers]
    stops = [asyncio.Event() for _ in roles]
    tasks = [asyncio.create_task(roles[0].run(stops[0]))]
    try:
        await roles[0].wait_until(True, 15)
        tasks += [asyncio.create_task(role.run(stop))
                  for role, stop in zip(roles[1:], stops[1:], strict=True)]
        for role in roles[1:]:
            await role.decided(15)
            assert not role.is_leader
        # A follower is sending what two of its turns owed when the leader stops.
        follower = workers[1]
        taken = [await take(db, await get_owed(db, ids[key]), follower.outbox_taker)
                 for key in keys]
        assert all(taken)
        stops[0].set()
        await tasks[0]
        deadline = time.monotonic() + 15
        while not any(role.is_leader for role in roles[1:]):
            assert time.monotonic() < deadline, "nobody took over"
            await asyncio.sleep(0.05)
        # The new leader (whichever) left the live follower's rows alone...
        assert [await _outbox_status(db, key) for key in keys] == ["sending", "sending"]
        await mark_sent(db, ids[keys[0]], STORY_NOW)  # ...so its send is recorded.
        # The follower stops before the second one's answer: that one is in doubt now.
        stops[1].set()
        await tasks[1]
        await recover_in_doubt(db)
        assert [await _outbox_status(db, key) for key in keys] == ["sent", "in_doubt"]
    finally:
        for stop in stops:
            stop.set()
        await asyncio.gather(*tasks)
        for other in others:
            await other.dispose()
