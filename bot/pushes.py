"""Campaign timers (APScheduler, persisted in our database) and the paced push sender.

Timers: each scheduled campaign is an APScheduler job in the `scheduled_jobs` table of
the assistant's own database (SQLAlchemyJobStore), so a restart loses none. The misfire
rule: a start missed while the assistant was down still runs when it comes back, as
long as the campaign's window (1 to 12 hours) has not closed (`misfire_grace_time` is
the window); several missed starts of a recurring campaign run once (`coalesce`), and
one whose window closed unseen waits for its next occurrence. A one-off campaign whose
whole window passed without a run (down, or no timer looked in time) is marked `missed`
and its merchant owed the news once (the outbox), at start-up and by every housekeeping
round (`report_missed`). Running a start twice is harmless: a run is unique per (campaign,
start).

Sending: `PushSender` claims the pushes that are due in batches sized for the
configured rate (`push_rate`, 30/s by default), one batch per 50 ms, no chat more than
once a second; each batch is sent in a task of its own, so several are on the wire at
once while the next is claimed. Each push is moved to `sending` in the database before
it goes out (the claim commits), and settled after:
sent, blocked (403: the user is marked unreachable until they unblock), failed (400).
A 429 pauses ALL sending for its retry_after and puts the refused pushes back. Every
few seconds the merchant's progress message is edited (through the push lane: a live
view, nothing owed); a finished run owes the merchant its final report (the outbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter, deque
from datetime import timedelta
from typing import Any

import structlog
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url

from bot import metrics
from bot.outbox import send_owed
from bot.runtime import Runtime
from bot.scale.limits import installed, pace
from handlers.core import EditText, SendText
from handlers.pushes import progress_text, push_message
from services.marketing.campaigns import (
    campaign_missed_key,
    get_campaign,
    mark_missed_campaigns,
    open_occurrence,
    scheduled_campaigns,
)
from services.marketing.push_settings import set_reachable
from services.marketing.pushes.planning import plan_run, start_run, unplanned_runs
from services.marketing.pushes.reports import (
    active_runs,
    campaign_report_key,
    finish_run,
    run_report,
    set_progress_message,
)
from services.marketing.pushes.sending import (
    DueDelivery,
    Outcome,
    claim_due,
    drop_closed_windows,
    put_back,
    recover_in_doubt,
    settle,
)
from storage.models import Campaign, CampaignStatus, DeliveryStatus

log = structlog.get_logger("o2o.pushes")

JOBS_TABLE = "scheduled_jobs"
PROGRESS_EVERY = 3.0  # seconds between edits of a merchant's progress message
PER_CHAT_GAP = 1.0  # seconds: Telegram's "one message per second per chat"
BATCH_SECONDS = 0.05  # a batch holds this long's worth of sending at the configured rate
IN_FLIGHT = 10  # batches on the wire at once: half a second of sending, for slow answers

_RUNTIME: Runtime | None = None  # the process's runtime, for jobs restored from the store


async def fire_campaign(campaign_id: int) -> None:
    """An APScheduler job: a campaign's start has come (stored by reference, so it must be
    a module-level function; it finds the runtime the process registered)."""
    if _RUNTIME is None or _RUNTIME.pushes is None:
        log.warning("campaign fired with no push sender", campaign=campaign_id)
        return
    await _RUNTIME.pushes.fire(campaign_id)


async def report_missed(runtime: Runtime) -> int:
    """Mark one-off campaigns whose whole window passed without a run as missed, each
    owing its owner the news (once, through the outbox), and send it now; returns how
    many were marked."""
    missed = await mark_missed_campaigns(runtime.db, runtime.app.clock())
    for campaign in missed:
        log.info("campaign missed: its window passed without a run", campaign=campaign.id)
    keys = [campaign_missed_key(c.id) for c in missed
            if c.id is not None and c.report_chat_id is not None]
    if keys:
        await send_owed(runtime, keys=keys)
    return len(missed)


def sync_url(async_url: str) -> str:
    """The same database for APScheduler's synchronous job store."""
    url = make_url(async_url)
    driver = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return url.set(drivername=driver).render_as_string(hide_password=False)


