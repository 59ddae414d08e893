"""Campaigns: a merchant's push of a coupon or a deal to (some of) its followers.

A campaign says what it promotes (one coupon template or one deal), to whom (all
followers; followers within a distance of one of its stores; followers whose taste
matches the offer's category; lapsed customers, who bought before but not in the last
30 days), and when (once, or every day / every week at a local time). Pushes go out
within `window_minutes` of each start. Only followers are ever pushed to: there is no
audience outside them.

What the merchant types (when, to whom, how far, how long) is read in
`services.marketing.campaign_input`; planning a run and sending it live in
`services.marketing.pushes`; this module checks the campaign the merchant asks for,
previews it and stores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import exists, func
from sqlmodel import col, select, update

from services.catalog.deal_cards import Bilingual, is_on_sale
from services.marketing.campaign_input import (
    AUDIENCES,
    DEFAULT_WINDOW,
    MAX_RADIUS_M,
    SCHEDULES,
    WINDOWS,
    CampaignInputError,
    Schedule,
    next_occurrence,
)
from services.marketing.profiles import ProfileRow
from services.merchants.deals import seller_of
from services.platform.clock import as_utc
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

LAPSED_AFTER = timedelta(days=30)
INTEREST_MIN_SHARE = 0.2  # a follower "likes" a category with this share of their activity


class CampaignScheduler(Protocol):
    """What runs campaigns on time (the bot's APScheduler); handlers reach it via the app."""

    async def schedule(self, campaign_id: int) -> None:
        """Start (or restart) the timer of a stored campaign."""

    async def unschedule(self, campaign_id: int) -> None:
        """Forget the timer of a cancelled campaign."""


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
