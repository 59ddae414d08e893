"""Deal search: keyword matching over titles, descriptions, categories and tags.

A query is split into terms. A term matches a deal when it appears in the deal's
`search_text` (a whole-word prefix for Latin words, a substring for Chinese) or names
the deal's category through the taxonomy's synonyms. A Chinese term that matches
nothing whole is cut into words with jieba and scores by the share of its words found.

Relevance, per typed word: the deal's title, shop name or tags hold it (3), it names
the deal's category (2), the deal's other text holds it (1), some of its jieba words
are found (up to 0.5). So 串串 ranks 蜀味串串香's skewers above the other hotpot deals
that only share the category. A category's own name (火锅, Coffee) is no such word: every
deal of the category is one. Words that only chose the category (`category_words`)
rank but never exclude. The order then follows `services.catalog.ranking`.

Results are remembered as a `SavedSearch`, so the page buttons of an old result
message keep working after newer searches.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, String, any_, bindparam, insert, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col
from sqlmodel import select as orm_select

from services.catalog.deal_cards import DealRow, DealSummary, ShopRow, summary_of
from services.catalog.hours import is_open
from services.catalog.ranking import (
    NO_TASTE,
    Taste,
    blend,
    taste_column,
    taste_from,
    taste_since,
)
from services.catalog.taxonomy import CATEGORIES, synonym_table
from services.platform.database import Database, run_prebuilt
from storage.geo import deals_near
from storage.models import (
    Deal,
    DealStatus,
    DealStore,
    Merchant,
    MerchantStatus,
    SavedSearch,
    Store,
)
from storage.types import UTCDateTime, utcnow

_SAVED = SavedSearch.__table__  # type: ignore[attr-defined]
_SAVING = insert(_SAVED).values(  # a search remembered, for its pages
    user_id=bindparam("user_id"), query=bindparam("query"), created_at=bindparam("created_at"),
    logged=bindparam("logged")).returning(_SAVED.c.id)
MAX_QUERY_CHARS = 200  # longer text is cut; nobody types a 200-character search
_SPLIT = re.compile(r"[\s,，.。!！?？;；:：、/\\|()（）\[\]【】<>《》\"“”‘’+*&^%$#@~`=_\-]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


SORTS = ("relevance", "nearest", "cheapest", "best_rated", "popular", "biggest_discount")
DEFAULT_RADIUS_M = 3000
MAX_RADIUS_M = 50_000  # a city; farther than this is not "near"


@dataclass(frozen=True)
class SearchQuery:
    """What to look for. Prices are in minor units of the deal's currency; a location
    (lat, lon) with `radius_m` limits results to stores within that distance."""

    text: str = ""
    category: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    lat: float | None = None
    lon: float | None = None
    radius_m: int | None = None
    sort: str = "relevance"
    near: str = ""  # the place name the location came from, for display
    category_words: str = ""  # the words typed for `category` (串串): they rank, not filter
    open_now: bool = False  # only deals with a store open right now
    group_only: bool = False  # only 拼团 deals (`Deal.group_size` set)
    tz: str = "Asia/Shanghai"  # the stores' local time, for opening hours

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together")
        if self.radius_m is not None and not 0 < self.radius_m <= MAX_RADIUS_M:
            raise ValueError(f"radius must be 1..{MAX_RADIUS_M} m")

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def waits_for_location(self) -> bool:
        """It asks for nearness (附近, within 1 km) but has no place to measure from."""
        return self.radius_m is not None and not self.located

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (for `SavedSearch`)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SearchQuery:
        """Rebuild from `to_json` output, ignoring unknown keys."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class SearchPage:
    """One page of results of a saved search."""

    search_id: int
    query: SearchQuery
    page: int  # 0-based
    page_size: int
    total: int
    items: tuple[DealSummary, ...]
    favourite: str | None = None  # a category the shopper often chooses, lifted on this page

    @property
    def has_prev(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * self.page_size < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class _Term:
    text: str
    category: str | None
    parts: tuple[str, ...]  # jieba words of a Chinese term, for partial matches


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, str]:
    return synonym_table()


