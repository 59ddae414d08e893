"""A buyer's own unpaid order of a deal, found again.

A Buy that meets the per-person limit because of an order the same buyer opened and has
not paid yet (its message lost: a webhook worker that died after opening the order and
before sending it, whose update Telegram sent again; or a message scrolled away) gets
that order back, payable, instead of a refusal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services.orders.checkout import OrderView, get_order
from storage.db import Database
from storage.models import Order, OrderStatus

_ORDERS = Order.__table__  # type: ignore[attr-defined]


async def held_order(db: Database, user_id: int, deal_id: int, now: datetime) -> OrderView | None:
    """The buyer's newest pending order of the deal whose hold has not run out (not a
    拼团 seat), or None."""
    async with db.reading() as conn:
        order_id = (await conn.execute(
            select(_ORDERS.c.id).where(
                _ORDERS.c.user_id == user_id, _ORDERS.c.deal_id == deal_id,
                _ORDERS.c.status == str(OrderStatus.PENDING),
                _ORDERS.c.expires_at > now, _ORDERS.c.group_id.is_(None))
            .order_by(_ORDERS.c.id.desc()).limit(1))).scalar()
    return None if order_id is None else await get_order(db, int(order_id))
