"""Completing payments outside a conversation turn: the sandbox page's Pay (also the
console shell's Pay button) and what a settled payment tells the buyer.

Both the web server (`bot.web`) and the console shell use this, so the shell no longer
reaches into the web server. What a settled payment owes the buyer (a paid order's
codes, or the news that money which bought nothing goes back) is an outbox row written
with it, sent here at once (`bot.outbox.send_owed`).
"""

from __future__ import annotations

from datetime import datetime

import structlog

from bot.outbox import send_owed
from bot.runtime import Runtime
from handlers.i18n import Translator, language_of
from services.bookings.booking import BookingView
from services.bookings.deposits import booking_by_ref
from services.bookings.deposits import precheck_problem as deposit_problem
from services.orders.checkout import OrderView, order_by_ref, precheck_problem
from services.orders.settlement import Settlement, settle
from services.payments.base import BOOKING
from services.payments.sandbox import NAME as SANDBOX
from services.payments.sandbox import SandboxProvider
from services.platform.users import get_profile
from storage.models import OrderStatus

log = structlog.get_logger("o2o.payments")

# What the sandbox page says after Pay, by outcome (also shown by the console shell).
_ANSWERS = {"paid": "web-pay-done", "duplicate": "web-pay-paid", "refund": "web-pay-refunded",
            "cancelled": "web-pay-cancelled", "expired": "web-pay-expired"}
# Outcomes where Pay was refused and no money moved.
REFUSED = frozenset({"cancelled", "expired"})


async def deliver_settlement(runtime: Runtime, settlement: Settlement) -> None:
    """Send what a settled payment owes the buyer, at once: the codes of a paid order,
    or the news of a refund (outbox rows; a replay owes nothing new)."""
    if settlement.owed_keys:
        await send_owed(runtime, keys=list(settlement.owed_keys))


def sandbox_answer(outcome: str, lang: str) -> str:
    """What the sandbox page tells the buyer after Pay led to `outcome`."""
    return Translator(lang)(_ANSWERS.get(outcome, "web-pay-unknown"))


Payer = OrderView | BookingView  # what a sandbox page pays: an order, or a deposit


async def translator(runtime: Runtime, order: Payer | None) -> Translator:
    """A translator in the language of the order's buyer or the booker (the default
    without one)."""
    user_id = order.user_id if order else None
    profile = await get_profile(runtime.db, user_id) if user_id is not None else None
    return Translator(language_of(profile, runtime.settings.default_language))


async def page_answer(runtime: Runtime, outcome: str, order: Payer | None) -> str:
    """`sandbox_answer` in the language of the order's buyer."""
    return sandbox_answer(outcome, (await translator(runtime, order)).lang)


def refusal(order: OrderView, now: datetime) -> str | None:
    """Why the page of this order must not take money (cancelled, expired), or None.
    Any other order goes on to `settle`, which answers a paid one as a duplicate."""
    if order.status == OrderStatus.CANCELLED:
        return "cancelled"
    expired = precheck_problem(order, order.total, order.currency, now) == "order_expired"
    return "expired" if expired or order.status == OrderStatus.EXPIRED else None


def deposit_refusal(booking: BookingView, now: datetime) -> str | None:
    """Why the page of this booking's deposit must not take money (cancelled: the
    booking was closed; expired: its hold ran out), or None (a paid one goes on to
    `settle`, which answers it as a duplicate)."""
    problem = deposit_problem(booking, booking.deposit, booking.currency, now)
    if problem in ("booking_closed", "unknown_booking"):
        return "cancelled"
    return "expired" if problem == "booking_expired" else None


async def pay_with_sandbox(runtime: Runtime, token: str) -> tuple[str, Payer | None]:
    """Complete the sandbox order (or booking deposit) of `token` (the page's Pay, or
    the shell's Pay button).

    Returns the outcome (paid, duplicate, refund, unknown; or cancelled, expired when
    it can no longer be paid and nothing was charged) and the order or booking.
    """
    order = await order_by_ref(runtime.db, SANDBOX, token)
    if order is None:
        return await _pay_deposit_with_sandbox(runtime, token)
    refused = refusal(order, runtime.app.clock())
    if refused is not None:
        log.info("sandbox payment refused", order=order.id, why=refused)
        return refused, order
    notice = SandboxProvider.notice(order.id, order.total, order.currency, token)
    settlement = await settle(runtime.db, runtime.app.payments, notice, runtime.app.clock())
    await deliver_settlement(runtime, settlement)
    return settlement.outcome, order


async def _pay_deposit_with_sandbox(runtime: Runtime,
                                    token: str) -> tuple[str, BookingView | None]:
    booking = await booking_by_ref(runtime.db, SANDBOX, token)
    if booking is None:
        return "unknown", None
    refused = deposit_refusal(booking, runtime.app.clock())
    if refused is not None:
        log.info("sandbox deposit refused", booking=booking.id, why=refused)
        return refused, booking
    notice = SandboxProvider.notice(booking.id, booking.deposit, booking.currency, token,
                                    purpose=BOOKING)
    settlement = await settle(runtime.db, runtime.app.payments, notice, runtime.app.clock())
    await deliver_settlement(runtime, settlement)
    return settlement.outcome, booking
