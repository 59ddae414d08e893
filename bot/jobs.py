"""Scheduled housekeeping (APScheduler): nothing waits on a user to be put right.

Every `INTERVAL` seconds, one run at a time:
- unpaid orders whose hold ran out expire and give their stock back; their payment is
  closed at the provider and their buyer owed the news, once, with a button to buy again;
- table bookings held for a deposit that was not paid in time expire (the table free
  again, the booker owed the news once, the payment closed at the provider); confirmed
  sittings long over and unmarked are completed (a paid deposit kept for the merchant);
- 拼团 groups whose window closed unfilled fail, once, and every member's payment is
  refunded (`services.orders.groups.fail_due_groups`);
- codes past their validity expire, or are refunded when the deal's policy says so;
- refunds a provider could not make yet are tried again (same idempotency key); each
  refund's outcome owes its buyer the news;
- messages owed through the outbox (`bot.outbox`) that are due are sent: all of the
  above, what a first try could not send, and the codes of orders paid before the
  outbox existed;
- commissions of codes redeemed longer than the refund window ago become available
  (`services.ledger.sales.release_due`);
- taste profiles of people who did something since the last round are brought up to date;
- one-off campaigns whose whole window passed without a run are marked missed and
  their owner told (once);
- scheduled campaigns whose timer could not be set (after the owner confirmed) get it.

Campaign timers, the push sender (`bot.pushes`) and the outbox sender (`bot.outbox`,
woken after every handled update) start with it: `start_jobs`, which first marks owed
messages a crash left `sending` as in doubt.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot.outbox import OutboxSender, send_owed
from bot.pushes import CampaignTimers, PushSender, report_missed, start_pushes
from bot.runtime import Runtime
from services.bookings.booking import complete_past, expire_holds
from services.ledger.sales import release_due
from services.marketing.campaigns import open_occurrence, scheduled_campaigns
from services.marketing.profiles import refresh_profiles
from services.marketing.pushes.sending import drop_closed_windows
from services.orders.checkout import (
    claim_expired_holds,
    owe_stranded_codes,
    release_expired_holds,
)
from services.orders.groups import fail_due_groups
from services.orders.refunds import carry_out_many, expire_codes, pending_refunds
from services.platform.outbox import recover_in_doubt
from storage.models import Booking

log = structlog.get_logger("o2o.jobs")
INTERVAL = 30  # seconds
JOB_DRAIN_SECONDS = 20  # stopping: how long a running job (housekeeping) may finish
INTERVAL_DELTA = timedelta(seconds=INTERVAL)
REDELIVER_AFTER = timedelta(minutes=2)
_BOOKINGS = Booking.__table__  # type: ignore[attr-defined]
_last_refresh: dict[int, datetime] = {}  # per database: when profiles were last refreshed


async def housekeeping(runtime: Runtime) -> dict[str, int]:
    """One round of the jobs above; returns what it did (for logs and tests)."""
    db, now = runtime.db, runtime.app.clock()
    expired_orders = await release_expired_holds(db, now)
    told = await _tell_expired_holds(runtime, now)
    expired_bookings = await _expire_booking_holds(runtime, now)
    completed_bookings = len(await complete_past(db, now))
    # 拼团 groups whose window closed unfilled: every member's payment goes back.
    refund_ids = await fail_due_groups(db, now)
    groups_failed = len(refund_ids)
    refund_ids += await expire_codes(db, now)
    refund_ids += [r for r in await pending_refunds(db) if r not in refund_ids]
    # Each outcome's news is owed with it, sent below.
    done = await carry_out_many(db, refund_ids, runtime.app.payments.refund, now)
    refunded = sum(d.status == "done" for d in done)
    released = await release_due(db, now)
    # Orders paid before the outbox existed owe their codes too; then send what is owed.
    await owe_stranded_codes(db, now - REDELIVER_AFTER, now)
    redelivered = await send_owed(runtime)
    profiles = await refresh_profiles(db, now, since=_last_refresh.get(id(db)))
    _last_refresh[id(db)] = now - INTERVAL_DELTA  # overlap: late commits are not missed
    missed = await report_missed(runtime)
    timers = runtime.app.campaigns
    restored = await timers.restore_missing() if isinstance(timers, CampaignTimers) else 0
    report = {"expired_orders": expired_orders, "expiry_told": told,
              "expired_bookings": expired_bookings,
              "completed_bookings": completed_bookings,
              "group_members_refunded": groups_failed,
              "refunds": len(refund_ids),
              "refunded": refunded, "commissions_released": released,
              "redelivered": redelivered, "profiles": profiles,
              "campaigns_missed": missed, "timers_restored": restored}
    if any(report.values()):
        log.info("housekeeping", **report)
    return report


async def _tell_expired_holds(runtime: Runtime, now: datetime) -> int:
    """Close the payment of each newly expired order at its provider (an open Stripe
    page stops taking money); its claim owes the buyer the news (sent with the rest of
    what is owed). Returns how many buyers are owed it."""
    told = 0
    for expired in await claim_expired_holds(runtime.db, now):
        order = expired.order
        await runtime.app.payments.close(order.provider, order.provider_ref)
        told += not expired.superseded
    return told


async def _expire_booking_holds(runtime: Runtime, now: datetime) -> int:
    """Expire the held bookings whose deposit was not paid in time (each booker owed the
    news with it) and close their payment at the provider (an open Stripe page stops
    taking money); returns how many."""
    expired = await expire_holds(runtime.db, now)
    if expired:
        async with runtime.db.engine.connect() as conn:
            rows = (await conn.execute(
                select(_BOOKINGS.c.provider, _BOOKINGS.c.provider_ref)
                .where(_BOOKINGS.c.id.in_(expired), _BOOKINGS.c.provider_ref.is_not(None))
            )).all()
        for provider, ref in rows:
            await runtime.app.payments.close(provider, ref)
    return len(expired)


class DrainingExecutor(AsyncIOExecutor):
    """APScheduler's asyncio executor that can wait for the jobs it is running: its
    `shutdown` cancels them, and a housekeeping round cancelled in the middle of a
    statement logs a traceback for nothing (its work is redone at the next start)."""

    async def drain(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the running jobs; whether they all ended."""
        running = [f for f in self._pending_futures if not f.done()]
        if not running:
            return True
        _, left = await asyncio.wait(running, timeout=timeout)
        return not left


