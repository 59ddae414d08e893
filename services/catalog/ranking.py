"""How results are ordered by default ("relevance"), and the event log that personalizes it.

Text relevance comes first: a deal that matches what was typed better always ranks
above one that matches worse (`services.catalog.search`: a typed word that the deal's title,
shop name or tags hold beats one that only names its category). Then:

- When the search has a location (the shopper shared one, or named a place), distance
  leads, to the nearest 100 m: they are standing somewhere and asked what is near.
- Otherwise, and among deals equally near, a blend of five signals, each 0..1:

    blend = 0.20 * discount     the share saved against the original price
          + 0.20 * rating       the merchant's stars, 3.0 -> 0 and 5.0 -> 1 (none yet: 0.5)
          + 0.20 * popularity   log(1 + sold) / log(1 + 5000), capped at 1
          + 0.10 * freshness    1 for a deal listed today, 0 after 30 days
          + 0.30 * affinity     the shopper's share of recent activity in that category

Ties are broken by deal id, so the same query always gives the same order.
Affinity is read from the event log: views count 1, buys 3, over the last 90 days.
When affinity lifts a category the shopper often chooses, the results say so.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ScalarSelect, bindparam, case, func, insert
from sqlmodel import col, select

from services.platform.database import Database, run_prebuilt
from storage.models import Deal, Event, Merchant
from storage.types import UTCDateTime

if TYPE_CHECKING:
    from services.catalog.deal_cards import DealRow, ShopRow

WEIGHTS = {
    "discount": 0.20,
    "rating": 0.20,
    "popularity": 0.20,
    "freshness": 0.10,
    "affinity": 0.30,
}
AFFINITY_WINDOW = timedelta(days=90)
EVENT_WEIGHTS = {"view": 1, "click": 1, "buy": 3, "redeem": 3}
# A category the shopper "often chooses": at least this many weighted events and share.
FAVOURITE_MIN_EVENTS = 3
FAVOURITE_MIN_SHARE = 0.3


@dataclass(frozen=True)
class Taste:
    """A shopper's category affinity: share of weighted recent events per category."""

    shares: dict[str, float]
    total: int

    @property
    def favourite(self) -> str | None:
        """The category the shopper clearly prefers, if there is one."""
        if self.total < FAVOURITE_MIN_EVENTS or not self.shares:
            return None
        category, share = max(self.shares.items(), key=lambda kv: (kv[1], kv[0]))
        return category if share >= FAVOURITE_MIN_SHARE else None


NO_TASTE = Taste({}, 0)


_EVENTS = Event.__table__  # type: ignore[attr-defined]
_NEW_EVENT = insert(_EVENTS).values(
    user_id=bindparam("event_user"), kind=bindparam("event_kind"),
    category=bindparam("event_category"), deal_id=bindparam("event_deal"),
    merchant_id=bindparam("event_merchant"), created_at=bindparam("now"))


async def record_event(
    db: Database, user_id: int, kind: str, *, category: str | None = None,
    deal_id: int | None = None, merchant_id: int | None = None, now: datetime,
) -> None:
    """Append one event to the log (one autocommit INSERT)."""
    async with db.single() as conn:
        await run_prebuilt(conn, _NEW_EVENT, {
            "event_user": user_id, "event_kind": kind[:16], "event_category": category,
            "event_deal": deal_id, "event_merchant": merchant_id, "now": now})


async def taste_of(db: Database, user_id: int, now: datetime) -> Taste:
    """The shopper's category affinity from the last 90 days of events."""
    async with db.session() as session:
        rows = (
            await session.exec(
                select(Event.kind, Event.category).where(
                    Event.user_id == user_id,
                    col(Event.created_at) >= now - AFFINITY_WINDOW,
                    col(Event.category).is_not(None),
                )
            )
        ).all()
    weights: Counter[str] = Counter()
    for kind, category in rows:
        weights[category] += EVENT_WEIGHTS.get(kind, 0)
    total = sum(weights.values())
    if total == 0:
        return NO_TASTE
    return Taste({c: w / total for c, w in weights.items()}, total)


def taste_column(dialect: str) -> ScalarSelect[Any]:
    """`taste_of` as a column for another query to carry (a search reads the shopper's
    taste with its deals, in one statement): the weighted events per category as a JSON
    object, or NULL (PostgreSQL) or {} (SQLite) without any. Read it with `taste_from`.
    Its parameters: `taste_user` (the user's id) and `taste_since` (`taste_since(now)`)."""
    weight = case(*((col(Event.kind) == kind, w) for kind, w in EVENT_WEIGHTS.items()),
                  else_=0)
    per_category = (
        select(col(Event.category).label("category"), func.sum(weight).label("weight"))
        .where(
            Event.user_id == bindparam("taste_user"),
            col(Event.created_at) >= bindparam("taste_since", type_=UTCDateTime),
            col(Event.category).is_not(None),
        )
        .group_by(col(Event.category))
        .subquery()
    )
    pack = func.json_object_agg if dialect == "postgresql" else func.json_group_object
    return select(pack(per_category.c.category, per_category.c.weight)).scalar_subquery()


def taste_since(now: datetime) -> datetime:
    """Where the taste's window begins (the `taste_since` parameter of `taste_column`)."""
    return now - AFFINITY_WINDOW


def taste_from(packed: Any) -> Taste:
    """The taste a `taste_column` carried (JSON text or an object; None for none)."""
    weights = json.loads(packed) if isinstance(packed, str | bytes) else (packed or {})
    total = sum(int(w) for w in weights.values())
    if total == 0:
        return NO_TASTE
    return Taste({c: int(w) / total for c, w in weights.items()}, total)


def blend(deal: Deal | DealRow, merchant: Merchant | ShopRow, taste: Taste,
          now: datetime) -> float:
    """The blended score (0..1) of a deal for one shopper; see the module docstring."""
    discount = (
        (deal.original_price - deal.price) / deal.original_price
        if deal.original_price > 0 and deal.price < deal.original_price
        else 0.0
    )
    if merchant.rating_count:
        stars = merchant.rating_sum / merchant.rating_count
        rating = min(1.0, max(0.0, (stars - 3.0) / 2.0))
    else:
        rating = 0.5
    popularity = min(1.0, math.log1p(max(0, deal.sold)) / math.log1p(5000))
    age_days = max(0.0, (now - deal.created_at).total_seconds() / 86400)
    freshness = max(0.0, 1.0 - age_days / 30)
    affinity = taste.shares.get(deal.category, 0.0)
    return (
        WEIGHTS["discount"] * discount
        + WEIGHTS["rating"] * rating
        + WEIGHTS["popularity"] * popularity
        + WEIGHTS["freshness"] * freshness
        + WEIGHTS["affinity"] * affinity
    )
