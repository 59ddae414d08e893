"""Users: created on first contact, language and timezone preferences."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update

from services.platform.database import Database, run_prebuilt
from storage.models import User
from storage.types import utcnow


@dataclass(frozen=True)
class UserProfile:
    """What handlers need to know about the person they are talking to."""

    id: int
    telegram_id: int
    first_name: str
    language: str | None  # chosen explicitly in settings; None = follow Telegram
    language_code: str | None
    timezone: str
    last_lat: float | None = None
    last_lon: float | None = None
    last_location_at: datetime | None = None


_USERS = User.__table__  # type: ignore[attr-defined]
# A user's profile columns, in `UserProfile`'s order.
_PROFILE_COLUMNS = (_USERS.c.id, _USERS.c.telegram_id, _USERS.c.first_name, _USERS.c.language,
                    _USERS.c.language_code, _USERS.c.timezone, _USERS.c.last_lat,
                    _USERS.c.last_lon, _USERS.c.last_location_at)
_PROFILE_BY_ID = select(*_PROFILE_COLUMNS).where(_USERS.c.id == bindparam("user"))
# The profile's columns, then the username (`ensure_user` keeps the names fresh).
_PROFILE_BY_TELEGRAM_ID = select(*_PROFILE_COLUMNS, _USERS.c.username).where(
    _USERS.c.telegram_id == bindparam("telegram_id"))
_NAMES_CHANGED = update(_USERS).where(_USERS.c.id == bindparam("user")).values(
    first_name=bindparam("new_first_name"), username=bindparam("new_username"),
    language_code=bindparam("new_language_code"), updated_at=bindparam("now"))


_NEW_USER: dict[str, Any] = {}  # per dialect: built once


def _new_user(db: Database) -> Any:
    """INSERT a user unless their Telegram id is taken (their first messages may race)."""
    if db.dialect not in _NEW_USER:
        _NEW_USER[db.dialect] = db.insert_ignoring(_USERS, ["telegram_id"])
    return _NEW_USER[db.dialect]


def _profile(row: Sequence[Any]) -> UserProfile:
    """The profile of a row that starts with `_PROFILE_COLUMNS`."""
    return UserProfile(*row[:len(_PROFILE_COLUMNS)])


async def ensure_user(
    db: Database,
    telegram_id: int,
    *,
    first_name: str = "",
    username: str | None = None,
    language_code: str | None = None,
    default_timezone: str = "Asia/Shanghai",
    now: datetime | None = None,
) -> UserProfile:
    """The user with this Telegram id, created on first contact (at `now`, the app's
    clock; the wall clock when not given), names kept fresh."""
    now = now or utcnow()
    by_telegram_id = {"telegram_id": telegram_id}
    # Three steps, each one statement on its own (no transaction: each stands alone,
    # and on the turn's held connection it costs no second one).
    async with db.reading() as conn:
        found = (await run_prebuilt(conn, _PROFILE_BY_TELEGRAM_ID, by_telegram_id)).first()
    if found is None:
        # A new user's first messages may be handled at the same time: whichever
        # inserts first wins, the others find that row (no UniqueViolation). Run by
        # SQLAlchemy: the columns it sets are the parameters given.
        async with db.single() as conn:
            await conn.execute(_new_user(db), {
                "telegram_id": telegram_id,
                "first_name": first_name[:128],
                "username": (username or None) and username[:64],
                "language_code": (language_code or None) and language_code[:16],
                "timezone": default_timezone,
                "created_at": now,
                "updated_at": now,
            })
        async with db.reading() as conn:
            found = (await run_prebuilt(conn, _PROFILE_BY_TELEGRAM_ID, by_telegram_id)).one()
    profile = _profile(found)
    if (profile.first_name, found.username, profile.language_code) != (
        first_name[:128],
        username,
        language_code,
    ):
        fresh = (first_name[:128], (username or None) and username[:64],
                 (language_code or None) and language_code[:16])
        async with db.single() as conn:
            await run_prebuilt(conn, _NAMES_CHANGED, {
                "user": profile.id, "new_first_name": fresh[0], "new_username": fresh[1],
                "new_language_code": fresh[2], "now": now})
        profile = replace(profile, first_name=fresh[0], language_code=fresh[2])
    return profile


async def set_language(db: Database, user_id: int, language: str | None) -> None:
    """Choose the interface language ("zh", "en"), or None to follow Telegram's."""
    async with db.transaction() as session:
        user = await session.get(User, user_id)
        if user is not None:
            user.language = language
            user.updated_at = utcnow()


async def get_profile(db: Database, user_id: int) -> UserProfile | None:
    """The profile of a user by our id (for messages sent outside a conversation)."""
    async with db.reading() as conn:
        found = (await run_prebuilt(conn, _PROFILE_BY_ID, {"user": user_id})).first()
    return _profile(found) if found is not None else None


async def get_profile_by_telegram_id(db: Database, telegram_id: int) -> UserProfile | None:
    """The profile of a user by their Telegram id, or None if they never wrote to us."""
    async with db.reading() as conn:
        found = (await run_prebuilt(conn, _PROFILE_BY_TELEGRAM_ID,
                                    {"telegram_id": telegram_id})).first()
    return _profile(found) if found is not None else None


def demo_telegram_id(name: str) -> int:
    """A stable made-up Telegram id for a name: the console shell's users and the demo
    staff (`/as haidilao-staff`) share it, so a script can play any of them."""
    return 100_000_000 + zlib.crc32(name.strip().lower().encode()) % 900_000_000
