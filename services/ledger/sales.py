"""What an order's money does, posted in the transaction of each change (`books.post`).

Paid (`post_sale`; the split, `sale_of`, from what the UPDATE marking the order paid
returns, `SALE_COLUMNS`): the paid amount goes to the platform's cash at the provider, and
is held, pending, for those it will belong to: the merchant (its share: the list price
less the coupon it gave, the fee and the commissions), the platform (its fee) and up to
three referrers (their commissions, one line each naming its level: the payment's entry
fixes who they are).

Then each unit (code) of the order is settled once:
- redeemed (or lapsed unredeemed under a `none` refund policy): the unit's value moves
  from pending to earned: the merchant's payable, the platform's fee income, each
  referrer's frozen commission (available after the refund window, `release_due`);
- refunded: the refunded amount comes out of pending (commissions voided) and is owed
  to the buyer (refunds payable) until the provider pays it back (`post_refund_paid`).

A unit's value is the order's amount divided by its units, rounded down; the last unit
to settle takes whatever is still pending, so every part of every order settles to the
fen. Each amount moved is split over the parts in proportion to what each still holds
(largest remainder, `split.take_from`). The order row is locked first, so two units of
one order settling at once (two staff, a redemption beside a refund) queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, cast, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from services.ledger.books import (
    ORDER_PENDING,
    PLATFORM,
    AccountKind,
    Line,
    Posting,
    entry_lines,
    post,
    post_many,
    posting,
    reverse,
)
from services.ledger.rules import Rules, read_rules
from services.ledger.split import BP, largest_remainder, split_sale, take_from
from services.platform.database import Database
from storage.models import (
    CodeStatus,
    Deal,
    LedgerAccount,
    LedgerEntry,
    LedgerLine,
    Merchant,
    MoneyRules,
    Order,
    RedemptionCode,
    User,
)

K = AccountKind
EARNED = {K.MERCHANT_PENDING: K.MERCHANT_PAYABLE, K.FEE_PENDING: K.FEE_INCOME,
          K.COMMISSION_PENDING: K.COMMISSION_FROZEN}
SETTLING_KINDS = ("redeemed", "lapsed")  # entries that settle one code

_ORDERS, _DEALS, _MERCHANTS, _USERS, _CODES = (
    Order.__table__, Deal.__table__, Merchant.__table__,  # type: ignore[attr-defined]
    User.__table__, RedemptionCode.__table__,  # type: ignore[attr-defined]
)
_ENTRIES, _LINES, _ACCOUNTS = (
    LedgerEntry.__table__, LedgerLine.__table__,  # type: ignore[attr-defined]
    LedgerAccount.__table__,  # type: ignore[attr-defined]
)
_RULES = MoneyRules.__table__  # type: ignore[attr-defined]
_U0, _U1, _U2 = aliased(_USERS), aliased(_USERS), aliased(_USERS)


def _of_deal(column: Any) -> Any:
    return select(column).where(_DEALS.c.id == _ORDERS.c.deal_id).scalar_subquery()


def _of_merchant(column: Any) -> Any:
    return (select(column).select_from(_MERCHANTS.join(_DEALS, _DEALS.c.merchant_id
                                                       == _MERCHANTS.c.id))
            .where(_DEALS.c.id == _ORDERS.c.deal_id).scalar_subquery())


def _of_rules(column: Any) -> Any:
    return select(column).where(_RULES.c.id == 1).scalar_subquery()


# What splitting an order's payment needs, as expressions over its `orders` row, so the
# UPDATE that marks it paid returns them (`checkout.apply_payment`): no extra query.
SALE_COLUMNS = (
    _of_deal(_DEALS.c.merchant_id),
    _of_deal(_DEALS.c.commission_l1_bp), _of_deal(_DEALS.c.commission_l2_bp),
    _of_deal(_DEALS.c.commission_l3_bp),
    _of_merchant(_MERCHANTS.c.commission_l1_bp), _of_merchant(_MERCHANTS.c.commission_l2_bp),
    _of_merchant(_MERCHANTS.c.commission_l3_bp), _of_merchant(_MERCHANTS.c.fee_bp),
    select(_U0.c.referred_by_user_id).where(_U0.c.id == _ORDERS.c.user_id).scalar_subquery(),
    select(_U1.c.referred_by_user_id).select_from(
        _U0.join(_U1, _U1.c.id == _U0.c.referred_by_user_id))
    .where(_U0.c.id == _ORDERS.c.user_id).scalar_subquery(),
    select(_U2.c.referred_by_user_id).select_from(
        _U0.join(_U1, _U1.c.id == _U0.c.referred_by_user_id)
        .join(_U2, _U2.c.id == _U1.c.referred_by_user_id))
    .where(_U0.c.id == _ORDERS.c.user_id).scalar_subquery(),
    _of_rules(_RULES.c.fee_bp), _of_rules(_RULES.c.commission_cap_bp),
    _of_rules(_RULES.c.referral_levels),
)
_SALE = select(_ORDERS.c.id, _ORDERS.c.total, _ORDERS.c.unit_price, _ORDERS.c.quantity,
               _ORDERS.c.currency, _ORDERS.c.user_id, *SALE_COLUMNS)
_ORDER_FACTS = (
    select(_ORDERS.c.total, _ORDERS.c.quantity, _ORDERS.c.currency, _DEALS.c.merchant_id,
           select(func.count()).select_from(_CODES)
           .where(_CODES.c.order_id == _ORDERS.c.id, _CODES.c.status == CodeStatus.ISSUED)
           .scalar_subquery().label("open_units"))
    .join(_DEALS, _DEALS.c.id == _ORDERS.c.deal_id)
)


_LOCKED_FACTS = _ORDER_FACTS.where(_ORDERS.c.id == bindparam("order")).with_for_update(
    of=_ORDERS)


def referrer_chain(buyer: int, ups: list[int | None], levels: int) -> list[int]:
    """The referrers above a buyer, level 1 first: at most `levels`, stopping at a gap,
    the buyer or anyone met before (a cycle; binding refuses them, this is a guard)."""
    chain: list[int] = []
    for up in ups[:levels]:
        if up is None or up == buyer or up in chain:
            break
        chain.append(up)
    return chain


def effective_rates(deal_rates: tuple[int | None, ...], merchant_rates: tuple[int, ...],
                    cap_bp: int, fee_bp: int) -> tuple[int, int, int]:
    """The commission rates a sale applies: the deal's when it has any, else the
    merchant's; scaled down (largest remainder) to the cap and to what the fee leaves."""
    rates = tuple(r or 0 for r in deal_rates) if any(r is not None for r in deal_rates) \
        else tuple(merchant_rates)
    room = min(cap_bp, BP - fee_bp)
    if sum(rates) > room:
        rates = tuple(largest_remainder(room, rates))
    return rates[0], rates[1], rates[2]


