"""Coupons at checkout: choosing, holding, using and giving one back.

At checkout (`services.orders.checkout.start_order`) the buyer's best coupon of the deal's
merchant is held by the order in the order's own transaction (`hold_for_order`:
available -> held with `WHERE status = 'available'`, so two orders never hold one
coupon); paying marks it used (`use_coupon`), a cancelled or expired order or a whole
refund gives it back (`release_coupon`). "Change coupon" lists the others
(`coupons_for_order`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, Update, bindparam, case, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.marketing.coupons.terms import applies, discount_for
from services.marketing.coupons.wallet import COUPON_ROWS, CouponView, coupon_of
from services.platform.database import Database, run_prebuilt
from storage.models import Coupon, CouponStatus, CouponTemplate, Deal, Order, OrderStatus

_T = CouponTemplate.__table__  # type: ignore[attr-defined]
_C = Coupon.__table__  # type: ignore[attr-defined]
_O = Order.__table__  # type: ignore[attr-defined]
_D = Deal.__table__  # type: ignore[attr-defined]


class CouponUnavailable(Exception):
    """The coupon asked for at checkout cannot be used on this order (any more)."""


@dataclass(frozen=True)
class ApplicableCoupon:
    """A coupon that can be used on an order, and what it takes off."""

    coupon: CouponView
    discount: int


@dataclass(frozen=True)
class AppliedCoupon:
    """The coupon an order holds, and its discount."""

    coupon_id: int
    discount: int


# The buyer's coupons of a merchant that can be used now, in a currency.
_USABLE = COUPON_ROWS.where(
    _C.c.user_id == bindparam("user"), _C.c.merchant_id == bindparam("merchant"),
    _C.c.status == CouponStatus.AVAILABLE, _C.c.valid_from <= bindparam("now"),
    _C.c.valid_until > bindparam("now"), _T.c.currency == bindparam("currency"))


def _usable(user_id: int, merchant_id: int, currency: str, now: datetime) -> dict[str, Any]:
    """The parameters of `_USABLE`."""
    return {"user": user_id, "merchant": merchant_id, "currency": currency, "now": now}


def _best_first(rows: Sequence[Any], subtotal: int) -> list[ApplicableCoupon]:
    """Coupons that apply to `subtotal`, biggest discount first, then soonest expiry."""
    found = [ApplicableCoupon(c, discount_for(c.terms, subtotal))
             for c in map(coupon_of, rows)]
    found = [a for a in found if applies(a.coupon.terms, subtotal)]
    found.sort(key=lambda a: (-a.discount, a.coupon.valid_until, a.coupon.id))
    return found


async def hold_for_order(conn: AsyncConnection, *, user_id: int, merchant_id: int,
                         currency: str, subtotal: int, now: datetime,
                         choice: int | Literal["best"] | None) -> AppliedCoupon | None:
    """Inside the order's transaction: hold the coupon the order uses (available ->
    held, only if still available, so two orders never hold one coupon).

    `choice` "best" takes the best applicable coupon (none is fine); a coupon id takes
    exactly that one or raises `CouponUnavailable`; None uses no coupon.
    """
    if choice is None:
        return None
    query = _USABLE if choice == "best" else _USABLE.where(_C.c.id == choice)
    candidates = _best_first(
        (await conn.execute(query, _usable(user_id, merchant_id, currency, now))).all(),
        subtotal)
    for candidate in candidates:
        held = await conn.execute(
            update(_C).where(_C.c.id == candidate.coupon.id,
                             _C.c.status == CouponStatus.AVAILABLE)
            .values(status=CouponStatus.HELD))
        if held.rowcount == 1:
            return AppliedCoupon(candidate.coupon.id, candidate.discount)
    if choice != "best":
        raise CouponUnavailable(choice)
    return None


async def release_coupon(conn: AsyncConnection, coupon_id: int | None, now: datetime, *,
                         from_status: str = CouponStatus.HELD) -> bool:
    """Give a coupon back to its owner, inside the caller's transaction: held by an order
    that closed unpaid, or (`from_status` used) used by an order refunded in full. It is
    available again, or expired when its time is up."""
    if coupon_id is None:
        return False
    back = case((_C.c.valid_until > now, CouponStatus.AVAILABLE), else_=CouponStatus.EXPIRED)
    result = await conn.execute(
        update(_C).where(_C.c.id == coupon_id, _C.c.status == from_status)
        .values(status=back, used_at=None))
    return bool(result.rowcount == 1)


async def use_coupon(conn: AsyncConnection, coupon_id: int | None, now: datetime, *,
                     from_status: str = CouponStatus.HELD) -> bool:
    """Mark the coupon of a paid order used, inside the payment's transaction. An order
    paid after its hold ran out takes its coupon back from `available` (if still good)."""
    if coupon_id is None:
        return False
    where = [_C.c.id == coupon_id, _C.c.status == from_status]
    if from_status == CouponStatus.AVAILABLE:
        where.append(_C.c.valid_until > now)
    result = await conn.execute(
        update(_C).where(*where).values(status=CouponStatus.USED, used_at=now))
    return bool(result.rowcount == 1)


def coupon_used(when: ColumnElement[bool]) -> Update:
    """PostgreSQL: `use_coupon` (from held) prebuilt, for the payment's statement that
    joins it to its other writes (`storage.db.joined`): coupon `coupon` (none when it is
    NULL) used at `now`, only `when` (that the order was paid)."""
    return (update(_C)
            .where(_C.c.id == bindparam("coupon", type_=Integer),
                   _C.c.status == CouponStatus.HELD, when)
            .values(status=CouponStatus.USED, used_at=bindparam("now", type_=_C.c.used_at.type)))


@dataclass(frozen=True)
class OrderCoupons:
    """A pending order's coupon and the others its buyer could use instead."""

    order_id: int
    deal_id: int
    quantity: int
    subtotal: int
    current: CouponView | None
    others: list[ApplicableCoupon]


