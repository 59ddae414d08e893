"""Pushes: planning a campaign run into deliveries, and each delivery's state machine.

Planning (`start_run` then `plan_run`) gives every follower in the audience exactly one
`Delivery` row per run, under the unique key (run, user), with what will happen to it:

- `planned` at a moment: the user's usual active hour inside the run's window (the
  window's start when unknown), moved out of their quiet hours (`deferred`); or
- `dropped` (pushes paused, no allowed moment left in the window), `blocked` (the user
  blocked the bot), `capped` (their daily maximum, across all merchants, is reached),
  `superseded` (another campaign in the same window that they are likelier to use wins;
  the loser is superseded, whichever was planned first).

Sending (`claim_due` -> transport -> `settle`) moves a row `planned -> sending` in a
committed transaction BEFORE the message goes out, and never moves a `sending` row back
to `planned` except after a 429, when Telegram said it did not deliver. A crash between
the two leaves the row `sending`: on restart it is counted as sent ("in doubt") and
never sent again. That is what makes a push at-most-once per (run, user), whatever
crashes and restarts happen.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, case, func, literal_column, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from services.catalog.deal_cards import Bilingual, is_on_sale
from services.marketing.campaigns import (
    CampaignOffer,
    Follower,
    followers_page,
    in_audience,
    lapsed_customers,
    load_offer,
)
from services.marketing.coupons import CouponTerms
from services.marketing.profiles import Offer as TasteOffer
from services.marketing.profiles import likelihood, send_hour
from services.marketing.push_settings import in_quiet_hours, next_allowed_moment
from services.platform.clock import as_utc, zone
from services.platform.database import Database
from services.platform.outbox import owe
from storage.models import (
    Campaign,
    CampaignRun,
    CampaignStatus,
    Coupon,
    CouponStatus,
    CouponTemplate,
    CouponTemplateStatus,
    Deal,
    Delivery,
    DeliveryStatus,
    Follow,
    Merchant,
    MerchantStatus,
    Order,
    OrderStatus,
    User,
)

PAGE = 2000  # followers planned per transaction
LIVE = (DeliveryStatus.PLANNED, DeliveryStatus.SENDING, DeliveryStatus.SENT)




@dataclass(frozen=True)
class RunStart:
    """A run of a campaign: new, or the one an earlier firing already made."""

    run_id: int
    new: bool
    status: str


async def start_run(db: Database, campaign: Campaign, occurrence: datetime,
                    now: datetime) -> RunStart:
    """The run of `campaign` for `occurrence`, created once: however often the timer
    fires for it (two workers, a restart), there is one run and one plan."""
    assert campaign.id is not None
    window_end = occurrence + timedelta(minutes=campaign.window_minutes)
    try:
        async with db.transaction() as session:
            run = CampaignRun(campaign_id=campaign.id, occurrence=occurrence,
                              window_end=window_end, status="planning", created_at=now)
            session.add(run)
            if campaign.schedule == "once":
                await session.exec(  # type: ignore[call-overload]
                    update(Campaign).where(col(Campaign.id) == campaign.id,
                                           col(Campaign.status) == CampaignStatus.SCHEDULED)
                    .values(status=CampaignStatus.DONE))
            await session.flush()
            assert run.id is not None
            return RunStart(run.id, True, "planning")
    except IntegrityError:
        async with db.session() as session:
            existing = (await session.exec(select(CampaignRun).where(
                CampaignRun.campaign_id == campaign.id, CampaignRun.occurrence == occurrence
            ))).one()
        assert existing.id is not None
        return RunStart(existing.id, False, existing.status)


@dataclass(frozen=True)
class Placement:
    """Where one follower's push landed in the plan."""

    status: str
    send_at: datetime
    deferred: bool = False
    reason: str | None = None