class CampaignTimers:
    """Campaign start times as persistent APScheduler jobs (the app's CampaignScheduler)."""

    def __init__(self, runtime: Runtime, scheduler: AsyncIOScheduler) -> None:
        self.runtime = runtime
        self.scheduler = scheduler
        self.engine: Engine = create_engine(sync_url(runtime.db.url))
        scheduler.add_jobstore(SQLAlchemyJobStore(engine=self.engine, tablename=JOBS_TABLE,
                                                  tableschema=runtime.db.schema),
                               alias="campaigns")

    async def schedule(self, campaign_id: int) -> None:
        """Set (or reset) the timer of a stored campaign."""
        campaign = await get_campaign(self.runtime.db, campaign_id)
        if campaign is None or campaign.status != CampaignStatus.SCHEDULED:
            return
        self.scheduler.add_job(
            fire_campaign, self._trigger(campaign), args=[campaign_id],
            id=f"campaign:{campaign_id}", jobstore="campaigns", replace_existing=True,
            misfire_grace_time=campaign.window_minutes * 60, coalesce=True, max_instances=1,
        )

    async def unschedule(self, campaign_id: int) -> None:
        """Forget a cancelled campaign's timer."""
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(f"campaign:{campaign_id}", jobstore="campaigns")

    @staticmethod
    def _trigger(campaign: Campaign) -> Any:
        if campaign.schedule == "once":
            return DateTrigger(run_date=campaign.run_at)
        hour, minute = divmod(campaign.local_time, 60)
        return CronTrigger(day_of_week=campaign.weekday if campaign.schedule == "weekly"
                           else None, hour=hour, minute=minute, timezone=campaign.timezone,
                           start_date=campaign.run_at)

    async def catch_up(self) -> None:
        """At start-up: one-off campaigns whose whole window passed while the assistant
        was down are marked missed (and their merchant told); every other scheduled
        campaign has its timer, and a start inside its window runs now."""
        await report_missed(self.runtime)
        for campaign in await scheduled_campaigns(self.runtime.db):
            await self._catch_up(campaign)

    async def restore_missing(self) -> int:
        """Set the timers of scheduled campaigns that have none (setting it failed
        after the owner confirmed), catching up as at start-up; returns how many.
        Housekeeping calls this every round, so such a campaign still starts."""
        have = {job.id for job in self.scheduler.get_jobs(jobstore="campaigns")}
        missing = [c for c in await scheduled_campaigns(self.runtime.db)
                   if f"campaign:{c.id}" not in have]
        for campaign in missing:
            log.warning("campaign timer was missing; restored", campaign=campaign.id)
            await self._catch_up(campaign)
        return len(missing)

    async def _catch_up(self, campaign: Campaign) -> None:
        now = self.runtime.app.clock()
        assert campaign.id is not None
        window = timedelta(minutes=campaign.window_minutes)
        if campaign.schedule == "once" and campaign.run_at + window <= now:
            return  # missed: report_missed marks it and tells the merchant
        if self.scheduler.get_job(f"campaign:{campaign.id}", jobstore="campaigns") is None:
            await self.schedule(campaign.id)
        if open_occurrence(campaign, now) is not None and self.runtime.pushes:
            await self.runtime.pushes.fire(campaign.id)

    def close(self) -> None:
        """Release the job store's connections."""
        self.engine.dispose()


