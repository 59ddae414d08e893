"""Payment providers behind one interface (see `base`), and the set the runtime uses.

`Payments` holds the configured providers: the one new orders use (`default`) and
every provider an older order may have been paid with, so a refund always goes back
the way the money came.

A domain of its own beside `services.orders`, not inside it: the providers are the edge to
the outside money services (Telegram, Stripe, the sandbox), used by orders (settlement,
refunds) and by the runtime's webhooks alike, and a newcomer looking for Stripe finds
it here at first glance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from services.payments.base import (
    Checkout,
    PaymentError,
    PaymentLink,
    PaymentNotice,
    PaymentProvider,
    RefundOutcome,
    WebhookError,
)

log = logging.getLogger(__name__)

__all__ = [
    "Checkout", "PaymentError", "PaymentLink", "PaymentNotice", "PaymentProvider",
    "Payments", "RefundOutcome", "WebhookError",
]


@dataclass
class Payments:
    """The providers in use; `default` names the one new orders pay with."""

    default: str
    providers: dict[str, PaymentProvider] = field(default_factory=dict)

    @property
    def current(self) -> PaymentProvider:
        """The provider new orders use."""
        return self.providers[self.default]

    def get(self, name: str) -> PaymentProvider | None:
        """A provider by name, or None when it is not configured."""
        return self.providers.get(name)

    async def close(self, provider: str | None, provider_ref: str | None) -> bool:
        """Stop the payment attempt `provider_ref` of `provider` from being paid (see
        `PaymentProvider.close`); False when there is none or it cannot be stopped."""
        chosen = self.providers.get(provider or "")
        close = getattr(chosen, "close", None)
        if close is None or not provider_ref:
            return False
        try:
            return bool(await close(provider_ref))
        except Exception:  # the order is closed either way; a payment is refunded
            log.exception("closing payment %s at %s failed", provider_ref[:40], provider)
            return False

    async def refund(self, provider: str, charge_id: str, amount: int, currency: str,
                     user_telegram_id: int, idempotency_key: str,
                     whole: bool = False) -> RefundOutcome:
        """Refund through the provider that took the money (see `services.orders.refunds`);
        `whole`: `amount` is all of the charge."""
        chosen = self.providers.get(provider)
        if chosen is None:
            return RefundOutcome(ok=False, manual=True,
                                 error=f"provider {provider!r} is not configured")
        return await chosen.refund(charge_id, amount, currency,
                                   user_telegram_id=user_telegram_id,
                                   idempotency_key=idempotency_key, whole=whole)
