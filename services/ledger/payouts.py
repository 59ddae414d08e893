"""Money out: merchants' payouts and referrers' withdrawals, never more than is there.

The transfer itself happens outside the bot (a bank transfer); the books record it:
- a referrer asks to withdraw (`request_withdrawal`): their available commission moves
  to payouts in transit; an admin marks it paid with the transfer's reference
  (`mark_paid`: it leaves the platform's bank cash) or cancels it (`cancel`: back to
  available);
- an admin pays a merchant (`pay_merchant`): requested and paid at once, out of its
  payable balance.
The payee is told through the outbox, in the transaction that records it: a referrer
when their withdrawal is paid or cancelled, a merchant's owner when a transfer is
recorded. Each checks the balance inside its own transaction, with the payee's account rows
locked (PostgreSQL; SQLite writers queue anyway), so two requests at once cannot both
take the same money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col
from sqlmodel import select as sqlmodel_select

from services.ledger.books import PLATFORM, AccountKind, Line, account_ids, post
from services.platform.database import Database
from services.platform.outbox import owe
from storage.models import LedgerAccount, LedgerLine, Merchant, Payout, PayoutStatus, User

K = AccountKind
BANK = "bank"  # the platform's own account that transfers go out from
_PAYOUTS = Payout.__table__  # type: ignore[attr-defined]
_MERCHANTS, _USERS = Merchant.__table__, User.__table__  # type: ignore[attr-defined]
_LINES = LedgerLine.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PayoutResult:
    """What a payout request or payment did: `outcome` is ok, or why not: not_enough
    (more than `available`), bad_amount, changed (not what was confirmed), unknown,
    not_requested."""

    outcome: str
    payout_id: int | None = None
    amount: int = 0
    available: int = 0  # what could be paid out (minor units), for the refusal
    currency: str = "CNY"


async def _locked_balance(db: Database, conn: AsyncConnection, kind: str, ref: str,
                          currency: str) -> int:
    """The shown balance of one account, its row locked until the transaction ends."""
    account_id = (await account_ids(db, conn, [(kind, ref)], currency))[(kind, ref)]
    accounts = LedgerAccount.__table__  # type: ignore[attr-defined]
    await conn.execute(select(accounts.c.id).where(accounts.c.id == account_id)
                       .with_for_update())
    total = (await conn.execute(select(func.coalesce(func.sum(_LINES.c.amount), 0))
                                .where(_LINES.c.account_id == account_id))).scalar()
    return -int(total or 0)


async def _new_payout(conn: AsyncConnection, payee: str, payee_id: int, amount: int,
                      currency: str, by: int, now: datetime) -> int:
    return int((await conn.execute(insert(_PAYOUTS).values(
        payee=payee, payee_id=payee_id, amount=amount, currency=currency,
        status=PayoutStatus.REQUESTED, requested_by=by, requested_at=now)
        .returning(_PAYOUTS.c.id))).scalar_one())


async def request_withdrawal(db: Database, user_id: int, amount: int, now: datetime,
                             currency: str = "CNY", *,
                             expected_available: int | None = None) -> PayoutResult:
    """A referrer asks for `amount` of their available commission (never more). With
    `expected_available` (what they saw when they confirmed), nothing is asked for
    unless that is still what is available ("changed"): a second tap of the same
    confirmation, or one after the balance moved, withdraws nothing."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return PayoutResult("bad_amount", currency=currency)
    async with db.begin() as conn:
        available = await _locked_balance(db, conn, K.COMMISSION_AVAILABLE, str(user_id),
                                          currency)
        if expected_available is not None and available != expected_available:
            return PayoutResult("changed", amount=amount, available=max(0, available),
                                currency=currency)
        if amount > available:
            return PayoutResult("not_enough", amount=amount, available=max(0, available),
                                currency=currency)
        payout_id = await _new_payout(conn, "user", user_id, amount, currency, user_id, now)
        await post(db, conn, key=f"payout_requested:{payout_id}", kind="payout_requested",
                   currency=currency, now=now, payout_id=payout_id, lines=[
                       Line(K.COMMISSION_AVAILABLE, str(user_id), amount, "withdrawal"),
                       Line(K.PAYOUTS_IN_TRANSIT, PLATFORM, -amount, "withdrawal")])
    return PayoutResult("ok", payout_id, amount, available - amount, currency)


