"""Conversation state: which step of a multi-step flow a user is in, per chat.

Kept in the database with an expiry, so any worker process can continue any flow and
an abandoned flow simply runs out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlmodel import and_, col, delete, select

from services.platform.database import Database
from services.platform.users import UserProfile, ensure_user, profile_of
from storage.models import ConversationState, User, VocabularyVersion
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


class Arrival(NamedTuple):
    """What `arrive` read: the user, their live flow state, and the vocabulary version."""

    user: UserProfile
    state: FlowState | None
    vocabulary_version: int  # see storage.models.VocabularyVersion


async def arrive(
    db: Database,
    telegram_id: int,
    chat_id: int | None,
    *,
    first_name: str = "",
    username: str | None = None,
    language_code: str | None = None,
    default_timezone: str = "Asia/Shanghai",
    now: datetime | None = None,
) -> Arrival:
    """The user writing (as `ensure_user`), their live state in chat `chat_id` (as
    `get_state`; None when `chat_id` is None) and the vocabulary version (so the process
    can tell whether its parser is out of date), read in one statement.

    The statement starts from the vocabulary version's one row and outer-joins the user
    and their state, so even a new user's arrival reads the version. A returning user
    whose names are unchanged and whose state has not expired costs that one read; a new
    user, changed names or an expired state take the write paths of `ensure_user` and
    `get_state`, as before.
    """
    now = now or utcnow()
    columns: list[Any] = [VocabularyVersion.version, User]
    if chat_id is not None:
        columns.append(ConversationState)
    stmt = (select(*columns).select_from(VocabularyVersion)
            .outerjoin(User, col(User.telegram_id) == telegram_id)
            .where(VocabularyVersion.id == 1))
    if chat_id is not None:
        stmt = stmt.outerjoin(
            ConversationState,
            and_(col(ConversationState.chat_id) == chat_id,
                 col(ConversationState.user_id) == col(User.telegram_id)))
    async with db.session() as session:
        found = (await session.exec(stmt)).first()
    version, user, row = 0, None, None  # no version row (migration 0012 adds it): slow path
    if found is not None:
        version, user = found[0], found[1]
        row = found[2] if chat_id is not None else None
    names = (first_name[:128], username, language_code)
    if user is None or (user.first_name, user.username, user.language_code) != names:
        profile = await ensure_user(db, telegram_id, first_name=first_name, username=username,
                                    language_code=language_code,
                                    default_timezone=default_timezone, now=now)
        if user is None:  # a new user: their state is read as it was before
            state = await get_state(db, chat_id, telegram_id, now) if chat_id is not None \
                else None
            return Arrival(profile, state, version)
    else:
        profile = profile_of(user)
    if row is None:
        return Arrival(profile, None, version)
    if row.expires_at <= now:
        return Arrival(profile, await get_state(db, row.chat_id, row.user_id, now),
                       version)  # get_state removes it
    return Arrival(profile, FlowState(row.flow, row.step, dict(row.data), row.expires_at),
                   version)


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
