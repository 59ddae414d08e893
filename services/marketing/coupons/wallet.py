"""Claiming coupons, and a shopper's wallet.

- `claim` takes one coupon of a template with a conditional UPDATE on the template row
  (`claimed < total_quantity`), so concurrent claimers queue on that row and the last
  coupons are never given twice; the per-person limit is counted after taking the row,
  in the same transaction. Each claim carries a `claim_key` (unique): the same key
  claimed again, however often tapped, returns the coupon it gave the first time.
- A new follower gets the merchant's welcome coupon once (`give_welcome_coupon`).
- `wallet` lists what a person can still use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from services.catalog.deal_cards import Bilingual
from services.marketing.coupons.terms import TERMS_COLUMNS, CouponTerms, terms_of
from services.platform.database import Database
from services.platform.merchant_input import DEFAULT_VALID_DAYS
from storage.models import (
    Coupon,
    CouponStatus,
    CouponTemplate,
    CouponTemplateStatus,
    Merchant,
    MerchantStatus,
)

WELCOME = "welcome"

_T = CouponTemplate.__table__  # type: ignore[attr-defined]
_C = Coupon.__table__  # type: ignore[attr-defined]
_M = Merchant.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CouponView:
    """A coupon in somebody's wallet."""

    id: int
    template_id: int
    user_id: int
    merchant_id: int
    merchant_slug: str
    merchant_name: Bilingual
    terms: CouponTerms
    status: str
    source: str
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True)
class ClaimResult:
    """What a claim did: `claimed` (new coupon), `already` (this key's coupon), or why
    not: `gone` (all claimed), `limit` (per person), `ended` (paused, ended, merchant
    not selling), `expired` (the template's last day passed), `unknown`."""

    outcome: str
    coupon: CouponView | None = None


# A coupon with its merchant and its terms, as `coupon_of` reads it.
COUPON_ROWS = (
    select(_C.c.id, _C.c.template_id, _C.c.user_id, _C.c.merchant_id, _C.c.status,
           _C.c.source, _C.c.valid_from, _C.c.valid_until, _M.c.slug, _M.c.name_zh,
           _M.c.name_en, *TERMS_COLUMNS)
    .join(_T, _T.c.id == _C.c.template_id)
    .join(_M, _M.c.id == _C.c.merchant_id)
)


