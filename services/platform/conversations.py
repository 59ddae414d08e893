"""Conversation state: which step of a multi-step flow a user is in, per chat.

Kept in the database with an expiry, so any worker process can continue any flow and
an abandoned flow simply runs out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Insert, Select, and_, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from services.platform.database import Database, run_prebuilt
from services.platform.users import UserProfile, ensure_user
from storage.models import ConversationState, User, VocabularyVersion
from storage.types import utcnow


@dataclass(frozen=True)
class FlowState:
    """The flow a user is in, its current step and what was collected so far."""

    flow: str
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None


_STATES = ConversationState.__table__  # type: ignore[attr-defined]
# A state's columns in `FlowState`'s order.
_STATE_OF = select(_STATES.c.flow, _STATES.c.step, _STATES.c.data, _STATES.c.expires_at).where(
    _STATES.c.chat_id == bindparam("chat"), _STATES.c.user_id == bindparam("user"))
_STATE_EXPIRED = delete(_STATES).where(
    _STATES.c.chat_id == bindparam("chat"), _STATES.c.user_id == bindparam("user"),
    _STATES.c.expires_at <= bindparam("now"))
_STATE_CLEARED = delete(_STATES).where(
    _STATES.c.chat_id == bindparam("chat"), _STATES.c.user_id == bindparam("user"))


@lru_cache(maxsize=2)
def _state_saved(dialect: str) -> Insert:
    """INSERT a user's state, or replace the one they have (one statement; parameters
    named as the columns)."""
    saving = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_STATES)
    return saving.on_conflict_do_update(
        index_elements=[_STATES.c.chat_id, _STATES.c.user_id],
        set_={name: saving.excluded[name]
              for name in ("flow", "step", "data", "expires_at", "updated_at")})


async def get_state(
    db: Database, chat_id: int, user_id: int, now: datetime | None = None
) -> FlowState | None:
    """The live state of this user in this chat, or None (an expired one is removed)."""
    now = now or utcnow()
    async with db.reading() as conn:
        row = (await run_prebuilt(conn, _STATE_OF, {"chat": chat_id, "user": user_id})).first()
    if row is None:
        return None
    flow, step, data, expires_at = row
    if expires_at <= now:
        async with db.single() as conn:  # unless it was saved anew meanwhile
            await run_prebuilt(conn, _STATE_EXPIRED, {"chat": chat_id, "user": user_id, "now": now})
        return None
    return FlowState(flow, step, dict(data), expires_at)


class Arrival(NamedTuple):
    """What `arrive` read: the user, their live flow state, and the vocabulary version."""

    user: UserProfile
    state: FlowState | None
    vocabulary_version: int  # see storage.models.VocabularyVersion


class _StateRow(NamedTuple):
    chat_id: int
    user_id: int
    flow: str
    step: str
    data: dict[str, Any]
    expires_at: datetime


@lru_cache(maxsize=2)
def _arrival_statement(with_state: bool) -> Select[Any]:
    """`arrive`'s one read, built once per shape (parameters: telegram_id, chat_id):
    the version, the user's profile columns in `UserProfile`'s order and their username,
    then (with the state) the state's columns in `_StateRow`'s order."""
    u, c, v = (User.__table__.c, ConversationState.__table__.c,  # type: ignore[attr-defined]
               VocabularyVersion.__table__.c)  # type: ignore[attr-defined]
    columns: list[Any] = [v.version, u.id, u.telegram_id, u.first_name, u.language,
                          u.language_code, u.timezone, u.last_lat, u.last_lon,
                          u.last_location_at, u.username]
    stmt = (select(*columns) if not with_state else
            select(*columns, c.chat_id, c.user_id, c.flow, c.step, c.data, c.expires_at))
    stmt = stmt.select_from(
        VocabularyVersion.__table__.outerjoin(  # type: ignore[attr-defined]
            User.__table__, u.telegram_id == bindparam("telegram_id")))
    if with_state:
        stmt = stmt.outerjoin(ConversationState.__table__, and_(
            c.chat_id == bindparam("chat_id"), c.user_id == u.telegram_id))
    return stmt.where(v.id == 1)


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
    with_state = chat_id is not None
    async with db.reading() as conn:
        found = (await run_prebuilt(conn, _arrival_statement(with_state),
                                    {"telegram_id": telegram_id, "chat_id": chat_id})).first()
    version, user, row = 0, None, None  # no version row (migration 0012 adds it): slow path
    if found is not None:
        version = found[0]
        if found[1] is not None:
            user = UserProfile(*found[1:10])
            user_names = (user.first_name, found[10], user.language_code)
        if with_state and found[11] is not None:
            row = _StateRow(*found[11:])
    names = (first_name[:128], username, language_code)
    if user is None or user_names != names:
        profile = await ensure_user(db, telegram_id, first_name=first_name, username=username,
                                    language_code=language_code,
                                    default_timezone=default_timezone, now=now)
        if user is None:  # a new user: their state is read as it was before
            state = await get_state(db, chat_id, telegram_id, now) if chat_id is not None \
                else None
            return Arrival(profile, state, version)
    else:
        profile = user
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
    async with db.single() as conn:
        await run_prebuilt(conn, _state_saved(db.dialect), {
            "chat_id": chat_id, "user_id": user_id, "flow": state.flow, "step": state.step,
            "data": dict(state.data), "expires_at": now + ttl, "updated_at": now})


async def clear_state(db: Database, chat_id: int, user_id: int) -> bool:
    """Leave any flow; True when there was one (for exactly one of concurrent callers,
    so a double-tapped final button acts once)."""
    async with db.single() as conn:
        gone = await run_prebuilt(conn, _STATE_CLEARED, {"chat": chat_id, "user": user_id})
    return bool(gone.rowcount == 1)