_PENDING = (
    select(_ACCOUNTS.c.kind, _ACCOUNTS.c.ref, func.sum(_LINES.c.amount),
           func.min(_LINES.c.detail))
    .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
    # the kinds as plain parameters, not an expanding list: a prebuilt statement's text
    # (storage.prebuilt) must not depend on its values
    .where(_LINES.c.order_id == bindparam("order"),
           _ACCOUNTS.c.kind.in_([literal(kind) for kind in ORDER_PENDING]))
    .group_by(_ACCOUNTS.c.kind, _ACCOUNTS.c.ref)
)


# PostgreSQL: `_PENDING` as one JSON array of [kind, ref, sum, detail], for a statement
# that reads it with other things (a redemption reads it with the code it redeems).
_PENDING_ROWS = _PENDING.subquery("pending")
PENDING_JSON = select(func.json_agg(func.json_build_array(*_PENDING_ROWS.c))).scalar_subquery()


_PENDING_OF_ORDERS = (
    select(_LINES.c.order_id, _ACCOUNTS.c.kind, _ACCOUNTS.c.ref, func.sum(_LINES.c.amount),
           func.min(_LINES.c.detail))
    .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
    .where(_LINES.c.order_id.in_(bindparam("orders", expanding=True)),
           _ACCOUNTS.c.kind.in_(list(ORDER_PENDING)))
    .group_by(_LINES.c.order_id, _ACCOUNTS.c.kind, _ACCOUNTS.c.ref)
)
Pending = dict[tuple[str, str], int]


