"""Following merchants: the storefront button, deal cards, and `/following`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from services.catalog import Bilingual
from services.database import Database
from storage.models import Follow, Merchant


@dataclass(frozen=True)
class FollowedMerchant:
    """A merchant the user follows."""

    merchant_id: int
    slug: str
    name: Bilingual


async def follow(db: Database, user_id: int, merchant_id: int, source: str = "bot") -> bool | None:
    """Follow a merchant. True if newly followed, False if already, None if no such merchant."""
    async with db.transaction() as session:
        if await session.get(Merchant, merchant_id) is None:
            return None
        existing = (
            await session.exec(
                select(Follow).where(Follow.user_id == user_id, Follow.merchant_id == merchant_id)
            )
        ).first()
        if existing is not None:
            return False
        session.add(Follow(user_id=user_id, merchant_id=merchant_id, source=source[:32]))
        return True


async def unfollow(db: Database, user_id: int, merchant_id: int) -> bool:
    """Stop following; True if the user was following."""
    async with db.transaction() as session:
        existing = (
            await session.exec(
                select(Follow).where(Follow.user_id == user_id, Follow.merchant_id == merchant_id)
            )
        ).first()
        if existing is None:
            return False
        await session.delete(existing)
        return True


async def list_following(db: Database, user_id: int) -> list[FollowedMerchant]:
    """The merchants a user follows, oldest follow first."""
    async with db.session() as session:
        rows = (
            await session.exec(
                select(Merchant)
                .join(Follow, Follow.merchant_id == Merchant.id)
                .where(Follow.user_id == user_id)
                .order_by(Follow.created_at, Follow.id)
            )
        ).all()
    return [
        FollowedMerchant(m.id, m.slug, Bilingual(m.name_zh, m.name_en))
        for m in rows
        if m.id is not None
    ]
