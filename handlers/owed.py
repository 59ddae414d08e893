"""Owed messages (outbox rows) as their recipient reads them, rendered at send time.

Services write what they owe as a kind and its parameters (`services.platform.outbox`); the flow
module that owns a kind registers how it reads (`@renders("codes")`), in the
recipient's language of the moment. A kind nobody renders, or whose subject is gone,
renders as nothing (the sender then drops the row as failed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

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
from handlers.router import App, Request
from services.platform.outbox import due, take
from services.platform.users import get_profile_by_telegram_id

Renderer = Callable[[App, int, dict[str, Any]], Awaitable[list[Reply]]]
"""(app, recipient chat id, params) -> the replies of one owed message."""

_RENDERERS: dict[str, Renderer] = {}


def renders(*kinds: str) -> Callable[[Renderer], Renderer]:
    """Register a flow module's renderer of owed messages of `kinds`."""
    def register(renderer: Renderer) -> Renderer:
        for kind in kinds:
            _RENDERERS[kind] = renderer
        return renderer
    return register


async def render(app: App, chat_id: int, kind: str, params: dict[str, Any]) -> list[Reply]:
    """The replies of one owed message (none for a kind nobody renders)."""
    renderer = _RENDERERS.get(kind)
    return await renderer(app, chat_id, {**params, "kind": kind}) if renderer else []


async def translator_for(app: App, chat_id: int) -> Translator:
    """A translator in the language of the person at `chat_id` (the default for someone
    the assistant does not know)."""
    profile = await get_profile_by_telegram_id(app.db, chat_id)
    return Translator(language_of(profile, app.options.default_language))


async def owed_in_turn(req: Request, key: str) -> list[Reply]:
    """The message owed under `key` (if still pending), taken to go out in this turn:
    to the chat being answered as replies, to another chat as a `Notify`; then
    `Delivered`, so the transport marks it sent."""
    replies: list[Reply] = []
    for row in await due(req.db, req.now(), keys=[key]):
        messages = [m for m in await render(req.app, row.chat_id, row.kind, row.params)
                    if isinstance(m, SendText | SendPhoto | SendVenue | SendDocument)]
        owed = await take(req.db, row)
        if owed is None:
            continue
        if owed.chat_id == req.incoming.chat_id:
            replies += messages
        else:
            replies.append(Notify(owed.chat_id, tuple(messages)))
        replies.append(Delivered(owed.id, len(messages)))
    return replies