def place(follower: Follower, start: datetime, window_end: datetime) -> Placement:
    """When (and whether) to push this follower inside the window, before caps."""
    if follower.unreachable:
        return Placement(DeliveryStatus.BLOCKED, start, reason="unreachable")
    if follower.paused:
        return Placement(DeliveryStatus.DROPPED, start, reason="paused")
    tz = zone(follower.timezone)
    moment = send_hour(follower.active_hour, start.astimezone(tz),
                       window_end.astimezone(tz)).astimezone(UTC)
    quiet = (follower.quiet_start, follower.quiet_end, follower.timezone)
    if in_quiet_hours(quiet, moment):
        moment = next_allowed_moment(quiet, moment)
        if moment >= window_end:
            # The usual hour is quiet and so is the rest of the window: try the start.
            early = next_allowed_moment(quiet, start)
            if early >= window_end:
                return Placement(DeliveryStatus.DROPPED, start, True, "quiet_hours")
            moment = early
    return Placement(DeliveryStatus.PLANNED, moment, moment > start + timedelta(minutes=1))


def _local_day(moment: datetime, timezone: str) -> Any:
    return moment.astimezone(zone(timezone)).date()


class _Placements:
    """`place` remembered for one run: within a run the placement depends only on a
    follower's settings and usual hour, which a million followers share in a few
    thousand combinations (time zone x quiet hours x usual hour). Bounded, for
    audiences whose settings are all different."""

    MOST = 20_000  # placements remembered (about 200 bytes each)

    def __init__(self, start: datetime, window_end: datetime) -> None:
        self.start, self.window_end = start, window_end
        self._known: dict[tuple[Any, ...], Placement] = {}

    def __call__(self, follower: Follower) -> Placement:
        key = (follower.unreachable, follower.paused, follower.timezone, follower.active_hour,
               follower.quiet_start, follower.quiet_end)
        placement = self._known.get(key)
        if placement is None:
            if len(self._known) >= self.MOST:
                self._known.clear()
            placement = self._known[key] = place(follower, self.start, self.window_end)
        return placement


@dataclass
class _Existing:
    id: int
    run_id: int
    send_at: datetime
    window_end: datetime
    status: str
    score: float


async def _existing_deliveries(db: Database, user_ids: Sequence[int], start: datetime,
                               window_end: datetime) -> dict[int, list[_Existing]]:
    low, high = start - timedelta(days=1), window_end + timedelta(days=1)
    found: dict[int, list[_Existing]] = defaultdict(list)
    async with db.engine.connect() as conn:
        rows = (await conn.execute(
            select(Delivery.id, Delivery.user_id, Delivery.run_id,  # type: ignore[call-overload]
                   Delivery.send_at, Delivery.window_end, Delivery.status, Delivery.score)
            # No status filter here: with one, SQLite (no statistics) walks the
            # (status, send_at) index over every planned push in these days, this run's
            # included, for each page; by user it reads a handful of rows per person.
            .where(col(Delivery.user_id).in_(user_ids),
                   col(Delivery.send_at) >= low, col(Delivery.send_at) <= high)
        )).all()
    for id_, user_id, run_id, send_at, end, status, score in rows:
        if status not in LIVE:
            continue
        found[user_id].append(_Existing(id_, run_id, as_utc(send_at), as_utc(end), status,
                                        score))
    return found


_PLAN_COLUMNS = ("run_id", "campaign_id", "user_id", "chat_id", "send_at", "window_end",
                 "status", "deferred", "score", "reason")


