"""Opening the payment of a pending order: the provider's link (or Telegram invoice
payload) made and attached to the order, or the order cancelled when none can be made.

The chat's Buy (`handlers.checkout.payment_replies`) and the Mini App's Buy
(`bot.miniapp`) both open payments here, so an order is paid the same way whichever
way it was started.
"""

from __future__ import annotations

import logging
from datetime import datetime

from services.orders.checkout import OrderView, attach_payment, cancel_order
from services.payments import Checkout, PaymentError, PaymentLink, PaymentProvider
from services.platform.database import Database

log = logging.getLogger(__name__)


async def open_payment(db: Database, provider: PaymentProvider, order: OrderView, *,
                       title: str, description: str, user_telegram_id: int, lang: str,
                       now: datetime) -> PaymentLink | None:
    """The link through which `order` is paid, attached to it; None (and the order
    cancelled, nothing charged) when the provider could not make one."""
    try:
        link = await provider.create_link(Checkout(
            order_id=order.id, title=title, description=description,
            quantity=order.quantity, amount=order.total, currency=order.currency,
            expires_at=order.expires_at, user_telegram_id=user_telegram_id, lang=lang,
        ))
    except PaymentError as exc:
        log.warning("payment link failed for order %s: %s", order.id, exc)
        await cancel_order(db, order.id, order.user_id, now)
        return None
    await attach_payment(db, order.id, link, now)
    return link
