"""A merchant's coupon templates: creating, listing, pausing, the welcome one, and
the floor check.

Before a coupon is made, `impact_on` shows what it does to the merchant's deals: which it
takes below a floor (a share of the price) or to nothing, so the owner confirms twice;
an amount off with no minimum spend worth every deal's whole price is not made at all
(`create_template` says "too_big").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, or_, select, update

from services.catalog.deal_cards import Bilingual, is_chinese
from services.marketing.coupons.terms import (
    TERMS_COLUMNS,
    CouponTerms,
    HasTerms,
    discount_for,
    face_value,
    terms_of,
)
from services.merchants.deals import owned_merchant_ids, seller_of
from services.platform.database import Database
from services.platform.merchant_input import CURRENCY
from storage.models import (
    Coupon,
    CouponKind,
    CouponStatus,
    CouponTemplate,
    CouponTemplateStatus,
    Deal,
    DealStatus,
    Merchant,
)

STOREFRONT_CLAIMS = 3  # claimable templates a storefront shows

_T = CouponTemplate.__table__  # type: ignore[attr-defined]
_C = Coupon.__table__  # type: ignore[attr-defined]
_M = Merchant.__table__  # type: ignore[attr-defined]
_D = Deal.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TemplateView:
    """One of a merchant's coupon templates, as `/coupon` lists it."""

    id: int
    merchant_id: int
    terms: CouponTerms
    status: str
    claimed: int
    used: int
    welcome: bool
    valid_until: datetime | None


# --------------------------------------------------------------------------- the floor check


@dataclass(frozen=True)
class PricedDeal:
    """One of the merchant's deals, as far as a coupon's effect goes."""

    id: int
    title: Bilingual
    price: int  # minor units, one unit
    per_user_limit: int


@dataclass(frozen=True)
class DealEffect:
    """A coupon on one deal: the smallest order it applies to (one unit, or as many as
    its minimum spend needs), what that costs before and after, and the floor."""

    deal_id: int
    title: Bilingual
    quantity: int
    before: int
    after: int  # what the buyer pays (never below one minor unit)
    floor: int  # the least the floor setting lets an order of `before` cost
    below_floor: bool  # the coupon takes the order below the floor (or to nothing)


@dataclass(frozen=True)
class CouponImpact:
    """What a coupon would do to the merchant's deals (on sale or paused)."""

    floor_percent: int
    deals: int  # deals looked at
    effects: tuple[DealEffect, ...]  # deals it applies to, least of the price left first
    too_big: bool  # an amount off with no minimum, worth every deal's whole price

    @property
    def below_floor(self) -> tuple[DealEffect, ...]:
        """The deals the coupon takes below the floor, worst first."""
        return tuple(e for e in self.effects if e.below_floor)

    @property
    def cheapest(self) -> DealEffect | None:
        """The lowest price anybody pays with the coupon."""
        return min(self.effects, key=lambda e: (e.after, e.before), default=None)

    @property
    def dearest(self) -> DealEffect | None:
        """The dearest deal the coupon applies to."""
        return max(self.effects, key=lambda e: e.before, default=None)


