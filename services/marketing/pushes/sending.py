"""Sending pushes: each delivery's state machine.

Sending (`claim_due` -> transport -> `settle`) moves a row `planned -> sending` in a
committed transaction BEFORE the message goes out, and never moves a `sending` row back
to `planned` except after a 429, when Telegram said it did not deliver. A crash between
the two leaves the row `sending`: on restart it is counted as sent ("in doubt") and
never sent again. That is what makes a push at-most-once per (run, user), whatever
crashes and restarts happen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlmodel import col, select, update

from services.marketing.push_settings import in_quiet_hours
from services.platform.database import Database
from services.platform.fencing import check_epoch
from storage.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Follow, User


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
                    skip_chats: frozenset[int] = frozenset(),
                    epoch: int | None = None) -> list[DueDelivery]:
    """Move up to `limit` pushes that are due from `planned` to `sending` (committed
    before anything is sent) and return them, oldest first. Pushes whose window has
    closed are never claimed; `drop_closed_windows` records them as dropped. With the
    scheduler's `epoch`, a deposed leader's claim is refused (`Fenced`)."""
    async with db.begin() as conn:
        await check_epoch(conn, epoch)
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
