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
from handlers.router import App, Request
from services.platform.outbox import due, take

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


async def owed_in_turn(req: Request, key: str) -> list[Reply]:
    """The message owed under `key` (if still pending), taken to go out in this turn
    to its own chat: `Notify` it, then `Delivered` so the transport marks it sent."""
    replies: list[Reply] = []
    for row in await due(req.db, req.now(), keys=[key]):
        messages = [m for m in await render(req.app, row.chat_id, row.kind, row.params)
                    if isinstance(m, SendText | SendPhoto | SendVenue | SendDocument)]
        owed = await take(req.db, row)
        if owed is not None:
            replies += [Notify(owed.chat_id, tuple(messages)),
                        Delivered(owed.id, len(messages))]
    return replies
