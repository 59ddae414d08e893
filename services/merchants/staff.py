"""A merchant's people: the owner invites staff with a one-time link, lists and removes them.

Staff may redeem the merchant's codes (`services.orders.redemption`); only the owner manages
staff. An invite link works once, for 24 hours, and whoever opens it becomes staff of
the merchant that made it (for every store).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from services.catalog.deal_cards import Bilingual
from services.platform.database import Database
from storage.models import Merchant, MerchantStaff, StaffInvite, StaffRole, User

INVITE_LIFETIME = timedelta(hours=24)
INVITE_PREFIX = "staff_"  # /start staff_<token>


@dataclass(frozen=True)
class StaffMember:
    """Someone who works for the merchant."""

    user_id: int
    name: str
    role: str
    since: datetime


@dataclass(frozen=True)
class InviteAnswer:
    """What opening an invite link did."""

    outcome: str  # joined, already, used, expired, unknown
    merchant: Bilingual | None = None


# Who owns a merchant is decided once, by `services.merchants.deals.owned_merchant_ids`
# (the router's owner roles load it): the functions below take the owner's merchant.


async def create_invite(db: Database, merchant_id: int, owner_user_id: int,
                        now: datetime) -> str:
    """A fresh one-time invite token for the merchant, made by its owner."""
    token = secrets.token_urlsafe(16)
    async with db.transaction() as session:
        session.add(StaffInvite(token=token, merchant_id=merchant_id, created_by=owner_user_id,
                                created_at=now, expires_at=now + INVITE_LIFETIME))
    return token


async def accept_invite(db: Database, token: str, user_id: int, now: datetime) -> InviteAnswer:
    """Whoever opens an unused, unexpired link becomes staff of its merchant, once."""
    async with db.transaction() as session:
        invite = await session.get(StaffInvite, token[:32])
        if invite is None:
            return InviteAnswer("unknown")
        merchant = await session.get(Merchant, invite.merchant_id)
        name = Bilingual(merchant.name_zh, merchant.name_en) if merchant else None
        already = (
            await session.exec(select(MerchantStaff.id).where(
                MerchantStaff.merchant_id == invite.merchant_id,
                MerchantStaff.user_id == user_id))
        ).first()
        if already is not None or (merchant is not None and merchant.owner_user_id == user_id):
            return InviteAnswer("already", name)
        if invite.used_at is not None:
            return InviteAnswer("used", name)
        if invite.expires_at <= now:
            return InviteAnswer("expired", name)
        taken = await session.exec(  # type: ignore[call-overload]
            update(StaffInvite)
            .where(col(StaffInvite.token) == invite.token, col(StaffInvite.used_at).is_(None))
            .values(used_by=user_id, used_at=now)
        )
        if taken.rowcount != 1:
            return InviteAnswer("used", name)  # someone else opened it a moment ago
        session.add(MerchantStaff(merchant_id=invite.merchant_id, user_id=user_id,
                                  role=StaffRole.STAFF, created_at=now))
    return InviteAnswer("joined", name)


async def list_staff(db: Database, merchant_id: int) -> list[StaffMember]:
    """The merchant's people, owner first."""
    async with db.session() as session:
        rows = (
            await session.exec(
                select(MerchantStaff, User).join(User, User.id == MerchantStaff.user_id)
                .where(MerchantStaff.merchant_id == merchant_id)
                .order_by(col(MerchantStaff.role).desc(), col(MerchantStaff.created_at))
            )
        ).all()
    return [StaffMember(u.id or 0, u.first_name or (u.username or str(u.telegram_id)),
                        s.role, s.created_at) for s, u in rows]


async def remove_staff(db: Database, merchant_id: int, staff_user_id: int) -> bool:
    """The owner takes someone off the merchant's staff (never an owner: only `staff`
    rows are removed). False if nothing changed."""
    try:
        async with db.transaction() as session:
            member = (
                await session.exec(select(MerchantStaff).where(
                    MerchantStaff.merchant_id == merchant_id,
                    MerchantStaff.user_id == staff_user_id,
                    MerchantStaff.role == StaffRole.STAFF))
            ).first()
            if member is None:
                return False
            await session.delete(member)
    except IntegrityError:  # pragma: no cover - nothing references a staff row
        return False
    return True
