"""Money back: shopper refunds of unredeemed codes, automatic refunds at expiry, retries.

A refund happens in two steps, so that money and codes can never both be kept:
1. one transaction voids the codes, returns their stock and records a `Refund`
   (pending) for their share of the order;
2. the provider is asked to pay it back (`carry_out`), outside any transaction. A
   provider that is down leaves the refund pending; a scheduler job retries it with
   the same idempotency key, so the buyer is paid back once.

Refund policies (Meituan's terms): `anytime` (随时退: unredeemed codes can be refunded
at any time, and are refunded automatically when they expire), `on_expiry` (过期退:
no refund on request, automatic refund at expiry) and `none`. Redeemed codes are never
refundable.

With a coupon, the buyer paid `Order.total` (after the discount): each refunded code
gives back its share of that paid total, never more than is left of it, and the last
codes of the order give back exactly what is left. An order refunded in full gives its
coupon back too (available again, or expired if its time is up).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select

from services.coupons import release_coupon
from services.database import Database
from services.payments.base import PaymentError, RefundOutcome
from storage.models import (
    CodeStatus,
    CouponStatus,
    Deal,
    Order,
    OrderStatus,
    RedemptionCode,
    Refund,
    RefundPolicy,
    User,
)

MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class RefundAsk:
    """What a refund request did."""

    outcome: str  # started, not_refundable, policy_none, policy_on_expiry, redeemed, nothing
    refund_id: int | None = None
    amount: int = 0
    currency: str = ""
    codes: int = 0


@dataclass(frozen=True)
class RefundDone:
    """How carrying out a refund went, and whom to tell."""

    refund_id: int
    status: str  # done, manual, pending (will be retried), failed (gave up)
    amount: int
    currency: str
    reason: str
    user_telegram_id: int
    order_id: int


Refunder = Callable[[str, str, int, str, int, str], Awaitable[RefundOutcome]]
"""(provider, charge_id, amount, currency, user_telegram_id, idempotency_key) -> outcome."""


def _share(order: Order, codes: int, *, last: bool) -> int:
    """The part of the paid total (after any coupon) that `codes` of its units paid:
    rounding down, never more than is left unrefunded; `last` (no live code remains)
    gives back all that is left, so the refunds of an order add up to what was paid."""
    left = order.total - order.refunded
    if last:
        return left
    return max(0, min(order.total * codes // order.quantity, left))


async def _void_and_record(
    session: object, order: Order, code_ids: list[int], reason: str, now: datetime,
) -> Refund | None:
    """Void these codes (only if still issued/expired), return stock, record a refund."""
    result = await session.exec(  # type: ignore[attr-defined]
        update(RedemptionCode)
        .where(col(RedemptionCode.id).in_(code_ids),
               col(RedemptionCode.status).in_((CodeStatus.ISSUED, CodeStatus.EXPIRED)))
        .values(status=CodeStatus.VOID, voided_at=now)
        .returning(RedemptionCode.id)
    )
    voided = len(result.all())
    if voided == 0:
        return None
    await session.exec(  # type: ignore[attr-defined]
        update(Deal).where(col(Deal.id) == order.deal_id)
        .values(sold=col(Deal.sold) - voided,
                stock=col(Deal.stock) + voided)  # NULL (unlimited) stays NULL
    )
    live = (
        await session.exec(  # type: ignore[attr-defined]
            select(func.count()).select_from(RedemptionCode).where(
                RedemptionCode.order_id == order.id, RedemptionCode.status != CodeStatus.VOID)
        )
    ).one()
    amount = _share(order, voided, last=live == 0)
    order.refunded += amount
    if live == 0:
        order.status = OrderStatus.REFUNDED
        await release_coupon(await session.connection(), order.coupon_id, now,  # type: ignore[attr-defined]
                             from_status=CouponStatus.USED)
    order.updated_at = now
    refund = Refund(
        order_id=order.id, provider=order.provider or "", charge_id=order.charge_id or "",
        amount=amount, currency=order.currency, codes=voided, reason=reason, created_at=now,
    )
    session.add(refund)  # type: ignore[attr-defined]
    await session.flush()  # type: ignore[attr-defined]
    return refund


async def ask_refund(db: Database, user_id: int, order_id: int, now: datetime) -> RefundAsk:
    """A shopper asks for the unredeemed codes of one order back."""
    async with db.transaction() as session:
        row = (
            await session.exec(
                select(Order, Deal).join(Deal, Deal.id == Order.deal_id)
                .where(Order.id == order_id, Order.user_id == user_id).with_for_update()
            )
        ).first()
        if row is None:
            return RefundAsk("nothing")
        order, deal = row
        if order.status not in (OrderStatus.PAID, OrderStatus.FULFILLED):
            return RefundAsk("nothing")
        if deal.refund_policy == RefundPolicy.NONE:
            return RefundAsk("policy_none")
        codes = (
            await session.exec(
                select(RedemptionCode.id, RedemptionCode.status, RedemptionCode.valid_until)
                .where(RedemptionCode.order_id == order_id)
            )
        ).all()
        open_ids = [cid for cid, status, _ in codes
                    if status in (CodeStatus.ISSUED, CodeStatus.EXPIRED)]
        if not open_ids:
            redeemed = any(status == CodeStatus.REDEEMED for _, status, _ in codes)
            return RefundAsk("redeemed" if redeemed else "nothing")
        if deal.refund_policy == RefundPolicy.ON_EXPIRY:
            return RefundAsk("policy_on_expiry")
        refund = await _void_and_record(session, order, open_ids, "shopper", now)
        if refund is None:
            return RefundAsk("nothing")
        return RefundAsk("started", refund.id, refund.amount, refund.currency, refund.codes)


async def expire_codes(db: Database, now: datetime, batch: int = 500) -> list[int]:
    """Codes past their validity: refunded when the policy says so, else marked expired.

    Returns the ids of the refunds it recorded (to be carried out).
    """
    async with db.session() as session:
        rows = (
            await session.exec(
                select(RedemptionCode.id, RedemptionCode.order_id, Deal.refund_policy)
                .join(Deal, Deal.id == RedemptionCode.deal_id)
                .where(RedemptionCode.status == CodeStatus.ISSUED,
                       col(RedemptionCode.valid_until) <= now)
                .limit(batch)
            )
        ).all()
    by_order: dict[int, list[int]] = {}
    lapsed: list[int] = []
    for code_id, order_id, policy in rows:
        if policy == RefundPolicy.NONE:
            lapsed.append(code_id)
        else:
            by_order.setdefault(order_id, []).append(code_id)
    refund_ids: list[int] = []
    if lapsed:
        async with db.transaction() as session:
            await session.exec(  # type: ignore[call-overload]
                update(RedemptionCode)
                .where(col(RedemptionCode.id).in_(lapsed),
                       col(RedemptionCode.status) == CodeStatus.ISSUED)
                .values(status=CodeStatus.EXPIRED)
            )
    for order_id, code_ids in by_order.items():
        async with db.transaction() as session:
            order = (
                await session.exec(select(Order).where(Order.id == order_id).with_for_update())
            ).one()
            refund = await _void_and_record(session, order, code_ids, "expired", now)
            if refund is not None and refund.id is not None:
                refund_ids.append(refund.id)
    return refund_ids


async def pending_refunds(db: Database) -> list[int]:
    """Refunds still waiting for the provider (to retry)."""
    async with db.session() as session:
        return list(
            (
                await session.exec(
                    select(Refund.id).where(Refund.status == "pending",
                                            Refund.attempts < MAX_ATTEMPTS)
                    .order_by(col(Refund.id)).limit(200)
                )
            ).all()
        )


async def carry_out(db: Database, refund_id: int, refunder: Refunder,
                    now: datetime) -> RefundDone | None:
    """Ask the provider to pay a pending refund back; None if it is not pending."""
    async with db.session() as session:
        row = (
            await session.exec(
                select(Refund, User.telegram_id)
                .join(Order, Order.id == Refund.order_id)
                .join(User, User.id == Order.user_id)
                .where(Refund.id == refund_id)
            )
        ).first()
    if row is None or row[0].status != "pending":
        return None
    refund, telegram_id = row
    try:
        outcome = await refunder(refund.provider, refund.charge_id, refund.amount,
                                 refund.currency, telegram_id, f"refund-{refund.id}")
    except PaymentError as exc:
        outcome = RefundOutcome(ok=False, error=str(exc))
    status = "done" if outcome.ok else "manual" if outcome.manual else "pending"
    async with db.transaction() as session:
        await session.exec(  # type: ignore[call-overload]
            update(Refund)
            .where(col(Refund.id) == refund_id, col(Refund.status) == "pending")
            .values(status=status if status != "pending" or refund.attempts + 1 < MAX_ATTEMPTS
                    else "failed",
                    attempts=col(Refund.attempts) + 1,
                    reference=outcome.reference or None,
                    error=(outcome.error or None) and outcome.error[:300],
                    done_at=now if status in ("done", "manual") else None)
        )
    if status == "pending" and refund.attempts + 1 >= MAX_ATTEMPTS:
        status = "failed"
    return RefundDone(refund_id, status, refund.amount, refund.currency, refund.reason,
                      telegram_id, refund.order_id)