@lru_cache(maxsize=1)
def _phrases() -> list[tuple[str, re.Pattern[str]]]:
    """The synonyms of more than one word, longest first, each with its pattern."""
    return [(phrase, re.compile(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])"))
            for phrase in sorted((s for s in _synonyms() if " " in s), key=len, reverse=True)]


def _cut(text: str) -> list[str]:
    import jieba  # imported lazily: loading its dictionary takes about a second

    jieba.setLogLevel(logging.WARNING)
    return [w for w in jieba.lcut_for_search(text) if len(w) >= 2 or _CJK.search(w) is None]


def query_terms(text: str) -> list[_Term]:
    """Split a query into terms, each with its category (if it names one)."""
    synonyms = _synonyms()
    terms: list[_Term] = []
    lowered = text[:MAX_QUERY_CHARS].lower()
    # Multi-word synonyms ("milk tea", "hot pot") must survive the split on spaces.
    if " " in lowered:
        for phrase, pattern in _phrases():
            if pattern.search(lowered):
                terms.append(_Term(phrase, synonyms[phrase], ()))
                lowered = lowered.replace(phrase, " ")
    for chunk in _SPLIT.split(lowered):
        if not chunk:
            continue
        parts: tuple[str, ...] = ()
        if _CJK.search(chunk) and len(chunk) > 2 and chunk not in synonyms:
            parts = tuple(dict.fromkeys(w for w in _cut(chunk) if w != chunk))
        terms.append(_Term(chunk, synonyms.get(chunk), parts))
    return terms


def _contains(haystack: str, needle: str) -> bool:
    if _CJK.search(needle):
        return needle in haystack
    return re.search(rf"(?<![a-z0-9]){re.escape(needle)}", haystack) is not None


def _named_text(deal: DealRow, merchant: ShopRow) -> str:
    """What names a deal: its titles, its shop's names and its tags, lower-cased."""
    parts = (deal.title_zh, deal.title_en, merchant.name_zh, merchant.name_en, *deal.tags)
    return " | ".join(p for p in parts if p).lower()


@lru_cache(maxsize=1)
def _category_names() -> frozenset[str]:
    """Every category's own names (id, Chinese and English names), lower-cased."""
    return frozenset(name.lower() for c in CATEGORIES for name in (c.id, c.name_zh, c.name_en))


def _relevance(terms: list[_Term], deal: DealRow, named: str) -> float:
    """How well `terms` match a deal whose naming text is `named` (see the module
    docstring); 0 when no term matches at all."""
    score = 0.0
    for term in terms:
        if term.text not in _category_names() and _contains(named, term.text):
            score += 3.0
        elif term.category is not None and deal.category == term.category:
            score += 2.0
        elif _contains(deal.search_text, term.text):
            score += 1.0
        elif term.parts:
            found = sum(1 for p in term.parts if _contains(deal.search_text, p))
            score += 0.5 * found / len(term.parts)
    return score


def _sort_key(query: SearchQuery, hit: _Hit) -> tuple[Any, ...]:
    deal, merchant = hit.deal, hit.merchant
    distance = hit.distance_m if hit.distance_m is not None else 0.0
    rating = merchant.rating_sum / merchant.rating_count if merchant.rating_count else 0.0
    ratio = deal.price / deal.original_price if deal.original_price else 1.0
    tail = (-hit.score, distance, -deal.sold, deal.id)
    match query.sort:
        case "nearest":
            return (distance, -hit.score, -deal.sold, deal.id)
        case "cheapest":
            return (deal.price, *tail)
        case "best_rated":
            return (-round(rating, 2), *tail)
        case "popular":
            return (-deal.sold, -hit.score, distance, deal.id)
        case "biggest_discount":
            return (round(ratio, 4), *tail)
    # relevance: the better match, then (when located) distance, then the blend;
    # see services.catalog.ranking for why
    return (-hit.score, round(distance, -2), -round(hit.blend, 6), deal.id)


