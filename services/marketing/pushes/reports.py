"""How a campaign run is going and how it ended, and the news a run owes its owner.

`push_results` is the one definition of what pushes achieved (sent, claimed, redeemed)
that the run report and the owner's /stats share. Closing a run (`finish_run`) owes the
owner the final report, and a run whose coupon ran out owes them that news once
(`mark_coupon_gone_told`), each an outbox row written in the transaction of the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, func, literal_column, or_
from sqlmodel import col, select, update

from services.marketing.pushes.planning import LIVE
from services.platform.clock import as_utc
from services.platform.database import Database
from services.platform.outbox import owe
from storage.models import (
    Campaign,
    CampaignRun,
    Coupon,
    CouponStatus,
    Delivery,
    DeliveryStatus,
    Order,
    OrderStatus,
)


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
                                  col(Delivery.status).in_(LIVE)), 1), else_=0))
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
                                       col(Delivery.status).in_(LIVE)), 1), else_=0)),
                   func.sum(case((and_(col(Delivery.reason) == "in_doubt",
                                       col(Delivery.status).in_(LIVE)), 1), else_=0)),
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


async def count_pushes(db: Database) -> dict[str, int]:
    """Deliveries by status over all campaigns (for benchmarks and checks)."""
    async with db.session() as session:
        return {s: int(n) for s, n in (await session.exec(
            select(Delivery.status, func.count())  # type: ignore[call-overload]
            .group_by(Delivery.status))).all()}


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
