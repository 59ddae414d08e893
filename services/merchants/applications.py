"""Becoming a merchant: an application, reviewed by a platform admin.

An application creates the merchant as `pending`, owned by the applicant. An admin
approves or rejects it, once. Only approved merchants have deals on sale (search and
checkout check the merchant's status). A rejected applicant may apply again.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from services.catalog.deal_cards import Bilingual, is_chinese, vocabulary_changed
from services.catalog.taxonomy import category
from services.platform.database import Database
from services.platform.outbox import owe
from storage.models import Merchant, MerchantStaff, MerchantStatus, StaffRole, User

NAME_LENGTH = (2, 60)
DESCRIPTION_MAX = 300
_PHONE = re.compile(r"\+?[0-9][0-9 \-]{4,19}")


@dataclass(frozen=True)
class Application:
    """What an applicant filled in (validated by `check_*` before it gets here)."""

    name: str
    category: str
    phone: str
    description: str


@dataclass(frozen=True)
class MerchantView:
    """A merchant as its owner and the admins see it."""

    id: int
    name: Bilingual
    category: str
    phone: str | None
    description: Bilingual
    status: str
    owner_user_id: int | None
    owner_telegram_id: int | None


def check_name(text: str) -> str | None:
    """The business name, trimmed; None when it is too short, too long or has no letters."""
    name = " ".join(text.split())
    if not NAME_LENGTH[0] <= len(name) <= NAME_LENGTH[1]:
        return None
    return name if any(ch.isalnum() for ch in name) else None


def check_phone(text: str) -> str | None:
    """A contact phone (digits, spaces, dashes, a leading +), or None."""
    phone = text.strip()
    return phone if _PHONE.fullmatch(phone) else None


def check_description(text: str) -> str | None:
    """A short description, up to 300 characters ("-" for none); None when too long."""
    description = text.strip()
    if description in ("-", "—", "无", "none", "no"):
        return ""
    return description if len(description) <= DESCRIPTION_MAX else None


async def merchant_of_applicant(db: Database, user_id: int) -> MerchantView | None:
    """The newest merchant this person owns or applied for, or None."""
    async with db.session() as session:
        row = (
            await session.exec(
                select(Merchant, User).outerjoin(User, User.id == Merchant.owner_user_id)
                .where(Merchant.owner_user_id == user_id)
                .order_by(col(Merchant.id).desc())
            )
        ).first()
    return merchant_view(*row) if row else None


def application_key(merchant_id: int, admin_telegram_id: int) -> str:
    """The outbox key of one admin's copy of an application to review."""
    return f"application:{merchant_id}:{admin_telegram_id}"


async def apply(db: Database, user_id: int, form: Application, now: datetime,
                reviewers: Sequence[int] = ()) -> MerchantView:
    """File an application: a pending merchant owned by the applicant. Each of
    `reviewers` (admins' Telegram ids) is owed it to review, in the same transaction."""
    if category(form.category) is None:
        raise ValueError(f"unknown category {form.category!r}")
    chinese = is_chinese(form.name)
    async with db.transaction() as session:
        merchant = Merchant(
            slug=f"m-{secrets.token_hex(4)}",
            name_zh=form.name if chinese else None, name_en=None if chinese else form.name,
            category=form.category, phone=form.phone,
            description_zh=(form.description or None) if chinese else None,
            description_en=None if chinese else (form.description or None),
            status=MerchantStatus.PENDING, owner_user_id=user_id, created_at=now,
        )
        session.add(merchant)
        await session.flush()
        session.add(MerchantStaff(merchant_id=merchant.id, user_id=user_id,
                                  role=StaffRole.OWNER, created_at=now))
        user = await session.get(User, user_id)
        view = merchant_view(merchant, user)
        applicant = (user.first_name or str(user.telegram_id)) if user else "-"
        for admin in reviewers:
            await owe(db, await session.connection(), admin, "application", {
                "merchant_id": view.id, "applicant": applicant, "name": form.name,
                "category": form.category, "phone": form.phone,
                "description": form.description}, application_key(view.id, admin), now)
        return view


def merchant_news_key(merchant_id: int, outcome: str, now: datetime) -> str:
    """The outbox key of the owner's news of a change to their merchant at `now`."""
    return f"merchant:{merchant_id}:{outcome}:{now.isoformat()}"


async def owe_merchant_news(db: Database, conn: AsyncConnection, view: MerchantView,
                            outcome: str, now: datetime) -> None:
    """Owe the owner (if any) the news that their merchant was approved, rejected,
    suspended or restored, in the transaction that made the change."""
    if view.owner_telegram_id is None:
        return
    await owe(db, conn, view.owner_telegram_id, "merchant_news",
              {"merchant_id": view.id, "outcome": outcome, "name_zh": view.name.zh,
               "name_en": view.name.en}, merchant_news_key(view.id, outcome, now), now)


async def decide(db: Database, merchant_id: int, approve: bool,
                 now: datetime) -> MerchantView | None:
    """An admin's decision on a pending application, once; None when it is not pending.
    The applicant's news of it is owed in the same transaction (`merchant_news_key`), and
    an approval bumps the vocabulary version there too."""
    status = MerchantStatus.APPROVED if approve else MerchantStatus.REJECTED
    async with db.transaction() as session:
        moved = await session.exec(  # type: ignore[call-overload]
            update(Merchant)
            .where(col(Merchant.id) == merchant_id, col(Merchant.status) == MerchantStatus.PENDING)
            .values(status=status)
        )
        if moved.rowcount != 1:
            return None
        row = (
            await session.exec(
                select(Merchant, User).outerjoin(User, User.id == Merchant.owner_user_id)
                .where(Merchant.id == merchant_id)
            )
        ).one()
        view = merchant_view(*row)
        conn = await session.connection()
        await owe_merchant_news(db, conn, view, "approved" if approve else "rejected", now)
        if approve:  # its name is a word the parser should know now
            await vocabulary_changed(conn)
        return view


def merchant_view(merchant: Merchant, owner: User | None) -> MerchantView:
    """The view of a merchant row and its owner's user row (if any)."""
    assert merchant.id is not None
    return MerchantView(
        id=merchant.id, name=Bilingual(merchant.name_zh, merchant.name_en),
        category=merchant.category, phone=merchant.phone,
        description=Bilingual(merchant.description_zh, merchant.description_en),
        status=merchant.status, owner_user_id=merchant.owner_user_id,
        owner_telegram_id=owner.telegram_id if owner else None,
    )
