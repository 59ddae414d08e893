"""Time for the layers above storage: the current moment (always aware UTC), people's
time zones, and naive database values read back as UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.types import utcnow

__all__ = ["DEFAULT_TIMEZONE", "TimeReader", "as_utc", "utcnow", "zone"]

DEFAULT_TIMEZONE = "Asia/Shanghai"  # the platform's, for anyone who never set one

TimeReader = Callable[[str], "datetime | date | None"]
"""Reads a time as people say it ("明天", "下周一早上10点", "next monday 10am", "dec 31")
that a service's own grammar did not: a moment (aware, in the person's time zone), a
day when no time of day was said, or None. The handlers hand the services the NLU's
(services may not import it); without one, only the service's own formats are read."""


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
