"""Followers get a merchant's push when its campaign fires: once, at a decent hour,
within their daily maximum, and never again after they blocked the bot."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.jobs import run_due
from bot.pushes import PushSender
from bot.runtime import PushOutcome, Runtime
from handlers.app import build_router
from handlers.core import MemberStatus, Reply, SendText
from handlers.router import App
from services.marketing.campaign_input import Schedule, parse_schedule
from services.marketing.campaigns import CampaignDraft, create_campaign
from services.marketing.coupons.templates import create_template
from services.marketing.coupons.terms import CouponTerms
from services.marketing.follows import follow
from services.marketing.pushes.reports import count_pushes
from services.marketing.pushes.sending import recover_in_doubt
from services.platform.users import demo_telegram_id, get_profile_by_telegram_id
from storage.models import Delivery, DeliveryStatus, Merchant, User
from tests.conftest import STORY_NOW, Chat

OWNER = demo_telegram_id("haidilao-owner")


class Phones:
    """Telegram as the sender sees it: every push lands here, or is refused as told."""

    def __init__(self) -> None:
        self.received: list[tuple[int, Reply]] = []
        self.blocked: set[int] = set()
        self.flood_once: float | None = None
        self._ids = 0

    async def push(self, chat_id: int, reply: Reply) -> PushOutcome:
        if self.flood_once is not None:
            wait, self.flood_once = self.flood_once, None
            return PushOutcome("retry_after", retry_after=wait)
        if chat_id in self.blocked:
            return PushOutcome("forbidden", error="Forbidden: bot was blocked by the user")
        self._ids += 1
        self.received.append((chat_id, reply))
        return PushOutcome("sent", message_id=self._ids)

    async def deliver(self, chat_id: int, replies: list[Reply]) -> int:
        """The bot's own messages (not pushes) land here too."""
        self.received.extend((chat_id, reply) for reply in replies)
        return len(replies)

    def to(self, chat_id: int) -> list[str]:
        return [r.text for c, r in self.received if c == chat_id and isinstance(r, SendText)]


class World:
    def __init__(self, app: App) -> None:
        self.app = app
        self.now = STORY_NOW
        app.clock = lambda: self.now
        self.phones = Phones()
        self.runtime = Runtime(settings=Settings(), db=app.db, app=app, router=build_router())
        self.runtime.pusher = self.phones.push
        self.runtime.outbox = self.phones.deliver
        self.runtime.pushes = PushSender(self.runtime, rate=1000, platform_cap=2)

    async def merchant_id(self, slug: str = "haidilao") -> int:
        async with self.app.db.session() as session:
            merchant = (await session.exec(select(Merchant).where(Merchant.slug == slug))).one()
        assert merchant.id is not None
        return merchant.id

    async def follower(self, telegram_id: int, slug: str = "haidilao", **settings: object) -> int:
        await Chat(self.app, user_id=telegram_id, name=f"f{telegram_id}").say("/start")
        profile = await get_profile_by_telegram_id(self.app.db, telegram_id)
        assert profile is not None
        await follow(self.app.db, profile.id, await self.merchant_id(slug), now=self.now)
        if settings:
            async with self.app.db.transaction() as session:
                user = await session.get(User, profile.id)
                assert user is not None
                for name, value in settings.items():
                    setattr(user, name, value)
        return profile.id

    async def owner_id(self) -> int:
        profile = await get_profile_by_telegram_id(self.app.db, OWNER)
        assert profile is not None
        return profile.id

    async def coupon(self, quantity: int | None = None) -> int:
        made = await create_template(self.app.db, await self.owner_id(), CouponTerms(
            kind="amount_off", amount_off=2000, min_spend=10000, total_quantity=quantity),
            self.now)
        assert isinstance(made, int), made
        return made

    async def campaign(self, when: str, template_id: int, window: int = 180,
                       audience: str = "all") -> int:
        schedule = parse_schedule(when, self.now, "Asia/Shanghai")
        draft = CampaignDraft(schedule=schedule, audience=audience, template_id=template_id,
                              window_minutes=window)
        return await create_campaign(self.app.db, await self.owner_id(), draft, self.now, 2,
                                     report_chat_id=OWNER)

    async def later(self, **delta: float) -> dict[str, int]:
        self.now += timedelta(**delta)
        return await run_due(self.runtime)