async def plan_run(db: Database, run_id: int, now: datetime, platform_cap: int,
                   score: Callable[[Follower, CampaignOffer], float] | None = None) -> int:
    """Plan every follower of the run's audience (resumable: rows already planned stay);
    returns the audience size. The run moves to `sending`."""
    async with db.session() as session:
        run = await session.get(CampaignRun, run_id)
        campaign = await session.get(Campaign, run.campaign_id) if run else None
    if run is None or campaign is None or campaign.id is None:
        return 0
    start, window_end = max(as_utc(run.occurrence), now), as_utc(run.window_end)
    offer = await load_offer(db, campaign.merchant_id, campaign.template_id, campaign.deal_id,
                             now)
    size = 0
    if offer is not None and offer.available and start < window_end:
        lapsed = (await lapsed_customers(db, campaign.merchant_id, now)
                  if campaign.audience == "lapsed" else set())
        plan = _PagePlan(run_id, campaign.id, offer, start, window_end, platform_cap,
                         score or _likelihood)
        cursor = 0
        try:
            while True:
                page, cursor = await followers_page(db, campaign.merchant_id, cursor, PAGE)
                if not page:
                    break
                members = page if campaign.audience == "all" else [
                    f for f in page if in_audience(
                        f, campaign.audience, offer=offer, radius_m=campaign.radius_m,
                        category=campaign.category, lapsed=lapsed)]
                size += len(members)
                if members:
                    await plan.page(db, members)
            await plan.written()
        except BaseException:
            plan.abandon()  # the run stays `planning`: recovery plans it again
            raise
    async with db.transaction() as session:
        await session.exec(  # type: ignore[call-overload]
            update(CampaignRun).where(col(CampaignRun.id) == run_id,
                                      col(CampaignRun.status) == "planning")
            .values(status="sending", audience_size=size))
    return size


def _likelihood(follower: Follower, offer: CampaignOffer) -> float:
    return likelihood(follower.profile, TasteOffer(offer.category, offer.price, offer.stores))


class _PagePlan:
    """Plans one run's followers a page at a time: one row per follower, written in one
    short transaction per page."""

    def __init__(self, run_id: int, campaign_id: int, offer: CampaignOffer, start: datetime,
                 window_end: datetime, platform_cap: int,
                 rate: Callable[[Follower, CampaignOffer], float]) -> None:
        self.run_id, self.campaign_id, self.offer = run_id, campaign_id, offer
        self.start, self.window_end, self.platform_cap, self.rate = (
            start, window_end, platform_cap, rate)
        self.placements = _Placements(start, window_end)
        self.pages = 0
        self._writing: asyncio.Task[None] | None = None

    async def page(self, db: Database, members: list[Follower]) -> None:
        """Plan these followers against their other pushes and start writing their rows.

        The write runs while the next page is read and planned (on PostgreSQL the
        server inserts on its own core meanwhile). Pages hold different people, so
        none needs another's rows; `written` waits for the last one.
        """
        existing = await _existing_deliveries(db, [f.user_id for f in members], self.start,
                                              self.window_end)
        run_id, offer, rate, cap = self.run_id, self.offer, self.rate, self.platform_cap
        rows: list[tuple[Any, ...]] = []
        superseded: list[int] = []
        for follower in members:
            placement = self.placements(follower)
            status, reason = placement.status, placement.reason
            chance = rate(follower, offer)
            others = existing.get(follower.user_id)
            if status == DeliveryStatus.PLANNED and others:
                status, reason, losers = _against_others(
                    follower, placement.send_at, self.start, self.window_end, chance,
                    [e for e in others if e.run_id != run_id], cap)
                superseded += losers
            elif status == DeliveryStatus.PLANNED and min(cap, follower.max_per_day or cap) < 1:
                status, reason = DeliveryStatus.CAPPED, "daily_cap"
            rows.append((run_id, self.campaign_id, follower.user_id, follower.chat_id,
                         placement.send_at, self.window_end, status, placement.deferred,
                         round(chance, 6), reason))
        await self.written()
        self._writing = asyncio.create_task(self._write(db, rows, superseded))

    async def written(self) -> None:
        """Wait until the last page's rows are written (raising what the write raised)."""
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing

    def abandon(self) -> None:
        """Stop a write still under way (planning failed or was cancelled)."""
        if self._writing is not None:
            self._writing.cancel()
            self._writing = None

    async def _write(self, db: Database, rows: list[tuple[Any, ...]],
                     superseded: list[int]) -> None:
        async with db.begin() as conn:
            if superseded:
                await conn.execute(
                    update(Delivery).where(col(Delivery.id).in_(superseded),
                                           col(Delivery.status) == DeliveryStatus.PLANNED)
                    .values(status=DeliveryStatus.SUPERSEDED, reason="likelier_campaign"))
            await db.insert_ignoring_duplicates(
                conn, Delivery.__table__, _PLAN_COLUMNS, rows,  # type: ignore[attr-defined]
                ("run_id", "user_id"))
        self.pages += 1
        if self.pages & (self.pages - 1) == 0:
            # After pages 1, 2, 4, 8, ...: PostgreSQL's planner must know the table has
            # grown, or it looks others up through the (status, send_at) index, reading
            # every planned row per page (200,000 followers took 274 s, not 18 s).
            await db.refresh_statistics(Delivery.__table__)  # type: ignore[attr-defined]