# A buyer's order as "change coupon" needs it, with its deal's merchant and whether the
# buyer holds any coupon of that merchant (when not, most buyers, `_USABLE` is skipped).
_ORDER_FOR_COUPONS = (
    select(_O.c.id, _O.c.deal_id, _O.c.quantity, _O.c.unit_price, _O.c.currency,
           _O.c.coupon_id, _O.c.status, _D.c.merchant_id,
           select(_C.c.id).where(_C.c.user_id == _O.c.user_id,
                                 _C.c.merchant_id == _D.c.merchant_id,
                                 _C.c.status == CouponStatus.AVAILABLE).exists()
           .label("may_have_coupon"))
    .join(_D, _D.c.id == _O.c.deal_id)
    .where(_O.c.id == bindparam("order"), _O.c.user_id == bindparam("user"))
)
_COUPON_BY_ID = COUPON_ROWS.where(_C.c.id == bindparam("coupon"))


async def coupons_for_order(db: Database, user_id: int, order_id: int,
                            now: datetime) -> OrderCoupons | None:
    """For "change coupon": the buyer's pending order's coupon and the other coupons
    that apply to it; None when it is not this person's pending order."""
    async with db.reading() as conn:
        order = (await run_prebuilt(conn, _ORDER_FOR_COUPONS,
                                    {"order": order_id, "user": user_id})).first()
        if order is None or order.status != OrderStatus.PENDING:
            return None
        current_row = None
        if order.coupon_id is not None:
            current_row = (await run_prebuilt(conn, _COUPON_BY_ID,
                                              {"coupon": order.coupon_id})).first()
        rows = (await run_prebuilt(conn, _USABLE, _usable(
            user_id, order.merchant_id, order.currency, now))).all() \
            if order.may_have_coupon else []
    subtotal = order.unit_price * order.quantity
    return OrderCoupons(order.id, order.deal_id, order.quantity, subtotal,
                        coupon_of(current_row) if current_row else None,
                        _best_first(rows, subtotal))
