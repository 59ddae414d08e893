"""A booking's deposit: paid through the ordinary payment providers, held on the
ledger, given back through the refund path or kept for the merchant.

Paying (`apply_deposit`, reached from `services.orders.settlement.settle` for a notice
whose purpose is "booking"): a held booking becomes confirmed once (one conditional
UPDATE `held -> confirmed`, the charge id unique on bookings), in the same transaction
its reminder and the booker's news (`deposit_paid`) are owed and the money is posted:
the provider's cash in, the merchant's deposits held (`deposits_held`) credited.
A replay changes nothing. A payment for a booking whose hold ran out takes its table
again when it is still free; otherwise (cancelled, the table gone, paid twice, a wrong
amount) the money goes back at once (`Refund` with `booking_id`, no order), told
through the ordinary refund news.

Releasing (called by `booking._close` inside its transaction):
- `give_back`: a cancellation in time (or by the store): deposits held -> refunds
  payable, and a `Refund` the caller carries out (`carry_out_deposit_refund`), which
  posts `refund_paid` once the provider paid it;
- `keep`: a late cancellation, a no-show, an arrival, a sitting that passed unmarked:
  deposits held -> the merchant's payable, all of it (no platform fee on a deposit).

Ledger keys name the booking (`deposit_paid:<id>`, `deposit_back:<id>`,
`deposit_kept:<id>`), so nothing posts twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.bookings import booking as _booking
from services.ledger.books import PLATFORM, AccountKind, Line, post
from services.ledger.sales import post_unusable_payment
from services.orders.refunds import RefundDone, carry_out
from services.payments.base import PaymentLink, PaymentNotice
from services.platform.database import Database
from services.platform.outbox import Owing, owe_many
from storage.models import Booking, BookingStatus, Refund, Store, User

if TYPE_CHECKING:
    from services.bookings.booking import BookingView
    from services.payments import Payments

K = AccountKind
_BOOKINGS, _STORES, _USERS, _REFUNDS = (
    Booking.__table__, Store.__table__, User.__table__,  # type: ignore[attr-defined]
    Refund.__table__,  # type: ignore[attr-defined]
)
DEPOSIT_REFUND = "deposit"  # a refund's reason: a cancellation in time, or by the store
LATE = "booking_late"  # paid after the hold ran out, and the table was gone
CLOSED = "booking_closed"  # paid for a booking cancelled (or otherwise closed) meanwhile

_MERCHANT = select(_STORES.c.merchant_id).where(
    _STORES.c.id == _BOOKINGS.c.store_id).scalar_subquery()
_PAID = (
    select(_BOOKINGS.c.deposit, _BOOKINGS.c.currency, _BOOKINGS.c.provider,
           _BOOKINGS.c.charge_id, _MERCHANT.label("merchant_id"))
    .where(_BOOKINGS.c.deposit_paid_at.is_not(None), _BOOKINGS.c.deposit > 0)
)


def paid_key(booking_id: int) -> str:
    """The outbox key of the booker's news that their deposit confirmed the booking."""
    return f"deposit_paid:{booking_id}"


def expired_key(booking_id: int) -> str:
    """The outbox key of the booker's news that an unpaid hold released the table."""
    return f"booking_expired:{booking_id}"


@dataclass(frozen=True)
class DepositResult:
    """What a deposit payment led to: paid (the booking confirmed), duplicate, refund
    (`refund_id` to carry out, `reason`) or unknown."""

    outcome: str
    booking: BookingView | None = None
    refund_id: int | None = None
    reason: str | None = None
    owed_keys: tuple[str, ...] = ()


# ------------------------------------------------------------------ paying


async def attach_deposit_payment(db: Database, booking_id: int, link: PaymentLink,
                                 now: datetime) -> bool:
    """Remember which provider attempt pays this held booking's deposit."""
    async with db.begin() as conn:
        done = await conn.execute(
            update(_BOOKINGS)
            .where(_BOOKINGS.c.id == booking_id, _BOOKINGS.c.status == BookingStatus.HELD)
            .values(provider=link.provider, provider_ref=link.provider_ref, updated_at=now))
    return bool(done.rowcount == 1)


async def booking_by_ref(db: Database, provider: str, provider_ref: str) -> BookingView | None:
    """The booking whose deposit attempt `provider_ref` of `provider` pays, or None."""
    async with db.engine.connect() as conn:
        found = (await conn.execute(
            select(_BOOKINGS.c.id).where(_BOOKINGS.c.provider == provider,
                                         _BOOKINGS.c.provider_ref == provider_ref))).scalar()
    return await _booking.booking_view(db, int(found)) if found is not None else None


def precheck_problem(view: BookingView | None, amount: int, currency: str,
                     now: datetime) -> str | None:
    """Why a deposit payment for this booking must not go ahead now (None: it may):
    unknown_booking, paid_already, booking_closed, booking_expired, amount_changed."""
    if view is None:
        return "unknown_booking"
    if view.status != BookingStatus.HELD:
        return "paid_already" if view.deposit_paid else "booking_closed"
    if view.hold_until is None or view.hold_until <= now:
        return "booking_expired"
    if amount != view.deposit or currency.upper() != view.currency:
        return "amount_changed"
    return None