def _read_pending(rows: Sequence[Any]) -> tuple[Pending, dict[tuple[str, str], str]]:
    pending = {(kind, ref): -int(total) for kind, ref, total, _ in rows if total}
    details = {(kind, ref): detail if kind == K.COMMISSION_PENDING
               else "fee" if kind == K.FEE_PENDING else "share"
               for kind, ref, _, detail in rows}
    return pending, details


async def _pending(conn: AsyncConnection,
                   order_id: int) -> tuple[Pending, dict[tuple[str, str], str]]:
    """What of one order's money is still pending per account (as shown), and the
    detail its settlement lines carry: the level (l1, l2, l3) the payment gave each
    referrer, "fee" or "share"."""
    return _read_pending((await conn.execute(_PENDING, {"order": order_id})).all())


@dataclass(frozen=True)
class Sale:
    """An order's money as its payment posts it (`sale_of`). Its referrers are fixed by
    the payment's entry: a line on each one's pending commission, naming the level."""

    order_id: int
    total: int
    gross: int  # the list price of what was bought: the merchant's coupon is the rest
    currency: str
    merchant_id: int
    referrers: list[int]  # level 1 first
    fee: int
    commissions: tuple[int, ...]  # one per referrer


async def read_split(conn: AsyncConnection, order_id: int) -> Sequence[Any]:
    """An order's `SALE_COLUMNS` (where the UPDATE that pays it cannot return them)."""
    return (await conn.execute(select(*SALE_COLUMNS).select_from(_ORDERS)
                               .where(_ORDERS.c.id == order_id))).one()


def sale_of(row: Sequence[Any]) -> Sale:
    """The split of a payment from an order's id, total, unit price, quantity, currency,
    buyer and its `SALE_COLUMNS`, in that order."""
    (order_id, total, unit_price, quantity, currency, buyer, merchant_id, d1, d2, d3,
     m1, m2, m3, merchant_fee, up1, up2, up3, fee, cap, levels) = row
    rules = Rules() if fee is None else Rules(fee, cap, levels)
    fee_bp = rules.fee_bp if merchant_fee is None else merchant_fee
    rates = effective_rates((d1, d2, d3), (m1, m2, m3), rules.commission_cap_bp, fee_bp)
    referrers = referrer_chain(buyer, [up1, up2, up3], rules.referral_levels)
    split = split_sale(total, fee_bp, [r for r, _ in zip(rates, referrers, strict=False)])
    return Sale(order_id, total, unit_price * quantity, currency, merchant_id, referrers,
                split.fee, split.commissions)


def _sale_lines(sale: Sale, provider: str | None) -> list[Line]:
    merchant = str(sale.merchant_id)
    lines = [Line(K.CASH, provider or "unknown", sale.total, "payment"),
             Line(K.MERCHANT_PENDING, merchant,
                  -(sale.gross - sale.fee - sum(sale.commissions)), "sale"),
             Line(K.MERCHANT_PENDING, merchant, sale.gross - sale.total, "coupon"),
             Line(K.FEE_PENDING, PLATFORM, -sale.fee, "fee")]
    lines += [Line(K.COMMISSION_PENDING, str(user), -amount, f"l{level}")
              for level, (user, amount) in enumerate(zip(sale.referrers, sale.commissions,
                                                         strict=False), start=1)]
    return lines


async def post_sale(db: Database, conn: AsyncConnection, sale: Sale, provider: str | None,
                    now: datetime) -> int | None:
    """Post a paid order's money, in the transaction that marks it paid. None if it was
    posted before."""
    return await post(db, conn, key=f"paid:{sale.order_id}", kind="payment",
                      currency=sale.currency, lines=_sale_lines(sale, provider), now=now,
                      order_id=sale.order_id)


async def sale_posting(db: Database, conn: AsyncConnection, sale: Sale,
                       provider: str | None, now: datetime) -> dict[str, Any] | None:
    """`post_sale` as the parameters of `books.ENTRY_WITH_LINES` (PostgreSQL), for the
    payment's statement that joins it to the payment's other writes."""
    return await posting(db, conn, key=f"paid:{sale.order_id}", kind="payment",
                         currency=sale.currency, lines=_sale_lines(sale, provider), now=now,
                         order_id=sale.order_id)