def floor_of(price: int, floor_percent: int) -> int:
    """The least an order of `price` may cost after a coupon without a warning:
    `floor_percent` of it, rounded up, and never below one minor unit."""
    return max(1, -(-price * floor_percent // 100))


def impact_on(terms: HasTerms, deals: Sequence[PricedDeal], floor_percent: int) -> CouponImpact:
    """What `terms` does to each deal, judged on the smallest order it applies to (the
    one where it takes the largest share: a bigger order only dilutes it). A deal whose
    per-person limit never reaches the minimum spend is left out. Too big: an amount
    off with no minimum spend that is worth at least the price of every deal."""
    effects: list[DealEffect] = []
    for deal in deals:
        if deal.price <= 0:
            continue
        quantity = max(1, -(-terms.min_spend // deal.price))
        if quantity > max(deal.per_user_limit, 1):
            continue
        before = deal.price * quantity
        floor = floor_of(before, floor_percent)
        effects.append(DealEffect(
            deal.id, deal.title, quantity, before, before - discount_for(terms, before), floor,
            below_floor=before - face_value(terms, before) < floor))
    effects.sort(key=lambda e: (e.after * 10_000 // e.before, e.after, e.deal_id))
    too_big = (terms.kind == CouponKind.AMOUNT_OFF and not terms.min_spend and bool(effects)
               and all(terms.amount_off >= e.before for e in effects))
    return CouponImpact(floor_percent, len(deals), tuple(effects), too_big)


# --------------------------------------------------------------------------- templates


def _owned_approved(user_id: int) -> Any:
    """The approved merchants `user_id` owns (a subquery for WHERE ... IN)."""
    return owned_merchant_ids(user_id, approved=True)


async def create_template(db: Database, owner_user_id: int, terms: CouponTerms,
                          now: datetime, *, title: Bilingual | None = None) -> int | str:
    """A new active template for the approved merchant `owner_user_id` owns: its id, or
    "not_owner" / "not_approved", or "too_big" (an amount off with no minimum worth
    every deal's whole price, see `impact_on`). Ownership and approval are re-checked
    in the write. `title` is the coupon in words (pushes and lists show it), in both
    languages."""
    seller = await seller_of(db, owner_user_id)
    if seller is None:
        return "not_owner"
    if not seller.approved:
        return "not_approved"
    if (await coupon_impact(db, seller.merchant_id, terms, now, 0, terms.currency)).too_big:
        return "too_big"
    item_zh = terms.item if terms.item and is_chinese(terms.item) else None
    item_en = terms.item if terms.item and not is_chinese(terms.item) else None
    async with db.begin() as conn:
        merchant_id = (await conn.execute(
            select(_M.c.id).where(_M.c.id == seller.merchant_id,
                                  _M.c.id.in_(_owned_approved(owner_user_id))))).scalar()
        if merchant_id is None:
            return "not_approved"
        return int((await conn.execute(insert(_T).values(
            merchant_id=merchant_id, kind=terms.kind, item_zh=item_zh, item_en=item_en,
            title_zh=title.zh[:120] if title and title.zh else None,
            title_en=title.en[:120] if title and title.en else None,
            amount_off=terms.amount_off, percent_off=terms.percent_off, cap=terms.cap,
            min_spend=terms.min_spend, currency=terms.currency, valid_days=terms.valid_days,
            total_quantity=terms.total_quantity, claimed=0,
            per_user_limit=terms.per_user_limit, welcome=False,
            status=CouponTemplateStatus.ACTIVE, created_at=now,
        ).returning(_T.c.id))).scalar_one())


async def coupon_impact(db: Database, merchant_id: int, terms: HasTerms, now: datetime,
                        floor_percent: int, currency: str = CURRENCY) -> CouponImpact:
    """What `terms` would do to the merchant's deals in `currency` that are on sale or
    paused and not past their last day (see `impact_on`)."""
    async with db.session() as session:
        conn = await session.connection()
        rows = (await conn.execute(
            select(_D.c.id, _D.c.title_zh, _D.c.title_en, _D.c.price, _D.c.per_user_limit)
            .where(_D.c.merchant_id == merchant_id, _D.c.currency == currency,
                   _D.c.status.in_((DealStatus.ACTIVE, DealStatus.PAUSED)),
                   _D.c.valid_until > now)
            .order_by(_D.c.id))).all()
    deals = [PricedDeal(r.id, Bilingual(r.title_zh, r.title_en), r.price, r.per_user_limit)
             for r in rows]
    return impact_on(terms, deals, floor_percent)


def _template_rows() -> Any:
    used = (select(func.count()).select_from(_C)
            .where(_C.c.template_id == _T.c.id, _C.c.status == CouponStatus.USED)
            .scalar_subquery())
    return select(_T.c.id, _T.c.merchant_id, _T.c.status, _T.c.claimed, _T.c.welcome,
                  _T.c.valid_until, used.label("used"), *TERMS_COLUMNS)


def _template_of(row: Any) -> TemplateView:
    return TemplateView(row.id, row.merchant_id, terms_of(row), row.status, row.claimed,
                        int(row.used), bool(row.welcome), row.valid_until)


async def list_templates(db: Database, owner_user_id: int) -> list[TemplateView] | None:
    """The templates of the merchant `owner_user_id` owns (live ones first, newest
    first); None when they own no merchant."""
    async with db.session() as session:
        conn = await session.connection()
        merchant_id = (await conn.execute(owned_merchant_ids(owner_user_id))).scalar()
        if merchant_id is None:
            return None
        rows = (await conn.execute(
            _template_rows().where(_T.c.merchant_id == merchant_id)
            .order_by(_T.c.status == CouponTemplateStatus.ENDED, _T.c.id.desc()))).all()
    return [_template_of(row) for row in rows]


async def claimable_templates(db: Database, merchant_id: int,
                              now: datetime) -> list[TemplateView]:
    """The merchant's templates anyone may claim now (active, some left, not the
    welcome one), oldest first, at most `STOREFRONT_CLAIMS`."""
    async with db.session() as session:
        conn = await session.connection()
        rows = (await conn.execute(
            _template_rows().where(
                _T.c.merchant_id == merchant_id, _T.c.status == CouponTemplateStatus.ACTIVE,
                _T.c.welcome.is_(False),
                or_(_T.c.total_quantity.is_(None), _T.c.claimed < _T.c.total_quantity),
                or_(_T.c.valid_until.is_(None), _T.c.valid_until > now))
            .order_by(_T.c.id).limit(STOREFRONT_CLAIMS))).all()
    return [_template_of(row) for row in rows]


# Which statuses each action leaves, and the one it reaches.
_MOVES = {
    "pause": ((CouponTemplateStatus.ACTIVE,), CouponTemplateStatus.PAUSED),
    "resume": ((CouponTemplateStatus.PAUSED,), CouponTemplateStatus.ACTIVE),
    "end": ((CouponTemplateStatus.ACTIVE, CouponTemplateStatus.PAUSED,
             CouponTemplateStatus.EXHAUSTED), CouponTemplateStatus.ENDED),
}
TEMPLATE_ACTIONS = tuple(_MOVES)


async def set_template_status(db: Database, owner_user_id: int, template_id: int,
                              action: str) -> str:
    """Pause, resume or end a template of the approved merchant `owner_user_id` owns,
    with one conditional UPDATE: "done", "already" (cannot move from where it is),
    "not_owner". Coupons already in wallets stay good whatever happens to the template.
    """
    if action not in _MOVES:
        return "not_owner"
    leaves, reaches = _MOVES[action]
    move = (update(_T).where(_T.c.id == template_id, _T.c.status.in_(leaves),
                             _T.c.merchant_id.in_(_owned_approved(owner_user_id)))
            .values(status=reaches))
    if action == "resume":  # a template with nothing left stays exhausted
        move = move.where(or_(_T.c.total_quantity.is_(None),
                              _T.c.claimed < _T.c.total_quantity))
    async with db.begin() as conn:
        if (await conn.execute(move)).rowcount == 1:
            return "done"
        mine = (await conn.execute(
            select(_T.c.id).where(_T.c.id == template_id,
                                  _T.c.merchant_id.in_(_owned_approved(owner_user_id))))).scalar()
    return "already" if mine is not None else "not_owner"


async def set_welcome(db: Database, owner_user_id: int, template_id: int,
                      welcome: bool = True) -> str:
    """Make a template the merchant's welcome coupon (given to each new follower), or
    stop it being one. At most one welcome template per merchant: the merchant's row is
    locked first, so two owners' taps at once still leave exactly one. Returns "done",
    "ended" (an ended or exhausted template cannot become the welcome one) or "not_owner".
    """
    async with db.begin() as conn:
        merchant_id = (await conn.execute(
            select(_M.c.id)
            .where(_M.c.id == select(_T.c.merchant_id).where(_T.c.id == template_id)
                   .scalar_subquery(),
                   _M.c.id.in_(_owned_approved(owner_user_id)))
            .with_for_update())).scalar()
        if merchant_id is None:
            return "not_owner"
        if not welcome:
            await conn.execute(update(_T).where(_T.c.id == template_id).values(welcome=False))
            return "done"
        status = (await conn.execute(
            select(_T.c.status).where(_T.c.id == template_id))).scalar_one()
        if status not in (CouponTemplateStatus.ACTIVE, CouponTemplateStatus.PAUSED):
            return "ended"
        await conn.execute(
            update(_T).where(_T.c.merchant_id == merchant_id)
            .values(welcome=case((_T.c.id == template_id, True), else_=False)))
        return "done"
