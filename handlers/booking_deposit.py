"""A booking's deposit in chat: how it is paid, and what the booker hears about it.

The booking flow (`handlers/bookings.py`) calls `deposit_replies` right after `book()`
returned a held booking: the same payment link or Telegram invoice an order gets
(`handlers.checkout.link_replies`), for the deposit, with how long the table is held
and, when three no-shows made it necessary, why. Paying ends in
`services.orders.settlement.settle` like any payment (Telegram's successful_payment,
the sandbox page, Stripe's webhook).

After a cancellation, `deposit_refund_replies` pays the deposit back when the
cancellation gave it back (`Closed.refund_id`), and answers with the news it owes.

Owed messages rendered here: `deposit_paid` (the deposit confirmed the booking) and
`booking_expired` (a hold ran out unpaid: the table was released). The refund news
of a deposit is the ordinary `refund` kind (`handlers.checkout`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from handlers.booking_words import when_text
from handlers.checkout import link_replies
from handlers.core import Button, Reply, SendText
from handlers.format import local_time
from handlers.i18n import Translator
from handlers.owed import owed_in_turn, renders, translator_for
from handlers.router import App, Request, Router
from services.bookings.booking import BookingView, booking_view, cancel_booking
from services.bookings.deposits import attach_deposit_payment, carry_out_deposit_refund
from services.payments import Checkout, PaymentError
from services.payments.base import BOOKING
from services.platform.money import format_money

log = logging.getLogger(__name__)
router = Router()  # no routes: the owed kinds below register on import


def _what(t: Translator, booking: BookingView, now: datetime) -> str:
    """The booking in one line: where, when (the store's wall clock), how many."""
    return t("deposit-booking", store=booking.store_name.get(t.lang),
             when=when_text(t, booking.starts_at, booking.timezone, now),
             party=str(booking.party), code=booking.code)


async def deposit_replies(req: Request, booking: BookingView, *, why: str | None = None,
                          extra: tuple[Button, ...] = ()) -> list[Reply]:
    """How to pay the deposit of a held booking (`why`: "store" or "no_shows", from
    `BookingAttempt.deposit_why`): a payment link or a Telegram invoice under what it
    is for and how long the table is held; `extra` buttons (Cancel) go with it. A
    booking whose payment cannot be made is cancelled and the booker told nothing was
    charged."""
    t, now = req.t, req.now()
    amount = format_money(booking.deposit, booking.currency, req.lang)
    title = t("deposit-title", store=booking.store_name.get(req.lang))
    description = _what(t, booking, now)
    hold_until = booking.hold_until or now
    try:
        link = await req.app.payments.current.create_link(Checkout(
            order_id=booking.id, title=title, description=description, quantity=1,
            amount=booking.deposit, currency=booking.currency, expires_at=hold_until,
            user_telegram_id=req.user.telegram_id, lang=req.lang, purpose=BOOKING))
    except PaymentError as exc:
        log.warning("payment link failed for booking %s: %s", booking.id, exc)
        await cancel_booking(req.db, booking.id, now, user_id=req.user.id)
        return [SendText(t("deposit-unavailable"))]
    if not await attach_deposit_payment(req.db, booking.id, link, now):
        return [SendText(t("deposit-not-held"))]  # expired or cancelled meanwhile
    lines = [t("deposit-ask", amount=amount, what=description)]
    if why == "no_shows":
        lines.append(t("deposit-why-no-shows"))
    lines.append(t("deposit-back-until", hours=booking.cancel_hours))
    lines.append(t("deposit-hold", until=local_time(hold_until, req.user.timezone)))
    return link_replies(t, link, lines, extra, title=title, description=description,
                        amount=booking.deposit, currency=booking.currency,
                        label=t("deposit-label"))


async def deposit_refund_replies(req: Request, refund_id: int | None) -> list[Reply]:
    """Pay back the deposit a cancellation gave back (`Closed.refund_id`; None: nothing
    to do) and answer with its news (to the booker's chat as a `Notify` when someone
    else, staff, cancelled). A provider that is down leaves it to housekeeping's retry;
    the booker hears it is on its way."""
    done = await carry_out_deposit_refund(req.db, req.app.payments, refund_id, req.now())
    if done is None or done.owed_key is None:
        return []
    return await owed_in_turn(req, done.owed_key)


@renders("deposit_paid")
async def _owed_deposit_paid(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """An owed "deposit_paid": the deposit arrived and the booking is confirmed."""
    booking = await booking_view(app.db, int(params["booking_id"]))
    if booking is None:
        return []
    t = await translator_for(app, chat_id)
    return [SendText(t("deposit-paid", what=_what(t, booking, app.clock()),
                       amount=format_money(booking.deposit, booking.currency, t.lang),
                       hours=booking.cancel_hours))]


@renders("booking_expired")
async def _owed_booking_expired(app: App, chat_id: int,
                                params: dict[str, Any]) -> list[Reply]:
    """An owed "booking_expired": the deposit was not paid in time, the table was
    released (nothing when the booking is gone, or was paid late and confirmed)."""
    booking = await booking_view(app.db, int(params["booking_id"]))
    if booking is None or booking.deposit_paid:
        return []
    t = await translator_for(app, chat_id)
    return [SendText(t("deposit-expired", what=_what(t, booking, app.clock())))]
