"""Applying a payment: the one use case every provider's "paid" ends in.

Telegram's successful_payment, the sandbox page and Stripe's webhook each verify their
notice and call `settle`. A payment for a pending order marks it paid, issues its codes
and owes the buyer a message with them (an outbox row, `services.platform.outbox`), all in one
transaction; a replay changes nothing; money that cannot buy anything (late, double or
wrong) is refunded at once, and the transaction recording how that went owes the buyer
the news (`services.refunds.carry_out`); the caller sends it (`Settlement.owed_key`).

A booking's deposit (a notice whose purpose is "booking") goes the same way to
`services.bookings.deposits.apply_deposit`: the held booking confirmed once (its
booker owed the news, `deposit_paid`), or the money refunded at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from services.bookings.booking import BookingView
from services.bookings.deposits import apply_deposit
from services.orders.checkout import OrderView, apply_payment
from services.orders.codes import codes_key
from services.orders.refunds import RefundDone, carry_out
from services.payments import PaymentNotice, Payments
from services.payments.base import BOOKING
from services.platform.database import Database
from services.platform.metrics import PAYMENTS_APPLIED

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settlement:
    """What a payment notice led to: paid (codes owed through the outbox), duplicate,
    refund (with how carrying it out went) or unknown."""

    outcome: str
    order: OrderView | None = None
    refund: RefundDone | None = None
    reason: str | None = None  # why the money goes back
    paid_keys: tuple[str, ...] = ()  # what paying owes (`PaymentResult.owed_keys`)
    booking: BookingView | None = None  # a deposit's booking (then `order` is None)

    @property
    def owed_key(self) -> str | None:
        """The outbox key of what this payment owes the buyer: its codes (or, in a 拼团
        group not full yet, the news that they are in), or the news of its refund (None
        when it owes nothing new: a replay, an unknown order)."""
        if self.outcome == "paid" and self.order is not None:
            return self.paid_keys[0] if self.paid_keys else codes_key(self.order.id)
        if self.outcome == "paid" and self.booking is not None:
            return self.paid_keys[0] if self.paid_keys else None
        return self.refund.owed_key if self.refund is not None else None

    @property
    def owed_keys(self) -> tuple[str, ...]:
        """Everything this payment owes, the buyer's first: a payment that fills a 拼团
        group owes every member their codes."""
        if self.outcome == "paid":
            return self.paid_keys or ((self.owed_key,) if self.owed_key else ())
        return (self.owed_key,) if self.owed_key else ()


async def settle(db: Database, payments: Payments, notice: PaymentNotice,
                 now: datetime) -> Settlement:
    """Apply a verified payment notice once; refund money that cannot buy anything."""
    if notice.purpose == BOOKING:
        return await _settle_deposit(db, payments, notice, now)
    result = await apply_payment(db, notice, now)
    order = result.order
    if result.outcome == "unknown" or order is None:
        log.warning("payment for unknown order %s (%s)", notice.order_id, notice.provider)
        return Settlement("unknown")
    if result.outcome == "duplicate":
        log.info("payment notice seen again for order %s", order.id)
        return Settlement("duplicate", order)
    if result.outcome == "refund":
        assert result.refund_id is not None
        done = await carry_out(db, result.refund_id, payments.refund, now, even_pending=True)
        PAYMENTS_APPLIED.labels("refund").inc()
        return Settlement("refund", order, done, result.reason or "order_closed")
    PAYMENTS_APPLIED.labels("paid").inc()
    return Settlement("paid", order, paid_keys=result.owed_keys)


async def _settle_deposit(db: Database, payments: Payments, notice: PaymentNotice,
                          now: datetime) -> Settlement:
    """A booking's deposit: the booking confirmed once, or the money refunded at once."""
    result = await apply_deposit(db, notice, now)
    if result.outcome == "unknown":
        log.warning("deposit for unknown booking %s (%s)", notice.order_id, notice.provider)
        return Settlement("unknown")
    if result.outcome == "duplicate":
        log.info("deposit notice seen again for booking %s", notice.order_id)
        return Settlement("duplicate", booking=result.booking)
    if result.outcome == "refund":
        assert result.refund_id is not None
        done = await carry_out(db, result.refund_id, payments.refund, now, even_pending=True)
        PAYMENTS_APPLIED.labels("refund").inc()
        return Settlement("refund", refund=done, reason=result.reason or "booking_closed",
                          booking=result.booking)
    PAYMENTS_APPLIED.labels("paid").inc()
    return Settlement("paid", paid_keys=result.owed_keys, booking=result.booking)
