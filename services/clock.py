"""Time for the layers above storage: the current moment (always aware UTC), people's
time zones, and naive database values read back as UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.types import utcnow

__all__ = ["DEFAULT_TIMEZONE", "as_utc", "utcnow", "zone"]

DEFAULT_TIMEZONE = "Asia/Shanghai"  # the platform's, for anyone who never set one


@lru_cache(maxsize=512)  # planning asks for a zone per follower, a million times
def zone(name: str) -> ZoneInfo:
    """The time zone called `name`; the platform default when the name is unknown (a
    stored zone always passed a check, so that is only a safety net)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def as_utc(moment: datetime) -> datetime:
    """A time from a raw SQL row (naive on SQLite) as an aware UTC datetime."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
