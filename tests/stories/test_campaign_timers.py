"""Campaign timers live in the database: a restart loses none, and a one-off campaign
whose whole window passed while the assistant was down is marked missed and its
merchant told."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.pushes import CampaignTimers, PushSender
from bot.runtime import PushOutcome, Runtime
from handlers.app import build_router
from handlers.core import Reply, SendText
from handlers.router import App
from services.catalog.deal_cards import merchant_id_of
from services.marketing.campaign_input import parse_schedule
from services.marketing.campaigns import CampaignDraft, create_campaign, get_campaign
from services.marketing.coupons.templates import create_template
from services.marketing.coupons.terms import CouponTerms
from services.marketing.follows import follow
from services.platform.users import demo_telegram_id, get_profile_by_telegram_id
from storage.models import CampaignStatus
from tests.conftest import STORY_NOW, Chat

OWNER = demo_telegram_id("haidilao-owner")


async def _campaign(app: App, when: str, window: int = 60) -> int:
    owner = await get_profile_by_telegram_id(app.db, OWNER)
    assert owner is not None
    await Chat(app, user_id=8801, name="fan").say("/start")
    fan = await get_profile_by_telegram_id(app.db, 8801)
    assert fan is not None
    template = await create_template(app.db, owner.id, CouponTerms(
        kind="amount_off", amount_off=500, min_spend=3000), STORY_NOW)
    assert isinstance(template, int)
    merchant = await merchant_id_of(app.db, "haidilao")
    assert merchant is not None
    await follow(app.db, fan.id, merchant, STORY_NOW)
    draft = CampaignDraft(schedule=parse_schedule(when, STORY_NOW, "Asia/Shanghai"),
                          template_id=template, window_minutes=window)
    return await create_campaign(app.db, owner.id, draft, STORY_NOW, 2, report_chat_id=OWNER)


def _runtime(app: App, told: list[tuple[int, Reply]]) -> Runtime:
    runtime = Runtime(settings=Settings(), db=app.db, app=app, router=build_router())

    async def outbox(chat_id: int, replies: list[Reply]) -> int:
        told.extend((chat_id, r) for r in replies)
        return len(replies)

    async def pusher(chat_id: int, reply: Reply) -> PushOutcome:
        told.append((chat_id, reply))
        return PushOutcome("sent", message_id=len(told))

    runtime.outbox, runtime.pusher = outbox, pusher
    runtime.pushes = PushSender(runtime, rate=100, platform_cap=2)
    return runtime


async def test_a_scheduled_campaign_survives_a_restart(app: App) -> None:
    campaign = await _campaign(app, "每周五 11:00")
    first = AsyncIOScheduler(timezone="UTC")
    timers = CampaignTimers(_runtime(app, []), first)
    first.start(paused=True)
    await timers.schedule(campaign)
    planned = first.get_job(f"campaign:{campaign}", jobstore="campaigns").next_run_time
    first.shutdown(wait=False)
    timers.close()
    again = AsyncIOScheduler(timezone="UTC")  # the assistant restarted
    restored = CampaignTimers(_runtime(app, []), again)
    again.start(paused=True)
    job = again.get_job(f"campaign:{campaign}", jobstore="campaigns")
    assert job is not None
    # APScheduler counts from the real clock: the first Friday 11:00 (Beijing) from the
    # campaign's start on 2026-11-27, or a later Friday when this test runs after it.
    assert job.next_run_time == planned
    local = job.next_run_time.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.weekday(), local.hour, local.minute) == (4, 11, 0)
    assert local >= datetime(2026, 11, 27, 11, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    await restored.unschedule(campaign)
    assert again.get_job(f"campaign:{campaign}", jobstore="campaigns") is None
    again.shutdown(wait=False)
    restored.close()


async def test_a_one_off_campaign_missed_while_down_is_marked_and_the_merchant_told(
        app: App) -> None:
    campaign = await _campaign(app, "in 10 minutes", window=60)
    app.clock = lambda: STORY_NOW + timedelta(hours=2)  # down for two hours
    told: list[tuple[int, Reply]] = []
    scheduler = AsyncIOScheduler(timezone="UTC")
    timers = CampaignTimers(_runtime(app, told), scheduler)
    scheduler.start(paused=True)
    await timers.catch_up()
    stored = await get_campaign(app.db, campaign)
    assert stored is not None and stored.status == CampaignStatus.MISSED
    [(chat, notice)] = told
    assert chat == OWNER and isinstance(notice, SendText) and "没有发出" in notice.text
    scheduler.shutdown(wait=False)
    timers.close()


async def test_a_start_missed_but_inside_its_window_still_runs_at_restart(app: App) -> None:
    await _campaign(app, "in 10 minutes", window=180)
    app.clock = lambda: STORY_NOW + timedelta(hours=1)  # down for an hour: window open
    told: list[tuple[int, Reply]] = []
    scheduler = AsyncIOScheduler(timezone="UTC")
    runtime = _runtime(app, told)
    timers = CampaignTimers(runtime, scheduler)
    scheduler.start(paused=True)
    await timers.catch_up()
    assert await runtime.pushes.tick() == 1
    assert any(chat == 8801 for chat, _ in told)
    scheduler.shutdown(wait=False)
    timers.close()


async def test_a_campaign_whose_timer_could_not_be_set_still_starts(app: App) -> None:
    from bot.jobs import housekeeping

    later = await _campaign(app, "每周五 11:00")  # stored after Confirm; no timer was set
    soon = await _campaign(app, "in 10 minutes", window=180)
    told: list[tuple[int, Reply]] = []
    scheduler = AsyncIOScheduler(timezone="UTC")
    runtime = _runtime(app, told)
    timers = CampaignTimers(runtime, scheduler)
    app.campaigns = timers
    scheduler.start(paused=True)
    app.clock = lambda: STORY_NOW + timedelta(minutes=20)  # the next housekeeping round
    assert (await housekeeping(runtime))["timers_restored"] == 2
    assert scheduler.get_job(f"campaign:{later}", jobstore="campaigns") is not None
    assert await runtime.pushes.tick() == 1  # the one whose start passed ran at once
    assert any(chat == 8801 for chat, _ in told)
    started = await get_campaign(app.db, soon)
    assert started is not None and started.status == CampaignStatus.DONE
    assert (await housekeeping(runtime))["timers_restored"] == 0  # once, not every round
    scheduler.shutdown(wait=False)
    timers.close()
