"""Conversation state: which step of a multi-step flow a user is in, per chat.

Kept in the database with an expiry, so any worker process can continue any flow and
an abandoned flow simply runs out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, delete

from services.database import Database
from storage.models import ConversationState
from storage.types import utcnow


@dataclass(frozen=True)
class FlowState:
    """The flow a user is in, its current step and what was collected so far."""

    flow: str
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None


async def get_state(
    db: Database, chat_id: int, user_id: int, now: datetime | None = None
) -> FlowState | None:
    """The live state of this user in this chat, or None (an expired one is removed)."""
    now = now or utcnow()
    async with db.transaction() as session:
        row = await session.get(ConversationState, (chat_id, user_id))
        if row is None:
            return None
        if row.expires_at <= now:
            await session.delete(row)
            return None
        return FlowState(row.flow, row.step, dict(row.data), row.expires_at)


async def set_state(
    db: Database,
    chat_id: int,
    user_id: int,
    state: FlowState,
    ttl: timedelta,
    now: datetime | None = None,
) -> None:
    """Save (or replace) the user's state; it lives for `ttl` after this moment."""
    now = now or utcnow()
    async with db.transaction() as session:
        row = await session.get(ConversationState, (chat_id, user_id))
        if row is None:
            row = ConversationState(chat_id=chat_id, user_id=user_id, flow=state.flow,
                                    expires_at=now + ttl)
            session.add(row)
        row.flow = state.flow
        row.step = state.step
        row.data = dict(state.data)
        row.expires_at = now + ttl
        row.updated_at = now


async def clear_state(db: Database, chat_id: int, user_id: int) -> bool:
    """Leave any flow; True when there was one (for exactly one of concurrent callers,
    so a double-tapped final button acts once)."""
    async with db.transaction() as session:
        gone = await session.exec(  # type: ignore[call-overload]
            delete(ConversationState).where(col(ConversationState.chat_id) == chat_id,
                                            col(ConversationState.user_id) == user_id)
        )
        return bool(gone.rowcount == 1)