@pytest.fixture
def world(app: App) -> World:
    return World(app)


async def test_a_campaign_a_minute_ahead_reaches_the_follower_who_claims_its_coupon(
        world: World, app: App) -> None:
    await world.follower(7101)
    coupon = await world.coupon()
    await world.campaign("in 1 minute", coupon)
    await world.later(seconds=10)
    assert world.phones.to(7101) == []  # not yet
    await world.later(minutes=1)
    [push] = world.phones.to(7101)
    assert "满" in push and "海底捞" in push
    shopper = Chat(app, user_id=7101, name="f7101")
    pushed = next(r for c, r in world.phones.received if c == 7101)
    assert isinstance(pushed, SendText)
    claim = pushed.buttons[0][0]
    assert claim.data is not None
    await shopper.press_data(claim.data)
    assert "卡包" in shopper.texts
    await shopper.press_data(claim.data)  # a second tap: still one coupon
    assert "已经在你的卡包" in shopper.texts
    await shopper.say("/coupons")
    assert shopper.texts.count("海底捞") == 1
    progress = "\n".join(world.phones.to(OWNER))
    assert "进行中" in progress and "已发送 1" in progress
    await world.later(hours=3)  # the window closes: the final report, with the claim
    edits = [r for c, r in world.phones.received if c == OWNER]
    assert "已完成" in edits[-1].text and "已领取 1" in edits[-1].text  # type: ignore[union-attr]


async def test_a_follower_in_quiet_hours_gets_the_push_at_eight(world: World) -> None:
    user = await world.follower(7102)  # quiet 22:00-08:00 Shanghai, the default
    coupon = await world.coupon()
    await world.campaign("23:00", coupon, window=720)  # 15:00 UTC
    await world.later(hours=11, minutes=1)  # 23:01 in Shanghai
    assert world.phones.to(7102) == []
    async with world.app.db.session() as session:
        delivery = (await session.exec(select(Delivery).where(Delivery.user_id == user))).one()
    assert delivery.deferred and delivery.status == DeliveryStatus.PLANNED
    assert delivery.send_at.astimezone().utctimetuple()[:4] == (2026, 11, 26, 0)  # 08:00 local
    await world.later(hours=8, minutes=58)  # 07:59 local: still quiet
    assert world.phones.to(7102) == []
    await world.later(minutes=2)
    assert len(world.phones.to(7102)) == 1


async def test_a_push_whose_window_is_all_quiet_is_dropped_not_sent_at_night(
        world: World) -> None:
    await world.follower(7103)
    coupon = await world.coupon()
    await world.campaign("23:00", coupon, window=60)
    await world.later(hours=11, minutes=1)
    await world.later(hours=1)
    assert world.phones.to(7103) == []
    assert (await count_pushes(world.app.db)).get("dropped") == 1


async def test_firing_twice_and_a_crash_mid_send_never_repeat_a_push(world: World) -> None:
    for n in range(5):
        await world.follower(7110 + n)
    coupon = await world.coupon()
    campaign = await world.campaign("now", coupon)
    sender = world.runtime.pushes
    assert await sender.fire(campaign) == await sender.fire(campaign)  # one run
    async with world.app.db.transaction() as session:  # a crash left one push mid-send
        row = (await session.exec(select(Delivery).limit(1))).one()
        row.status = DeliveryStatus.SENDING
    assert await recover_in_doubt(world.app.db) == 1
    await world.later(seconds=1)
    await world.later(seconds=1)
    chats = [c for c, _ in world.phones.received if c != OWNER]
    assert len(chats) == 4 and len(set(chats)) == 4  # the in-doubt one is not sent again


async def test_a_user_who_blocked_the_bot_is_marked_and_skipped_until_they_unblock(
        world: World, app: App) -> None:
    user = await world.follower(7120)
    world.phones.blocked.add(7120)
    coupon = await world.coupon()
    await world.campaign("now", coupon)
    await world.later(seconds=1)
    async with app.db.session() as session:
        blocked = await session.get(User, user)
    assert blocked is not None and blocked.unreachable_since is not None
    assert (await count_pushes(app.db)).get("blocked") == 1
    await world.campaign("in 5 minutes", coupon)
    await world.later(minutes=6)
    assert (await count_pushes(app.db)).get("blocked") == 2  # planned as blocked, not sent
    world.phones.blocked.clear()
    await Chat(app, user_id=7120, name="f7120").send(MemberStatus(blocked=False))  # unblocked
    await world.campaign("in 2 hours", coupon)
    await world.later(hours=2, minutes=1)
    assert len(world.phones.to(7120)) == 1


