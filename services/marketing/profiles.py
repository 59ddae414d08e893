"""Taste profiles: what the event log says about a person, and how likely they are to
use an offer.

A profile (`storage.models.TasteProfile`) is rebuilt from the last 90 days of events by
`refresh_profiles`:

- affinity: each category's share of the person's weighted events (`EVENT_WEIGHTS`:
  a view, click or search counts 1, an opened push 2, a purchase or redemption 3);
- price_median: the median price of the deals they viewed, clicked or bought;
- usual area: where they last shared a location, else the middle of the stores of
  the deals they bought or redeemed;
- active_hour: the local hour (their timezone) they are most often active in, once
  there are at least three events.

`likelihood(profile, offer)` is a plain, explainable blend, each part a factor around 1:

    likelihood = BASE_RATE x category_lift x price_lift x distance_lift   (capped at 1)

    category_lift  0.25 + 0.75 x N x share', where share' is the category's share pulled
                   towards the even share 1/N (N categories) as if PRIOR_EVENTS more events
                   were spread evenly: a few events say little. Even interest gives 1, a
                   category never touched 0.25 (people do try new things).
    price_lift     0.4 + 0.8 x exp(-ln(price / median)^2 / (2 s^2)), s = ln 2 when dearer
                   than usual and 2 ln 2 when cheaper (a bargain hurts less): 1.2 at their
                   usual price, about 0.9 at twice it, 0.5 at four times.
    distance_lift  0.25 + 1.25 x exp(-km / 3) to the offer's nearest store from their
                   usual area: 1.5 next door, about 0.7 at 3 km, 0.3 at 10 km.

A part the profile cannot say anything about (no price seen, no usual area, an offer
without a price or stores) is 1; a person with no profile gets BASE_RATE.

`send_hour` picks the moment inside a sending window at the person's usual hour.
`load_profiles` reads profiles as small `ProfileRow`s for planning pushes to many
people at once (a million fit in about 300 MB).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from services.catalog.taxonomy import category_ids
from services.platform.clock import DEFAULT_TIMEZONE, zone
from services.platform.database import Database
from storage.models import Deal, DealStore, Event, Store, TasteProfile, User

PROFILE_WINDOW = timedelta(days=90)
EVENT_WEIGHTS = {"view": 1, "click": 1, "search": 1, "buy": 3, "redeem": 3, "push_opened": 2}
PRICE_KINDS = ("view", "click", "buy")  # events whose deal's price says what they pay
AREA_KINDS = ("buy", "redeem")  # events whose deal's stores say where they go
MIN_EVENTS_FOR_HOUR = 3

BASE_RATE = 0.03  # claim rate of a pushed offer for someone we know nothing about
PRIOR_EVENTS = 5
UNTOUCHED_CATEGORY_LIFT = 0.25
PRICE_FLOOR, PRICE_PEAK = 0.4, 0.8
PRICE_SIGMA_DEARER = math.log(2)
PRICE_SIGMA_CHEAPER = 2 * math.log(2)
DISTANCE_FLOOR, DISTANCE_PEAK, DISTANCE_SCALE_KM = 0.25, 1.25, 3.0
KM_PER_DEGREE = 111.195

_CATEGORIES = category_ids()
_CATEGORY_INDEX = {c: i for i, c in enumerate(_CATEGORIES)}

_EVENTS, _DEALS, _DEAL_STORES, _STORES, _USERS, _PROFILES = (
    Event.__table__, Deal.__table__, DealStore.__table__,  # type: ignore[attr-defined]
    Store.__table__, User.__table__, TasteProfile.__table__,  # type: ignore[attr-defined]
)


@dataclass(frozen=True)
class Offer:
    """What a campaign promotes: its category, price (minor units) and stores (lat, lon)."""

    category: str
    price: int | None
    stores: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """A taste profile, small enough to hold a million in memory for planning.

    `shares` has one byte per category of `services.catalog.taxonomy`, in its order: the share
    of the person's events in that category x 255.
    """

    shares: bytes
    price_median: int | None
    lat: float | None
    lon: float | None
    active_hour: int | None
    events: int

    @classmethod
    def of(cls, affinity: dict[str, float], price_median: int | None, lat: float | None,
           lon: float | None, active_hour: int | None, events: int) -> ProfileRow:
        """A row from a profile's fields (categories outside the taxonomy are dropped)."""
        shares = bytearray(len(_CATEGORIES))
        for category, share in affinity.items():
            index = _CATEGORY_INDEX.get(category)
            if index is not None:
                shares[index] = max(0, min(255, round(share * 255)))
        return cls(bytes(shares), price_median, lat, lon, active_hour, events)

    def share(self, category: str) -> float:
        """The share (0..1) of the person's events in `category`."""
        index = _CATEGORY_INDEX.get(category)
        return self.shares[index] / 255 if index is not None else 0.0


# ------------------------------------------------------------------ building profiles


@dataclass(frozen=True, slots=True)
class Activity:
    """One event as a profile sees it: what, in which category, when, at what price."""

    kind: str
    category: str | None
    created_at: datetime
    price: int | None