@dataclass
class Jobs:
    """The running background work: housekeeping, campaign timers and the push sender."""

    scheduler: AsyncIOScheduler
    sender: PushSender
    timers: CampaignTimers
    stop_sending: asyncio.Event
    sending: asyncio.Task[None]
    owed: OutboxSender
    owed_sending: asyncio.Task[None]
    executor: DrainingExecutor

    async def stop(self) -> None:
        """Stop sending (the batch in hand is settled first), let a job that is running
        finish (up to JOB_DRAIN_SECONDS; no new one starts), then stop the timers."""
        self.scheduler.pause()
        self.stop_sending.set()
        self.owed.stopping.set()
        self.owed.wake()
        await self.sending
        await self.owed_sending
        if not await self.executor.drain(JOB_DRAIN_SECONDS):
            log.warning("a background job was still running when stopping; cut short")
        self.scheduler.shutdown(wait=False)
        self.timers.close()


async def start_jobs(runtime: Runtime) -> Jobs:
    """Start housekeeping every INTERVAL seconds, the campaign timers (restored from the
    database, missed starts caught up) and the push sender, in the running event loop."""
    executor = DrainingExecutor()
    scheduler = AsyncIOScheduler(timezone="UTC", executors={"default": executor})
    scheduler.add_job(housekeeping, "interval", seconds=INTERVAL, args=[runtime],
                      id="housekeeping", max_instances=1, coalesce=True,
                      next_run_time=runtime.app.clock())
    sender, timers = start_pushes(runtime, scheduler)
    await sender.recover()
    in_doubt = await recover_in_doubt(runtime.db)
    if in_doubt:
        log.warning("owed messages in doubt after a crash; not sent again", rows=in_doubt)
    owed = runtime.owed_sender = OutboxSender(runtime)
    scheduler.start()
    await timers.catch_up()
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run_forever(stop), name="push-sender")
    owed_task = asyncio.create_task(owed.run(), name="outbox-sender")
    return Jobs(scheduler, sender, timers, stop, task, owed, owed_task, executor)


async def run_due(runtime: Runtime) -> dict[str, int]:
    """Do now, in order, what the background jobs would do by the app's clock: one
    housekeeping round, every campaign start that has come, and all pushes that are due.
    The scripted shell's `/later` and tests use it instead of waiting on timers."""
    report = await housekeeping(runtime)
    sender = runtime.pushes
    if sender is None:
        settings = runtime.settings
        sender = runtime.pushes = PushSender(runtime, settings.push_rate,
                                             settings.push_max_per_day)
    now = runtime.app.clock()
    fired = 0
    for campaign in await scheduled_campaigns(runtime.db):
        assert campaign.id is not None
        if open_occurrence(campaign, now) is not None:
            fired += await sender.fire(campaign.id) is not None
    await drop_closed_windows(runtime.db, now)
    pushed = 0
    while True:
        sender.reset_pacing()  # a scripted run does not sleep off real-time waits
        handed = await sender.tick()
        if not handed:
            break
        pushed += handed
    await sender.report_progress(force=True)
    return {**report, "campaigns_fired": fired, "pushed": pushed}