@dataclass
class _Hit:
    deal: DealRow
    merchant: ShopRow
    score: float
    distance_m: float | None
    blend: float = 0.0


_DEAL_COLUMNS = tuple(Deal.__table__.c[name]  # type: ignore[attr-defined]
                      for name in DealRow._fields)
_SHOP_COLUMNS = tuple(Merchant.__table__.c[name]  # type: ignore[attr-defined]
                      for name in ShopRow._fields)
_SHOP_AT = len(_DEAL_COLUMNS)  # where a result row's merchant columns begin
_TASTE_AT = _SHOP_AT + len(_SHOP_COLUMNS)  # and the shopper's taste (personal searches)


@dataclass(frozen=True)
class _Shape:
    """What decides the search statement's form (its values are parameters)."""

    category: bool
    group_only: bool
    price_min: bool
    price_max: bool
    words: int  # how many words are looked for; -1: no text (everything on sale)
    located: bool
    personal: bool
    dialect: str


@lru_cache(maxsize=256)
def _deals_statement(shape: _Shape) -> Select[Any]:
    """The deals-on-sale statement of one shape, built once: the deal's `DealRow`
    columns, the merchant's `ShopRow` columns and, for a personal search, the taste.
    Parameters: now, category, price_min, price_max, word0.. (LIKE patterns),
    categories, ids (located), taste_user and taste_since (personal)."""
    deal, merchant = Deal.__table__.c, Merchant.__table__.c  # type: ignore[attr-defined]
    columns: list[Any] = [*_DEAL_COLUMNS, *_SHOP_COLUMNS]
    if shape.personal:
        columns.append(taste_column(shape.dialect))
    stmt = (
        select(*columns)
        .select_from(Deal.__table__.join(  # type: ignore[attr-defined]
            Merchant.__table__, merchant.id == deal.merchant_id))  # type: ignore[attr-defined]
        .where(
            deal.status == DealStatus.ACTIVE,
            merchant.status == MerchantStatus.APPROVED,
            deal.valid_until > bindparam("now", type_=UTCDateTime),
            or_(deal.stock.is_(None), deal.stock > 0),
        )
    )
    if shape.category:
        stmt = stmt.where(deal.category == bindparam("category"))
    if shape.group_only:
        stmt = stmt.where(deal.group_size.is_not(None))
    if shape.price_min:
        stmt = stmt.where(deal.price >= bindparam("price_min"))
    if shape.price_max:
        stmt = stmt.where(deal.price <= bindparam("price_max"))
    # PostgreSQL takes the lists as one array each (`= ANY`): the statement's text
    # stays the same whatever their length, so it is prepared once (storage.prebuilt)
    on_postgres = shape.dialect == "postgresql"
    if shape.words >= 0:
        stmt = stmt.where(or_(
            *(deal.search_text.like(bindparam(f"word{i}"), escape="/")
              for i in range(shape.words)),
            deal.category == any_(bindparam("categories", type_=ARRAY(String)))
            if on_postgres else deal.category.in_(bindparam("categories", expanding=True)),
        ))
    if shape.located:
        stmt = stmt.where(deal.id == any_(bindparam("ids", type_=ARRAY(Integer)))
                          if on_postgres else deal.id.in_(bindparam("ids", expanding=True)))
    return stmt


def _like_escaped(word: str) -> str:
    """`word` with LIKE's wildcards (and the escape character) escaped by '/'."""
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


async def find_deals(
    db: Database, query: SearchQuery, now: datetime | None = None, taste: Taste = NO_TASTE
) -> list[DealSummary]:
    """All deals on sale matching `query`, in the order `query.sort` asks for; the default
    order is personal through `taste` (see services.catalog.ranking)."""
    return (await _find_deals(db, query, now or utcnow(), taste, None))[0]