def _against_others(follower: Follower, send_at: datetime, start: datetime,
                    window_end: datetime, chance: float, others: list[_Existing],
                    platform_cap: int) -> tuple[str, str | None, list[int]]:
    """Settle this push against the follower's other pushes: one campaign per window
    (the likeliest), and no more than their daily maximum."""
    losers: list[int] = []
    overlapping = [e for e in others if e.status == DeliveryStatus.PLANNED
                   and e.send_at < window_end and start < e.window_end]
    for other in overlapping:
        if other.score >= chance:
            return DeliveryStatus.SUPERSEDED, "likelier_campaign", []
        losers.append(other.id)
    cap = min(platform_cap, follower.max_per_day or platform_cap)
    day = _local_day(send_at, follower.timezone)
    same_day = [e for e in others if e.id not in losers
                and _local_day(e.send_at, follower.timezone) == day]
    if len(same_day) >= cap:
        return DeliveryStatus.CAPPED, "daily_cap", []
    return DeliveryStatus.PLANNED, None, losers


@dataclass(frozen=True)
class DueDelivery:
    """A push handed to the sender: who, what, and whether it may still go."""

    id: int
    run_id: int
    campaign_id: int
    user_id: int
    chat_id: int
    merchant_id: int
    template_id: int | None
    deal_id: int | None
    language: str | None
    language_code: str | None
    timezone: str
    still_wanted: bool  # still a follower, not paused, not blocked, not in quiet hours


async def claim_due(db: Database, now: datetime, limit: int,
                    skip_chats: frozenset[int] = frozenset()) -> list[DueDelivery]:
    """Move up to `limit` pushes that are due from `planned` to `sending` (committed
    before anything is sent) and return them, oldest first. Pushes whose window has
    closed are never claimed; `drop_closed_windows` records them as dropped."""
    async with db.begin() as conn:
        query = (select(Delivery.id, Delivery.chat_id)  # type: ignore[call-overload]
                 .where(col(Delivery.status) == DeliveryStatus.PLANNED,
                        col(Delivery.send_at) <= now, col(Delivery.window_end) > now)
                 .order_by(col(Delivery.send_at), col(Delivery.id))
                 # Room for a few skipped chats, not for all of them: nearly every chat
                 # in `skip_chats` (the last second's) has nothing else due.
                 .limit(limit + min(len(skip_chats), limit)))
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = [id_ for id_, chat in (await conn.execute(query)).all()
               if chat not in skip_chats][:limit]
        if not ids:
            return []
        await conn.execute(
            update(Delivery).where(col(Delivery.id).in_(ids),
                                   col(Delivery.status) == DeliveryStatus.PLANNED)
            .values(status=DeliveryStatus.SENDING))
        rows = (await conn.execute(
            select(Delivery.id, Delivery.run_id, Delivery.campaign_id,  # type: ignore[call-overload]
                   Delivery.user_id, Delivery.chat_id, Campaign.merchant_id,
                   Campaign.template_id, Campaign.deal_id, User.language, User.language_code,
                   User.timezone, User.push_paused, User.unreachable_since, User.quiet_start,
                   User.quiet_end, Follow.id, Campaign.status)
            .join(Campaign, col(Campaign.id) == col(Delivery.campaign_id))
            .join(User, col(User.id) == col(Delivery.user_id))
            .outerjoin(Follow, and_(col(Follow.user_id) == col(Delivery.user_id),
                                    col(Follow.merchant_id) == col(Campaign.merchant_id)))
            .where(col(Delivery.id).in_(ids), col(Delivery.status) == DeliveryStatus.SENDING)
            .order_by(col(Delivery.send_at), col(Delivery.id))
        )).all()
    due = []
    for (id_, run_id, campaign_id, user_id, chat_id, merchant_id, template_id, deal_id, lang,
         lang_code, tz, paused, unreachable, quiet_start, quiet_end, follow_id,
         campaign_status) in rows:
        wanted = (follow_id is not None and not paused and unreachable is None
                  and campaign_status != CampaignStatus.CANCELLED
                  and not in_quiet_hours((quiet_start, quiet_end, tz), now))
        due.append(DueDelivery(id_, run_id, campaign_id, user_id, chat_id, merchant_id,
                               template_id, deal_id, lang, lang_code, tz, wanted))
    return due


