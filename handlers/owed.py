"""Owed messages (outbox rows) as their recipient reads them, rendered at send time.

Services write what they owe as a kind and its parameters (`services.outbox`); this
turns one into replies in the recipient's language of the moment. A kind this does not
know, or whose subject is gone, renders as nothing (the row is then dropped)."""

from __future__ import annotations

from typing import Any

from handlers.checkout import delivery_replies
from handlers.core import Reply
from handlers.redeem import shopper_message
from handlers.router import App
from services.checkout import get_order


async def render(app: App, chat_id: int, kind: str, params: dict[str, Any]) -> list[Reply]:
    """The replies of one owed message."""
    if kind == "codes":
        order_id = int(params["order_id"])
        if await get_order(app.db, order_id) is None:
            return []
        return await delivery_replies(app, order_id)
    if kind in ("redeemed", "undone"):
        message = await shopper_message(app, chat_id, kind, params)
        return [message] if message is not None else []
    return []
