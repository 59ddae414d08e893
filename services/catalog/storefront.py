"""Each merchant's own storefront: its deals on sale and its stores, reached by deep link."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from services.catalog.deal_cards import (
    Bilingual,
    DealSummary,
    StoreView,
    is_on_sale,
    merchant_rating,
    store_view,
    summary_of,
)
from services.platform.database import Database
from storage.geo import haversine_m
from storage.models import Deal, Merchant, MerchantStatus, Store


@dataclass(frozen=True)
class MerchantLookup:
    """The merchant someone named, or the slugs closest to what they typed."""

    slug: str | None
    status: str | None
    suggestions: tuple[str, ...] = ()
    merchants: int = 0  # how many merchants there are at all


@dataclass(frozen=True)
class Storefront:
    """What a merchant's mini-mall shows."""

    merchant_id: int
    slug: str
    name: Bilingual
    description: Bilingual
    category: str
    rating: float | None
    deals: tuple[DealSummary, ...]
    stores: tuple[tuple[StoreView, float | None], ...]  # with distance in metres if known


async def get_storefront(
    db: Database, slug: str, now: datetime, lat: float | None = None, lon: float | None = None
) -> Storefront | None:
    """The storefront of an approved merchant, or None (unknown, pending or suspended)."""
    async with db.session() as session:
        merchant = (await session.exec(select(Merchant).where(Merchant.slug == slug))).first()
        if merchant is None or merchant.status != MerchantStatus.APPROVED:
            return None
        deals = (
            await session.exec(
                select(Deal)
                .where(Deal.merchant_id == merchant.id)
                .order_by(col(Deal.sold).desc(), col(Deal.id))
            )
        ).all()
        stores = (
            await session.exec(
                select(Store).where(Store.merchant_id == merchant.id).order_by(col(Store.id))
            )
        ).all()
    assert merchant.id is not None
    located = [
        (store_view(s), haversine_m(lat, lon, s.lat, s.lon) if lat is not None
         and lon is not None else None)
        for s in stores
    ]
    located.sort(key=lambda pair: (pair[1] if pair[1] is not None else 0.0, pair[0].id))
    return Storefront(
        merchant_id=merchant.id,
        slug=merchant.slug,
        name=Bilingual(merchant.name_zh, merchant.name_en),
        description=Bilingual(merchant.description_zh, merchant.description_en),
        category=merchant.category,
        rating=merchant_rating(merchant),
        deals=tuple(summary_of(d, merchant) for d in deals if is_on_sale(d, merchant, now)),
        stores=tuple(located),
    )


async def find_merchant(db: Database, name: str, limit: int = 5) -> MerchantLookup:
    """The merchant whose slug, or exact Chinese or English name, is `name`.

    Slugs and English names match regardless of case. When nothing matches, up to
    `limit` slugs of merchants whose slug or name is close (difflib) are suggested.
    """
    wanted = name.strip()
    async with db.session() as session:
        rows = (
            await session.exec(
                select(Merchant.slug, Merchant.name_zh, Merchant.name_en, Merchant.status)
                .order_by(col(Merchant.id))
            )
        ).all()
    for slug, name_zh, name_en, status in rows:
        if (
            slug == wanted.lower()
            or name_zh == wanted
            or (name_en is not None and name_en.casefold() == wanted.casefold())
        ):
            return MerchantLookup(slug, status, merchants=len(rows))
    by_key: dict[str, str] = {}
    for slug, name_zh, name_en, _ in rows:
        for key in (slug, name_zh, name_en and name_en.casefold()):
            if key:
                by_key.setdefault(key, slug)
    close = difflib.get_close_matches(wanted.casefold(), list(by_key), n=limit * 3, cutoff=0.6)
    suggestions = tuple(dict.fromkeys(by_key[key] for key in close))[:limit]
    return MerchantLookup(None, None, suggestions, len(rows))