async def post_payment(db: Database, conn: AsyncConnection, order_id: int,
                       now: datetime) -> int | None:
    """Post a paid order's money after it was marked paid (the slower path: a payment
    that came after the hold ran out)."""
    row = (await conn.execute(_SALE.add_columns(_ORDERS.c.provider)
                              .where(_ORDERS.c.id == order_id))).one()
    return await post_sale(db, conn, sale_of(row[:-1]), row[-1], now)


@dataclass(frozen=True)
class OrderFacts:
    """What settling an order's units needs to know of it, read with its row locked."""

    total: int
    quantity: int
    currency: str
    merchant_id: int
    open_units: int  # codes of the order still issued (neither used nor refunded)


def open_units_of(order_id: Any) -> Any:
    """`OrderFacts.open_units` as a scalar subquery, for a statement reading the facts of
    the order `order_id` (a column) with other things."""
    units = _CODES.alias("open_unit")  # apart from any code the statement reads
    return (select(func.count()).select_from(units)
            .where(units.c.order_id == order_id, units.c.status == CodeStatus.ISSUED)
            .scalar_subquery())


async def _facts(conn: AsyncConnection, order_id: int) -> OrderFacts:
    """The order's money facts, its row locked (PostgreSQL) so its units settle in turn."""
    row = (await conn.execute(_LOCKED_FACTS, {"order": order_id})).one()
    return OrderFacts(row.total, row.quantity, row.currency, row.merchant_id,
                      int(row.open_units))


async def settle_units(db: Database, conn: AsyncConnection, order_id: int, *, key: str,
                       kind: str, now: datetime, units: int = 0, refund: int = 0,
                       code_id: int | None = None, refund_id: int | None = None) -> int | None:
    """Post one change to an order's units, after the codes changed in this transaction:
    `refund` (the amount going back, out of pending: commissions voided) and `units`
    settled (their value moves to earned). When no unit is left open, whatever is still
    pending settles too, so nothing of the order stays pending."""
    facts = await _facts(conn, order_id)
    pending, details = await _pending(conn, order_id)
    return await post(db, conn, key=key, kind=kind, currency=facts.currency,
                      lines=_settlement_lines(facts, pending, details, units, refund),
                      now=now, order_id=order_id, code_id=code_id, refund_id=refund_id)


async def unit_posting(db: Database, conn: AsyncConnection, order_id: int,
                       facts: OrderFacts, pending_json: Sequence[Any] | None, *, key: str,
                       kind: str, now: datetime, code_id: int) -> dict[str, Any] | None:
    """`settle_units` of one unit settled (redeemed), as the parameters of
    `books.ENTRY_WITH_LINES` (PostgreSQL) for a statement that joins it to the
    redemption's other writes; `facts` as they are after the code changed and what is
    pending (`PENDING_JSON`, "order" the order's id), read by the caller under the
    order's lock. None when the unit moves no money."""
    pending, details = _read_pending(pending_json or [])
    return await posting(db, conn, key=key, kind=kind, currency=facts.currency,
                         lines=_settlement_lines(facts, pending, details, 1, 0), now=now,
                         order_id=order_id, code_id=code_id)


def _settlement_lines(facts: OrderFacts, pending: Pending, details: dict[tuple[str, str], str],
                      units: int, refund: int) -> list[Line]:
    """The lines of `settle_units` (`pending` is used up as it is taken)."""
    lines: list[Line] = []
    if refund:
        took = take_from(min(refund, sum(pending.values())), pending)
        for (kind_, ref), amount in took.items():
            lines.append(Line(kind_, ref, amount, details[(kind_, ref)]))
            pending[(kind_, ref)] -= amount
        if refund > sum(took.values()):  # a fen of rounding the units already took
            lines.append(Line(K.MERCHANT_PAYABLE, str(facts.merchant_id),
                              refund - sum(took.values()), "rounding"))
        lines.append(Line(K.REFUNDS_PAYABLE, PLATFORM, -refund, "refund"))
    held = sum(pending.values())
    # With no unit left open, whatever is still pending settles (the order's rounding).
    unit = facts.total // facts.quantity
    amount = held if facts.open_units == 0 else min(held, unit * units)
    for (kind_, ref), moved in take_from(amount, pending).items():
        detail = details[(kind_, ref)]
        lines += [Line(kind_, ref, moved, detail), Line(EARNED[kind_], ref, -moved, detail)]
    return lines