async def _confirmed(db: Database, conn: AsyncConnection, booking_id: int,
                     notice: PaymentNotice, now: datetime) -> tuple[str, ...]:
    """What confirming a paid booking owes, in `conn`'s transaction: the money posted
    (cash in, the merchant's deposits held), the reminder and the booker's news."""
    row = (await conn.execute(
        select(_BOOKINGS.c.starts_at, _BOOKINGS.c.deposit, _BOOKINGS.c.currency,
               _MERCHANT, _USERS.c.telegram_id, _USERS.c.quiet_start, _USERS.c.quiet_end,
               _USERS.c.timezone)
        .join(_USERS, _USERS.c.id == _BOOKINGS.c.user_id)
        .where(_BOOKINGS.c.id == booking_id))).one()
    starts_at, amount, currency, merchant_id, telegram_id = row[:5]
    await post(db, conn, key=f"deposit_paid:{booking_id}", kind="deposit_paid",
               currency=currency, now=now,
               lines=[Line(K.CASH, notice.provider or "unknown", amount, "deposit"),
                      Line(K.DEPOSITS_HELD, str(merchant_id), -amount, "deposit")])
    quiet = (int(row[5]), int(row[6]), str(row[7] or "Asia/Shanghai"))
    await _booking.owe_reminder(db, conn, booking_id, starts_at, now, quiet)
    await owe_many(db, conn, [Owing(int(telegram_id), "deposit_paid",
                                    {"booking_id": booking_id}, paid_key(booking_id))], now)
    return (paid_key(booking_id),)


async def apply_deposit(db: Database, notice: PaymentNotice, now: datetime) -> DepositResult:
    """Confirm the held booking a verified deposit payment is for, once per charge;
    money that cannot confirm anything is recorded as owed back (see the module)."""
    booking_id = notice.order_id
    try:
        async with db.begin() as conn:
            paid = (await conn.execute(
                update(_BOOKINGS)
                .where(_BOOKINGS.c.id == booking_id, _BOOKINGS.c.status == BookingStatus.HELD,
                       _BOOKINGS.c.deposit > 0, _BOOKINGS.c.deposit == notice.amount,
                       _BOOKINGS.c.currency == notice.currency.upper(),
                       _BOOKINGS.c.deposit_paid_at.is_(None))
                .values(status=BookingStatus.CONFIRMED, deposit_paid_at=now,
                        charge_id=notice.charge_id, provider=notice.provider, updated_at=now)
                .returning(_BOOKINGS.c.id))).first()
            owed = (await _confirmed(db, conn, booking_id, notice, now)
                    if paid is not None else None)
    except IntegrityError:
        owed = None  # the charge id is unique: this charge confirmed a booking already
    if owed is not None:  # read once committed
        return DepositResult("paid", await _booking.booking_view(db, booking_id),
                             owed_keys=owed)
    return await _unusable(db, notice, now)


class _NoTable(Exception):
    """The table of a late payment is gone: back to the savepoint."""


async def _unusable(db: Database, notice: PaymentNotice, now: datetime) -> DepositResult:
    """A notice that did not simply confirm a held booking: a replay, a late payment
    (its table taken again if still free), or money going back."""
    booking_id = notice.order_id
    async with db.begin() as conn:
        query = select(_BOOKINGS).where(_BOOKINGS.c.id == booking_id)
        row = (await conn.execute(
            query.with_for_update() if db.dialect == "postgresql" else query)).first()
        if row is None:
            return DepositResult("unknown", reason="unknown_booking")
        outcome, owed, refund_id = "refund", (), 0
        late = (row.status == BookingStatus.EXPIRED and row.deposit_paid_at is None
                and row.deposit > 0 and notice.amount == row.deposit
                and notice.currency.upper() == row.currency and row.user_id is not None)
        if row.charge_id == notice.charge_id or (await conn.execute(
                select(_REFUNDS.c.id).where(_REFUNDS.c.charge_id == notice.charge_id)
                .limit(1))).first() is not None:
            outcome = "duplicate"
        elif late and await _seat_again(db, conn, row, notice, now):
            outcome, owed = "paid", await _confirmed(db, conn, booking_id, notice, now)
        else:
            reason = (LATE if late else "double_payment" if row.deposit_paid_at is not None
                      else "amount_changed" if row.status == BookingStatus.HELD else CLOSED)
            refund_id = int((await conn.execute(insert(_REFUNDS).returning(_REFUNDS.c.id), {
                "order_id": None, "booking_id": booking_id, "provider": notice.provider,
                "charge_id": notice.charge_id, "amount": notice.amount,
                "currency": notice.currency.upper(), "codes": 0, "reason": reason,
                "status": "pending", "attempts": 0, "created_at": now})).scalar_one())
            await post_unusable_payment(db, conn, refund_id, notice.provider, notice.amount,
                                        notice.currency.upper(), now)
    view = await _booking.booking_view(db, booking_id)  # read once committed
    if outcome != "refund":
        return DepositResult(outcome, view, owed_keys=owed)
    return DepositResult("refund", view, refund_id, reason)


