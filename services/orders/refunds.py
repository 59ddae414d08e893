"""Money back: shopper refunds of unredeemed codes, automatic refunds at expiry, retries.

A refund happens in two steps, so that money and codes can never both be kept:
1. one transaction voids the codes, returns their stock and records a `Refund`
   (pending) for their share of the order;
2. the provider is asked to pay it back (`carry_out`), outside any transaction. A
   provider that is down leaves the refund pending; a scheduler job retries it with
   the same idempotency key, so the buyer is paid back once.

Refund policies (Meituan's terms): `anytime` (随时退: unredeemed codes can be refunded
at any time, and are refunded automatically when they expire), `on_expiry` (过期退:
no refund on request, automatic refund at expiry) and `none`. Redeemed codes are never
refundable.

A shopper refunds one code, or every unused code of its order (`ask_refund`); what
each would give back is shown before they confirm (`refund_offer`), and a confirmation
that no longer matches (a code was redeemed or refunded meanwhile) refunds nothing.
Partial refunds keep the order paid: its other codes stay usable.

The buyer's news of a refund is owed through the outbox (`services.platform.outbox`) in the
transaction that records how carrying it out went (`carry_out`): "done" once the money
is back, "pending" when the provider leaves it to the operator or gave up (and, for a
payment refunded at once, while it is still on its way). A shopper who asked in chat
is answered in their own turn instead.

With a coupon, the buyer paid `Order.total` (after the discount), and that is what is
spread over the units (`_share`): once k of an order's n units are refunded, total*k//n
has been given back altogether, whichever codes went and in whatever groups, so the
per-code refunds add up to exactly what was paid (the last unit gets the rounding).
An order refunded in full gives its coupon back too (available again, or expired if its
time is up).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from services.ledger.books import post_many
from services.ledger.sales import (
    WholeRefund,
    refund_leftovers,
    refund_paid,
    refund_settled,
    refund_whole_orders,
    settle_units,
)
from services.marketing.coupons.at_checkout import release_coupon
from services.payments.base import PaymentError, RefundOutcome
from services.platform.database import Database
from services.platform.metrics import REFUNDS
from services.platform.outbox import Owing, owe_many
from storage.models import (
    Booking,
    CodeStatus,
    CouponStatus,
    Deal,
    Order,
    OrderStatus,
    RedemptionCode,
    Refund,
    RefundPolicy,
    User,
)

MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class RefundAsk:
    """What a refund request did."""

    outcome: str  # started, changed, policy_none, policy_on_expiry, redeemed, nothing
    refund_id: int | None = None
    amount: int = 0
    currency: str = ""
    codes: int = 0
    code_list: tuple[str, ...] = ()  # the codes it voided


@dataclass(frozen=True)
class RefundOffer:
    """What refunding one of the shopper's codes would give back, before they confirm."""

    outcome: str  # ok, or why not: policy_none, policy_on_expiry, redeemed, nothing
    code: str = ""  # the code tapped
    amount: int = 0  # refunding that code alone
    currency: str = ""
    open_codes: tuple[str, ...] = ()  # every unused code of its order, the tapped one first
    all_amount: int = 0  # refunding all of them


@dataclass(frozen=True)
class RefundDone:
    """How carrying out a refund went, and whom to tell."""

    refund_id: int
    status: str  # done, manual, pending (will be retried), failed (gave up)
    amount: int
    currency: str
    reason: str
    user_telegram_id: int
    order_id: int | None  # None: a booking's deposit (`booking_id`)
    owed_key: str | None = None
    booking_id: int | None = None  # the outbox row telling the buyer, if one was owed


Refunder = Callable[[str, str, int, str, int, str, bool], Awaitable[RefundOutcome]]
"""(provider, charge_id, amount, currency, user_telegram_id, idempotency_key, whole) ->
outcome; `whole`: the amount is all of the charge (some providers cannot refund a part)."""


