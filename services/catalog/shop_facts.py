"""What a shopper may ask about one shop or one deal ("海底捞几点关门", "what's in the
2-person set", "还有别的分店吗"), read in one place for the handler that answers.

The subject is the merchant named, a merchant described by a place and a category
("万达那家火锅店": the nearest hotpot shop to Wanda Plaza), or the deal or shop the
shopper last looked at: deal cards log a "view" event and storefronts a "storefront"
event (weight 0 for taste), and the latest of them within `RECENT` is the subject.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel import col, select

from services.catalog.deal_cards import DealCard, get_deal_card
from services.catalog.storefront import Storefront, get_storefront
from services.platform.database import Database
from storage.geo import haversine_m
from storage.models import Event, Merchant, MerchantStatus, Store

RECENT = timedelta(hours=2)  # how long a look at a deal or shop makes it "this one"
NEAR_M = 3000  # a shop described by a place is at most this far from it
LOOK_KINDS = ("view", "storefront")  # the events that say what the shopper looked at


@dataclass(frozen=True)
class Subject:
    """The shop a question is about, with the deal when it is about one deal."""

    shop: Storefront
    deal: DealCard | None = None


async def subject_of(db: Database, now: datetime, *, slug: str | None = None,
                     deal_id: int | None = None, lat: float | None = None,
                     lon: float | None = None, at_place: bool = False) -> Subject | None:
    """The merchant `slug` (or the merchant of deal `deal_id`, then with the deal), its
    stores nearest (lat, lon) first when given; None when neither is an approved
    merchant or a known deal. With `at_place` the question is about the store at
    (lat, lon) ("万达那家火锅店": the one at Wanda, not every branch): only the nearest
    store within NEAR_M is kept, when there is one."""
    deal = await get_deal_card(db, deal_id, now) if deal_id is not None else None
    if deal is not None:
        slug = deal.merchant_slug
    if slug is None:
        return None
    shop = await get_storefront(db, slug, now, lat, lon)
    if shop is None:
        return None
    if at_place and shop.stores and shop.stores[0][1] is not None \
            and shop.stores[0][1] <= NEAR_M:
        shop = replace(shop, stores=shop.stores[:1])
    return Subject(shop, deal)


async def shop_near(db: Database, lat: float, lon: float, category: str | None = None,
                    ) -> str | None:
    """The slug of the approved merchant (of `category`, when given) with the store
    nearest to (lat, lon), within NEAR_M; None when there is none."""
    statement = (select(Merchant.slug, Merchant.category, Store.lat, Store.lon)
                 .join(Store, col(Store.merchant_id) == col(Merchant.id))
                 .where(Merchant.status == MerchantStatus.APPROVED))
    if category is not None:
        statement = statement.where(Merchant.category == category)
    async with db.session() as session:
        rows = (await session.exec(statement)).all()
    best: tuple[float, str] | None = None
    for slug, _, store_lat, store_lon in rows:
        distance = haversine_m(lat, lon, store_lat, store_lon)
        if distance <= NEAR_M and (best is None or distance < best[0]):
            best = (distance, slug)
    return best[1] if best else None


async def last_looked_at(db: Database, user_id: int, now: datetime,
                         ) -> tuple[int | None, str | None]:
    """(deal id, merchant slug) of the deal card or storefront the shopper opened last,
    within RECENT; (None, None) when nothing was opened lately."""
    async with db.session() as session:
        row = (await session.exec(
            select(Event.deal_id, Merchant.slug)
            .join(Merchant, col(Merchant.id) == col(Event.merchant_id))
            .where(Event.user_id == user_id, col(Event.kind).in_(LOOK_KINDS),
                   col(Event.created_at) >= now - RECENT)
            .order_by(col(Event.created_at).desc(), col(Event.id).desc())
            .limit(1))).first()
    if row is None:
        return None, None
    return row[0], row[1]