async def _find_deals(
    db: Database, query: SearchQuery, now: datetime, taste: Taste, taste_of_user: int | None,
) -> tuple[list[DealSummary], Taste]:
    """`find_deals`; given `taste_of_user`, that user's taste is read with the deals (in
    the same statement) and used instead of `taste`, and returned."""
    terms = query_terms(query.text)
    ranking_terms = query_terms(query.category_words) if query.category else []
    if query.text.strip() and not terms:
        return [], taste  # only punctuation or symbols: nothing to look for
    words = sorted({t.text for t in terms} | {p for t in terms for p in t.parts})
    categories = sorted({t.category for t in terms if t.category})
    params: dict[str, Any] = {
        "now": now, "category": query.category, "price_min": query.price_min,
        "price_max": query.price_max, "categories": categories,
        **{f"word{i}": f"%{_like_escaped(w)}%" for i, w in enumerate(words)},
    }
    if taste_of_user is not None:
        params.update(taste_user=taste_of_user, taste_since=taste_since(now))
    async with db.reading() as conn:
        if query.located:
            assert query.lat is not None and query.lon is not None
            nearby = await deals_near(
                conn, query.lat, query.lon, query.radius_m or DEFAULT_RADIUS_M, now,
                category=query.category, price_min=query.price_min, price_max=query.price_max,
            )
            distances = {n.deal_id: n.distance_m for n in nearby}
            if not distances:
                return [], taste
            params["ids"] = list(distances)
        else:
            distances = None
        shape = _Shape(
            category=query.category is not None, group_only=query.group_only,
            price_min=query.price_min is not None, price_max=query.price_max is not None,
            words=len(words) if terms else -1, located=distances is not None,
            personal=taste_of_user is not None, dialect=db.dialect)
        rows = (await run_prebuilt(conn, _deals_statement(shape), params)).all()
    if taste_of_user is not None and rows:
        taste = taste_from(rows[0][_TASTE_AT])
    hits: dict[int, _Hit] = {}
    for row in rows:
        deal, merchant = DealRow(*row[:_SHOP_AT]), ShopRow(*row[_SHOP_AT:_TASTE_AT])
        named = _named_text(deal, merchant)
        score = _relevance(terms, deal, named) if terms else 1.0
        if score > 0:
            score += _relevance(ranking_terms, deal, named)
            distance = distances[deal.id] if distances is not None else None
            hits[deal.id] = _Hit(deal, merchant, score, distance)
    if query.open_now and hits:
        hits = {k: h for k, h in hits.items() if k in await _open_now(db, list(hits), query, now)}
    for hit in hits.values():
        hit.blend = blend(hit.deal, hit.merchant, taste, now)
    ordered = sorted(hits.values(), key=lambda h: _sort_key(query, h))
    return [summary_of(h.deal, h.merchant, h.distance_m) for h in ordered], taste


async def _open_now(db: Database, deal_ids: list[int], query: SearchQuery,
                    now: datetime) -> set[int]:
    """Which of these deals have a store open at `now` (stores' local time)."""
    local = now.astimezone(ZoneInfo(query.tz))
    async with db.session() as session:
        rows = (await session.exec(
            orm_select(DealStore.deal_id, Store.opening_hours)
            .join(Store, Store.id == DealStore.store_id)
            .where(col(DealStore.deal_id).in_(deal_ids))
        )).all()
    return {deal_id for deal_id, hours in rows if is_open(hours, local)}