@dataclass(frozen=True)
class WholeRefund:
    """An order refunded in full before any unit of it existed (a 拼团 member's)."""

    order_id: int
    refund_id: int
    amount: int
    currency: str
    merchant_id: int


async def refund_whole_orders(db: Database, conn: AsyncConnection,
                              refunds: Sequence[WholeRefund], now: datetime) -> None:
    """`settle_units` of a refund of everything, for orders that have no codes, many at
    once: their pending money is read in one query, then each refund's entry is posted
    (keyed `refund:<id>`, as `settle_units` keys it)."""
    if not refunds:
        return
    rows: dict[int, list[Any]] = {}
    for order_id, *row in (await conn.execute(_PENDING_OF_ORDERS, {
            "orders": [r.order_id for r in refunds]})).all():
        rows.setdefault(order_id, []).append(row)
    postings = []
    for r in refunds:
        pending, details = _read_pending(rows.get(r.order_id, []))
        facts = OrderFacts(r.amount, 1, r.currency, r.merchant_id, open_units=0)
        postings.append(Posting(f"refund:{r.refund_id}", "refund", r.currency,
                                _settlement_lines(facts, pending, details, 0, r.amount),
                                order_id=r.order_id, refund_id=r.refund_id))
    await post_many(db, conn, postings, now)


def _reversed_by() -> object:
    later = _ENTRIES.alias("later")
    return exists().where(later.c.reverses_id == _ENTRIES.c.id)


def _released() -> object:
    later = _ENTRIES.alias("released")
    return exists().where(later.c.key == literal("release:") + cast(_ENTRIES.c.id, String))


async def settling_entry(conn: AsyncConnection, code_id: int) -> int | None:
    """The entry that settled this code (redeemed or lapsed) and still stands."""
    return (await conn.execute(
        select(_ENTRIES.c.id).where(_ENTRIES.c.code_id == code_id,
                                    _ENTRIES.c.kind.in_(SETTLING_KINDS), ~_reversed_by())
        .order_by(_ENTRIES.c.id.desc()).limit(1))).scalar()


async def undo_settlement(db: Database, conn: AsyncConnection, code_id: int, *,
                          now: datetime) -> int | None:
    """A redemption taken back (a mis-scan): its entry reversed, and its commissions'
    release too if the window was so short that they were released already. Its unit
    is open again, so what refunds settled when none was left open is pending again
    (`_reopen_leftovers`). Each reversal's key names what it reverses ("undone:" and the
    entry's id), so a code redeemed and undone twice at the same moment is undone
    twice. The reversal's id (None: the unit had settled nothing)."""
    order_id = (await conn.execute(select(_CODES.c.order_id).where(
        _CODES.c.id == code_id))).scalar_one()
    await _facts(conn, order_id)  # lock the order
    entry_id = await settling_entry(conn, code_id)
    undone = None
    if entry_id is not None:
        release_id = (await conn.execute(select(_ENTRIES.c.id).where(
            _ENTRIES.c.key == f"release:{entry_id}"))).scalar()
        if release_id is not None:
            await reverse(db, conn, release_id, key=f"undone:{release_id}", kind="undo",
                          now=now)
        undone = await reverse(db, conn, entry_id, key=f"undone:{entry_id}", kind="undo",
                               now=now)
    await _reopen_leftovers(db, conn, order_id, now=now)
    return undone


async def _settled_leftovers(conn: AsyncConnection, order_id: int) -> list[int]:
    """The order's refund entries that settled what was still pending when no unit was
    left open (lines crediting earned accounts), and still stand."""
    earned = (select(_LINES.c.entry_id)
              .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
              .where(_LINES.c.order_id == order_id, _LINES.c.amount < 0,
                     _ACCOUNTS.c.kind.in_(list(EARNED.values()))))
    return list((await conn.execute(
        select(_ENTRIES.c.id).where(
            _ENTRIES.c.order_id == order_id, _ENTRIES.c.kind == "refund",
            _ENTRIES.c.reverses_id.is_(None), _ENTRIES.c.id.in_(earned), ~_reversed_by())
        .order_by(_ENTRIES.c.id))).scalars())