async def pay_merchant(db: Database, merchant_id: int, amount: int, reference: str,
                       admin_user_id: int, now: datetime,
                       currency: str = "CNY") -> PayoutResult:
    """An admin records a transfer to a merchant: out of its payable, never more."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return PayoutResult("bad_amount", currency=currency)
    async with db.begin() as conn:
        payable = await _locked_balance(db, conn, K.MERCHANT_PAYABLE, str(merchant_id),
                                        currency)
        if amount > payable:
            return PayoutResult("not_enough", amount=amount, available=max(0, payable),
                                currency=currency)
        payout_id = await _new_payout(conn, "merchant", merchant_id, amount, currency,
                                      admin_user_id, now)
        await post(db, conn, key=f"payout_requested:{payout_id}", kind="payout_requested",
                   currency=currency, now=now, payout_id=payout_id, lines=[
                       Line(K.MERCHANT_PAYABLE, str(merchant_id), amount, "payout"),
                       Line(K.PAYOUTS_IN_TRANSIT, PLATFORM, -amount, "payout")])
        await _paid(db, conn, payout_id, amount, currency, reference, admin_user_id, now)
    return PayoutResult("ok", payout_id, amount, payable - amount, currency)


async def _paid(db: Database, conn: AsyncConnection, payout_id: int, amount: int,
                currency: str, reference: str, admin_user_id: int, now: datetime) -> None:
    await conn.execute(update(_PAYOUTS).where(_PAYOUTS.c.id == payout_id).values(
        status=PayoutStatus.PAID, reference=reference[:120], paid_by=admin_user_id,
        paid_at=now))
    await post(db, conn, key=f"payout_paid:{payout_id}", kind="payout_paid",
               currency=currency, now=now, payout_id=payout_id, lines=[
                   Line(K.PAYOUTS_IN_TRANSIT, PLATFORM, amount, "payout"),
                   Line(K.CASH, BANK, -amount, "payout")])
    await _tell_payee(db, conn, payout_id, "payout_paid", now)


async def _tell_payee(db: Database, conn: AsyncConnection, payout_id: int, kind: str,
                      now: datetime) -> None:
    """Owe the payee the news (the outbox, in this transaction): a referrer their
    withdrawal paid or cancelled, a merchant's owner the transfer recorded."""
    row = (await conn.execute(select(_PAYOUTS).where(_PAYOUTS.c.id == payout_id))).one()
    user_id = row.payee_id if row.payee == "user" else (await conn.execute(
        select(_MERCHANTS.c.owner_user_id).where(_MERCHANTS.c.id == row.payee_id))).scalar()
    chat_id = (await conn.execute(select(_USERS.c.telegram_id).where(
        _USERS.c.id == user_id))).scalar() if user_id is not None else None
    if chat_id is None:
        return  # a merchant without an owner: nobody to tell
    await owe(db, conn, chat_id, kind, {
        "payout_id": payout_id, "payee": row.payee, "told": kind.removeprefix("payout_"),
        "amount": row.amount,
        "currency": row.currency, "reference": row.reference or ""}, f"{kind}:{payout_id}", now)


async def _requested(conn: AsyncConnection, payout_id: int) -> Any:
    """The payout's row, locked, if it is still requested; else the refusal."""
    row = (await conn.execute(select(_PAYOUTS).where(_PAYOUTS.c.id == payout_id)
                              .with_for_update())).first()
    if row is None:
        return PayoutResult("unknown")
    if row.status != PayoutStatus.REQUESTED:
        return PayoutResult("not_requested", payout_id, row.amount, currency=row.currency)
    return row


async def mark_paid(db: Database, payout_id: int, reference: str, admin_user_id: int,
                    now: datetime) -> PayoutResult:
    """An admin marks a requested withdrawal paid (the transfer's reference)."""
    async with db.begin() as conn:
        row = await _requested(conn, payout_id)
        if isinstance(row, PayoutResult):
            return row
        await _paid(db, conn, payout_id, row.amount, row.currency, reference, admin_user_id,
                    now)
    return PayoutResult("ok", payout_id, row.amount, currency=row.currency)


async def cancel(db: Database, payout_id: int, now: datetime) -> PayoutResult:
    """A requested withdrawal that will not be paid: the money is available again."""
    async with db.begin() as conn:
        row = await _requested(conn, payout_id)
        if isinstance(row, PayoutResult):
            return row
        await conn.execute(update(_PAYOUTS).where(_PAYOUTS.c.id == payout_id)
                           .values(status=PayoutStatus.CANCELLED))
        payee = K.COMMISSION_AVAILABLE if row.payee == "user" else K.MERCHANT_PAYABLE
        await post(db, conn, key=f"payout_cancelled:{payout_id}", kind="payout_cancelled",
                   currency=row.currency, now=now, payout_id=payout_id, lines=[
                       Line(K.PAYOUTS_IN_TRANSIT, PLATFORM, row.amount, "cancelled"),
                       Line(payee, str(row.payee_id), -row.amount, "cancelled")])
        await _tell_payee(db, conn, payout_id, "payout_cancelled", now)
    return PayoutResult("ok", payout_id, row.amount, currency=row.currency)


async def requested_payouts(db: Database, limit: int = 50) -> list[Payout]:
    """Withdrawals waiting for an admin, oldest first."""
    async with db.session() as session:
        return list((await session.exec(
            sqlmodel_select(Payout).where(Payout.status == PayoutStatus.REQUESTED)
            .order_by(col(Payout.id)).limit(limit))).all())
