"""The sandbox provider, the embedded default: no real money moves.

The bot's own web server shows a clearly labelled test page at a one-time URL
(`/pay/<token>`); pressing "Pay" there (or the Pay button in the console shell)
completes the order. The token is the proof: 128 random bits, one per order.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from services.payments.base import (
    ORDER,
    Checkout,
    PaymentLink,
    PaymentNotice,
    RefundOutcome,
    WebhookError,
)

NAME = "sandbox"


class SandboxProvider:
    """Pays through the local test page."""

    name = NAME

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url.rstrip("/")

    def page_url(self, token: str) -> str:
        """The one-time payment page of a token."""
        return f"{self.public_url}/pay/{token}"

    def token_in(self, url: str) -> str | None:
        """The token of one of our payment page URLs, or None for any other URL."""
        prefix = f"{self.public_url}/pay/"
        if not url.startswith(prefix):
            return None
        token = url[len(prefix):]
        return token if token and all(c.isalnum() or c in "-_" for c in token) else None

    async def create_link(self, checkout: Checkout) -> PaymentLink:
        """A fresh one-time page for this order (or deposit)."""
        token = secrets.token_urlsafe(16)
        return PaymentLink(NAME, provider_ref=token, url=self.page_url(token))

    @staticmethod
    def notice(order_id: int, amount: int, currency: str, token: str,
               purpose: str = ORDER) -> PaymentNotice:
        """What pressing Pay on the page of `token` says: this order (or, with purpose
        "booking", this booking's deposit) is paid in full."""
        return PaymentNotice(NAME, order_id, amount, currency, charge_id=f"sbx_{token}",
                             provider_ref=token, purpose=purpose)

    def verify_callback(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotice | None:
        """The sandbox sends no callbacks: its page's token is the proof (`notice`)."""
        raise WebhookError("the sandbox sends no callbacks")

    async def close(self, provider_ref: str) -> bool:
        """Nothing to revoke: the page checks its order each time it is opened or
        pressed (`bot.web`), and a closed order's page refuses to pay."""
        return True

    async def refund(self, charge_id: str, amount: int, currency: str, *, user_telegram_id: int,
                     idempotency_key: str, whole: bool = False) -> RefundOutcome:
        """Sandbox money goes back at once."""
        return RefundOutcome(ok=True, reference=f"sbx_{idempotency_key}")
