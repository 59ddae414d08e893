"""The tutorial's storage: one small table of feedback, made by the example itself.

This stands where a `services/` module would stand: plain functions that take the
`Database` and know nothing of chats. A real feature would declare its table in
`storage/models.py` with an Alembic migration; the tutorial keeps out of the app's
schema instead, and `setup` creates its table (if missing) through the database's own
engine, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, or_, select

from services.catalog.deal_cards import Bilingual
from services.platform.database import Database
from storage.models import Merchant, MerchantStatus
from storage.types import UTCDateTime

COMMENT_MAX = 300  # characters
SHOPS_SHOWN = 5  # when several shops match the words typed

# Its own MetaData, not the app's: the app's migrations and schema tests never see it.
metadata = MetaData()
feedback_table = Table(
    "tutorial_feedback", metadata,
    Column("id", Integer, primary_key=True),
    # No foreign key: `merchants` lives on the app's MetaData, which this one does not know.
    Column("merchant_id", Integer, nullable=False, index=True),
    Column("user_id", Integer, nullable=False),
    Column("stars", Integer, nullable=False),
    Column("comment", String(COMMENT_MAX), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)


async def setup(db: Database) -> None:
    """Create the feedback table unless it exists (call once at start-up)."""
    async with db.begin() as conn:
        await conn.run_sync(metadata.create_all)


@dataclass(frozen=True)
class Shop:
    """A merchant a shopper can give feedback to."""

    merchant_id: int
    name: Bilingual


async def find_shops(db: Database, words: str) -> list[Shop]:
    """Approved merchants whose name (either language) contains `words`, or whose slug
    is `words`; at most SHOPS_SHOWN + 1, so the caller can tell "too many"."""
    words = words.strip()
    query = (
        select(Merchant.id, Merchant.name_zh, Merchant.name_en)
        .where(Merchant.status == MerchantStatus.APPROVED)
        .where(or_(
            Merchant.slug == words.lower(),
            func.lower(Merchant.name_zh).contains(words.lower(), autoescape=True),
            func.lower(Merchant.name_en).contains(words.lower(), autoescape=True),
        ))
        .order_by(Merchant.id)
        .limit(SHOPS_SHOWN + 1)
    )
    async with db.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [Shop(row.id, Bilingual(row.name_zh, row.name_en)) for row in rows]


def comment_problem(text: str) -> str | None:
    """What is wrong with a comment, or None when it can be saved: "empty",
    "too-long" (over COMMENT_MAX characters) or "no-words" (only emoji or symbols).

    Text that looks like SQL is not a problem: it is stored as typed, as a bound
    parameter, like any other text."""
    text = text.strip()
    if not text:
        return "empty"
    if len(text) > COMMENT_MAX:
        return "too-long"
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):  # letters, numbers
        return "no-words"
    return None


async def add_feedback(db: Database, merchant_id: int, user_id: int, stars: int,
                       comment: str, now: datetime) -> int:
    """Store one rating and comment (checked by the caller); returns its id."""
    if not 1 <= stars <= 5 or comment_problem(comment) is not None:
        raise ValueError("feedback not checked before saving")
    async with db.begin() as conn:
        result = await conn.execute(insert(feedback_table).values(
            merchant_id=merchant_id, user_id=user_id, stars=stars,
            comment=comment.strip(), created_at=now))
    return int(result.inserted_primary_key[0])


@dataclass(frozen=True)
class Review:
    """One piece of feedback, as the merchant's owner sees it."""

    id: int
    stars: int
    comment: str
    created_at: datetime


@dataclass(frozen=True)
class ReviewPage:
    """A page of a merchant's feedback, newest first; `more` when older ones exist."""

    reviews: list[Review]
    more: bool


async def latest_reviews(db: Database, merchant_id: int, *, before: int | None,
                         limit: int) -> ReviewPage:
    """The newest `limit` reviews of the merchant, those older than review `before`
    when given (keyset paging: a review added meanwhile does not shift the pages)."""
    query = select(feedback_table).where(feedback_table.c.merchant_id == merchant_id)
    if before is not None:
        query = query.where(feedback_table.c.id < before)
    query = query.order_by(feedback_table.c.id.desc()).limit(limit + 1)
    async with db.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    reviews = [Review(r.id, r.stars, r.comment, r.created_at) for r in rows[:limit]]
    return ReviewPage(reviews, more=len(rows) > limit)