class PushSender:
    """Sends due pushes at the configured pace; see the module docstring."""

    def __init__(self, runtime: Runtime, rate: float, platform_cap: int) -> None:
        self.runtime = runtime
        self.rate = rate
        self.platform_cap = platform_cap
        self.batch = max(1, math.ceil(rate * BATCH_SECONDS))
        self.paused_until = 0.0  # monotonic: a 429 stops everything until then
        self._recent: deque[tuple[float, int]] = deque()  # (sent at, chat), newest last
        self._recent_chats: dict[int, float] = {}
        self._claimed_chats: Counter[int] = Counter()  # chats of batches being sent now
        self._last_progress: dict[int, tuple[float, str]] = {}  # run: (when, text shown)
        self._wake = asyncio.Event()
        self.sent = 0
        self.retry_afters = 0

    async def fire(self, campaign_id: int) -> int | None:
        """A campaign's start: plan its run (once, however often this is called). None
        when there is nothing to run: cancelled, missed, or its window has closed."""
        db, now = self.runtime.db, self.runtime.app.clock()
        campaign = await get_campaign(db, campaign_id)
        if campaign is None or campaign.status in (CampaignStatus.CANCELLED,
                                                   CampaignStatus.MISSED):
            return None
        occurrence = open_occurrence(campaign, now)
        if occurrence is None:
            return None
        run = await start_run(db, campaign, occurrence, now, self.runtime.scheduler_epoch)
        if run.status == "planning":
            size = await plan_run(db, run.run_id, now, self.platform_cap)
            log.info("campaign planned", campaign=campaign_id, run=run.run_id, audience=size)
        self._wake.set()
        return run.run_id

    async def recover(self) -> None:
        """After a restart: pushes left mid-send count as sent (never repeated), and runs
        whose planning a crash cut short are planned to the end."""
        doubtful = await recover_in_doubt(self.runtime.db)
        if doubtful:
            log.warning("pushes in doubt after a restart; not sent again", count=doubtful)
        for run_id in await unplanned_runs(self.runtime.db):
            await plan_run(self.runtime.db, run_id, self.runtime.app.clock(), self.platform_cap)

    def reset_pacing(self) -> None:
        """Forget flood waits and per-chat gaps (the scripted shell jumps the clock on;
        the real seconds these count have not passed for its users)."""
        self.paused_until = 0.0
        self._recent.clear()
        self._recent_chats.clear()

    def _skip_chats(self, now: float) -> frozenset[int]:
        while self._recent and now - self._recent[0][0] >= PER_CHAT_GAP:
            sent_at, chat = self._recent.popleft()
            if self._recent_chats.get(chat) == sent_at:
                del self._recent_chats[chat]
        return frozenset(self._recent_chats.keys() | self._claimed_chats.keys())

    async def tick(self) -> int:
        """Send one batch of due pushes; returns how many were handed to Telegram."""
        due = await self.claim()
        return await self.deliver(due) if due else 0

    async def claim(self) -> list[DueDelivery]:
        """The next batch: due pushes moved to `sending` (committed), none to a chat that
        had a push in the last second or has one on its way now."""
        if self.runtime.pusher is None or time.monotonic() < self.paused_until:
            return []
        due = await claim_due(self.runtime.db, self.runtime.app.clock(), self.batch,
                              self._skip_chats(time.monotonic()),
                              self.runtime.scheduler_epoch)
        self._claimed_chats.update(d.chat_id for d in due)
        return due

    async def deliver(self, due: list[DueDelivery]) -> int:
        """Send a claimed batch at once and settle it; returns how many were handed to
        Telegram. Batches overlap: the next one is claimed while this one is on the wire."""
        try:
            return await self._deliver(due)
        finally:
            self._claimed_chats.subtract(d.chat_id for d in due)
            for chat in {d.chat_id for d in due}:
                if self._claimed_chats[chat] <= 0:
                    del self._claimed_chats[chat]

    async def _deliver(self, due: list[DueDelivery]) -> int:
        runtime = self.runtime
        now = runtime.app.clock()
        wanted = [d for d in due if d.still_wanted]
        outcomes = [Outcome(d.id, DeliveryStatus.DROPPED, "no_longer_wanted")
                    for d in due if not d.still_wanted]
        messages = [await push_message(runtime.app, d, now) for d in wanted]
        results = await asyncio.gather(*(self._push(d, m) for d, m in zip(wanted, messages,
                                                                            strict=True)))
        retry: list[int] = []
        for delivery, (outcome, retry_after) in zip(wanted, results, strict=True):
            if outcome is None:
                retry.append(delivery.id)
                self.paused_until = max(self.paused_until, time.monotonic() + retry_after)
                continue
            outcomes.append(outcome)
            if outcome.status == DeliveryStatus.BLOCKED:
                await set_reachable(runtime.db, delivery.chat_id, False, now)
        if retry:
            self.retry_afters += 1
            wait = self.paused_until - time.monotonic()
            log.warning("flood wait: all pushes paused", seconds=round(wait, 1),
                        put_back=len(retry))
            budget = installed()
            if budget is not None and wait > 0:  # every worker's replies wait too
                with contextlib.suppress(Exception):
                    await budget.flood_wait(wait)
            await put_back(runtime.db, retry)
        await settle(runtime.db, outcomes, now)
        return len(wanted)

    async def _push(self, delivery: DueDelivery,
                    message: SendText | None) -> tuple[Outcome | None, float]:
        """One push; (None, seconds) when Telegram said to wait (429)."""
        if message is None:  # the offer is gone (coupon ran out, deal ended)
            return Outcome(delivery.id, DeliveryStatus.DROPPED, "offer_gone"), 0.0
        assert self.runtime.pusher is not None
        await pace(delivery.chat_id)  # the bot's budget, shared with the workers (Redis)
        result = await self.runtime.pusher(delivery.chat_id, message)
        metrics.api_call(message, None if result.kind == "sent" else result.kind)
        if result.kind == "retry_after":
            return None, max(result.retry_after, 0.5)
        if result.kind == "sent":
            metrics.PUSHES_SENT.inc()
            stamp = time.monotonic()
            self._recent.append((stamp, delivery.chat_id))
            self._recent_chats[delivery.chat_id] = stamp
            self.sent += 1
            return Outcome(delivery.id, DeliveryStatus.SENT), 0.0
        if result.kind == "forbidden":
            return Outcome(delivery.id, DeliveryStatus.BLOCKED, "blocked_bot"), 0.0
        log.warning("push refused", chat=delivery.chat_id, kind=result.kind, error=result.error)
        return Outcome(delivery.id, DeliveryStatus.FAILED, result.kind[:32]), 0.0

    async def report_progress(self, force: bool = False) -> None:
        """Edit each active run's progress message (every PROGRESS_EVERY seconds) and send
        the final report of runs that are done."""
        runtime = self.runtime
        now, clock = runtime.app.clock(), time.monotonic()
        for run_id in await active_runs(runtime.db):
            report = await run_report(runtime.db, run_id)
            if report is None or report.report_chat_id is None:
                if report is not None and report.finished(now):
                    await finish_run(runtime.db, run_id, now)
                continue
            if report.finished(now) and await finish_run(runtime.db, run_id, now):
                # Finishing owed the owner the final report: send it now.
                await send_owed(runtime, keys=[campaign_report_key(run_id)])
                self._last_progress.pop(run_id, None)
                continue
            last_at, last_text = self._last_progress.get(run_id, (0.0, ""))
            if not force and clock - last_at < PROGRESS_EVERY:
                continue
            text = await progress_text(runtime.app, report)
            if text != last_text:  # nothing new: no edit
                await self._show(report, text)
            self._last_progress[run_id] = (clock, text)

    async def _show(self, report: Any, text: str) -> None:
        runtime = self.runtime
        chat = report.report_chat_id
        if report.progress_message_id is not None and runtime.pusher is not None:
            await runtime.pusher(chat, EditText(report.progress_message_id, text))
            return
        if runtime.pusher is None:
            return
        result = await runtime.pusher(chat, SendText(text))
        if result.message_id is not None:
            await set_progress_message(runtime.db, report.run_id, result.message_id)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Send, pace and report until `stop` is set.

        A batch is claimed every `batch / rate` seconds and sent in a task of its own,
        so one batch's sending and settling overlap the next ones' (up to IN_FLIGHT
        batches); waiting for each round trip in turn held 1,000/s to about 700/s. The
        once-a-second sweep and progress report run beside the pacing, not in it.
        """
        housekeeping = asyncio.create_task(self._housekeep_until(stop))
        interval = self.batch / self.rate
        next_at = time.monotonic()
        sending: set[asyncio.Task[int]] = set()
        try:
            while not stop.is_set():
                if len(sending) >= IN_FLIGHT:
                    await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                    continue
                due = await self._claim_safely()
                now = time.monotonic()
                if due:
                    task = asyncio.create_task(self._deliver_safely(due))
                    sending.add(task)
                    task.add_done_callback(sending.discard)
                    # Catch up at most one batch after a slow round; never run ahead.
                    next_at = max(next_at + interval, now - interval)
                    delay = next_at - now
                else:
                    next_at = now
                    delay = (max(0.2, self.paused_until - now) if now < self.paused_until
                             else 0.5)
                if delay > 0:
                    await self._sleep(delay)
        finally:
            if sending:  # what is on the wire is settled before the sender stops
                await asyncio.wait(sending)
            await housekeeping

    async def _sleep(self, seconds: float) -> None:
        """Sleep, or less when woken (a campaign was planned)."""
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _housekeep_until(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._housekeeping()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)

    async def _housekeeping(self) -> None:
        try:
            await drop_closed_windows(self.runtime.db, self.runtime.app.clock())
            await self.report_progress()
        except Exception:  # a database hiccup must not end sending for good
            log.exception("push sender housekeeping failed")

    async def _claim_safely(self) -> list[DueDelivery]:
        try:
            return await self.claim()
        except Exception:
            log.exception("claiming pushes failed")
            return []

    async def _deliver_safely(self, due: list[DueDelivery]) -> int:
        try:
            return await self.deliver(due)
        except Exception:  # the batch stays `sending`: in doubt, never sent twice
            log.exception("push batch failed", pushes=len(due))
            return 0


def start_pushes(runtime: Runtime,
                 scheduler: AsyncIOScheduler) -> tuple[PushSender, CampaignTimers]:
    """Register the sender and the timers with the runtime (call before the scheduler
    starts, so that restored jobs find them)."""
    global _RUNTIME
    settings = runtime.settings
    sender = PushSender(runtime, settings.push_rate, settings.push_max_per_day)
    timers = CampaignTimers(runtime, scheduler)
    runtime.pushes = sender
    runtime.app.campaigns = timers
    _RUNTIME = runtime
    return sender, timers