async def categories_near(db: Database, query: SearchQuery, now: datetime | None = None,
                          limit: int = 6) -> list[tuple[str, int]]:
    """The categories with deals on sale within the query's radius, most deals first."""
    if not query.located:
        return []
    assert query.lat is not None and query.lon is not None
    async with db.session() as session:
        conn = await session.connection()
        nearby = await deals_near(conn, query.lat, query.lon,
                                  query.radius_m or DEFAULT_RADIUS_M, now or utcnow())
        if not nearby:
            return []
        rows = (await session.exec(
            orm_select(Deal.category).where(col(Deal.id).in_([n.deal_id for n in nearby]))
        )).all()
    counts: dict[str, int] = {}
    for category in rows:
        counts[category] = counts.get(category, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


async def categories_on_sale(db: Database, now: datetime | None = None) -> frozenset[str]:
    """The categories that have at least one deal on sale anywhere (an approved
    merchant's active deal, not expired, not sold out)."""
    deal, merchant = Deal.__table__.c, Merchant.__table__.c  # type: ignore[attr-defined]
    async with db.reading() as conn:
        rows = (await conn.execute(
            select(deal.category).distinct()
            .select_from(Deal.__table__.join(  # type: ignore[attr-defined]
                Merchant.__table__, merchant.id == deal.merchant_id))  # type: ignore[attr-defined]
            .where(deal.status == DealStatus.ACTIVE, merchant.status == MerchantStatus.APPROVED,
                   deal.valid_until > (now or utcnow()),
                   or_(deal.stock.is_(None), deal.stock > 0)))).scalars().all()
    return frozenset(rows)


async def run_search(
    db: Database, user_id: int, query: SearchQuery, page_size: int, now: datetime | None = None,
    *, logged: bool = False,
) -> SearchPage:
    """Search, remember the query for paging, and return the first page.

    `logged`: the user typed this search (it is not a re-sort or a re-run of an old one),
    so a "search" event with the query's category is logged too: the database writes it
    as the saved search goes in (a trigger on `saved_searches.logged`, migration 0013),
    so both rows cost one statement on SQLite and PostgreSQL alike.
    """
    now = now or utcnow()
    async with db.single() as conn:
        search_id = (await run_prebuilt(conn, _SAVING, {
            "user_id": user_id, "query": query.to_json(), "created_at": now,
            "logged": logged})).scalar_one()
    return await _page(db, search_id, user_id, query, 0, page_size, now)


async def load_search(db: Database, search_id: int, user_id: int) -> SearchQuery | None:
    """A saved search of this user; None if it is unknown, not theirs, or unreadable."""
    async with db.session() as session:
        saved = await session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != user_id:
        return None
    try:
        return SearchQuery.from_json(saved.query)
    except (TypeError, ValueError):
        return None


# The user's most recent search since a moment (its id and query).
_LATEST_SEARCH = (
    select(_SAVED.c.id, _SAVED.c.query)
    .where(_SAVED.c.user_id == bindparam("user"), _SAVED.c.created_at >= bindparam("since"))
    .order_by(_SAVED.c.created_at.desc(), _SAVED.c.id.desc())
    .limit(1)
)


async def latest_search(db: Database, user_id: int, since: datetime,
                        ) -> tuple[int, SearchQuery] | None:
    """The user's most recent search run at or after `since` (its id and query); None
    when there is none or it is unreadable."""
    async with db.reading() as conn:
        saved = (await run_prebuilt(conn, _LATEST_SEARCH,
                                    {"user": user_id, "since": since})).first()
    if saved is None:
        return None
    try:
        return saved.id, SearchQuery.from_json(saved.query)
    except (TypeError, ValueError):
        return None


async def search_page(
    db: Database, search_id: int, user_id: int, page: int, page_size: int,
    now: datetime | None = None,
) -> SearchPage | None:
    """Page `page` of a saved search of this user; None if it is unknown or not theirs."""
    query = await load_search(db, search_id, user_id)
    if query is None:
        return None
    return await _page(db, search_id, user_id, query, page, page_size, now)


async def _page(
    db: Database, search_id: int, user_id: int, query: SearchQuery, page: int,
    page_size: int, now: datetime | None,
) -> SearchPage:
    now = now or utcnow()
    personal = user_id if query.sort == "relevance" else None
    results, taste = await _find_deals(db, query, now, NO_TASTE, personal)
    last_page = max(0, (len(results) - 1) // page_size)
    page = min(max(page, 0), last_page)
    start = page * page_size
    return SearchPage(
        search_id=search_id,
        query=query,
        page=page,
        page_size=page_size,
        total=len(results),
        items=tuple(results[start : start + page_size]),
        favourite=taste.favourite if taste.favourite in {
            d.category for d in results[start : start + page_size]
        } and not query.category else None,
    )
