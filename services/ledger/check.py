"""Proving the books (`o2o ledger check`): every rule, over every entry, in SQL.

The rules, in the order they are checked (the first broken one is reported):
1. every entry's lines sum to zero, in the entry's one currency, and carry its order;
2. no account that must not go negative does (`books.NEVER_NEGATIVE`), and the
   platform's cash in each currency is below zero by no more than it is owed back
   (merchants and referrers left negative by a refund after payout);
3. every paid order was posted once, for exactly what it cost (its cash line);
   nothing was posted for an order that was never paid;
4. every paid order's money is fully accounted for: merchant (pending + payable) +
   platform fee (pending + income) + commissions (pending + frozen + available) +
   refunds (owed + paid back) = paid, and what its refund entries gave back is what
   the order says was refunded;
5. an order with no unit left open holds nothing pending (a 拼团 member's order has no
   units until its group fills: while the group is open its money is pending);
6. payouts: the money in transit is what requested payouts add up to;
7. bookings' deposits: each merchant's deposits held are exactly the paid deposits of
   its bookings still held or confirmed, and the deposits paid in (their cash) are
   exactly what the bookings marked paid cost, each posted once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.ledger.books import NEVER_NEGATIVE, ORDER_PENDING, AccountKind
from services.platform.database import Database
from storage.models import (
    Booking,
    BookingStatus,
    BuyGroup,
    CodeStatus,
    GroupStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerLine,
    Order,
    OrderStatus,
    Payout,
    PayoutStatus,
    RedemptionCode,
    Refund,
    Store,
)

K = AccountKind
_ACCOUNTS, _ENTRIES, _LINES = (
    LedgerAccount.__table__, LedgerEntry.__table__,  # type: ignore[attr-defined]
    LedgerLine.__table__,  # type: ignore[attr-defined]
)
_ORDERS, _CODES, _REFUNDS, _PAYOUTS = (
    Order.__table__, RedemptionCode.__table__, Refund.__table__,  # type: ignore[attr-defined]
    Payout.__table__,  # type: ignore[attr-defined]
)
_GROUPS = BuyGroup.__table__  # type: ignore[attr-defined]
_BOOKINGS, _STORES = Booking.__table__, Store.__table__  # type: ignore[attr-defined]
PAID = (OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.REFUNDED)


@dataclass(frozen=True)
class BookCheck:
    """The outcome: `problem` names the first broken rule (None: the books hold)."""

    problem: str | None
    entries: int
    lines: int
    paid_orders: int

    @property
    def ok(self) -> bool:
        """True when every rule holds."""
        return self.problem is None


async def check_books(db: Database) -> BookCheck:
    """Check every rule above; stop at the first broken one."""
    async with db.engine.connect() as conn:
        entries = int((await conn.execute(select(func.count()).select_from(_ENTRIES))).scalar())
        lines = int((await conn.execute(select(func.count()).select_from(_LINES))).scalar())
        paid = int((await conn.execute(select(func.count()).select_from(_ORDERS).where(
            _ORDERS.c.status.in_(PAID)))).scalar())
        problem = None
        for rule in (_balanced, _not_negative, _paid_once, _accounted, _settled, _payouts,
                     _deposits):
            problem = await rule(conn)
            if problem is not None:
                break
    return BookCheck(problem, entries, lines, paid)


async def _balanced(conn: AsyncConnection) -> str | None:
    row = (await conn.execute(
        select(_LINES.c.entry_id, func.sum(_LINES.c.amount)).group_by(_LINES.c.entry_id)
        .having(func.sum(_LINES.c.amount) != 0).limit(1))).first()
    if row is not None:
        return f"entry {row[0]} does not balance: its lines sum to {row[1]}"
    row = (await conn.execute(
        select(_LINES.c.entry_id).select_from(
            _LINES.join(_ENTRIES, _ENTRIES.c.id == _LINES.c.entry_id)
            .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id))
        .where(_ACCOUNTS.c.currency != _ENTRIES.c.currency).limit(1))).first()
    if row is not None:
        return f"entry {row[0]} mixes currencies"
    row = (await conn.execute(
        select(_LINES.c.entry_id).select_from(
            _LINES.join(_ENTRIES, _ENTRIES.c.id == _LINES.c.entry_id))
        .where(func.coalesce(_LINES.c.order_id, -1)
               != func.coalesce(_ENTRIES.c.order_id, -1)).limit(1))).first()
    if row is not None:
        return f"entry {row[0]} has lines of another order"
    return None


async def _not_negative(conn: AsyncConnection) -> str | None:
    total = func.sum(_LINES.c.amount)
    row = (await conn.execute(
        select(_ACCOUNTS.c.kind, _ACCOUNTS.c.ref, _ACCOUNTS.c.currency, total)
        .join(_LINES, _LINES.c.account_id == _ACCOUNTS.c.id)
        .where(_ACCOUNTS.c.kind.in_(list(NEVER_NEGATIVE)))
        .group_by(_ACCOUNTS.c.id, _ACCOUNTS.c.kind, _ACCOUNTS.c.ref, _ACCOUNTS.c.currency)
        .having(total > 0).limit(1))).first()
    if row is not None:
        return f"account {row[0]}:{row[1] or 'platform'} ({row[2]}) is negative: {-row[3]}"
    # Cash may dip below zero only by what the platform is owed back: a merchant paid
    # out before a dispute, a referrer who withdrew before a claw-back.
    per_account = (
        select(_ACCOUNTS.c.kind.label("kind"), _ACCOUNTS.c.currency.label("currency"),
               total.label("total"))
        .join(_LINES, _LINES.c.account_id == _ACCOUNTS.c.id)
        .where(_ACCOUNTS.c.kind.in_([K.CASH, K.MERCHANT_PAYABLE, K.COMMISSION_AVAILABLE]))
        .group_by(_ACCOUNTS.c.id, _ACCOUNTS.c.kind, _ACCOUNTS.c.currency).subquery())
    owed_back = case((and_(per_account.c.kind != K.CASH, per_account.c.total > 0),
                      per_account.c.total), else_=0)
    cash = case((per_account.c.kind == K.CASH, per_account.c.total), else_=0)
    row = (await conn.execute(
        select(per_account.c.currency, func.sum(cash), func.sum(owed_back))
        .group_by(per_account.c.currency)
        .having(func.sum(cash) + func.sum(owed_back) < 0).limit(1))).first()
    if row is not None:
        return (f"the platform's cash in {row[0]} ({row[1]}) is below zero by more than "
                f"it is owed back ({row[2]})")
    return None


def _payment_cash() -> object:
    """Per order: the cash its payment entry took in, and how many payment entries."""
    return (select(_ENTRIES.c.order_id.label("order_id"),
                   func.count(func.distinct(_ENTRIES.c.id)).label("entries"),
                   func.sum(case((_ACCOUNTS.c.kind == K.CASH, _LINES.c.amount), else_=0))
                   .label("cash"))
            .select_from(_ENTRIES.join(_LINES, _LINES.c.entry_id == _ENTRIES.c.id)
                         .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id))
            .where(_ENTRIES.c.kind == "payment").group_by(_ENTRIES.c.order_id)
            .subquery())


async def _paid_once(conn: AsyncConnection) -> str | None:
    posted = _payment_cash()
    row = (await conn.execute(
        select(_ORDERS.c.id, _ORDERS.c.total, posted.c.entries, posted.c.cash)
        .select_from(_ORDERS.outerjoin(posted, posted.c.order_id == _ORDERS.c.id))
        .where(_ORDERS.c.status.in_(PAID))
        .where((posted.c.entries.is_(None)) | (posted.c.entries != 1)
               | (posted.c.cash != _ORDERS.c.total)).limit(1))).first()
    if row is not None:
        if row[2] is None:
            return f"paid order {row[0]} was never posted"
        return (f"paid order {row[0]} cost {row[1]} but was posted {row[2]} time(s) "
                f"for {row[3]}")
    row = (await conn.execute(
        select(_ORDERS.c.id).join(posted, posted.c.order_id == _ORDERS.c.id)
        .where(_ORDERS.c.status.not_in(PAID)).limit(1))).first()
    if row is not None:
        return f"order {row[0]} was posted as paid but is not"
    return None


async def _accounted(conn: AsyncConnection) -> str | None:
    kind = _ACCOUNTS.c.kind

    def part(*kinds: str) -> object:
        return -func.sum(case((kind.in_(kinds), _LINES.c.amount), else_=0))

    refunds_out = case((and_(kind == K.CASH, _ENTRIES.c.kind == "refund_paid"),
                        _LINES.c.amount), else_=0)
    per_order = (
        select(_LINES.c.order_id.label("order_id"),
               part(K.MERCHANT_PENDING, K.MERCHANT_PAYABLE).label("merchant"),
               part(K.FEE_PENDING, K.FEE_INCOME).label("fee"),
               part(K.COMMISSION_PENDING, K.COMMISSION_FROZEN,
                    K.COMMISSION_AVAILABLE).label("commissions"),
               (part(K.REFUNDS_PAYABLE) - func.sum(refunds_out)).label("refunds"),
               -func.sum(case((kind == K.REFUNDS_PAYABLE, _LINES.c.amount), else_=0)
                         ).label("owed"),
               func.sum(case((and_(kind == K.REFUNDS_PAYABLE, _LINES.c.amount < 0),
                              -_LINES.c.amount), else_=0)).label("refunded"))
        .select_from(_LINES.join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
                     .join(_ENTRIES, _ENTRIES.c.id == _LINES.c.entry_id))
        .where(_LINES.c.order_id.is_not(None)).group_by(_LINES.c.order_id).subquery())
    s = per_order.c
    row = (await conn.execute(
        select(_ORDERS.c.id, _ORDERS.c.total, s.merchant, s.fee, s.commissions, s.refunds)
        .join(per_order, s.order_id == _ORDERS.c.id)
        .where(s.merchant + s.fee + s.commissions + s.refunds != _ORDERS.c.total).limit(1)
    )).first()
    if row is not None:
        return (f"order {row[0]}: merchant {row[2]} + fee {row[3]} + commissions {row[4]} "
                f"+ refunds {row[5]} != paid {row[1]}")
    row = (await conn.execute(
        select(_ORDERS.c.id, _ORDERS.c.refunded, s.refunded)
        .join(per_order, s.order_id == _ORDERS.c.id)
        .where(s.refunded != _ORDERS.c.refunded).limit(1))).first()
    if row is not None:
        return f"order {row[0]} says {row[1]} was refunded, its entries {row[2]}"
    return None


async def _settled(conn: AsyncConnection) -> str | None:
    open_units = (select(_CODES.c.id).where(_CODES.c.order_id == _LINES.c.order_id,
                                             _CODES.c.status == CodeStatus.ISSUED).exists())
    waiting = (select(_ORDERS.c.id).join(_GROUPS, _GROUPS.c.id == _ORDERS.c.group_id)
               .where(_ORDERS.c.id == _LINES.c.order_id, _ORDERS.c.status == OrderStatus.PAID,
                      _GROUPS.c.status == GroupStatus.OPEN).exists())
    row = (await conn.execute(
        select(_LINES.c.order_id, func.sum(_LINES.c.amount))
        .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
        .where(_ACCOUNTS.c.kind.in_(list(ORDER_PENDING)), _LINES.c.order_id.is_not(None),
               ~open_units, ~waiting)
        .group_by(_LINES.c.order_id).having(func.sum(_LINES.c.amount) != 0).limit(1)
    )).first()
    if row is not None:
        return f"order {row[0]} has no open unit but {-row[1]} still pending"
    return None


async def _payouts(conn: AsyncConnection) -> str | None:
    in_transit = -int((await conn.execute(
        select(func.coalesce(func.sum(_LINES.c.amount), 0))
        .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
        .where(_ACCOUNTS.c.kind == K.PAYOUTS_IN_TRANSIT))).scalar())
    requested = int((await conn.execute(
        select(func.coalesce(func.sum(_PAYOUTS.c.amount), 0))
        .where(_PAYOUTS.c.status == PayoutStatus.REQUESTED))).scalar())
    if in_transit != requested:
        return f"payouts in transit {in_transit} != requested payouts {requested}"
    return None


async def _deposits(conn: AsyncConnection) -> str | None:
    held_lines = dict(((str(ref), cur), -int(total)) for ref, cur, total in (await conn.execute(
        select(_ACCOUNTS.c.ref, _ACCOUNTS.c.currency, func.sum(_LINES.c.amount))
        .join(_LINES, _LINES.c.account_id == _ACCOUNTS.c.id)
        .where(_ACCOUNTS.c.kind == K.DEPOSITS_HELD)
        .group_by(_ACCOUNTS.c.ref, _ACCOUNTS.c.currency))).all())
    paid = _BOOKINGS.c.deposit_paid_at.is_not(None)
    held_bookings = {(str(ref), cur): int(total) for ref, cur, total in (await conn.execute(
        select(_STORES.c.merchant_id, _BOOKINGS.c.currency, func.sum(_BOOKINGS.c.deposit))
        .join(_STORES, _STORES.c.id == _BOOKINGS.c.store_id)
        .where(paid, _BOOKINGS.c.status.in_((BookingStatus.HELD, BookingStatus.CONFIRMED)))
        .group_by(_STORES.c.merchant_id, _BOOKINGS.c.currency))).all()}
    for key in sorted(set(held_lines) | set(held_bookings)):
        if held_lines.get(key, 0) != held_bookings.get(key, 0):
            return (f"merchant {key[0]} holds {held_lines.get(key, 0)} {key[1]} of deposits, "
                    f"its live paid bookings {held_bookings.get(key, 0)}")
    posted = (await conn.execute(
        select(func.count(func.distinct(_ENTRIES.c.id)),
               func.coalesce(func.sum(case((_ACCOUNTS.c.kind == K.CASH, _LINES.c.amount),
                                           else_=0)), 0))
        .select_from(_ENTRIES.join(_LINES, _LINES.c.entry_id == _ENTRIES.c.id)
                     .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id))
        .where(_ENTRIES.c.kind == "deposit_paid"))).one()
    booked = (await conn.execute(
        select(func.count(), func.coalesce(func.sum(_BOOKINGS.c.deposit), 0))
        .where(paid))).one()
    if (int(posted[0]), int(posted[1])) != (int(booked[0]), int(booked[1])):
        return (f"{booked[0]} bookings paid deposits of {booked[1]}, but {posted[0]} "
                f"deposit payments were posted for {posted[1]}")
    return None
