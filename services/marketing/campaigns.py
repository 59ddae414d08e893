"""Campaigns: a merchant's push of a coupon or a deal to (some of) its followers.

A campaign says what it promotes (one coupon template or one deal), to whom (all
followers; followers within a distance of one of its stores; followers whose taste
matches the offer's category; lapsed customers, who bought before but not in the last
30 days), and when (once, or every day / every week at a local time). Pushes go out
within `window_minutes` of each start. Only followers are ever pushed to: there is no
audience outside them.

Planning a run and sending it live in `services.marketing.pushes`; this module checks what the
merchant asks for, previews it and stores it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func
from sqlmodel import col, select, update

from services.catalog.deal_cards import Bilingual, is_on_sale
from services.marketing.profiles import ProfileRow
from services.merchants.deals import seller_of
from services.platform.clock import TimeReader, as_utc, zone
from services.platform.database import Database
from services.platform.outbox import owe
from storage.geo import haversine_m
from storage.models import (
    Campaign,
    CampaignRun,
    CampaignStatus,
    CouponTemplate,
    CouponTemplateStatus,
    Deal,
    Delivery,
    DeliveryStatus,
    Follow,
    Merchant,
    Order,
    OrderStatus,
    Store,
    TasteProfile,
    User,
)

AUDIENCES = ("all", "nearby", "interest", "lapsed")
SCHEDULES = ("once", "daily", "weekly")
LAPSED_AFTER = timedelta(days=30)
INTEREST_MIN_SHARE = 0.2  # a follower "likes" a category with this share of their activity
MAX_RADIUS_M = 50_000
MAX_AHEAD = timedelta(days=90)
WINDOWS = (60, 180, 360, 720)  # minutes a run may take to reach everyone
DEFAULT_WINDOW = 180

_WEEKDAYS = {
    "mon": 0, "monday": 0, "一": 0, "1": 0,
    "tue": 1, "tuesday": 1, "二": 1, "2": 1,
    "wed": 2, "wednesday": 2, "三": 2, "3": 2,
    "thu": 3, "thursday": 3, "四": 3, "4": 3,
    "fri": 4, "friday": 4, "五": 4, "5": 4,
    "sat": 5, "saturday": 5, "六": 5, "6": 5,
    "sun": 6, "sunday": 6, "日": 6, "天": 6, "7": 6,
}


class CampaignScheduler(Protocol):
    """What runs campaigns on time (the bot's APScheduler); handlers reach it via the app."""

    async def schedule(self, campaign_id: int) -> None:
        """Start (or restart) the timer of a stored campaign."""

    async def unschedule(self, campaign_id: int) -> None:
        """Forget the timer of a cancelled campaign."""


class CampaignInputError(ValueError):
    """A campaign request that cannot be taken; `reason` names a translation key part."""

    def __init__(self, reason: str, **args: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.args_ = args


@dataclass(frozen=True)
class Schedule:
    """When a campaign runs: once at `run_at`, or daily / weekly at a local time."""

    kind: str  # once, daily, weekly
    run_at: datetime  # once: the moment; recurring: the first occurrence
    local_time: int = 0  # minutes after midnight in `timezone` (recurring)
    weekday: int | None = None  # weekly: 0 = Monday
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class CampaignDraft:
    """A campaign as the merchant is putting it together."""

    schedule: Schedule
    audience: str = "all"
    template_id: int | None = None
    deal_id: int | None = None
    radius_m: int | None = None
    category: str | None = None  # interest: empty means the offer's own category
    window_minutes: int = DEFAULT_WINDOW


@dataclass(frozen=True)
class CampaignPreview:
    """What confirming would do: who gets it, when, and what to watch out for."""

    merchant_id: int
    offer: Bilingual  # the coupon or deal's title
    offer_kind: str  # coupon, deal
    category: str
    audience_size: int  # followers matching the audience
    reachable: int  # of them, not paused and not blocked
    first_run: datetime
    warnings: tuple[tuple[str, dict[str, str]], ...] = field(default=())


@dataclass(frozen=True)
class CampaignView:
    """A merchant's campaign in `/campaign`'s list."""

    id: int
    offer: Bilingual
    audience: str
    schedule: str
    run_at: datetime
    weekday: int | None
    local_time: int
    timezone: str
    status: str
    runs: int
    radius_m: int | None = None  # nearby
    category: str | None = None  # interest

    @property
    def scheduled(self) -> bool:
        """Still to run (so it can be cancelled)."""
        return self.status == CampaignStatus.SCHEDULED



def _clock(text: str) -> int | None:
    """"11:00", "11点", "11点半", "9:30pm" -> minutes after midnight."""
    match = re.fullmatch(r"(\d{1,2})(?:[:：.](\d{2})|点(半|(\d{1,2})分?)?)?\s*(am|pm)?", text)
    if match is None:
        return None
    hour = int(match.group(1))
    minute = int(match.group(2) or match.group(4) or 0) + (30 if match.group(3) == "半" else 0)
    if match.group(5) == "pm" and hour < 12:
        hour += 12
    elif match.group(5) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


def parse_schedule(text: str, now: datetime, timezone: str,
                   read: TimeReader | None = None) -> Schedule:
    """Read when to run: "now", "in 10 minutes", "2026-11-27 11:00", "明天 11:00",
    "11:00" (today), "every Friday 11:00", "每周五 11:00", "每天 11:00"; and, through
    `read` (the NLU's, handed in by the handlers), what people say beyond these:
    "下周一早上10点", "next monday 10am", "每天早上9点".

    Times are in `timezone` (the merchant's). Raises CampaignInputError("past") for a
    moment gone by, "too_far" beyond 90 days, "no_time" for a day without a time of day
    and "schedule" for anything unreadable.
    """
    tz = zone(timezone)
    raw = unicodedata.normalize("NFKC", text).strip().lower()
    raw = re.sub(r"\s+", " ", raw)[:100]
    if raw in ("now", "现在", "立即", "马上", "立刻"):
        return Schedule("once", now, timezone=timezone)
    if match := re.fullmatch(r"(?:in )?(\d{1,4}) ?(?:min(?:ute)?s?|分钟)(?: ?(?:later|后|之后))?",
                             raw):
        return _once(now + timedelta(minutes=int(match.group(1))), now, timezone)
    if match := re.fullmatch(r"(?:in )?(\d{1,3}) ?(?:h|hours?|小时)(?: ?(?:later|后|之后))?", raw):
        return _once(now + timedelta(hours=int(match.group(1))), now, timezone)
    if match := re.fullmatch(r"(?:every ?day|daily|每天|每日) ?(.+)", raw):
        minutes = _time_of_day(match.group(1).strip(), read)
        return _recurring("daily", None, minutes, now, timezone)
    if match := re.fullmatch(r"(?:every ?|每)(?:周|星期|礼拜)?([a-z]+|[一二三四五六日天1-7]) ?(.+)",
                             raw):
        weekday = _WEEKDAYS.get(match.group(1))
        if weekday is None:
            raise CampaignInputError("schedule")
        minutes = _time_of_day(match.group(2).strip(), read)
        return _recurring("weekly", weekday, minutes, now, timezone)
    moment = _own_moment(raw, now, tz)
    if moment is None and read is not None:
        said = read(text)
        if said is not None and not isinstance(said, datetime):
            raise CampaignInputError("no_time")  # a day alone: when on that day?
        moment = said
    if moment is None:
        raise CampaignInputError("schedule")
    return _once(moment.astimezone(now.tzinfo), now, timezone)


def _own_moment(raw: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """"2026-11-27 11:00", "12月1日 11:00", "明天 11:00", "11:00" (today) -> the moment;
    None when it is not one of these."""
    local_now = now.astimezone(tz)
    day = local_now.date()
    rest = raw
    if match := re.fullmatch(r"(today|tomorrow|今天|明天|后天) ?(.+)", raw):
        day += timedelta(days={"tomorrow": 1, "明天": 1, "后天": 2}.get(match.group(1), 0))
        rest = match.group(2)
    elif match := re.fullmatch(r"(?:(\d{4})[-/年])?(\d{1,2})[-/月](\d{1,2})日? ?(.+)", raw):
        year = int(match.group(1) or day.year)
        try:
            day = day.replace(year=year, month=int(match.group(2)), day=int(match.group(3)))
        except ValueError as exc:
            raise CampaignInputError("schedule") from exc
        if match.group(1) is None and day < local_now.date():
            day = day.replace(year=day.year + 1)
        rest = match.group(4)
    minutes = _clock(rest.strip())
    if minutes is None:
        return None
    return datetime.combine(day, time(minutes // 60, minutes % 60), tz)


def _time_of_day(text: str, read: TimeReader | None) -> int:
    """A recurring rule's time: "11:00", "11点半", or what `read` makes of "早上9点"."""
    minutes = _clock(text)
    if minutes is None and read is not None:
        said = read(text)
        if isinstance(said, datetime):
            minutes = said.hour * 60 + said.minute
    if minutes is None:
        raise CampaignInputError("schedule")
    return minutes


def _once(moment: datetime, now: datetime, timezone: str) -> Schedule:
    if moment < now - timedelta(seconds=30):
        raise CampaignInputError("past")
    if moment > now + MAX_AHEAD:
        raise CampaignInputError("too_far")
    return Schedule("once", max(moment, now), timezone=timezone)


def _recurring(kind: str, weekday: int | None, minutes: int, now: datetime,
               timezone: str) -> Schedule:
    first = next_occurrence(kind, weekday, minutes, timezone, now)
    return Schedule(kind, first, local_time=minutes, weekday=weekday, timezone=timezone)


def next_occurrence(kind: str, weekday: int | None, local_time: int, timezone: str,
                    after: datetime) -> datetime:
    """The first start of a daily / weekly rule at or after `after` (UTC)."""
    tz = zone(timezone)
    local = after.astimezone(tz)
    day = local.date()
    for _ in range(9):
        if kind == "daily" or day.weekday() == weekday:
            start = datetime.combine(day, time(local_time // 60, local_time % 60), tz)
            if start >= after:
                return start.astimezone(after.tzinfo)
        day += timedelta(days=1)
    raise ValueError("no occurrence within a week")  # pragma: no cover - weekday in 0..6


def latest_occurrence(campaign: Campaign, now: datetime) -> datetime | None:
    """The start of the campaign's occurrence that `now` belongs to (the newest start not
    after now), or None when it has not started yet."""
    if campaign.schedule == "once":
        return campaign.run_at if campaign.run_at <= now else None
    step = timedelta(days=1 if campaign.schedule == "daily" else 7)
    start = next_occurrence(campaign.schedule, campaign.weekday, campaign.local_time,
                            campaign.timezone, now - step)
    return start if campaign.run_at <= start <= now else None


def open_occurrence(campaign: Campaign, now: datetime) -> datetime | None:
    """The start of the occurrence whose window `now` falls in (the one to run now), or
    None: not started yet, or its window closed (a one-off is then missed; a recurring
    campaign waits for its next occurrence)."""
    started = latest_occurrence(campaign, now)
    if started is None or now >= started + timedelta(minutes=campaign.window_minutes):
        return None
    return started


@dataclass(frozen=True)
class CampaignOffer:
    """What a campaign promotes, as the audience and personalization need it."""

    kind: str  # coupon, deal
    title: Bilingual
    category: str
    price: int | None  # the deal's price or the coupon's minimum spend (minor units)
    stores: tuple[tuple[float, float], ...]  # where it can be used
    available: bool  # still on offer (coupon active and not run out; deal on sale)


async def load_offer(db: Database, merchant_id: int, template_id: int | None,
                     deal_id: int | None, now: datetime) -> CampaignOffer | None:
    """The offer of a campaign, or None when it is not this merchant's."""
    async with db.session() as session:
        merchant = await session.get(Merchant, merchant_id)
        if merchant is None:
            return None
        stores = tuple((s.lat, s.lon) for s in (await session.exec(
            select(Store).where(Store.merchant_id == merchant_id).order_by(col(Store.id))
        )).all())
        if template_id is not None:
            template = await session.get(CouponTemplate, template_id)
            if template is None or template.merchant_id != merchant_id:
                return None
            available = template.status == CouponTemplateStatus.ACTIVE and (
                template.total_quantity is None or template.claimed < template.total_quantity
            ) and (template.valid_until is None or template.valid_until > now)
            return CampaignOffer("coupon", Bilingual(template.title_zh, template.title_en),
                         merchant.category, template.min_spend or None, stores, available)
        if deal_id is not None:
            deal = await session.get(Deal, deal_id)
            if deal is None or deal.merchant_id != merchant_id:
                return None
            return CampaignOffer("deal", Bilingual(deal.title_zh, deal.title_en), deal.category,
                         deal.price, stores, is_on_sale(deal, merchant, now))
    return None


@dataclass(slots=True)
class Follower:
    """A follower as planning sees them: settings for pacing, taste for choosing."""

    user_id: int
    chat_id: int
    timezone: str
    paused: bool
    max_per_day: int | None
    quiet_start: int
    quiet_end: int
    unreachable: bool
    lat: float | None  # usual area: the taste profile's, else the last shared location
    lon: float | None
    profile: ProfileRow | None  # None: no history yet

    @property
    def active_hour(self) -> int | None:
        return self.profile.active_hour if self.profile is not None else None


_FOLLOWER_COLUMNS = (
    User.id, User.telegram_id, User.timezone, User.push_paused, User.push_max_per_day,
    User.quiet_start, User.quiet_end, User.unreachable_since, User.last_lat, User.last_lon,
    TasteProfile.lat, TasteProfile.lon, TasteProfile.affinity, TasteProfile.price_median,
    TasteProfile.active_hour, TasteProfile.events, Follow.id,
)


async def followers_page(db: Database, merchant_id: int, after_follow_id: int,
                         limit: int) -> tuple[list[Follower], int]:
    """One page of a merchant's followers in follow order, and the cursor for the next.

    Pages keep memory flat however many followers there are (a million in the bench).
    """
    async with db.engine.connect() as conn:
        rows = (await conn.execute(
            select(*_FOLLOWER_COLUMNS)  # type: ignore[call-overload]
            .select_from(Follow)
            .join(User, col(User.id) == col(Follow.user_id))
            .outerjoin(TasteProfile, col(TasteProfile.user_id) == col(User.id))
            .where(Follow.merchant_id == merchant_id, col(Follow.id) > after_follow_id)
            .order_by(col(Follow.id))
            .limit(limit)
        )).all()
    followers = [
        Follower(user_id, chat_id, timezone, bool(paused), max_per_day, quiet_start,
                 quiet_end, unreachable is not None,
                 plat if plat is not None else last_lat, plon if plon is not None else last_lon,
                 None if events is None else ProfileRow.of(
                     affinity or {}, price, plat, plon, hour, events))
        for (user_id, chat_id, timezone, paused, max_per_day, quiet_start, quiet_end,
             unreachable, last_lat, last_lon, plat, plon, affinity, price, hour, events, _)
        in rows
    ]
    return followers, (rows[-1][-1] if rows else after_follow_id)


async def lapsed_customers(db: Database, merchant_id: int, now: datetime) -> set[int]:
    """Users who bought from the merchant before, but not in the last 30 days."""
    paid = (OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.REFUNDED)
    async with db.session() as session:
        rows = (await session.exec(
            select(Order.user_id, func.max(Order.paid_at))  # type: ignore[call-overload]
            .join(Deal, col(Deal.id) == col(Order.deal_id))
            .where(Deal.merchant_id == merchant_id, col(Order.status).in_(paid),
                   col(Order.paid_at).is_not(None))
            .group_by(Order.user_id)
        )).all()
    cutoff = now - LAPSED_AFTER
    return {user_id for user_id, last in rows if last is not None and as_utc(last) < cutoff}



def in_audience(follower: Follower, audience: str, *, offer: CampaignOffer, radius_m: int | None,
                category: str | None, lapsed: set[int]) -> bool:
    """Whether a follower belongs to a campaign's audience."""
    if audience == "all":
        return True
    if audience == "nearby":
        if follower.lat is None or follower.lon is None or radius_m is None:
            return False
        return any(haversine_m(follower.lat, follower.lon, lat, lon) <= radius_m
                   for lat, lon in offer.stores)
    if audience == "interest":
        return (follower.profile is not None
                and follower.profile.share(category or offer.category) >= INTEREST_MIN_SHARE)
    if audience == "lapsed":
        return follower.user_id in lapsed
    return False


def check_draft(draft: CampaignDraft, now: datetime) -> None:
    """Refuse a draft that cannot be a campaign (raises CampaignInputError)."""
    if draft.audience not in AUDIENCES:
        raise CampaignInputError("audience")  # e.g. "everyone": only followers get pushes
    if (draft.template_id is None) == (draft.deal_id is None):
        raise CampaignInputError("offer")
    if draft.audience == "nearby" and not (
        isinstance(draft.radius_m, int) and 100 <= draft.radius_m <= MAX_RADIUS_M
    ):
        raise CampaignInputError("radius")
    if draft.window_minutes not in WINDOWS:
        raise CampaignInputError("window")
    schedule = draft.schedule
    if schedule.kind not in SCHEDULES:
        raise CampaignInputError("schedule")
    if schedule.kind == "once" and schedule.run_at < now - timedelta(minutes=1):
        raise CampaignInputError("past")


async def preview_campaign(db: Database, owner_user_id: int, draft: CampaignDraft,
                           now: datetime, platform_cap: int) -> CampaignPreview:
    """Count the audience and list warnings; raises CampaignInputError when the campaign
    cannot go ahead (not an approved owner, offer gone, nobody to send to, ...)."""
    check_draft(draft, now)
    seller = await seller_of(db, owner_user_id)
    if seller is None or not seller.approved:
        raise CampaignInputError("not_owner")
    offer = await load_offer(db, seller.merchant_id, draft.template_id, draft.deal_id, now)
    if offer is None:
        raise CampaignInputError("offer")
    if not offer.available:
        raise CampaignInputError("offer_gone")
    if draft.audience == "nearby" and not offer.stores:
        raise CampaignInputError("no_stores")
    lapsed = (await lapsed_customers(db, seller.merchant_id, now)
              if draft.audience == "lapsed" else set())
    size = reachable = lower_caps = 0
    cursor = 0
    while True:
        page, cursor = await followers_page(db, seller.merchant_id, cursor, 5000)
        if not page:
            break
        for follower in page:
            if not in_audience(follower, draft.audience, offer=offer, radius_m=draft.radius_m,
                               category=draft.category, lapsed=lapsed):
                continue
            size += 1
            if not follower.paused and not follower.unreachable:
                reachable += 1
                if follower.max_per_day is not None and follower.max_per_day < platform_cap:
                    lower_caps += 1
    if size == 0:
        raise CampaignInputError("empty_audience")
    warnings: list[tuple[str, dict[str, str]]] = []
    if reachable < size:
        warnings.append(("unreachable", {"count": str(size - reachable)}))
    if draft.schedule.kind != "once":
        per_day = await _recurring_per_day(db, seller.merchant_id, draft.schedule)
        if per_day > platform_cap:
            warnings.append(("over_cap", {"count": str(per_day), "cap": str(platform_cap)}))
        elif lower_caps and per_day > 1:
            warnings.append(("over_user_caps", {"count": str(lower_caps)}))
    if draft.schedule.kind == "daily":
        warnings.append(("daily", {}))
    return CampaignPreview(
        merchant_id=seller.merchant_id, offer=offer.title, offer_kind=offer.kind,
        category=draft.category or offer.category, audience_size=size, reachable=reachable,
        first_run=draft.schedule.run_at, warnings=tuple(warnings),
    )


async def _recurring_per_day(db: Database, merchant_id: int, schedule: Schedule) -> int:
    """Most pushes a follower would get from this merchant's recurring campaigns in one
    day, counting the new rule."""
    async with db.session() as session:
        rules = (await session.exec(
            select(Campaign.schedule, Campaign.weekday).where(
                Campaign.merchant_id == merchant_id,
                Campaign.status == CampaignStatus.SCHEDULED,
                col(Campaign.schedule).in_(("daily", "weekly")))
        )).all()
    rules = [*rules, (schedule.kind, schedule.weekday)]
    return max(sum(1 for kind, weekday in rules if kind == "daily" or weekday == day)
               for day in range(7))


async def create_campaign(db: Database, owner_user_id: int, draft: CampaignDraft,
                          now: datetime, platform_cap: int,
                          report_chat_id: int | None = None) -> int:
    """Store a confirmed campaign (checked again, as the preview may be old); returns
    its id. The caller then hands it to the scheduler."""
    preview = await preview_campaign(db, owner_user_id, draft, now, platform_cap)
    schedule = draft.schedule
    async with db.transaction() as session:
        campaign = Campaign(
            merchant_id=preview.merchant_id, created_by=owner_user_id,
            template_id=draft.template_id, deal_id=draft.deal_id, audience=draft.audience,
            radius_m=draft.radius_m if draft.audience == "nearby" else None,
            category=draft.category if draft.audience == "interest" else None,
            schedule=schedule.kind, run_at=max(schedule.run_at, now), weekday=schedule.weekday,
            local_time=schedule.local_time, timezone=schedule.timezone,
            window_minutes=draft.window_minutes, report_chat_id=report_chat_id, created_at=now,
        )
        session.add(campaign)
        await session.flush()
        assert campaign.id is not None
        return campaign.id


async def list_campaigns(db: Database, owner_user_id: int) -> list[CampaignView]:
    """The owner's campaigns, newest first (empty for someone who owns no merchant)."""
    seller = await seller_of(db, owner_user_id)
    if seller is None:
        return []
    async with db.session() as session:
        rows = (await session.exec(
            select(Campaign).where(Campaign.merchant_id == seller.merchant_id)
            .order_by(col(Campaign.id).desc()).limit(30)
        )).all()
        runs = dict((await session.exec(
            select(CampaignRun.campaign_id, func.count())  # type: ignore[call-overload]
            .where(col(CampaignRun.campaign_id).in_([c.id for c in rows]))
            .group_by(CampaignRun.campaign_id)
        )).all())
    views = []
    for c in rows:
        assert c.id is not None
        offer = await load_offer(db, c.merchant_id, c.template_id, c.deal_id, c.created_at)
        views.append(CampaignView(
            id=c.id, offer=offer.title if offer else Bilingual(None, None), audience=c.audience,
            schedule=c.schedule, run_at=c.run_at, weekday=c.weekday, local_time=c.local_time,
            timezone=c.timezone, status=c.status, runs=int(runs.get(c.id, 0)),
            radius_m=c.radius_m, category=c.category,
        ))
    return views


async def cancel_campaign(db: Database, owner_user_id: int, campaign_id: int) -> bool:
    """Stop a scheduled campaign of the caller's merchant; pushes not yet sent are dropped.
    True when it was scheduled and now is not."""
    seller = await seller_of(db, owner_user_id)
    if seller is None or not seller.approved:
        return False
    async with db.transaction() as session:
        done = await session.exec(  # type: ignore[call-overload]
            update(Campaign)
            .where(col(Campaign.id) == campaign_id, col(Campaign.merchant_id) == seller.merchant_id,
                   col(Campaign.status) == CampaignStatus.SCHEDULED)
            .values(status=CampaignStatus.CANCELLED)
        )
        if done.rowcount != 1:
            return False
        await session.exec(  # type: ignore[call-overload]
            update(Delivery)
            .where(col(Delivery.campaign_id) == campaign_id,
                   col(Delivery.status) == DeliveryStatus.PLANNED)
            .values(status=DeliveryStatus.DROPPED, reason="cancelled")
        )
    return True


async def scheduled_campaigns(db: Database) -> list[Campaign]:
    """Every campaign still to run (for the scheduler at start-up)."""
    async with db.session() as session:
        return list((await session.exec(
            select(Campaign).where(Campaign.status == CampaignStatus.SCHEDULED)
        )).all())


async def get_campaign(db: Database, campaign_id: int) -> Campaign | None:
    """One campaign by id."""
    async with db.session() as session:
        return await session.get(Campaign, campaign_id)


# --------------------------------------------------------------------------- the /campaign form

PROMOTABLE_MAX = 10  # offers of each kind shown as buttons
OUTSIDERS = frozenset({
    "everyone", "everybody", "all users", "all people", "anyone", "the public", "public",
    "所有人", "全部人", "大家", "所有用户", "全部用户", "全体用户", "任何人", "陌生人",
})
_AUDIENCE_WORDS = {
    "all": ("all", "all followers", "followers", "my followers", "粉丝", "所有粉丝", "全部粉丝",
            "全部", "所有", "关注者", "所有关注者", "全部关注者"),
    "nearby": ("nearby", "near", "near me", "附近", "附近的粉丝", "附近粉丝"),
    "interest": ("interest", "interested", "interests", "兴趣", "感兴趣", "感兴趣的粉丝"),
    "lapsed": ("lapsed", "lapsed customers", "old customers", "老客", "老顾客", "流失",
               "流失老客", "流失客户"),
}
_AUDIENCE_OF = {word: audience for audience, words in _AUDIENCE_WORDS.items()
                for word in words}
_RADIUS = re.compile(r"(\d{1,9}(?:\.\d{1,3})?)(km|公里|千米|m|米)?")
_WINDOW = re.compile(r"(\d{1,4})(h|hours?|小时|个小时|min|minutes?|分钟)?")


@dataclass(frozen=True)
class Promotable:
    """A coupon or deal a merchant can push right now, as a button shows it."""

    kind: str  # coupon, deal
    id: int
    title: Bilingual
    category: str
    price: int | None  # the deal's price; None for a coupon
    currency: str


async def promotable(db: Database, owner_user_id: int,
                     now: datetime) -> tuple[list[Promotable], list[Promotable]]:
    """The active coupon templates and the deals on sale of the merchant `owner_user_id`
    owns, newest first (at most PROMOTABLE_MAX each); two empty lists for a non-owner."""
    seller = await seller_of(db, owner_user_id)
    if seller is None:
        return [], []
    async with db.session() as session:
        merchant = await session.get(Merchant, seller.merchant_id)
        if merchant is None:
            return [], []
        templates = (await session.exec(
            select(CouponTemplate)
            .where(CouponTemplate.merchant_id == seller.merchant_id,
                   CouponTemplate.status == CouponTemplateStatus.ACTIVE)
            .order_by(col(CouponTemplate.id).desc())
        )).all()
        deals = (await session.exec(
            select(Deal).where(Deal.merchant_id == seller.merchant_id)
            .order_by(col(Deal.id).desc())
        )).all()
    coupons = [
        Promotable("coupon", t.id, Bilingual(t.title_zh, t.title_en), merchant.category, None,
                   t.currency)
        for t in templates
        if t.id is not None
        and (t.total_quantity is None or t.claimed < t.total_quantity)
        and (t.valid_until is None or t.valid_until > now)
    ]
    on_sale = [
        Promotable("deal", d.id, Bilingual(d.title_zh, d.title_en), d.category, d.price,
                   d.currency)
        for d in deals if d.id is not None and is_on_sale(d, merchant, now)
    ]
    return coupons[:PROMOTABLE_MAX], on_sale[:PROMOTABLE_MAX]


async def follower_count(db: Database, merchant_id: int) -> int:
    """How many people follow the merchant."""
    async with db.session() as session:
        count = (await session.exec(
            select(func.count()).select_from(Follow)  # type: ignore[call-overload]
            .where(Follow.merchant_id == merchant_id)
        )).one()
    return int(count)


def _words(text: str) -> str:
    raw = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"\s+", " ", raw)[:100]


def parse_audience(text: str) -> str:
    """A typed audience: "all followers", "附近", "lapsed", ... -> one of AUDIENCES.

    Raises CampaignInputError("audience") for people outside the followers ("everyone",
    "所有人"): pushes only go to followers; "audience_unknown" for anything else.
    """
    words = _words(text)
    if words in OUTSIDERS:
        raise CampaignInputError("audience")
    audience = _AUDIENCE_OF.get(words)
    if audience is None:
        raise CampaignInputError("audience_unknown")
    return audience


def parse_radius(text: str) -> int:
    """A typed distance in metres: "2km", "800m", "2公里", "1.5 km"; a bare number up to
    50 is kilometres, above it metres. Raises CampaignInputError("radius") unless it is
    between 100 m and MAX_RADIUS_M."""
    match = _RADIUS.fullmatch(_words(text).replace(" ", ""))
    if match is None:
        raise CampaignInputError("radius")
    amount = float(match.group(1))
    unit = match.group(2) or ("km" if amount <= MAX_RADIUS_M // 1000 else "m")
    metres = round(amount * 1000) if unit in ("km", "公里", "千米") else round(amount)
    if not 100 <= metres <= MAX_RADIUS_M:
        raise CampaignInputError("radius")
    return metres


def parse_window(text: str) -> int:
    """A typed sending window: "3h", "6小时", "180 min", "180", a bare number of hours ->
    one of WINDOWS in minutes. Raises CampaignInputError("window") for any other length."""
    match = _WINDOW.fullmatch(_words(text).replace(" ", ""))
    if match is None:
        raise CampaignInputError("window")
    amount, unit = int(match.group(1)), match.group(2)
    if unit is None:  # a bare number: minutes when it is one of ours ("180"), else hours
        minutes = amount if amount in WINDOWS else amount * 60
    else:
        minutes = amount if unit.startswith("min") or unit == "分钟" else amount * 60
    if minutes not in WINDOWS:
        raise CampaignInputError("window")
    return minutes


def campaign_missed_key(campaign_id: int) -> str:
    """The outbox key of the owner's news that a one-off campaign was missed."""
    return f"campaign_missed:{campaign_id}"


async def mark_missed_campaigns(db: Database, now: datetime) -> list[Campaign]:
    """One-off campaigns still scheduled whose start and whole window have passed with
    no run (the assistant was down, or nothing looked at the timers in time): marked
    missed, each owing its owner the news in the same transaction (an outbox row,
    `campaign_missed_key`). Returns the ones this call marked, so each owner is told
    once however many rounds (or processes) look at the same time.

    Recurring campaigns are never missed: their next occurrence still comes.
    """
    async with db.session() as session:
        candidates = (await session.exec(
            select(Campaign).where(Campaign.status == CampaignStatus.SCHEDULED,
                                   Campaign.schedule == "once", col(Campaign.run_at) <= now)
        )).all()
    marked = []
    for campaign in candidates:
        if as_utc(campaign.run_at) + timedelta(minutes=campaign.window_minutes) > now:
            continue  # its window is still open: it can still start
        async with db.transaction() as session:
            ran = exists().where(col(CampaignRun.campaign_id) == col(Campaign.id))
            result = await session.exec(  # type: ignore[call-overload]
                update(Campaign).where(col(Campaign.id) == campaign.id,
                                       col(Campaign.status) == CampaignStatus.SCHEDULED, ~ran)
                .values(status=CampaignStatus.MISSED))
            if result.rowcount == 1 and campaign.report_chat_id is not None:
                assert campaign.id is not None
                await owe(db, await session.connection(), campaign.report_chat_id,
                          "campaign_missed", {"campaign_id": campaign.id},
                          campaign_missed_key(campaign.id), now)
        if result.rowcount == 1:
            campaign.status = CampaignStatus.MISSED
            marked.append(campaign)
    return marked