def coupon_of(row: Any) -> CouponView:
    """The coupon of a `COUPON_ROWS` row."""
    return CouponView(
        id=row.id, template_id=row.template_id, user_id=row.user_id,
        merchant_id=row.merchant_id, merchant_slug=row.slug,
        merchant_name=Bilingual(row.name_zh, row.name_en), terms=terms_of(row),
        status=row.status, source=row.source, valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


async def get_coupon(db: Database, coupon_id: int) -> CouponView | None:
    """The coupon with this id, or None."""
    async with db.session() as session:
        conn = await session.connection()
        row = (await conn.execute(COUPON_ROWS.where(_C.c.id == coupon_id))).first()
    return coupon_of(row) if row else None


# --------------------------------------------------------------------------- claiming


class _NoClaim(Exception):
    """Raised inside the claim transaction to roll the template's count back."""

    def __init__(self, outcome: str) -> None:
        self.outcome = outcome


def _approved_merchant(merchant_id: Any) -> Any:
    return select(_M.c.id).where(_M.c.id == merchant_id,
                                 _M.c.status == MerchantStatus.APPROVED).exists()


async def claim(db: Database, user_id: int, template_id: int, now: datetime, *, key: str,
                source: str) -> ClaimResult:
    """Put one coupon of a template into a person's wallet, in ONE transaction.

    The template row is taken with a conditional UPDATE (active, its merchant approved,
    some left, before its last day): concurrent claimers queue on it, so the last
    coupons go to exactly as many people as there are coupons. The person's own count
    is checked after taking the row. `key` (at most 64 characters, unique) makes the
    claim idempotent: the same key again returns its coupon as `already`. A welcome
    template is only claimed with `source="welcome"`.
    """
    key = key[:64]
    existing = await _by_key(db, key)
    if existing is not None:
        return ClaimResult("already" if existing.user_id == user_id else "unknown",
                           existing if existing.user_id == user_id else None)
    take = (
        update(_T)
        .where(_T.c.id == template_id, _T.c.status == CouponTemplateStatus.ACTIVE,
               or_(_T.c.total_quantity.is_(None), _T.c.claimed < _T.c.total_quantity),
               or_(_T.c.valid_until.is_(None), _T.c.valid_until > now),
               _approved_merchant(_T.c.merchant_id))
        .values(claimed=_T.c.claimed + 1)
        .returning(_T.c.merchant_id, _T.c.claimed, _T.c.total_quantity, _T.c.per_user_limit,
                   _T.c.valid_days, _T.c.valid_until)
    )
    if source != WELCOME:
        take = take.where(_T.c.welcome.is_(False))
    try:
        async with db.begin() as conn:
            taken = (await conn.execute(take)).first()
            if taken is None:
                raise _NoClaim("")
            merchant_id, claimed, total, limit, days, last = taken
            mine = (await conn.execute(
                select(func.count()).select_from(_C)
                .where(_C.c.user_id == user_id, _C.c.template_id == template_id))).scalar_one()
            if mine >= limit:
                raise _NoClaim("limit")
            if total is not None and claimed >= total:
                await conn.execute(
                    update(_T).where(_T.c.id == template_id,
                                     _T.c.status == CouponTemplateStatus.ACTIVE)
                    .values(status=CouponTemplateStatus.EXHAUSTED))
            until = now + timedelta(days=days or DEFAULT_VALID_DAYS)
            coupon_id = (await conn.execute(insert(_C).values(
                template_id=template_id, user_id=user_id, merchant_id=merchant_id,
                status=CouponStatus.AVAILABLE, source=source[:16], claim_key=key,
                valid_from=now, valid_until=min(until, last) if last else until,
                created_at=now,
            ).returning(_C.c.id))).scalar_one()
    except _NoClaim as refused:
        return ClaimResult(refused.outcome or await _why_not(db, template_id, now))
    except IntegrityError:  # the same key claimed at the same moment: it won, we rolled back
        again = await _by_key(db, key)
        if again is None or again.user_id != user_id:
            return ClaimResult("unknown")
        return ClaimResult("already", again)
    coupon = await get_coupon(db, coupon_id)
    return ClaimResult("claimed", coupon)


async def _by_key(db: Database, key: str) -> CouponView | None:
    async with db.session() as session:
        conn = await session.connection()
        row = (await conn.execute(COUPON_ROWS.where(_C.c.claim_key == key))).first()
    return coupon_of(row) if row else None


async def _why_not(db: Database, template_id: int, now: datetime) -> str:
    """Why a template gave nothing: unknown, gone, expired or ended."""
    async with db.session() as session:
        conn = await session.connection()
        row = (await conn.execute(
            select(_T.c.status, _T.c.claimed, _T.c.total_quantity, _T.c.valid_until,
                   _M.c.status.label("merchant_status"))
            .join(_M, _M.c.id == _T.c.merchant_id).where(_T.c.id == template_id))).first()
    if row is None:
        return "unknown"
    if row.status == CouponTemplateStatus.EXHAUSTED or (
            row.total_quantity is not None and row.claimed >= row.total_quantity):
        return "gone"
    if row.valid_until is not None and row.valid_until <= now:
        return "expired"
    if row.status == CouponTemplateStatus.ACTIVE and row.merchant_status == MerchantStatus.APPROVED:
        return "unknown"  # active and open: a welcome template, which nobody claims by hand
    return "ended"


async def give_welcome_coupon(db: Database, user_id: int, merchant_id: int,
                              now: datetime) -> CouponView | None:
    """The merchant's welcome coupon for a new follower, or None (no active welcome
    template, none left, or this person had it already: the key
    `welcome:<merchant>:<user>` means unfollowing and following again gives no second)."""
    async with db.session() as session:
        conn = await session.connection()
        template_id = (await conn.execute(
            select(_T.c.id).where(_T.c.merchant_id == merchant_id, _T.c.welcome.is_(True),
                                  _T.c.status == CouponTemplateStatus.ACTIVE))).scalar()
    if template_id is None:
        return None
    result = await claim(db, user_id, template_id, now, key=f"welcome:{merchant_id}:{user_id}",
                         source=WELCOME)
    return result.coupon if result.outcome == "claimed" else None


async def claims_of(db: Database, user_id: int, template_id: int) -> int:
    """How many coupons of this template the person has had (whatever became of them)."""
    async with db.session() as session:
        conn = await session.connection()
        return int((await conn.execute(
            select(func.count()).select_from(_C)
            .where(_C.c.user_id == user_id, _C.c.template_id == template_id))).scalar_one())


# --------------------------------------------------------------------------- wallet


async def wallet(db: Database, user_id: int, now: datetime) -> list[CouponView]:
    """The person's usable coupons, soonest to expire first: available ones, and those
    held by an unpaid order. Coupons past their last moment are marked expired first."""
    async with db.begin() as conn:
        await conn.execute(
            update(_C).where(_C.c.user_id == user_id, _C.c.status == CouponStatus.AVAILABLE,
                             _C.c.valid_until <= now)
            .values(status=CouponStatus.EXPIRED))
        rows = (await conn.execute(
            COUPON_ROWS.where(_C.c.user_id == user_id,
                               _C.c.status.in_((CouponStatus.AVAILABLE, CouponStatus.HELD)))
            .order_by(_C.c.valid_until, _C.c.id))).all()
    return [coupon_of(row) for row in rows]
