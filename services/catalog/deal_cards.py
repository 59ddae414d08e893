"""Deals as shoppers see them: summaries for result lists and the full deal card."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from services.catalog.taxonomy import category
from services.platform.database import Database, run_prebuilt
from storage.models import (
    Deal,
    DealStatus,
    DealStore,
    Merchant,
    MerchantStatus,
    Store,
    VocabularyVersion,
)
from storage.types import utcnow


@dataclass(frozen=True)
class Bilingual:
    """A text in Chinese and English; either may be missing."""

    zh: str | None
    en: str | None

    def get(self, lang: str) -> str:
        """The text in `lang`, else the other language, else ""."""
        first, second = (self.zh, self.en) if lang == "zh" else (self.en, self.zh)
        return first or second or ""


def is_chinese(text: str) -> bool:
    """Does the text contain Chinese characters (so it belongs in the `_zh` column)?"""
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


@dataclass(frozen=True)
class DealSummary:
    """One line of a result list."""

    id: int
    title: Bilingual
    merchant: Bilingual
    category: str
    price: int
    original_price: int
    currency: str
    sold: int
    rating: float | None = None
    distance_m: float | None = None  # to the nearest store, when the search had a location
    group_size: int | None = None  # a 拼团 deal: this many people pay `group_price` each
    group_price: int | None = None


@dataclass(frozen=True)
class StoreView:
    """A store as shown on a deal card or a storefront."""

    id: int
    name: Bilingual
    address: Bilingual
    lat: float
    lon: float
    opening_hours: str
    phone: str | None


@dataclass(frozen=True)
class DealCard:
    """Everything the deal card shows."""

    id: int
    title: Bilingual
    description: Bilingual
    usage_rules: Bilingual
    merchant_id: int
    merchant: Bilingual
    merchant_slug: str
    rating: float | None
    category: str
    tags: tuple[str, ...]
    price: int
    original_price: int
    currency: str
    stock: int | None
    sold: int
    per_user_limit: int
    valid_from: datetime
    valid_until: datetime
    refund_policy: str
    photo: str | None
    stores: tuple[StoreView, ...]
    on_sale: bool  # active, merchant approved, not expired, not sold out
    # A 拼团 deal (`services.orders.groups`): `group_size` people pay `group_price` each
    # within `group_hours` of the group opening; None for any other deal.
    group_size: int | None = None
    group_price: int | None = None
    group_hours: int | None = None

    @property
    def is_group_deal(self) -> bool:
        """Whether it can be bought in a group (拼团) at the group price."""
        return self.group_size is not None and self.group_price is not None


class DealRow(NamedTuple):
    """The columns of a deal a result list needs (search reads these, not whole rows)."""

    id: int
    title_zh: str | None
    title_en: str | None
    category: str
    price: int
    original_price: int
    currency: str
    sold: int
    group_size: int | None
    group_price: int | None
    tags: list[str]
    search_text: str
    created_at: datetime


class ShopRow(NamedTuple):
    """The columns of a merchant a result list needs."""

    name_zh: str | None
    name_en: str | None
    rating_sum: int
    rating_count: int


def summary_of(deal: Deal | DealRow, merchant: Merchant | ShopRow,
               distance_m: float | None = None) -> DealSummary:
    """The list-line view of a deal."""
    assert deal.id is not None
    return DealSummary(
        id=deal.id,
        title=Bilingual(deal.title_zh, deal.title_en),
        merchant=Bilingual(merchant.name_zh, merchant.name_en),
        category=deal.category,
        price=deal.price,
        original_price=deal.original_price,
        currency=deal.currency,
        sold=deal.sold,
        rating=merchant_rating(merchant),
        distance_m=distance_m,
        group_size=deal.group_size,
        group_price=deal.group_price if deal.group_size is not None else None,
    )


def merchant_rating(merchant: Merchant | ShopRow | _CardShopRow) -> float | None:
    """The average star rating, or None before the first rating."""
    return merchant.rating_sum / merchant.rating_count if merchant.rating_count else None


def is_on_sale(deal: Deal | _CardDealRow, merchant: Merchant | _CardShopRow,
               now: datetime) -> bool:
    """Can this deal be bought right now?"""
    return (
        deal.status == DealStatus.ACTIVE
        and merchant.status == MerchantStatus.APPROVED
        and deal.valid_until > now
        and (deal.stock is None or deal.stock > 0)
    )


class _CardDealRow(NamedTuple):
    """The columns of a deal its card shows (named as `Deal`'s)."""

    id: int
    title_zh: str | None
    title_en: str | None
    description_zh: str | None
    description_en: str | None
    usage_rules_zh: str | None
    usage_rules_en: str | None
    category: str
    tags: list[str]
    price: int
    original_price: int
    currency: str
    stock: int | None
    sold: int
    per_user_limit: int
    valid_from: datetime
    valid_until: datetime
    refund_policy: str
    photo: str | None
    status: str
    group_size: int | None
    group_price: int | None
    group_hours: int | None


class _CardShopRow(NamedTuple):
    """The columns of a merchant a deal card shows (named as `Merchant`'s)."""

    id: int
    name_zh: str | None
    name_en: str | None
    slug: str
    rating_sum: int
    rating_count: int
    status: str


class _StoreRow(NamedTuple):
    """The columns of a store a deal card shows (named as `Store`'s)."""

    id: int
    name_zh: str | None
    name_en: str | None
    address_zh: str | None
    address_en: str | None
    lat: float
    lon: float
    opening_hours: str
    phone: str | None


_DEALS, _MERCHANTS, _STORES, _DEAL_STORES = (
    Deal.__table__, Merchant.__table__, Store.__table__,  # type: ignore[attr-defined]
    DealStore.__table__)  # type: ignore[attr-defined]
_SHOP_AT = len(_CardDealRow._fields)  # where a card row's merchant columns begin
_STORE_AT = _SHOP_AT + len(_CardShopRow._fields)  # and its store's
# A deal card in one read: the deal and its merchant on every row, one row per store
# (by store id; one row with no store for a deal without any).
_CARD = (
    sa_select(*(_DEALS.c[name] for name in _CardDealRow._fields),
              *(_MERCHANTS.c[name] for name in _CardShopRow._fields),
              *(_STORES.c[name] for name in _StoreRow._fields))
    .select_from(_DEALS.join(_MERCHANTS, _MERCHANTS.c.id == _DEALS.c.merchant_id)
                 .outerjoin(_DEAL_STORES, _DEAL_STORES.c.deal_id == _DEALS.c.id)
                 .outerjoin(_STORES, _STORES.c.id == _DEAL_STORES.c.store_id))
    .where(_DEALS.c.id == bindparam("deal"))
    .order_by(_STORES.c.id)
)


async def get_deal_card(db: Database, deal_id: int, now: datetime | None = None) -> DealCard | None:
    """The deal card, or None when no such deal exists (or it was withdrawn as a draft)."""
    now = now or utcnow()
    async with db.reading() as conn:
        rows = (await run_prebuilt(conn, _CARD, {"deal": deal_id})).all()
    if not rows:
        return None
    deal = _CardDealRow(*rows[0][:_SHOP_AT])
    if deal.status == DealStatus.DRAFT:
        return None
    merchant = _CardShopRow(*rows[0][_SHOP_AT:_STORE_AT])
    stores = [_StoreRow(*row[_STORE_AT:]) for row in rows if row[_STORE_AT] is not None]
    return DealCard(
        id=deal.id,
        title=Bilingual(deal.title_zh, deal.title_en),
        description=Bilingual(deal.description_zh, deal.description_en),
        usage_rules=Bilingual(deal.usage_rules_zh, deal.usage_rules_en),
        merchant_id=merchant.id,
        merchant=Bilingual(merchant.name_zh, merchant.name_en),
        merchant_slug=merchant.slug,
        rating=merchant_rating(merchant),
        category=deal.category,
        tags=tuple(deal.tags),
        price=deal.price,
        original_price=deal.original_price,
        currency=deal.currency,
        stock=deal.stock,
        sold=deal.sold,
        per_user_limit=deal.per_user_limit,
        valid_from=deal.valid_from,
        valid_until=deal.valid_until,
        refund_policy=deal.refund_policy,
        photo=deal.photo,
        stores=tuple(store_view(s) for s in stores),
        on_sale=is_on_sale(deal, merchant, now),
        group_size=deal.group_size,
        group_price=deal.group_price if deal.group_size is not None else None,
        group_hours=deal.group_hours if deal.group_size is not None else None,
    )


def store_view(store: Store | _StoreRow) -> StoreView:
    """The display view of a store."""
    assert store.id is not None
    return StoreView(
        id=store.id,
        name=Bilingual(store.name_zh, store.name_en),
        address=Bilingual(store.address_zh, store.address_en),
        lat=store.lat,
        lon=store.lon,
        opening_hours=store.opening_hours,
        phone=store.phone,
    )


def build_search_text(deal: Deal, merchant: Merchant, extra: Iterable[str] = ()) -> str:
    """The lower-cased words a deal is found by: titles, descriptions, tags, category
    names and synonyms, merchant names. Stored in `Deal.search_text`."""
    parts: list[str] = [
        deal.title_zh or "",
        deal.title_en or "",
        deal.description_zh or "",
        deal.description_en or "",
        " ".join(deal.tags),
        merchant.name_zh or "",
        merchant.name_en or "",
        *extra,
    ]
    cat = category(deal.category)
    if cat is not None:
        parts += [cat.name_zh, cat.name_en, *cat.synonyms_zh, *cat.synonyms_en]
    text = " | ".join(p.strip() for p in parts if p and p.strip()).lower()
    return text[:8000]


async def merchant_names(db: Database) -> list[tuple[str, tuple[str, ...]]]:
    """(slug, names) of every approved merchant: vocabulary for the NLU parser."""
    async with db.session() as session:
        merchants = (await session.exec(
            select(Merchant).where(Merchant.status == MerchantStatus.APPROVED))).all()
    return [(m.slug, tuple(n for n in (m.name_zh, m.name_en) if n)) for m in merchants]


async def deal_words(db: Database) -> list[str]:
    """The titles and tags of every deal on sale at an approved merchant: vocabulary for
    the NLU parser (a shopper may ask for a new deal by a word only it has)."""
    async with db.session() as session:
        rows = (await session.exec(
            select(Deal.title_zh, Deal.title_en, Deal.tags)
            .join(Merchant, col(Merchant.id) == col(Deal.merchant_id))
            .where(Deal.status == DealStatus.ACTIVE,
                   Merchant.status == MerchantStatus.APPROVED))).all()
    words = (w for title_zh, title_en, tags in rows for w in (title_zh, title_en, *tags))
    return list(dict.fromkeys(w for w in words if w))


_VOCABULARY = VocabularyVersion.__table__  # type: ignore[attr-defined]


async def vocabulary_version(db: Database) -> int:
    """The vocabulary version now (0 before the first change)."""
    async with db.single() as conn:
        version = (await conn.execute(select(_VOCABULARY.c.version))).scalar()
    return int(version or 0)


async def vocabulary_changed(conn: AsyncConnection) -> None:
    """Bump the vocabulary version, in the transaction of `conn`: the change it makes
    (a merchant approved, suspended or restored; a deal published, renamed, paused,
    resumed or ended; places imported) alters what the parser knows, and every process
    rebuilds its parser when it next sees the version move (`services.conversations.arrive`
    reads it with the user)."""
    await conn.execute(update(_VOCABULARY).values(version=_VOCABULARY.c.version + 1))


async def merchant_id_of(db: Database, slug: str) -> int | None:
    """The id of the approved merchant with this slug, or None."""
    async with db.session() as session:
        merchant = (await session.exec(select(Merchant).where(
            Merchant.slug == slug, Merchant.status == MerchantStatus.APPROVED))).first()
    return merchant.id if merchant is not None else None