async def test_a_one_off_whose_whole_window_passes_between_checks_is_missed_and_told_once(
        world: World, app: App) -> None:
    await world.follower(7125)
    campaign = await world.campaign("now", await world.coupon(), window=180)
    await world.later(hours=5)  # nothing looked at the timers while the window was open
    assert world.phones.to(7125) == []  # never pushed that late
    [notice] = world.phones.to(OWNER)
    assert f"推送 #{campaign} 没有发出" in notice and "12:00" in notice and "3 小时" in notice
    boss = Chat(app, user_id=OWNER, name="haidilao-owner")
    await boss.say("/campaign")
    assert f"#{campaign} " in boss.texts and "已错过" in boss.texts
    assert "待发送" not in boss.texts and f"取消 #{campaign}" not in boss.texts
    await world.later(seconds=30)  # the next housekeeping rounds
    await world.later(hours=1)
    assert len(world.phones.to(OWNER)) == 1  # told once
    assert world.phones.to(7125) == []
    assert await world.runtime.pushes.fire(campaign) is None  # a late timer changes nothing


async def test_an_english_owner_is_told_in_english_that_a_push_was_missed(
        world: World, app: App) -> None:
    await Chat(app, user_id=OWNER, name="haidilao-owner", language_code="en").say("/start")
    await world.follower(7126)
    campaign = await world.campaign("in 10 minutes", await world.coupon(), window=60)
    await world.later(hours=2)
    [notice] = world.phones.to(OWNER)
    assert f"Push #{campaign} was not sent" in notice and "1-hour window" in notice


async def test_a_daily_campaign_that_missed_a_day_goes_out_the_next_day(world: World) -> None:
    await world.follower(7127, quiet_start=0, quiet_end=0)
    campaign = await world.campaign("每天 13:00", await world.coupon(), window=60)
    await world.later(hours=3)  # 15:00 in Shanghai: today's window closed unseen
    assert world.phones.to(7127) == [] and world.phones.to(OWNER) == []
    await world.later(hours=22, minutes=5)  # 13:05 the next day
    assert len(world.phones.to(7127)) == 1
    async with world.app.db.session() as session:
        from storage.models import Campaign, CampaignStatus
        stored = await session.get(Campaign, campaign)
    assert stored is not None and stored.status == CampaignStatus.SCHEDULED


async def test_a_429_pauses_all_sending_and_the_push_still_goes_once(world: World) -> None:
    await world.follower(7130)
    coupon = await world.coupon()
    campaign = await world.campaign("now", coupon)
    world.phones.flood_once = 30.0
    sender = world.runtime.pushes
    await sender.fire(campaign)
    assert await sender.tick() == 1  # refused with retry_after
    assert await sender.tick() == 0  # everything waits
    assert world.phones.to(7130) == []
    assert (await count_pushes(world.app.db)).get("planned") == 1  # put back, not lost
    sender.paused_until = 0.0
    assert await sender.tick() == 1
    assert len(world.phones.to(7130)) == 1


async def test_the_daily_maximum_holds_across_merchants(world: World) -> None:
    await world.follower(7140, push_max_per_day=1)
    coupon = await world.coupon()
    await world.campaign("now", coupon)
    await world.later(seconds=1)
    await world.campaign("in 1 hour", coupon)
    await world.later(hours=1, minutes=1)
    assert len(world.phones.to(7140)) == 1
    assert (await count_pushes(world.app.db)).get("capped") == 1


async def test_a_coupon_running_out_stops_the_rest_and_tells_the_merchant_once(
        world: World, app: App) -> None:
    for n in range(3):
        await world.follower(7150 + n, quiet_start=0, quiet_end=0)
    coupon = await world.coupon(quantity=1)
    await world.campaign("now", coupon)
    await world.later(seconds=1)
    presses = []
    for n in range(3):
        pushed = [r for c, r in world.phones.received if c == 7150 + n]
        assert pushed and isinstance(pushed[0], SendText)
        data = pushed[0].buttons[0][0].data
        assert data is not None
        shopper = Chat(app, user_id=7150 + n, name="x")
        presses.append(await shopper.press_data(data))
    texts = [" ".join(getattr(r, "text", "") for r in replies) for replies in presses]
    assert sum("卡包" in t for t in texts) == 1
    assert sum("领完" in t for t in texts) == 2
    notices = [r for replies in presses for r in replies if type(r).__name__ == "Notify"]
    assert len(notices) == 1  # the merchant is told once


