"""Each merchant's own storefront: its deals on sale and its stores, reached by deep link."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, func, or_
from sqlalchemy import select as core_select
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
from storage.models import Deal, DealStatus, Merchant, MerchantStatus, Store


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


# ------------------------------------------------- the Mini App's paged, filtered shop

ShopSort = Literal["popular", "price", "price_desc", "discount", "newest"]
SHOP_SORTS: tuple[str, ...] = ("popular", "price", "price_desc", "discount", "newest")
SHOP_PAGE_MAX = 50
_D = Deal.__table__.c  # type: ignore[attr-defined]
_M = Merchant.__table__.c  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ShopHeader:
    """A merchant's header in its Mini App: who, how rated."""

    merchant_id: int
    slug: str
    name: Bilingual
    description: Bilingual
    category: str
    rating: float | None
    rating_count: int


@dataclass(frozen=True)
class ShopQuery:
    """Which of a shop's deals the Mini App lists: a category, a price range (minor
    units, inclusive), an order, and a page."""

    category: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    sort: ShopSort = "popular"
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class ShopPage:
    """One page of a shop's deals on sale, how many match in all, and the categories
    its deals on sale are in (for the filter)."""

    deals: tuple[DealSummary, ...]
    total: int
    categories: tuple[str, ...]
    with_photo: frozenset[int] = frozenset()  # the deals whose photo can be shown


# A Telegram file id (what a photo sent to the bot is kept as); a deal's `photo` may also
# be a file path on the bot's machine, which the Mini App never serves.
_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")


def photo_file_id(photo: str | None) -> str | None:
    """The Telegram file id a deal's `photo` is, or None (none, or a file path)."""
    return photo if photo is not None and _FILE_ID.fullmatch(photo) else None


async def deal_photo(db: Database, deal_id: int) -> str | None:
    """The Telegram file id of the photo of a deal of an approved merchant, or None."""
    async with db.reading() as conn:
        photo = (await conn.execute(
            core_select(_D.photo).join(Merchant.__table__, _M.id == _D.merchant_id)
            .where(_D.id == deal_id, _M.status == MerchantStatus.APPROVED))).scalar()
    return photo_file_id(photo)


def _on_sale(merchant_id: int, now: datetime) -> Any:
    """`deal_cards.is_on_sale` as a WHERE clause, for one approved merchant's deals."""
    return and_(_D.merchant_id == merchant_id, _D.status == DealStatus.ACTIVE,
                _D.valid_until > now, or_(_D.stock.is_(None), _D.stock > 0))


_ORDER = {
    "popular": (_D.sold.desc(), _D.id),
    "price": (_D.price, _D.id),
    "price_desc": (_D.price.desc(), _D.id),
    # The biggest share off first: price / original_price smallest.
    "discount": ((_D.price * 10_000 / func.nullif(_D.original_price, 0)), _D.id),
    "newest": (_D.created_at.desc(), _D.id.desc()),
}


async def shop_header(db: Database, slug: str) -> ShopHeader | None:
    """The header of an approved merchant's shop, or None (unknown, pending, suspended)."""
    async with db.reading() as conn:
        row = (await conn.execute(
            core_select(_M.id, _M.slug, _M.name_zh, _M.name_en, _M.description_zh,
                        _M.description_en, _M.category, _M.rating_sum, _M.rating_count)
            .where(_M.slug == slug, _M.status == MerchantStatus.APPROVED))).first()
    if row is None:
        return None
    return ShopHeader(row.id, row.slug, Bilingual(row.name_zh, row.name_en),
                      Bilingual(row.description_zh, row.description_en), row.category,
                      row.rating_sum / row.rating_count if row.rating_count else None,
                      row.rating_count)


async def shop_page(db: Database, shop: ShopHeader, now: datetime,
                    query: ShopQuery) -> ShopPage:
    """A page of the shop's deals on sale that match `query`, in its order, with the
    count of all that match and the categories of all on sale (three statements on
    one read connection)."""
    where = [_on_sale(shop.merchant_id, now)]
    if query.category:
        where.append(_D.category == query.category)
    if query.min_price is not None:
        where.append(_D.price >= query.min_price)
    if query.max_price is not None:
        where.append(_D.price <= query.max_price)
    limit = max(1, min(query.limit, SHOP_PAGE_MAX))
    listing = (core_select(_D.id, _D.title_zh, _D.title_en, _D.category, _D.price,
                           _D.original_price, _D.currency, _D.sold, _D.group_size,
                           _D.group_price, _D.photo)
               .where(*where).order_by(*_ORDER[query.sort])
               .offset(max(0, query.offset)).limit(limit))
    async with db.reading() as conn:
        rows = (await conn.execute(listing)).all()
        total = (await conn.execute(
            core_select(func.count()).select_from(Deal.__table__).where(*where))).scalar_one()
        categories = (await conn.execute(
            core_select(_D.category).where(_on_sale(shop.merchant_id, now))
            .group_by(_D.category).order_by(func.count().desc(), _D.category))).scalars().all()
    rating = shop.rating
    deals = tuple(
        DealSummary(id=r.id, title=Bilingual(r.title_zh, r.title_en), merchant=shop.name,
                    category=r.category, price=r.price,
                    original_price=r.original_price, currency=r.currency, sold=r.sold,
                    rating=rating, group_size=r.group_size,
                    group_price=r.group_price if r.group_size is not None else None)
        for r in rows)
    with_photo = frozenset(r.id for r in rows if photo_file_id(r.photo))
    return ShopPage(deals, int(total), tuple(categories), with_photo)
