"""Where users are: the last shared location, kept coarse on purpose."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import bindparam, update

from services.platform.database import Database, run_prebuilt
from storage.models import User

# Three decimals of a degree is about 110 m of latitude: enough to find what is near,
# too coarse to pin down a home.
LOCATION_DECIMALS = 3


def valid_coordinates(lat: float, lon: float) -> bool:
    """Are these a real place on Earth (finite, lat in [-90, 90], lon in [-180, 180])?"""
    return (
        isinstance(lat, int | float)
        and isinstance(lon, int | float)
        and math.isfinite(lat)
        and math.isfinite(lon)
        and -90.0 <= lat <= 90.0
        and -180.0 <= lon <= 180.0
    )


_USERS = User.__table__  # type: ignore[attr-defined]
_LOCATED = update(_USERS).where(_USERS.c.id == bindparam("user")).values(
    last_lat=bindparam("lat"), last_lon=bindparam("lon"), last_location_at=bindparam("now"),
    updated_at=bindparam("now"))


async def remember_location(
    db: Database, user_id: int, lat: float, lon: float, now: datetime
) -> bool:
    """Store the user's location rounded to about 100 m; False if it is not a real place."""
    if not valid_coordinates(lat, lon):
        return False
    async with db.single() as conn:
        located = await run_prebuilt(conn, _LOCATED, {
            "user": user_id, "lat": round(lat, LOCATION_DECIMALS),
            "lon": round(lon, LOCATION_DECIMALS), "now": now})
    return bool(located.rowcount == 1)


async def forget_location(db: Database, user_id: int, now: datetime) -> bool:
    """Delete everything we keep about where the user was; True if there was anything."""
    async with db.transaction() as session:
        user = await session.get(User, user_id)
        if user is None or user.last_lat is None:
            return False
        user.last_lat = user.last_lon = None
        user.last_location_at = None
        user.updated_at = now
    return True