async def _seat_again(db: Database, conn: AsyncConnection, row: object,
                      notice: PaymentNotice, now: datetime) -> bool:
    """A deposit paid after its hold ran out: the booking is confirmed again if its
    start is still ahead, its booker has no other booking near it and its table is free
    for the whole stay (taken in a savepoint: all of it, or nothing)."""
    starts_at, ends_at = row.starts_at, row.ends_at  # type: ignore[attr-defined]
    if starts_at <= now or await _booking.conflict_in(
            conn, row.user_id, starts_at, row.id) is not None:  # type: ignore[attr-defined]
        return False
    stay = _booking.units(starts_at, int((ends_at - starts_at) // timedelta(minutes=1)))
    try:
        async with conn.begin_nested():
            if not await _booking.take_table(db, conn, row.table_type_id,  # type: ignore[attr-defined]
                                             stay):
                raise _NoTable
            done = await conn.execute(
                update(_BOOKINGS)
                .where(_BOOKINGS.c.id == row.id,  # type: ignore[attr-defined]
                       _BOOKINGS.c.status == BookingStatus.EXPIRED)
                .values(status=BookingStatus.CONFIRMED, deposit_paid_at=now,
                        charge_id=notice.charge_id, provider=notice.provider,
                        closed_at=None, updated_at=now))
            if done.rowcount != 1:
                raise _NoTable
    except _NoTable:
        return False
    return True


# ------------------------------------------------------------------ releasing


async def _paid_deposit(conn: AsyncConnection, booking_id: int) -> object | None:
    return (await conn.execute(_PAID.where(_BOOKINGS.c.id == booking_id))).first()


async def give_back(db: Database, conn: AsyncConnection, booking_id: int,
                    now: datetime) -> int | None:
    """Record the paid deposit of a cancelled booking as owed back (a `Refund` row and
    its ledger entry, in `conn`'s transaction); returns the refund's id to carry out
    (None when nothing was paid)."""
    row = await _paid_deposit(conn, booking_id)
    if row is None:
        return None
    amount, currency, provider, charge_id, merchant_id = row  # type: ignore[misc]
    refund_id = int((await conn.execute(insert(_REFUNDS).returning(_REFUNDS.c.id), {
        "order_id": None, "booking_id": booking_id, "provider": provider or "",
        "charge_id": charge_id or "", "amount": amount, "currency": currency, "codes": 0,
        "reason": DEPOSIT_REFUND, "status": "pending", "attempts": 0,
        "created_at": now})).scalar_one())
    await post(db, conn, key=f"deposit_back:{booking_id}", kind="deposit_back",
               currency=currency, now=now, refund_id=refund_id,
               lines=[Line(K.DEPOSITS_HELD, str(merchant_id), amount, "deposit"),
                      Line(K.REFUNDS_PAYABLE, PLATFORM, -amount, "refund")])
    return refund_id


async def keep(db: Database, conn: AsyncConnection, booking_id: int, now: datetime) -> None:
    """The paid deposit goes to the merchant (no-show, late cancellation, the sitting
    happened), in `conn`'s transaction: all of it, no platform fee."""
    row = await _paid_deposit(conn, booking_id)
    if row is None:
        return
    amount, currency, _, _, merchant_id = row  # type: ignore[misc]
    await post(db, conn, key=f"deposit_kept:{booking_id}", kind="deposit_kept",
               currency=currency, now=now,
               lines=[Line(K.DEPOSITS_HELD, str(merchant_id), amount, "deposit"),
                      Line(K.MERCHANT_PAYABLE, str(merchant_id), -amount, "deposit")])


async def owe_expired(db: Database, conn: AsyncConnection, booking_id: int,
                      now: datetime) -> None:
    """Owe the booker of a hold that ran out unpaid the news that its table was
    released (in `conn`'s transaction; once per booking)."""
    row = (await conn.execute(
        select(_USERS.c.telegram_id).join(_BOOKINGS, _BOOKINGS.c.user_id == _USERS.c.id)
        .where(and_(_BOOKINGS.c.id == booking_id, _BOOKINGS.c.walk_in.is_(False))))).first()
    if row is not None:
        await owe_many(db, conn, [Owing(int(row[0]), "booking_expired",
                                        {"booking_id": booking_id}, expired_key(booking_id))],
                       now)


async def carry_out_deposit_refund(db: Database, payments: Payments, refund_id: int | None,
                                   now: datetime) -> RefundDone | None:
    """Pay back a deposit `cancel_booking` recorded as owed (`Closed.refund_id`; None:
    nothing to do). The booker's news is owed with the outcome, also while it waits for
    a provider that is down (housekeeping retries it)."""
    if refund_id is None:
        return None
    return await carry_out(db, refund_id, payments.refund, now, even_pending=True)
