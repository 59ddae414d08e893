"""The one small interface every payment provider implements.

A provider turns an order into something the buyer can pay (a link to a page, or a
Telegram invoice), tells us reliably that an order was paid (a `PaymentNotice`,
verified by the provider's own means: a signed webhook, Telegram's update, the sandbox
page's one-time token), gives money back (`refund`) and, where it can, stops a buyer
paying for an order that was cancelled or ran out (`close`).

The checkout service (`services.orders.checkout`) never trusts a notice's amount blindly: it
compares amount and currency with the order and applies each charge at most once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

ORDER = "order"  # a payment buys an order's codes
BOOKING = "booking"  # a payment is a booking's deposit (`services.bookings.deposits`)
PURPOSES = (ORDER, BOOKING)


@dataclass(frozen=True)
class Checkout:
    """An order (or a booking's deposit) as a provider needs to see it to ask for the
    money."""

    order_id: int  # the order's id; with purpose "booking", the booking's
    title: str  # the deal's title in the buyer's language
    description: str
    quantity: int
    amount: int  # total, minor units
    currency: str  # ISO 4217
    expires_at: datetime  # when the stock hold ends (UTC)
    user_telegram_id: int
    lang: str = "zh"
    purpose: str = ORDER  # ORDER or BOOKING: what `order_id` names


@dataclass(frozen=True)
class PaymentLink:
    """How the buyer pays: open `url`, or (Telegram Payments) receive an invoice."""

    provider: str
    provider_ref: str  # the provider's id for this attempt (session id, token, payload)
    url: str | None = None
    invoice_payload: str | None = None  # set for Telegram Payments


@dataclass(frozen=True)
class PaymentNotice:
    """A verified statement from a provider that an order (or, with purpose "booking",
    a booking's deposit) was paid."""

    provider: str
    order_id: int  # the order's id; with purpose "booking", the booking's
    amount: int  # minor units, as charged
    currency: str
    charge_id: str  # unique per charge: telegram_payment_charge_id, payment intent, ...
    provider_ref: str = ""  # the session/token the payment belongs to
    purpose: str = ORDER  # ORDER or BOOKING: what `order_id` names


@dataclass(frozen=True)
class RefundOutcome:
    """What a provider said to a refund request."""

    ok: bool
    reference: str = ""  # the provider's refund id
    manual: bool = False  # the operator has to refund at the provider's dashboard
    error: str = ""


class PaymentError(Exception):
    """A provider could not do what was asked (network, refused, misconfigured)."""


class WebhookError(Exception):
    """A webhook that must be refused: bad signature, replay, malformed body."""


class PaymentProvider(Protocol):
    """What the checkout flow needs from a payment provider."""

    name: str

    async def create_link(self, checkout: Checkout) -> PaymentLink:
        """Ask the provider for a way to pay this order."""
        ...

    def verify_callback(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotice | None:
        """Verify a callback the provider sent to our web server (its raw body and HTTP
        headers) and say which order it paid: a `PaymentNotice`, or None for a genuine
        callback that pays nothing (acknowledge it). Raises `WebhookError` for anything
        not genuinely from the provider (bad signature, replay, malformed body), and
        for every callback when the provider confirms payments another way."""
        ...

    async def refund(
        self, charge_id: str, amount: int, currency: str, *, user_telegram_id: int,
        idempotency_key: str, whole: bool = False,
    ) -> RefundOutcome:
        """Give `amount` of charge `charge_id` back; safe to retry with the same key.
        `whole` says `amount` is all of the charge: a provider that can only refund whole
        charges must not refund more than `amount` when it is not."""
        ...

    async def close(self, provider_ref: str) -> bool:
        """Stop the buyer paying through attempt `provider_ref`: its order was cancelled
        or its hold ran out. True when it can no longer be paid, False when the provider
        cannot revoke it (or could not be reached). Never raises for a refusal: a payment
        that still gets through is refunded by `services.orders.checkout.apply_payment`.

        Optional: `Payments.close` treats a provider without it as unable to close.
        """
        ...
