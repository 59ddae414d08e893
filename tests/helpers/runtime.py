"""The bot's runtime for stories that go through it (the sandbox page, the outbox
sender) without a transport: its messages to users recorded instead of sent."""

from __future__ import annotations

from bot.config import load_settings
from bot.runtime import Runtime
from handlers.app import build_router
from handlers.router import App


def runtime_for(app: App) -> Runtime:
    """The runtime of `app` (no web port, every route)."""
    return Runtime(settings=load_settings(None, web_port=0), db=app.db, app=app,
                   router=build_router())


def recording(runtime: Runtime) -> list[tuple[int, list[object]]]:
    """Make the runtime's way to users a recorder: each (chat, replies) sent, in order."""
    sent: list[tuple[int, list[object]]] = []

    async def outbox(chat_id: int, replies: list[object]) -> int:
        sent.append((chat_id, replies))
        return len(replies)

    runtime.outbox = outbox  # type: ignore[assignment]
    return sent