def build_profile(activities: Iterable[Activity], timezone: str,
                  last_location: tuple[float, float] | None,
                  bought_at: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """A profile's fields (without user_id and updated_at) from one person's events.

    `bought_at` holds the stores (lat, lon) of the deals they bought or redeemed; it
    is the usual area only when `last_location` is None.
    """
    weights: Counter[str] = Counter()
    prices: list[int] = []
    hours: Counter[int] = Counter()
    tz = zone(timezone)
    events = 0
    for activity in activities:
        weight = EVENT_WEIGHTS.get(activity.kind)
        if weight is None:
            continue  # an ignored push says nothing about what they like or when
        events += 1
        if activity.category:
            weights[activity.category] += weight
        if activity.price is not None and activity.kind in PRICE_KINDS:
            prices.append(activity.price)
        hours[activity.created_at.astimezone(tz).hour] += 1
    total = sum(weights.values())
    affinity = {c: round(w / total, 4) for c, w in sorted(weights.items())} if total else {}
    if last_location is not None:
        area: tuple[float | None, float | None] = last_location
    elif bought_at:
        area = (statistics.fmean(lat for lat, _ in bought_at),
                statistics.fmean(lon for _, lon in bought_at))
    else:
        area = (None, None)
    active_hour = (min(hours, key=lambda h: (-hours[h], h))
                   if events >= MIN_EVENTS_FOR_HOUR else None)
    return {
        "affinity": affinity,
        "price_median": int(statistics.median_low(prices)) if prices else None,
        "lat": area[0], "lon": area[1],
        "active_hour": active_hour,
        "events": events,
    }


async def _users_to_refresh(conn: AsyncConnection, since: datetime | None) -> list[int]:
    if since is not None:
        query = select(_EVENTS.c.user_id).where(_EVENTS.c.created_at >= since).distinct()
    else:  # everyone with events, and everyone with a profile that may have gone stale
        query = union(select(_EVENTS.c.user_id), select(_PROFILES.c.user_id))
    return sorted((await conn.execute(query)).scalars().all())


async def _profiles_of(conn: AsyncConnection, user_ids: list[int], now: datetime,
                       ) -> list[dict[str, Any]]:
    """Profiles (rows for taste_profiles) of these users as of `now`."""
    start = now - PROFILE_WINDOW
    in_window = (_EVENTS.c.user_id.in_(user_ids), _EVENTS.c.created_at >= start,
                 _EVENTS.c.created_at <= now)
    users = (await conn.execute(
        select(_USERS.c.id, _USERS.c.timezone, _USERS.c.last_lat, _USERS.c.last_lon)
        .where(_USERS.c.id.in_(user_ids)))).all()
    activities: defaultdict[int, list[Activity]] = defaultdict(list)
    for user_id, kind, category, created_at, price in await conn.execute(
        select(_EVENTS.c.user_id, _EVENTS.c.kind, _EVENTS.c.category, _EVENTS.c.created_at,
               _DEALS.c.price)
        .select_from(_EVENTS.outerjoin(_DEALS, _DEALS.c.id == _EVENTS.c.deal_id))
        .where(*in_window, _EVENTS.c.kind.in_(list(EVENT_WEIGHTS)))
    ):
        activities[user_id].append(Activity(kind, category, created_at, price))
    unlocated = [u for u, _, lat, lon in users if lat is None or lon is None]
    bought_at: defaultdict[int, list[tuple[float, float]]] = defaultdict(list)
    if unlocated:
        for user_id, lat, lon in await conn.execute(
            select(_EVENTS.c.user_id, _STORES.c.lat, _STORES.c.lon)
            .select_from(_EVENTS.join(_DEAL_STORES, _DEAL_STORES.c.deal_id == _EVENTS.c.deal_id)
                         .join(_STORES, _STORES.c.id == _DEAL_STORES.c.store_id))
            .where(_EVENTS.c.user_id.in_(unlocated), *in_window[1:],
                   _EVENTS.c.kind.in_(AREA_KINDS))
        ):
            bought_at[user_id].append((lat, lon))
    return [
        {"user_id": user_id, "updated_at": now,
         **build_profile(activities.get(user_id, ()), timezone or DEFAULT_TIMEZONE,
                         (lat, lon) if lat is not None and lon is not None else None,
                         bought_at.get(user_id, ()))}
        for user_id, timezone, lat, lon in users
    ]


def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE for profiles, never overwriting a newer one."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_PROFILES)
    fields = ("affinity", "price_median", "lat", "lon", "active_hour", "events", "updated_at")
    return statement.on_conflict_do_update(
        index_elements=[_PROFILES.c.user_id],
        set_={name: statement.excluded[name] for name in fields},
        where=_PROFILES.c.updated_at <= statement.excluded.updated_at,
    )


async def refresh_profiles(db: Database, now: datetime, *, since: datetime | None = None,
                           batch: int = 1000) -> int:
    """Rebuild the taste profiles of everyone with events since `since` (everyone with
    events or a profile when None) from their last 90 days; returns how many.

    Each batch of `batch` people is read, then written in one short transaction; a
    profile computed for an earlier `now` never replaces one computed for a later.
    """
    async with db.engine.connect() as conn:
        user_ids = await _users_to_refresh(conn, since)
    upsert = _upsert(db.dialect)
    size = max(1, batch)
    refreshed = 0
    for first in range(0, len(user_ids), size):
        chunk = user_ids[first:first + size]
        async with db.engine.connect() as conn:
            rows = await _profiles_of(conn, chunk, now)
        if rows:
            async with db.begin() as conn:
                await conn.execute(upsert, rows)
        refreshed += len(rows)
    return refreshed


async def load_profiles(db: Database, user_ids: Iterable[int],
                        chunk: int = 5000) -> dict[int, ProfileRow]:
    """The profiles of these users (those that have one), as compact rows."""
    wanted = sorted(set(user_ids))
    profiles: dict[int, ProfileRow] = {}
    columns = (_PROFILES.c.user_id, _PROFILES.c.affinity, _PROFILES.c.price_median,
               _PROFILES.c.lat, _PROFILES.c.lon, _PROFILES.c.active_hour, _PROFILES.c.events)
    async with db.engine.connect() as conn:
        for first in range(0, len(wanted), chunk):
            ids = wanted[first:first + chunk]
            result = await conn.execute(select(*columns).where(_PROFILES.c.user_id.in_(ids)))
            for user_id, affinity, price, lat, lon, hour, events in result:
                profiles[user_id] = ProfileRow.of(affinity or {}, price, lat, lon, hour, events)
    return profiles


# ------------------------------------------------------------------ using profiles


def _share(profile: TasteProfile | ProfileRow, category: str) -> float:
    if isinstance(profile, ProfileRow):
        return profile.share(category)
    return float((profile.affinity or {}).get(category, 0.0))


def category_lift(share: float, events: int) -> float:
    """How much a person's share of events in a category lifts the base rate."""
    even = 1 / len(_CATEGORIES)
    pulled = (share * events + PRIOR_EVENTS * even) / (events + PRIOR_EVENTS)
    return UNTOUCHED_CATEGORY_LIFT + (1 - UNTOUCHED_CATEGORY_LIFT) * pulled / even


def price_lift(price: int | None, median: int | None) -> float:
    """How well a price fits what the person usually pays (1 when either is unknown)."""
    if price is None or median is None or price <= 0 or median <= 0:
        return 1.0
    ratio = math.log(price / median)
    sigma = PRICE_SIGMA_DEARER if ratio > 0 else PRICE_SIGMA_CHEAPER
    return PRICE_FLOOR + PRICE_PEAK * math.exp(-ratio * ratio / (2 * sigma * sigma))


def nearest_km(lat: float, lon: float, stores: Iterable[tuple[float, float]]) -> float | None:
    """Kilometres to the nearest of `stores` (flat-earth approximation, fine within a
    city), or None without stores."""
    k = math.cos(math.radians(lat))
    best: float | None = None
    for slat, slon in stores:
        dy, dx = slat - lat, (slon - lon) * k
        d2 = dy * dy + dx * dx
        if best is None or d2 < best:
            best = d2
    return None if best is None else math.sqrt(best) * KM_PER_DEGREE


def distance_lift(km: float | None) -> float:
    """How a distance to the offer's nearest store lifts the base rate (1 when unknown)."""
    if km is None:
        return 1.0
    return DISTANCE_FLOOR + DISTANCE_PEAK * math.exp(-km / DISTANCE_SCALE_KM)


def likelihood(profile: TasteProfile | ProfileRow | None, offer: Offer) -> float:
    """How likely (0..1) this person is to use `offer`; see the module docstring."""
    if profile is None:
        return BASE_RATE
    lift = category_lift(_share(profile, offer.category), profile.events)
    lift *= price_lift(offer.price, profile.price_median)
    if profile.lat is not None and profile.lon is not None:
        lift *= distance_lift(nearest_km(profile.lat, profile.lon, offer.stores))
    return max(0.0, min(1.0, BASE_RATE * lift))


def send_hour(profile_active_hour: int | None, window_start_local: datetime,
              window_end_local: datetime) -> datetime:
    """When to send inside [window_start_local, window_end_local): the start of the
    person's usual hour (or the window's start, when that is already in the hour);
    the window's start when the hour is unknown or not in the window. Aware datetimes
    in, an aware datetime out (in the start's timezone)."""
    if window_start_local.tzinfo is None or window_end_local.tzinfo is None:
        raise ValueError("send_hour needs aware datetimes")
    if profile_active_hour is None or not 0 <= profile_active_hour <= 23:
        return window_start_local
    day = window_start_local.date()
    while True:
        hour_start = datetime.combine(day, time(profile_active_hour),
                                      tzinfo=window_start_local.tzinfo)
        if hour_start >= window_end_local:
            return window_start_local
        if hour_start + timedelta(hours=1) > window_start_local:
            return max(hour_start, window_start_local)
        day += timedelta(days=1)
