"""Planning a campaign run into deliveries.

Planning (`start_run` then `plan_run`) gives every follower in the audience exactly one
`Delivery` row per run, under the unique key (run, user), with what will happen to it:

- `planned` at a moment: the user's usual active hour inside the run's window (the
  window's start when unknown), moved out of their quiet hours (`deferred`); or
- `dropped` (pushes paused, no allowed moment left in the window), `blocked` (the user
  blocked the bot), `capped` (their daily maximum, across all merchants, is reached),
  `superseded` (another campaign in the same window that they are likelier to use wins;
  the loser is superseded, whichever was planned first).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from services.marketing.campaigns import (
    CampaignOffer,
    Follower,
    followers_page,
    in_audience,
    lapsed_customers,
    load_offer,
)
from services.marketing.profiles import Offer as TasteOffer
from services.marketing.profiles import likelihood, send_hour
from services.marketing.push_settings import in_quiet_hours, next_allowed_moment
from services.platform.clock import as_utc, zone
from services.platform.database import Database
from services.platform.fencing import check_epoch
from storage.models import Campaign, CampaignRun, CampaignStatus, Delivery, DeliveryStatus

PAGE = 2000  # followers planned per transaction
LIVE = (DeliveryStatus.PLANNED, DeliveryStatus.SENDING, DeliveryStatus.SENT)


@dataclass(frozen=True)
class RunStart:
    """A run of a campaign: new, or the one an earlier firing already made."""

    run_id: int
    new: bool
    status: str


async def start_run(db: Database, campaign: Campaign, occurrence: datetime,
                    now: datetime, epoch: int | None = None) -> RunStart:
    """The run of `campaign` for `occurrence`, created once: however often the timer
    fires for it (two workers, a restart), there is one run and one plan. With the
    scheduler's `epoch`, a deposed leader's start is refused (`Fenced`)."""
    assert campaign.id is not None
    window_end = occurrence + timedelta(minutes=campaign.window_minutes)
    try:
        async with db.transaction() as session:
            await check_epoch(session, epoch)
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


async def unplanned_runs(db: Database) -> list[int]:
    """Runs whose planning was cut short (a crash): planning resumes where it stopped."""
    async with db.session() as session:
        return list((await session.exec(
            select(CampaignRun.id).where(CampaignRun.status == "planning")
            .order_by(col(CampaignRun.id)))).all())
