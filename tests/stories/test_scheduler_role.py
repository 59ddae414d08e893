"""Exactly one scheduler: two workers on one PostgreSQL database, one holds the role
(housekeeping, campaign timers, the push sender). When the leader's session is cut in
the middle of a campaign, the other takes over within 10 s with a new fencing epoch, the
old leader's late claims are refused, and no follower gets the push twice. On SQLite
the one process simply holds the role."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.runtime import Runtime
from bot.scale.leader import SchedulerRole
from handlers.app import build_router
from handlers.router import App, Options
from services.marketing.pushes.sending import claim_due
from services.platform.database import Database
from services.platform.fencing import Fenced
from storage.models import Delivery, DeliveryStatus, SchedulerLeader
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