class _Changed(Exception):
    """The codes changed between the shopper's confirmation and the refund: roll back."""


def _share(order: Order, before: int, codes: int, *, last: bool) -> int:
    """What refunding `codes` more units gives back when `before` units of the order
    were refunded already: the first k refunded units give back total*k//quantity of the
    paid total (after any coupon) altogether, so the result does not depend on which
    codes went first or in what groups. Never more than is left unrefunded; `last` (no
    live code remains) gives back all that is left, so the refunds add up to what was paid."""
    left = order.total - order.refunded
    if last:
        return left
    after = order.total * (before + codes) // order.quantity
    return max(0, min(after - order.total * before // order.quantity, left))


async def _void_and_live(session: object, order_id: int | None) -> tuple[int, int]:
    """How many of the order's codes are refunded (void), and how many are not."""
    rows = (
        await session.exec(  # type: ignore[attr-defined]
            select(RedemptionCode.status, func.count())
            .where(RedemptionCode.order_id == order_id).group_by(RedemptionCode.status)
        )
    ).all()
    void = sum(n for status, n in rows if status == CodeStatus.VOID)
    return void, sum(n for _, n in rows) - void


async def _void_and_record(
    db: Database, session: object, order: Order, code_ids: list[int], reason: str,
    now: datetime, refund: Refund | None = None,
) -> Refund | None:
    """Void these codes (only if still issued/expired), return stock, record a refund
    (or add them to `refund`, one being recorded)."""
    result = await session.exec(  # type: ignore[attr-defined]
        update(RedemptionCode)
        .where(col(RedemptionCode.id).in_(code_ids),
               col(RedemptionCode.status).in_((CodeStatus.ISSUED, CodeStatus.EXPIRED)))
        .values(status=CodeStatus.VOID, voided_at=now)
        .returning(RedemptionCode.id)
    )
    voided = len(result.all())
    if voided == 0:
        return None
    await session.exec(  # type: ignore[attr-defined]
        update(Deal).where(col(Deal.id) == order.deal_id)
        .values(sold=col(Deal.sold) - voided,
                stock=col(Deal.stock) + voided)  # NULL (unlimited) stays NULL
    )
    void, live = await _void_and_live(session, order.id)
    amount = _share(order, void - voided, voided, last=live == 0)
    order.refunded += amount
    if live == 0:
        order.status = OrderStatus.REFUNDED
        await release_coupon(await session.connection(), order.coupon_id, now,  # type: ignore[attr-defined]
                             from_status=CouponStatus.USED)
    order.updated_at = now
    if refund is None:
        refund = Refund(
            order_id=order.id, provider=order.provider or "", charge_id=order.charge_id or "",
            amount=amount, currency=order.currency, codes=voided, reason=reason,
            created_at=now,
        )
        session.add(refund)  # type: ignore[attr-defined]
        await session.flush()  # type: ignore[attr-defined]
    else:
        refund.amount += amount
        refund.codes += voided
    assert order.id is not None and refund.id is not None
    await settle_units(db, await session.connection(), order.id,  # type: ignore[attr-defined]
                       key=f"refund:{refund.id}", kind="refund", now=now, refund=amount,
                       refund_id=refund.id)
    return refund


@dataclass(frozen=True)
class _OpenOrder:
    """An order the shopper may refund codes of, with its codes (id, code, status)."""

    order: Order
    codes: list[tuple[int, str, str]]

    @property
    def open(self) -> list[tuple[int, str]]:
        """Its unused codes (issued, or expired but not yet refunded), in issue order."""
        return [(cid, code) for cid, code, status in self.codes
                if status in (CodeStatus.ISSUED, CodeStatus.EXPIRED)]

    def amount(self, codes: int) -> int:
        """What refunding `codes` of its unused codes now gives back (see `_share`)."""
        void = sum(status == CodeStatus.VOID for _, _, status in self.codes)
        live = len(self.codes) - void
        return _share(self.order, void, codes, last=live == codes)


async def _open_order(session: object, user_id: int, order_id: int,
                      lock: bool) -> _OpenOrder | str:
    """The shopper's order if codes of it may be refunded on request, else why not."""
    query = (select(Order, Deal).join(Deal, Deal.id == Order.deal_id)
             .where(Order.id == order_id, Order.user_id == user_id))
    row = (await session.exec(  # type: ignore[attr-defined]
        query.with_for_update() if lock else query)).first()
    if row is None:
        return "nothing"
    order, deal = row
    if order.status not in (OrderStatus.PAID, OrderStatus.FULFILLED):
        return "nothing"
    if deal.refund_policy == RefundPolicy.NONE:
        return "policy_none"
    codes = list((
        await session.exec(  # type: ignore[attr-defined]
            select(RedemptionCode.id, RedemptionCode.code, RedemptionCode.status)
            .where(RedemptionCode.order_id == order_id).order_by(col(RedemptionCode.id))
        )
    ).all())
    found = _OpenOrder(order, codes)
    if not found.open:
        redeemed = any(status == CodeStatus.REDEEMED for _, _, status in codes)
        return "redeemed" if redeemed else "nothing"
    if deal.refund_policy == RefundPolicy.ON_EXPIRY:
        return "policy_on_expiry"
    return found


async def refund_offer(db: Database, user_id: int, code_id: int) -> RefundOffer:
    """What the shopper would get back for one of their codes, and for all the unused
    codes of its order: shown before they confirm, with exactly the amounts
    `ask_refund` will refund while nothing changes."""
    async with db.session() as session:
        row = (await session.exec(
            select(RedemptionCode.order_id, RedemptionCode.code, RedemptionCode.status)
            .where(RedemptionCode.id == code_id, RedemptionCode.user_id == user_id))).first()
        if row is None:
            return RefundOffer("nothing")
        order_id, code, status = row
        found = await _open_order(session, user_id, order_id, lock=False)
    if isinstance(found, str):
        return RefundOffer(found)
    others = tuple(c for cid, c in found.open if cid != code_id)
    if len(others) == len(found.open):  # this code itself is not refundable any more
        return RefundOffer("redeemed" if status == CodeStatus.REDEEMED else "nothing")
    return RefundOffer("ok", code, found.amount(1), found.order.currency, (code, *others),
                       found.amount(len(found.open)))


async def ask_refund(db: Database, user_id: int, order_id: int, now: datetime, *,
                     code_id: int | None = None, expected: int | None = None,
                     expected_codes: int | None = None) -> RefundAsk:
    """A shopper asks for unused codes of one of their orders back: `code_id` alone, or
    (None) every unused code of the order. With `expected` (the amount they confirmed)
    and `expected_codes` (how many codes), nothing is refunded unless that is exactly
    what it gives back ("changed")."""
    try:
        async with db.transaction() as session:
            found = await _open_order(session, user_id, order_id, lock=True)
            if isinstance(found, str):
                return RefundAsk(found)
            targets = [(cid, c) for cid, c in found.open if code_id in (None, cid)]
            if not targets:
                status = next((s for cid, _, s in found.codes if cid == code_id), None)
                return RefundAsk("redeemed" if status == CodeStatus.REDEEMED else "nothing")
            if (expected is not None and found.amount(len(targets)) != expected) or (
                    expected_codes is not None and len(targets) != expected_codes):
                return RefundAsk("changed")
            refund = await _void_and_record(db, session, found.order, [cid for cid, _ in targets],
                                            "shopper", now)
            if refund is None:
                return RefundAsk("nothing")
            if (expected is not None or expected_codes is not None) and (
                    refund.codes != len(targets) or expected not in (None, refund.amount)):
                raise _Changed  # a code was redeemed meanwhile: refund nothing
            return RefundAsk("started", refund.id, refund.amount, refund.currency, refund.codes,
                             tuple(c for _, c in targets))
    except _Changed:
        return RefundAsk("changed")


async def refund_after_use(db: Database, order_id: int, now: datetime) -> RefundAsk:
    """An admin refunds an order in full after the fact (a dispute: the visit went
    wrong): everything the buyer paid and was not given back yet. Its redeemed or lapsed
    codes give back what their settlement gave out, taken back from the merchant's
    payable, the platform's fee and the referrers (a commission already available is
    clawed back in full, even below zero), and so do the fen of rounding that refunds of
    its last open units settled; then its unused codes, the last of the order, give back
    all that is still pending. One refund covers it all; "nothing" when no code is left
    to refund."""
    async with db.transaction() as session:
        order = (await session.exec(select(Order).where(Order.id == order_id)
                                    .with_for_update())).first()
        if order is None or order.status not in (OrderStatus.PAID, OrderStatus.FULFILLED):
            return RefundAsk("nothing")
        codes = list((await session.exec(
            select(RedemptionCode.id, RedemptionCode.code, RedemptionCode.status)
            .where(RedemptionCode.order_id == order_id).order_by(col(RedemptionCode.id)))).all())
        open_ids = [cid for cid, _, status in codes if status == CodeStatus.ISSUED]
        used = [cid for cid, _, status in codes
                if status in (CodeStatus.REDEEMED, CodeStatus.EXPIRED)]
        if not open_ids and not used:
            return RefundAsk("nothing")
        refund = Refund(order_id=order.id, provider=order.provider or "",
                        charge_id=order.charge_id or "", amount=0, currency=order.currency,
                        codes=0, reason="admin", created_at=now)
        session.add(refund)
        await session.flush()
        assert refund.id is not None and order.id is not None
        conn = await session.connection()
        # What was used first, so that the unused codes are the order's last and give
        # back all that is left (a share of the order would leave its rounding behind).
        back = 0
        for code_id in used:
            back += await refund_settled(db, conn, code_id, key=f"disputed:{code_id}",
                                         refund_id=refund.id, now=now)
        back += await refund_leftovers(db, conn, order.id, key=f"disputed:order:{order.id}",
                                       refund_id=refund.id, now=now)
        if used:
            await session.exec(  # type: ignore[call-overload]
                update(RedemptionCode).where(col(RedemptionCode.id).in_(used))
                .values(status=CodeStatus.VOID, voided_at=now))
        refund.amount += back
        refund.codes += len(used)
        order.refunded += back
        if open_ids:
            await _void_and_record(db, session, order, open_ids, "admin", now, refund=refund)
        if order.status != OrderStatus.REFUNDED:
            order.status = OrderStatus.REFUNDED
            await release_coupon(conn, order.coupon_id, now, from_status=CouponStatus.USED)
        order.updated_at = now
        return RefundAsk("started", refund.id, refund.amount, refund.currency, refund.codes,
                         tuple(code for cid, code, _ in codes if cid in open_ids or cid in used))


_ORDERS, _DEALS, _REFUNDS, _CODES = (
    Order.__table__, Deal.__table__, Refund.__table__,  # type: ignore[attr-defined]
    RedemptionCode.__table__,  # type: ignore[attr-defined]
)
_NEW_REFUNDS = insert(_REFUNDS).returning(_REFUNDS.c.order_id, _REFUNDS.c.id)
_STOCK_BACK = (update(_DEALS).where(_DEALS.c.id == bindparam("deal"), _DEALS.c.stock.is_not(None))
               .values(stock=_DEALS.c.stock + bindparam("n")))


async def refund_unissued(db: Database, conn: AsyncConnection, order_ids: Sequence[int],
                          reason: str, now: datetime) -> list[int]:
    """Record the refund of all of each paid order that has no codes (拼团 members whose
    group did not fill, or who left it), in `conn`'s transaction: each order becomes
    refunded, its stock returns, its money moves from pending to refunds payable
    (commissions voided). Orders not paid, or with codes, are left alone. Returns the
    refunds to carry out. A few statements for any number of orders, then one ledger
    entry each: a failing group's members are refunded together."""
    if not order_ids:
        return []
    rows = (await conn.execute(
        update(_ORDERS)
        .where(_ORDERS.c.id.in_(list(order_ids)), _ORDERS.c.status == OrderStatus.PAID,
               ~select(_CODES.c.id).where(_CODES.c.order_id == _ORDERS.c.id).exists())
        .values(status=OrderStatus.REFUNDED, refunded=_ORDERS.c.total, updated_at=now)
        .returning(_ORDERS.c.id, _ORDERS.c.total, _ORDERS.c.quantity, _ORDERS.c.currency,
                   _ORDERS.c.deal_id, _ORDERS.c.provider, _ORDERS.c.charge_id))).all()
    if not rows:
        return []
    back: dict[int, int] = {}
    for row in rows:
        back[row.deal_id] = back.get(row.deal_id, 0) + row.quantity
    await conn.execute(_STOCK_BACK, [{"deal": d, "n": n} for d, n in sorted(back.items())])
    merchants = dict((await conn.execute(
        select(_DEALS.c.id, _DEALS.c.merchant_id).where(_DEALS.c.id.in_(list(back))))).all())
    recorded = dict((await conn.execute(_NEW_REFUNDS, [
        {"order_id": row.id, "provider": row.provider or "", "charge_id": row.charge_id or "",
         "amount": row.total, "currency": row.currency, "codes": row.quantity,
         "reason": reason, "status": "pending", "attempts": 0, "created_at": now}
        for row in rows])).all())
    await refund_whole_orders(db, conn, [
        WholeRefund(row.id, recorded[row.id], row.total, row.currency,
                    merchants[row.deal_id]) for row in rows], now)
    return [recorded[row.id] for row in rows]


async def expire_codes(db: Database, now: datetime, batch: int = 500) -> list[int]:
    """Codes past their validity: refunded when the policy says so, else marked expired.

    Returns the ids of the refunds it recorded (to be carried out).
    """
    async with db.session() as session:
        rows = (
            await session.exec(
                select(RedemptionCode.id, RedemptionCode.order_id, Deal.refund_policy)
                .join(Deal, Deal.id == RedemptionCode.deal_id)
                .where(RedemptionCode.status == CodeStatus.ISSUED,
                       col(RedemptionCode.valid_until) <= now)
                .limit(batch)
            )
        ).all()
    by_order: dict[int, list[int]] = {}
    lapsed: dict[int, list[int]] = {}
    for code_id, order_id, policy in rows:
        if policy == RefundPolicy.NONE:
            lapsed.setdefault(order_id, []).append(code_id)
        else:
            by_order.setdefault(order_id, []).append(code_id)
    refund_ids: list[int] = []
    for order_id, code_ids in lapsed.items():
        # Unredeemed and not refundable: each code's share settles as if used (the
        # merchant's payable, the platform's fee, the referrers' commissions).
        async with db.begin() as conn:
            await conn.execute(select(Order.id).where(col(Order.id) == order_id)
                               .with_for_update())
            for code_id in code_ids:
                done = await conn.execute(
                    update(RedemptionCode)
                    .where(col(RedemptionCode.id) == code_id,
                           col(RedemptionCode.status) == CodeStatus.ISSUED)
                    .values(status=CodeStatus.EXPIRED))
                if done.rowcount == 1:
                    await settle_units(db, conn, order_id, key=f"lapsed:{code_id}",
                                       kind="lapsed", now=now, units=1, code_id=code_id)
    for order_id, code_ids in by_order.items():
        async with db.transaction() as session:
            order = (
                await session.exec(select(Order).where(Order.id == order_id).with_for_update())
            ).one()
            refund = await _void_and_record(db, session, order, code_ids, "expired", now)
            if refund is not None and refund.id is not None:
                refund_ids.append(refund.id)
    return refund_ids


async def pending_refunds(db: Database) -> list[int]:
    """Refunds still waiting for the provider (to retry)."""
    async with db.session() as session:
        return list(
            (
                await session.exec(
                    select(Refund.id).where(Refund.status == "pending",
                                            Refund.attempts < MAX_ATTEMPTS)
                    .order_by(col(Refund.id)).limit(200)
                )
            ).all()
        )


async def refunded_deal(db: Database, refund_id: int) -> tuple[int, str | None,
                                                                  str | None] | None:
    """The deal a refund's order bought (id, Chinese and English titles), for its news
    (a 拼团 group that did not fill offers to open a new one); None if unknown."""
    async with db.session() as session:
        row = (await session.exec(
            select(Deal.id, Deal.title_zh, Deal.title_en)
            .join(Order, col(Order.deal_id) == col(Deal.id))
            .join(Refund, col(Refund.order_id) == col(Order.id))
            .where(Refund.id == refund_id))).first()
    return (int(row[0]), row[1], row[2]) if row is not None else None


def refund_news_key(refund_id: int, told: str) -> str:
    """The outbox key of the buyer's news of a refund: one per refund and what it says
    ("done": the money is back; "pending": it is on its way or with the operator)."""
    return f"refund:{refund_id}:{told}"


async def carry_out(db: Database, refund_id: int, refunder: Refunder, now: datetime, *,
                    tell_buyer: bool = True, even_pending: bool = False) -> RefundDone | None:
    """Ask the provider to pay a pending refund back; None if it is not pending.

    With `tell_buyer`, the transaction recording the outcome owes the buyer its news
    when the outcome is final (done; manual or failed: "on its way"), and with
    `even_pending` also when it is left pending for a retry (a payment that bought
    nothing: the buyer hears at once that their money goes back)."""
    done = await carry_out_many(db, [refund_id], refunder, now, tell_buyer=tell_buyer,
                                even_pending=even_pending)
    return done[0] if done else None


_BOOKINGS = Booking.__table__  # type: ignore[attr-defined]
# A refund gives back money of an order, or a booking's deposit (no order, no codes):
# its buyer is the order's or the booking's.
_TO_CARRY_OUT = (
    select(_REFUNDS.c.id, _REFUNDS.c.order_id, _REFUNDS.c.provider, _REFUNDS.c.charge_id,
           _REFUNDS.c.amount, _REFUNDS.c.currency, _REFUNDS.c.codes, _REFUNDS.c.reason,
           _REFUNDS.c.attempts, User.__table__.c.telegram_id,  # type: ignore[attr-defined]
           func.coalesce(_ORDERS.c.total, _BOOKINGS.c.deposit).label("total"),
           _REFUNDS.c.booking_id)
    .select_from(_REFUNDS.outerjoin(_ORDERS, _ORDERS.c.id == _REFUNDS.c.order_id)
                 .outerjoin(_BOOKINGS, _BOOKINGS.c.id == _REFUNDS.c.booking_id))
    .join(User.__table__, User.__table__.c.id == func.coalesce(  # type: ignore[attr-defined]
        _ORDERS.c.user_id, _BOOKINGS.c.user_id))
    .where(_REFUNDS.c.id.in_(bindparam("ids", expanding=True)),
           _REFUNDS.c.status == "pending")
    .order_by(_REFUNDS.c.id)
)
_LOCK_PENDING = (select(_REFUNDS.c.id)
                 .where(_REFUNDS.c.id.in_(bindparam("ids", expanding=True)),
                        _REFUNDS.c.status == "pending").with_for_update())
_RECORD_OUTCOME = (
    update(_REFUNDS)
    .where(_REFUNDS.c.id == bindparam("refund"), _REFUNDS.c.status == "pending")
    .values(status=bindparam("status"), attempts=_REFUNDS.c.attempts + 1,
            reference=bindparam("reference"), error=bindparam("error"),
            done_at=bindparam("done_at"))
)
PROVIDER_CALLS = 8  # refunds asked of providers at once
PAGE = 200  # refunds whose outcomes one transaction records


async def carry_out_many(db: Database, refund_ids: Sequence[int], refunder: Refunder,
                         now: datetime, *, tell_buyer: bool = True,
                         even_pending: bool = False) -> list[RefundDone]:
    """`carry_out` for many refunds (those still pending; the others are skipped): the
    providers are asked a few at a time, and each page's outcomes are recorded in one
    transaction, each moving from pending only once (a refund another worker recorded
    meanwhile is left as it recorded it)."""
    done: list[RefundDone] = []
    for start in range(0, len(refund_ids), PAGE):
        done += await _carry_out_page(db, refund_ids[start:start + PAGE], refunder, now,
                                      tell_buyer, even_pending)
    return done


async def _ask_provider(refunder: Refunder, row: Any, limit: asyncio.Semaphore) -> RefundOutcome:
    if row.amount <= 0:  # a unit of an order that cost less than its unit count
        return RefundOutcome(ok=True, reference="nothing to pay back")
    # A payment refund (no codes) gives a whole charge back; a refund of codes does when
    # it covers all that the order's charge took at once.
    whole = row.codes == 0 or row.amount >= row.total
    async with limit:
        try:
            return await refunder(row.provider, row.charge_id, row.amount, row.currency,
                                  row.telegram_id, f"refund-{row.id}", whole)
        except PaymentError as exc:
            return RefundOutcome(ok=False, error=str(exc))


async def _carry_out_page(db: Database, refund_ids: Sequence[int], refunder: Refunder,
                          now: datetime, tell_buyer: bool,
                          even_pending: bool) -> list[RefundDone]:
    async with db.begin() as conn:
        rows = (await conn.execute(_TO_CARRY_OUT, {"ids": list(refund_ids)})).all()
    if not rows:
        return []
    limit = asyncio.Semaphore(PROVIDER_CALLS)
    outcomes = await asyncio.gather(*(_ask_provider(refunder, row, limit) for row in rows))
    done: list[RefundDone] = []
    updates, paid, news = [], [], []
    async with db.begin() as conn:
        # Only those still pending are recorded: locked here, so another worker's record
        # of the same refund waits and then finds it done.
        still = set((await conn.execute(_LOCK_PENDING, {
            "ids": [row.id for row in rows]})).scalars())
        for row, outcome in zip(rows, outcomes, strict=True):
            if row.id not in still:
                continue  # recorded by someone else meanwhile
            status = "done" if outcome.ok else "manual" if outcome.manual else "pending"
            if status == "pending" and row.attempts + 1 >= MAX_ATTEMPTS:
                status = "failed"
            updates.append({"refund": row.id, "status": status,
                            "reference": outcome.reference or None,
                            "error": (outcome.error or None) and outcome.error[:300],
                            "done_at": now if status in ("done", "manual") else None})
            if status == "done":
                paid.append(refund_paid(row.id, row.order_id if row.codes else None,
                                        row.provider, row.amount, row.currency))
            owed_key = None
            if tell_buyer and (status != "pending" or even_pending):
                told = "done" if status == "done" else "pending"
                owed_key = refund_news_key(row.id, told)
                news.append(Owing(row.telegram_id, "refund", {
                    "refund_id": row.id, "amount": row.amount, "currency": row.currency,
                    "reason": row.reason, "told": told,
                    **({"booking_id": row.booking_id} if row.booking_id else {})}, owed_key))
            done.append(RefundDone(row.id, status, row.amount, row.currency, row.reason,
                                   row.telegram_id, row.order_id, owed_key, row.booking_id))
        if updates:
            await conn.execute(_RECORD_OUTCOME, updates)
        await post_many(db, conn, paid, now)
        await owe_many(db, conn, news, now)
    for recorded in updates:  # committed
        REFUNDS.labels(recorded["status"]).inc()
    return done
