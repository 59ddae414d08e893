"""Users: created on first contact, language and timezone preferences."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from services.platform.database import Database
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


def profile_of(user: User) -> UserProfile:
    """The profile of a loaded user row."""
    assert user.id is not None
    return UserProfile(
        id=user.id,
        telegram_id=user.telegram_id,
        first_name=user.first_name,
        language=user.language,
        language_code=user.language_code,
        timezone=user.timezone,
        last_lat=user.last_lat,
        last_lon=user.last_lon,
        last_location_at=user.last_location_at,
    )


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
    by_telegram_id = select(User).where(User.telegram_id == telegram_id)
    async with db.transaction() as session:
        user = (await session.exec(by_telegram_id)).first()
        if user is None:
            # A new user's first messages may be handled at the same time: whichever
            # inserts first wins, the others find that row (no UniqueViolation).
            table = User.__table__  # type: ignore[attr-defined]
            await session.exec(db.insert_ignoring(table, ["telegram_id"]).values(  # type: ignore[call-overload]
                telegram_id=telegram_id,
                first_name=first_name[:128],
                username=(username or None) and username[:64],
                language_code=(language_code or None) and language_code[:16],
                timezone=default_timezone,
                created_at=now,
                updated_at=now,
            ))
            user = (await session.exec(by_telegram_id)).one()
        if (user.first_name, user.username, user.language_code) != (
            first_name[:128],
            username,
            language_code,
        ):
            user.first_name = first_name[:128]
            user.username = (username or None) and username[:64]
            user.language_code = (language_code or None) and language_code[:16]
            user.updated_at = now
        return profile_of(user)


async def set_language(db: Database, user_id: int, language: str | None) -> None:
    """Choose the interface language ("zh", "en"), or None to follow Telegram's."""
    async with db.transaction() as session:
        user = await session.get(User, user_id)
        if user is not None:
            user.language = language
            user.updated_at = utcnow()


async def get_profile(db: Database, user_id: int) -> UserProfile | None:
    """The profile of a user by our id (for messages sent outside a conversation)."""
    async with db.session() as session:
        user = await session.get(User, user_id)
        return profile_of(user) if user is not None else None


async def get_profile_by_telegram_id(db: Database, telegram_id: int) -> UserProfile | None:
    """The profile of a user by their Telegram id, or None if they never wrote to us."""
    async with db.session() as session:
        user = (await session.exec(select(User).where(User.telegram_id == telegram_id))).first()
        return profile_of(user) if user is not None else None


def demo_telegram_id(name: str) -> int:
    """A stable made-up Telegram id for a name: the console shell's users and the demo
    staff (`/as haidilao-staff`) share it, so a script can play any of them."""
    return 100_000_000 + zlib.crc32(name.strip().lower().encode()) % 900_000_000