async def drop_closed_windows(db: Database, now: datetime) -> int:
    """Drop planned pushes whose window has closed (the sender runs this about once a
    second, not per batch); returns how many."""
    async with db.begin() as conn:
        result = await conn.execute(
            update(Delivery).where(col(Delivery.status) == DeliveryStatus.PLANNED,
                                   col(Delivery.window_end) <= now)
            .values(status=DeliveryStatus.DROPPED, reason="window_closed"))
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class Outcome:
    """What became of one push that was `sending`."""

    delivery_id: int
    status: str  # sent, blocked, failed, dropped
    reason: str | None = None


async def settle(db: Database, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Record what happened to pushes that were `sending` (one transaction for many)."""
    if not outcomes:
        return
    by_status: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for outcome in outcomes:
        by_status[(outcome.status, outcome.reason)].append(outcome.delivery_id)
    async with db.begin() as conn:
        for (status, reason), ids in by_status.items():
            values: dict[str, Any] = {"status": status, "reason": reason}
            if status == DeliveryStatus.SENT:
                values["sent_at"] = now
            await conn.execute(
                update(Delivery).where(col(Delivery.id).in_(ids),
                                       col(Delivery.status) == DeliveryStatus.SENDING)
                .values(**values))


async def put_back(db: Database, delivery_ids: Sequence[int]) -> None:
    """Return pushes Telegram refused with a 429 (so certainly not delivered) to
    `planned`, to go out after the pause."""
    if not delivery_ids:
        return
    async with db.begin() as conn:
        await conn.execute(
            update(Delivery).where(col(Delivery.id).in_(list(delivery_ids)),
                                   col(Delivery.status) == DeliveryStatus.SENDING)
            .values(status=DeliveryStatus.PLANNED))


async def recover_in_doubt(db: Database) -> int:
    """After a crash: pushes left `sending` may or may not have reached the user. They
    are counted as sent and never sent again (at most once beats at least once for a
    promotion). Returns how many there were."""
    async with db.begin() as conn:
        result = await conn.execute(
            update(Delivery).where(col(Delivery.status) == DeliveryStatus.SENDING)
            .values(status=DeliveryStatus.SENT, reason="in_doubt"))
    return int(result.rowcount or 0)


async def stop_offering_coupon(db: Database, template_id: int) -> int:
    """The coupon ran out: drop the pushes of it not sent yet; returns how many."""
    async with db.begin() as conn:
        campaigns = select(Campaign.id).where(col(Campaign.template_id) == template_id)
        result = await conn.execute(
            update(Delivery).where(col(Delivery.campaign_id).in_(campaigns),
                                   col(Delivery.status) == DeliveryStatus.PLANNED)
            .values(status=DeliveryStatus.DROPPED, reason="coupon_gone"))
    return int(result.rowcount or 0)


def coupon_gone_key(run_id: int) -> str:
    """The outbox key of the owner's news that the coupon of a run ran out."""
    return f"coupon_gone:{run_id}"


async def mark_coupon_gone_told(db: Database, run_id: int, stopped: int,
                                now: datetime) -> str | None:
    """The first time for a run, owe its owner the news that the coupon ran out and
    `stopped` pushes were stopped (once per run, in the transaction marking it); the
    outbox key, or None when they were told already or the run reports to no one."""
    async with db.begin() as conn:
        result = await conn.execute(
            update(CampaignRun).where(col(CampaignRun.id) == run_id,
                                      col(CampaignRun.coupon_gone).is_(False))
            .values(coupon_gone=True))
        if result.rowcount != 1:
            return None
        campaign_id, chat_id = (await conn.execute(
            select(Campaign.id, Campaign.report_chat_id)  # type: ignore[call-overload]
            .join(CampaignRun, col(CampaignRun.campaign_id) == col(Campaign.id))
            .where(col(CampaignRun.id) == run_id))).one()
        if chat_id is None:
            return None
        key = coupon_gone_key(run_id)
        await owe(db, conn, chat_id, "coupon_gone",
                  {"campaign_id": campaign_id, "stopped": stopped}, key, now)
    return key


@dataclass(frozen=True)
class RunReport:
    """How a run is going, for the merchant's live progress message and final report."""

    run_id: int
    campaign_id: int
    merchant_id: int
    report_chat_id: int | None
    progress_message_id: int | None
    audience: int
    planned: int  # still waiting for their moment
    sending: int
    sent: int
    deferred: int  # moved later by quiet hours or the usual active hour
    blocked: int
    failed: int
    dropped: int  # paused, no allowed moment in the window, coupon ran out, cancelled
    capped: int
    superseded: int
    claimed: int
    redeemed: int
    in_doubt: int
    status: str
    window_end: datetime

    def finished(self, now: datetime) -> bool:
        """Nothing left to send and the window closed (claims made in the window count)."""
        return self.planned == 0 and self.sending == 0 and now >= self.window_end


_LIVE = (DeliveryStatus.PLANNED, DeliveryStatus.SENDING, DeliveryStatus.SENT)


def push_results() -> tuple[Any, Any, Any]:
    """What pushes achieved, as sums over `Delivery` rows joined with their `Campaign`:
    (sent, claimed, redeemed). The one definition the run report and /stats share:
    claimed counts claims among live pushes; a push is redeemed when the coupon claimed
    from it (claim key "push:<delivery id>") was used, or, for a deal, when its
    recipient paid for the deal after the push (the order still paid or fulfilled)."""
    push_key = literal_column("'push:'", String) + func.cast(col(Delivery.id), String())
    coupon_used = select(Coupon.id).where(  # type: ignore[call-overload]
        col(Coupon.claim_key) == push_key, col(Coupon.status) == CouponStatus.USED).exists()
    deal_bought = select(Order.id).where(  # type: ignore[call-overload]
        col(Order.user_id) == col(Delivery.user_id), col(Order.deal_id) == col(Campaign.deal_id),
        col(Order.paid_at) >= col(Delivery.sent_at),
        col(Order.status).in_((OrderStatus.PAID, OrderStatus.FULFILLED))).exists()
    sent = func.sum(case((col(Delivery.status) == DeliveryStatus.SENT, 1), else_=0))
    claimed = func.sum(case((and_(col(Delivery.claimed_at).is_not(None),
                                  col(Delivery.status).in_(_LIVE)), 1), else_=0))
    redeemed = func.sum(case(
        (and_(col(Campaign.template_id).is_not(None), coupon_used), 1),
        (and_(col(Campaign.deal_id).is_not(None), col(Delivery.sent_at).is_not(None),
              deal_bought), 1),
        else_=0))
    return sent, claimed, redeemed


async def run_report(db: Database, run_id: int) -> RunReport | None:
    """Counts of a run's deliveries by outcome, with claims and redemptions."""
    async with db.session() as session:
        run = await session.get(CampaignRun, run_id)
        if run is None:
            return None
        campaign = await session.get(Campaign, run.campaign_id)
        assert campaign is not None
        counts = {status: int(n) for status, n in (await session.exec(
            select(Delivery.status, func.count())  # type: ignore[call-overload]
            .where(Delivery.run_id == run_id).group_by(Delivery.status))).all()}
        _, claimed, redeemed = push_results()
        deferred, in_doubt, claimed, redeemed = (await session.exec(
            select(func.sum(case((and_(col(Delivery.deferred).is_(True),  # type: ignore[call-overload]
                                       col(Delivery.status).in_(_LIVE)), 1), else_=0)),
                   func.sum(case((and_(col(Delivery.reason) == "in_doubt",
                                       col(Delivery.status).in_(_LIVE)), 1), else_=0)),
                   claimed, redeemed)
            .select_from(Delivery)
            .join(Campaign, col(Campaign.id) == col(Delivery.campaign_id))
            .where(Delivery.run_id == run_id)
        )).one()
    return RunReport(
        run_id=run_id, campaign_id=campaign.id or 0, merchant_id=campaign.merchant_id,
        report_chat_id=campaign.report_chat_id, progress_message_id=run.progress_message_id,
        audience=sum(counts.values()),
        planned=counts.get(DeliveryStatus.PLANNED, 0),
        sending=counts.get(DeliveryStatus.SENDING, 0), sent=counts.get(DeliveryStatus.SENT, 0),
        deferred=int(deferred or 0), blocked=counts.get(DeliveryStatus.BLOCKED, 0),
        failed=counts.get(DeliveryStatus.FAILED, 0), dropped=counts.get(DeliveryStatus.DROPPED, 0),
        capped=counts.get(DeliveryStatus.CAPPED, 0),
        superseded=counts.get(DeliveryStatus.SUPERSEDED, 0), claimed=int(claimed or 0),
        redeemed=int(redeemed or 0), in_doubt=int(in_doubt or 0), status=run.status,
        window_end=as_utc(run.window_end),
    )


async def active_runs(db: Database) -> list[int]:
    """Runs still sending (for progress messages and final reports)."""
    async with db.session() as session:
        return list((await session.exec(
            select(CampaignRun.id).where(CampaignRun.status == "sending")
            .order_by(col(CampaignRun.id)))).all())


async def unplanned_runs(db: Database) -> list[int]:
    """Runs whose planning was cut short (a crash): planning resumes where it stopped."""
    async with db.session() as session:
        return list((await session.exec(
            select(CampaignRun.id).where(CampaignRun.status == "planning")
            .order_by(col(CampaignRun.id)))).all())


async def set_progress_message(db: Database, run_id: int, message_id: int) -> None:
    """Remember the merchant's progress message of a run, to edit it as sending goes."""
    async with db.begin() as conn:
        await conn.execute(update(CampaignRun).where(col(CampaignRun.id) == run_id)
                           .values(progress_message_id=message_id))


def campaign_report_key(run_id: int) -> str:
    """The outbox key of the owner's final report of a run."""
    return f"campaign_report:{run_id}"


async def finish_run(db: Database, run_id: int, now: datetime) -> bool:
    """Close a run whose pushes are all settled and whose window has closed; True only
    for the call that closed it, whose transaction owes the owner the final report (an
    outbox row, `campaign_report_key`) when the campaign reports to someone."""
    async with db.begin() as conn:
        run = (await conn.execute(
            select(CampaignRun.window_end, Campaign.report_chat_id)  # type: ignore[call-overload]
            .join(Campaign, col(Campaign.id) == col(CampaignRun.campaign_id))
            .where(col(CampaignRun.id) == run_id))).first()
        if run is None or as_utc(run[0]) > now:
            return False
        waiting = (await conn.execute(
            select(func.count()).select_from(Delivery)  # type: ignore[call-overload]
            .where(col(Delivery.run_id) == run_id,
                   or_(col(Delivery.status) == DeliveryStatus.PLANNED,
                       col(Delivery.status) == DeliveryStatus.SENDING)))).scalar_one()
        if waiting:
            return False
        result = await conn.execute(
            update(CampaignRun).where(col(CampaignRun.id) == run_id,
                                      col(CampaignRun.status) == "sending")
            .values(status="done", finished_at=now))
        if result.rowcount == 1 and run[1] is not None:
            await owe(db, conn, run[1], "campaign_report", {"run_id": run_id},
                      campaign_report_key(run_id), now)
    return result.rowcount == 1


@dataclass(frozen=True)
class PushView:
    """A sent push as its recipient's button press finds it."""

    delivery_id: int
    run_id: int
    campaign_id: int
    merchant_id: int
    template_id: int | None
    deal_id: int | None
    report_chat_id: int | None


async def open_push(db: Database, delivery_id: int, user_id: int,
                    now: datetime) -> PushView | None:
    """The recipient opened a push (pressed its button): remember when, first time only.
    None when the push is not theirs or was never sent (forged or stale buttons)."""
    async with db.begin() as conn:
        row = (await conn.execute(
            select(Delivery.run_id, Delivery.campaign_id,  # type: ignore[call-overload]
                   Campaign.merchant_id, Campaign.template_id, Campaign.deal_id,
                   Campaign.report_chat_id)
            .join(Campaign, col(Campaign.id) == col(Delivery.campaign_id))
            .where(col(Delivery.id) == delivery_id, col(Delivery.user_id) == user_id,
                   col(Delivery.status) == DeliveryStatus.SENT))).first()
        if row is None:
            return None
        await conn.execute(update(Delivery).where(col(Delivery.id) == delivery_id,
                                                  col(Delivery.opened_at).is_(None))
                           .values(opened_at=now))
    return PushView(delivery_id, *row)


async def mark_claimed(db: Database, delivery_id: int, now: datetime) -> None:
    """The pushed coupon was claimed from the push."""
    async with db.begin() as conn:
        await conn.execute(update(Delivery).where(col(Delivery.id) == delivery_id,
                                                  col(Delivery.claimed_at).is_(None))
                           .values(claimed_at=now))


async def count_pushes(db: Database) -> dict[str, int]:
    """Deliveries by status over all campaigns (for benchmarks and checks)."""
    async with db.session() as session:
        return {s: int(n) for s, n in (await session.exec(
            select(Delivery.status, func.count())  # type: ignore[call-overload]
            .group_by(Delivery.status))).all()}



@dataclass(frozen=True)
class PushOffer:
    """What a push shows: the merchant and its coupon's terms or deal."""

    merchant_id: int
    merchant: Bilingual
    available: bool
    terms: CouponTerms | None = None
    template_id: int | None = None
    deal_id: int | None = None
    deal_title: Bilingual | None = None
    price: int = 0
    original_price: int = 0
    currency: str = "CNY"


async def push_offer(db: Database, campaign_id: int, now: datetime) -> PushOffer | None:
    """The offer of a campaign as its pushes show it (None: no such campaign)."""
    async with db.session() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None:
            return None
        merchant = await session.get(Merchant, campaign.merchant_id)
        assert merchant is not None
        name = Bilingual(merchant.name_zh, merchant.name_en)
        if campaign.template_id is not None:
            template = await session.get(CouponTemplate, campaign.template_id)
            if template is None:
                return None
            terms = CouponTerms(
                kind=template.kind, amount_off=template.amount_off,
                percent_off=template.percent_off, cap=template.cap,
                min_spend=template.min_spend, item=template.item_zh or template.item_en,
                currency=template.currency, valid_days=template.valid_days or 7,
                total_quantity=template.total_quantity, per_user_limit=template.per_user_limit)
            available = (template.status == CouponTemplateStatus.ACTIVE
                         and merchant.status == MerchantStatus.APPROVED
                         and (template.total_quantity is None
                              or template.claimed < template.total_quantity)
                         and (template.valid_until is None
                              or as_utc(template.valid_until) > now))
            return PushOffer(merchant.id or 0, name, available, terms=terms,
                             template_id=template.id)
        deal = await session.get(Deal, campaign.deal_id) if campaign.deal_id else None
        if deal is None:
            return None
        return PushOffer(merchant.id or 0, name, is_on_sale(deal, merchant, now),
                         deal_id=deal.id, deal_title=Bilingual(deal.title_zh, deal.title_en),
                         price=deal.price, original_price=deal.original_price,
                         currency=deal.currency)