async def test_a_follower_who_unfollowed_or_paused_before_the_send_gets_nothing(
        world: World) -> None:
    await world.follower(7160)
    await world.follower(7161)
    coupon = await world.coupon()
    await world.campaign("in 10 minutes", coupon)
    await world.later(minutes=11)
    assert len(world.phones.to(7160)) == 1
    await world.campaign("in 1 hour", coupon)
    paused = await get_profile_by_telegram_id(world.app.db, 7161)
    assert paused is not None
    async with world.app.db.transaction() as session:
        user = await session.get(User, paused.id)
        assert user is not None
        user.push_paused = True
    await world.later(hours=1, minutes=1)
    assert len(world.phones.to(7161)) == 1  # only the first


async def test_a_schedule_in_the_past_and_an_audience_of_nobody_are_refused(
        world: World) -> None:
    from services.marketing.campaign_input import CampaignInputError

    coupon = await world.coupon()
    with pytest.raises(CampaignInputError) as past:
        parse_schedule("2020-01-01 11:00", world.now, "Asia/Shanghai")
    assert past.value.reason == "past"
    draft = CampaignDraft(schedule=Schedule("once", world.now), audience="lapsed",
                          template_id=coupon)
    with pytest.raises(CampaignInputError) as empty:
        await create_campaign(world.app.db, await world.owner_id(), draft, world.now, 2)
    assert empty.value.reason == "empty_audience"
    nobody = CampaignDraft(schedule=Schedule("once", world.now), audience="everyone",
                           template_id=coupon)
    with pytest.raises(CampaignInputError) as refused:
        await create_campaign(world.app.db, await world.owner_id(), nobody, world.now, 2)
    assert refused.value.reason == "audience"


class SlowPhones(Phones):
    """Telegram taking a while to answer, counting how many pushes are on the wire."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.on_the_wire = 0
        self.most_on_the_wire = 0

    async def push(self, chat_id: int, reply: Reply) -> PushOutcome:
        self.on_the_wire += 1
        self.most_on_the_wire = max(self.most_on_the_wire, self.on_the_wire)
        try:
            await asyncio.sleep(self.seconds)
            return await super().push(chat_id, reply)
        finally:
            self.on_the_wire -= 1

    def to_followers(self) -> list[int]:
        return [chat for chat, _ in self.received if chat != OWNER]


async def test_a_big_campaign_goes_out_in_overlapping_batches_each_push_once(
        world: World) -> None:
    followers = [7170 + n for n in range(40)]
    for telegram_id in followers:
        await world.follower(telegram_id, quiet_start=0, quiet_end=0)
    campaign = await world.campaign("now", await world.coupon())
    phones = SlowPhones(seconds=0.2)
    stop = asyncio.Event()

    async def push_then_stop_at_15(chat_id: int, reply: Reply) -> PushOutcome:
        outcome = await phones.push(chat_id, reply)
        if len(phones.to_followers()) >= 15:
            stop.set()  # stopping mid-campaign: what is on the wire is settled first
        return outcome

    world.runtime.pusher = push_then_stop_at_15
    sender = PushSender(world.runtime, rate=100, platform_cap=2)  # batches of 5
    await sender.fire(campaign)
    sending = asyncio.create_task(sender.run_forever(stop))
    await asyncio.wait_for(sending, 60)
    world.runtime.pusher = phones.push
    counts = await count_pushes(world.app.db)
    assert "sending" not in counts
    assert counts.get("sent") == len(phones.to_followers()) < len(followers)
    assert phones.most_on_the_wire > sender.batch  # the next batch went while one was out
    sending = asyncio.create_task(sender.run_forever(stop := asyncio.Event()))
    for _ in range(200):
        if (await count_pushes(world.app.db)).get("sent") == len(followers):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await sending
    assert sorted(phones.to_followers()) == followers  # every follower once, nobody twice