async def _reopen_leftovers(db: Database, conn: AsyncConnection, order_id: int, *,
                            now: datetime) -> None:
    """A unit open again (its redemption undone) after refunds left none open: what
    those refunds settled (the fen of rounding still pending then) is pending again,
    for the units still to settle; released commission comes back out of available."""
    pending_of = {earned: pending for pending, earned in EARNED.items()}
    for entry_id in await _settled_leftovers(conn, order_id):
        released = (await conn.execute(select(_ENTRIES.c.id).where(
            _ENTRIES.c.key == f"release:{entry_id}"))).scalar() is not None
        currency = (await conn.execute(select(_ENTRIES.c.currency).where(
            _ENTRIES.c.id == entry_id))).scalar_one()
        lines: list[Line] = []
        for line in await entry_lines(conn, entry_id):
            if line.kind not in pending_of or line.amount >= 0:
                continue
            source = K.COMMISSION_AVAILABLE if (
                line.kind == K.COMMISSION_FROZEN and released) else line.kind
            lines += [Line(source, line.ref, -line.amount, line.detail),
                      Line(pending_of[line.kind], line.ref, line.amount, line.detail)]
        await post(db, conn, key=f"reopened:{entry_id}", kind="undo", currency=currency,
                   lines=lines, now=now, order_id=order_id, reverses_id=entry_id)


async def refund_settled(db: Database, conn: AsyncConnection, code_id: int, *, key: str,
                         refund_id: int, now: datetime) -> int:
    """A settled (redeemed or lapsed) code refunded after all (an admin's decision on a
    dispute): what its settlement gave the merchant, the platform and the referrers
    goes back to the buyer. A commission already released is clawed back from the
    referrer's available balance in full, even below zero. Returns the amount."""
    entry_id = await settling_entry(conn, code_id)
    if entry_id is None:
        return 0
    return await _give_back(db, conn, entry_id, key=key, refund_id=refund_id, now=now)


async def refund_leftovers(db: Database, conn: AsyncConnection, order_id: int, *, key: str,
                           refund_id: int, now: datetime) -> int:
    """An order refunded in full after use: what refunds of its last open units settled
    to the merchant, the platform and the referrers (the fen of rounding still pending
    when no unit was left open) goes back to the buyer too, as `refund_settled` gives
    back a code's settlement. Returns the amount."""
    await _facts(conn, order_id)
    entries = await _settled_leftovers(conn, order_id)
    back = 0
    for entry_id in entries:
        back += await _give_back(db, conn, entry_id, key=f"{key}:{entry_id}",
                                 refund_id=refund_id, now=now)
    return back


async def _give_back(db: Database, conn: AsyncConnection, entry_id: int, *, key: str,
                     refund_id: int, now: datetime) -> int:
    """Post the reversal of what one entry gave the merchant, the platform and the
    referrers (its earned lines), owed back to the buyer; a commission it gave that was
    released since comes back out of the referrer's available balance."""
    entry = (await conn.execute(select(_ENTRIES).where(_ENTRIES.c.id == entry_id))).one()
    await _facts(conn, entry.order_id)
    released = (await conn.execute(select(_ENTRIES.c.id).where(
        _ENTRIES.c.key == f"release:{entry_id}"))).scalar() is not None
    lines: list[Line] = []
    for line in await entry_lines(conn, entry_id):
        if line.kind not in EARNED.values() or line.amount >= 0:
            continue  # a fen of rounding the merchant gave stays given
        if line.kind == K.COMMISSION_FROZEN and released:
            lines.append(Line(K.COMMISSION_AVAILABLE, line.ref, -line.amount, line.detail))
        else:
            lines.append(Line(line.kind, line.ref, -line.amount, line.detail))
    amount = sum(line.amount for line in lines)
    lines.append(Line(K.REFUNDS_PAYABLE, PLATFORM, -amount, "refund"))
    await post(db, conn, key=key, kind="clawback" if released else "refund",
               currency=entry.currency, lines=lines, now=now, order_id=entry.order_id,
               code_id=entry.code_id, refund_id=refund_id, reverses_id=entry_id)
    return amount


