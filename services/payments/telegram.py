"""Telegram Payments: an invoice in the chat, pre-checkout re-checked, paid once per charge.

The invoice payload names the order (`order:<id>:<nonce>`), or the booking whose
deposit it pays (`booking:<id>:<nonce>`); the nonce makes a payload from an older
attempt useless. Telegram's successful_payment carries
telegram_payment_charge_id, which is the charge id we apply once.

Refunds: Telegram Stars (currency XTR) are refunded through the Bot API
(refundStarPayment), which the transport provides as `star_refunder`; it refunds a
whole payment only, so a partial refund (some codes of an order) of Stars is recorded
as `manual` for the operator. Payments taken
by a card provider through Telegram are refunded at that provider, so they are
recorded as `manual` for the operator.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Mapping

from services.payments.base import (
    ORDER,
    PURPOSES,
    Checkout,
    PaymentLink,
    PaymentNotice,
    RefundOutcome,
    WebhookError,
)

NAME = "telegram"
PAYLOAD = re.compile(r"(order|booking):([0-9]{1,12}):([A-Za-z0-9_-]{6,32})")

StarRefunder = Callable[[int, str], Awaitable[bool]]  # (user telegram id, charge id) -> ok


def target_of_payload(payload: str) -> tuple[str, int] | None:
    """What an invoice payload pays: (purpose, id), "order" or "booking"; None for
    anything else."""
    match = PAYLOAD.fullmatch(payload or "")
    if match is None or match.group(1) not in PURPOSES:
        return None
    return match.group(1), int(match.group(2))


def order_of_payload(payload: str) -> int | None:
    """The order id an invoice payload names, or None for anything else (a booking's
    deposit included)."""
    target = target_of_payload(payload)
    return target[1] if target is not None and target[0] == ORDER else None


class TelegramProvider:
    """Pays with Telegram invoices."""

    name = NAME

    def __init__(self, star_refunder: StarRefunder | None = None) -> None:
        self.star_refunder = star_refunder

    async def create_link(self, checkout: Checkout) -> PaymentLink:
        """An invoice payload for this order or deposit (the handler sends the invoice)."""
        payload = f"{checkout.purpose}:{checkout.order_id}:{secrets.token_urlsafe(9)}"
        return PaymentLink(NAME, provider_ref=payload, invoice_payload=payload)

    @staticmethod
    def notice(payload: str, amount: int, currency: str, charge_id: str) -> PaymentNotice | None:
        """A successful_payment as a notice; None when the payload is not one of ours."""
        target = target_of_payload(payload)
        if target is None or not charge_id:
            return None
        return PaymentNotice(NAME, target[1], amount, currency.upper(), charge_id,
                             provider_ref=payload, purpose=target[0])

    def verify_callback(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotice | None:
        """Telegram confirms a payment in an update (successful_payment, see `notice`),
        never by calling our web server."""
        raise WebhookError("Telegram Payments send no callbacks")

    async def close(self, provider_ref: str) -> bool:
        """An invoice already in the chat cannot be taken back. Paying it is stopped by
        the pre-checkout answer instead, which re-checks the order first."""
        return False

    async def refund(self, charge_id: str, amount: int, currency: str, *, user_telegram_id: int,
                     idempotency_key: str, whole: bool = False) -> RefundOutcome:
        """Stars back through the Bot API; card payments at the provider (manual).
        refundStarPayment gives the whole payment back, so a part of one (`whole` False)
        is left to the operator (manual) rather than refunding more than is owed."""
        if currency.upper() == "XTR" and not whole:
            return RefundOutcome(ok=False, manual=True,
                                 error=f"Telegram Stars cannot be refunded in part "
                                       f"({amount} {currency} of the payment)")
        if currency.upper() == "XTR" and self.star_refunder is not None:
            ok = await self.star_refunder(user_telegram_id, charge_id)
            return RefundOutcome(ok=ok, reference=charge_id if ok else "",
                                 error="" if ok else "refundStarPayment refused")
        return RefundOutcome(ok=False, manual=True,
                             error="refund this charge at the payment provider")
