"""Following merchants: the storefront (and its poster's QR), deal cards, typed "关注海底捞",
and `/following`. A new follower gets the merchant's welcome coupon, if it has one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from services.catalog.deal_cards import Bilingual
from services.marketing.coupons.wallet import CouponView, give_welcome_coupon
from services.platform.database import Database, run_prebuilt
from storage.models import Follow, Merchant, MerchantStatus


@dataclass(frozen=True)
class FollowedMerchant:
    """A merchant the user follows."""

    merchant_id: int
    slug: str
    name: Bilingual


@dataclass(frozen=True)
class FollowResult:
    """What following did: `outcome` followed / already / unknown (no such merchant),
    and the welcome coupon a new follower got (None when there was none to give)."""

    outcome: str
    welcome: CouponView | None = None


async def follow(db: Database, user_id: int, merchant_id: int, now: datetime,
                 source: str = "bot") -> FollowResult:
    """Follow a merchant; a new follower gets its welcome coupon (once per person and
    merchant, however often they unfollow and follow again)."""
    try:
        async with db.transaction() as session:
            if await session.get(Merchant, merchant_id) is None:
                return FollowResult("unknown")
            existing = (
                await session.exec(
                    select(Follow).where(Follow.user_id == user_id,
                                         Follow.merchant_id == merchant_id)
                )
            ).first()
            if existing is not None:
                return FollowResult("already")
            session.add(Follow(user_id=user_id, merchant_id=merchant_id, source=source[:32],
                               created_at=now))
    except IntegrityError:  # the same follow at the same moment (a double tap): it won
        return FollowResult("already")
    return FollowResult("followed", await give_welcome_coupon(db, user_id, merchant_id, now))


_FOLLOWS = Follow.__table__  # type: ignore[attr-defined]
_FOLLOWING = sa_select(_FOLLOWS.c.id).where(_FOLLOWS.c.user_id == bindparam("user"),
                                            _FOLLOWS.c.merchant_id == bindparam("merchant"))


async def is_following(db: Database, user_id: int, merchant_id: int) -> bool:
    """Does the user follow this merchant?"""
    async with db.reading() as conn:
        found = await run_prebuilt(conn, _FOLLOWING, {"user": user_id, "merchant": merchant_id})
        return found.first() is not None


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


async def latest_followed_shop(db: Database, user_id: int) -> str | None:
    """The slug of the approved merchant the user followed last (a scanned poster
    follows too), or None when they follow none: whose shop their menu button opens."""
    async with db.session() as session:
        return (await session.exec(
            select(Merchant.slug)
            .join(Follow, Follow.merchant_id == Merchant.id)
            .where(Follow.user_id == user_id, Merchant.status == MerchantStatus.APPROVED)
            .order_by(Follow.created_at.desc(), Follow.id.desc())  # type: ignore[attr-defined]
            .limit(1)
        )).first()
