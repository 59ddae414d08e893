"""Owed messages (outbox rows) as their recipient reads them, rendered at send time.

Services write what they owe as a kind and its parameters (`services.outbox`); this
turns one into replies in the recipient's language of the moment. A kind this does not
know, or whose subject is gone, renders as nothing (the row is then dropped)."""

from __future__ import annotations

from typing import Any

from handlers.checkout import delivery_replies
from handlers.core import (
    Delivered,
    Notify,
    Reply,
    SendDocument,
    SendPhoto,
    SendText,
    SendVenue,
)
from handlers.i18n import Translator, language_of
from handlers.redeem import shopper_message
from handlers.router import App, Request
from services.catalog import Bilingual
from services.checkout import get_order
from services.outbox import claim
from services.users import get_profile_by_telegram_id


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
    if kind == "merchant_news":
        profile = await get_profile_by_telegram_id(app.db, chat_id)
        t = Translator(language_of(profile, app.options.default_language))
        outcome = str(params["outcome"])
        name = Bilingual(params.get("name_zh"), params.get("name_en")).get(t.lang)
        key = _MERCHANT_NEWS.get(outcome)
        return [SendText(t(key, name=name))] if key else []
    return []


# What the owner is told of each change to their merchant.
_MERCHANT_NEWS = {"approved": "merchant-told-approved", "rejected": "merchant-told-rejected",
                  "suspended": "admin-owner-suspended", "restored": "admin-owner-restored"}


async def owed_in_turn(req: Request, key: str) -> list[Reply]:
    """The message owed under `key` (if still pending), claimed to go out in this turn
    to its own chat: `Notify` it, then `Delivered` so the transport marks it sent."""
    replies: list[Reply] = []
    for owed in await claim(req.db, req.now(), keys=[key]):
        messages = [m for m in await render(req.app, owed.chat_id, owed.kind, owed.params)
                    if isinstance(m, SendText | SendPhoto | SendVenue | SendDocument)]
        replies += [Notify(owed.chat_id, tuple(messages)), Delivered(owed.id, len(messages))]
    return replies