async def post_unusable_payment(db: Database, conn: AsyncConnection, refund_id: int,
                                provider: str, amount: int, currency: str,
                                now: datetime) -> None:
    """Money that bought nothing (late, double, wrong): received and owed back at once."""
    await post(db, conn, key=f"unusable:{refund_id}", kind="unusable_payment",
               currency=currency, now=now, refund_id=refund_id,
               lines=[Line(K.CASH, provider or "unknown", amount, "payment"),
                      Line(K.REFUNDS_PAYABLE, PLATFORM, -amount, "refund")])


def refund_paid(refund_id: int, order_id: int | None, provider: str, amount: int,
                currency: str) -> Posting:
    """The entry of a refund the provider paid back: it leaves the platform's cash."""
    return Posting(f"refund_paid:{refund_id}", "refund_paid", currency,
                   [Line(K.REFUNDS_PAYABLE, PLATFORM, amount, "refund"),
                    Line(K.CASH, provider or "unknown", -amount, "refund")],
                   order_id=order_id, refund_id=refund_id)


async def post_refund_paid(db: Database, conn: AsyncConnection, refund_id: int,
                           order_id: int | None, provider: str, amount: int, currency: str,
                           now: datetime) -> None:
    """The provider paid a refund back: it leaves the platform's cash."""
    p = refund_paid(refund_id, order_id, provider, amount, currency)
    await post(db, conn, key=p.key, kind=p.kind, currency=p.currency, lines=p.lines, now=now,
               refund_id=refund_id, order_id=order_id)


async def release_due(db: Database, now: datetime, release_after: timedelta | None = None,
                      batch: int = 500) -> int:
    """Make available the commissions of units settled longer than the refund window
    ago (and not taken back since); each settlement's release is posted once. Returns
    how many were released."""
    if release_after is None:
        async with db.engine.connect() as conn:
            release_after = timedelta(days=(await read_rules(conn)).release_after_days)
    frozen = (select(_LINES.c.entry_id)
              .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
              .where(_ACCOUNTS.c.kind == K.COMMISSION_FROZEN, _LINES.c.amount < 0))
    async with db.engine.connect() as conn:
        due = list((await conn.execute(
            select(_ENTRIES.c.id).where(
                _ENTRIES.c.id.in_(frozen), _ENTRIES.c.posted_at <= now - release_after,
                _ENTRIES.c.kind != "undo", ~_reversed_by(), ~_released())
            .order_by(_ENTRIES.c.id).limit(batch))).scalars())
    released = 0
    for entry_id in due:
        async with db.begin() as conn:
            entry = (await conn.execute(select(_ENTRIES).where(_ENTRIES.c.id == entry_id))).one()
            if entry.order_id is not None:
                await _facts(conn, entry.order_id)  # queue behind a refund of the order
            if (await conn.execute(select(_ENTRIES.c.id).where(
                    _ENTRIES.c.reverses_id == entry_id))).first() is not None:
                continue  # taken back meanwhile
            lines: list[Line] = []
            for line in await entry_lines(conn, entry_id):
                if line.kind == K.COMMISSION_FROZEN and line.amount < 0:
                    lines += [Line(K.COMMISSION_FROZEN, line.ref, -line.amount, line.detail),
                              Line(K.COMMISSION_AVAILABLE, line.ref, line.amount, line.detail)]
            if await post(db, conn, key=f"release:{entry_id}", kind="release",
                          currency=entry.currency, lines=lines, now=now,
                          order_id=entry.order_id, code_id=entry.code_id) is not None:
                released += 1
    return released


__all__ = [
    "EARNED",
    "SALE_COLUMNS",
    "SETTLING_KINDS",
    "Sale",
    "effective_rates",
    "post_payment",
    "post_refund_paid",
    "post_sale",
    "post_unusable_payment",
    "read_split",
    "referrer_chain",
    "refund_leftovers",
    "refund_settled",
    "release_due",
    "sale_of",
    "settle_units",
    "settling_entry",
    "undo_settlement",
]
