"""Booking deposits told as stories, on SQLite and PostgreSQL: paid through the ordinary
providers, held on the ledger, given back on a cancellation in time (or by the store),
kept on a late cancellation or a no-show; every fen accounted for.

The noodle shop asks ¥50 a booking, cancellable free up to 2 hours before.
STORY_NOW is Wednesday 25 November 2026, 12:00 in Shanghai.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select

from services.bookings.booking import (
    BookingView,
    book,
    booking_view,
    cancel_booking,
    complete_past,
    expire_holds,
    mark_booking,
)
from services.bookings.deposits import carry_out_deposit_refund, precheck_problem
from services.bookings.seating import SeatingPlan
from services.ledger.books import AccountKind, balances
from services.orders.settlement import Settlement, settle
from services.payments import PaymentNotice, Payments, RefundOutcome
from services.payments.base import BOOKING
from services.platform.database import Database
from storage.models import (
    Booking,
    BookingStatus,
    LedgerEntry,
    OutboxMessage,
    OutboxStatus,
    Refund,
)
from tests.conftest import STORY_NOW
from tests.helpers.booking_world import TABLES, book_as, build_booking_world, shanghai
from tests.helpers.checkout_world import World

NOW = STORY_NOW
DEPOSIT = 5000
K = AccountKind


class Provider:
    """A payment provider that can be down for refunds."""

    name = "sandbox"

    def __init__(self) -> None:
        self.down = False
        self.refunds: list[tuple[str, int, str]] = []

    async def refund(self, charge_id: str, amount: int, currency: str, *,
                     user_telegram_id: int, idempotency_key: str,
                     whole: bool = False) -> RefundOutcome:
        if self.down:
            return RefundOutcome(ok=False, error="provider unreachable")
        self.refunds.append((charge_id, amount, idempotency_key))
        return RefundOutcome(ok=True, reference=f"re_{idempotency_key}")


def payments_with(provider: Provider) -> Payments:
    return Payments("sandbox", {"sandbox": provider})  # type: ignore[dict-item]


async def deposit_world(db: Database, buyers: int = 6) -> World:
    return await build_booking_world(db, buyers=buyers,
                                     plan=SeatingPlan(tables=TABLES, deposit=DEPOSIT))


def notice(booking_id: int, charge: str, amount: int = DEPOSIT) -> PaymentNotice:
    return PaymentNotice("sandbox", booking_id, amount, "CNY", charge,
                         provider_ref=f"tok-{charge}", purpose=BOOKING)


async def held(db: Database, world: World, buyer: str = "buyer1", party: int = 2,
               at: datetime | None = None) -> BookingView:
    done = await book_as(db, world, buyer, party, at or shanghai(1, 19))
    assert done.booking is not None, done.reason
    assert done.booking.status == BookingStatus.HELD and done.deposit_why == "store"
    return done.booking


async def pay(db: Database, payments: Payments, booking_id: int, charge: str,
              now: datetime = NOW, amount: int = DEPOSIT) -> Settlement:
    return await settle(db, payments, notice(booking_id, charge, amount), now)


async def held_by(db: Database, world: World) -> dict[str, int]:
    async with db.engine.connect() as conn:
        found = await balances(conn, [K.DEPOSITS_HELD, K.MERCHANT_PAYABLE],
                               str(world.merchant_id), "CNY")
    return {kind: amount for (kind, _), amount in found.items()}


async def owed(db: Database, kind: str) -> list[Mapping[str, object]]:
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == kind,  # type: ignore[arg-type]
            OutboxMessage.status != OutboxStatus.DROPPED))).all()  # type: ignore[arg-type]
    return [row[0].params if not isinstance(row, OutboxMessage) else row.params
            for row in rows]


async def refunds(db: Database) -> list[Refund]:
    async with db.session() as session:
        return list((await session.exec(select(Refund).order_by(Refund.id))).scalars())  # type: ignore[arg-type]


async def entries(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(
            LedgerEntry.__table__))).scalar_one())  # type: ignore[attr-defined]


async def test_a_deposit_paid_confirms_the_booking_and_owes_its_reminder(db: Database) -> None:
    world = await deposit_world(db)
    booking = await held(db, world)
    assert booking.hold_until == NOW + timedelta(minutes=15) and not booking.deposit_paid
    assert await owed(db, "booking_reminder") == []  # not confirmed yet: nothing to remind
    done = await pay(db, payments_with(Provider()), booking.id, "ch_1")
    assert done.outcome == "paid" and done.booking is not None
    assert (done.booking.status, done.booking.deposit_paid) == ("confirmed", True)
    assert [p["booking_id"] for p in await owed(db, "booking_reminder")] == [booking.id]
    assert [p["booking_id"] for p in await owed(db, "deposit_paid")] == [booking.id]
    assert done.owed_keys == (f"deposit_paid:{booking.id}",)
    assert (await held_by(db, world)).get(K.DEPOSITS_HELD) == DEPOSIT


async def test_a_replayed_deposit_notice_changes_nothing(db: Database) -> None:
    world = await deposit_world(db)
    booking = await held(db, world)
    payments = payments_with(Provider())
    assert (await pay(db, payments, booking.id, "ch_1")).outcome == "paid"
    before = await entries(db)
    again = await pay(db, payments, booking.id, "ch_1", now=NOW + timedelta(minutes=1))
    assert again.outcome == "duplicate" and again.owed_keys == ()
    assert await entries(db) == before and await refunds(db) == []
    assert len(await owed(db, "deposit_paid")) == 1
    assert (await held_by(db, world)).get(K.DEPOSITS_HELD) == DEPOSIT


async def test_an_unpaid_hold_expires_after_15_minutes_and_frees_the_table(
        db: Database) -> None:
    world = await deposit_world(db, buyers=8)
    at = shanghai(1, 19)
    bookings = [await held(db, world, f"buyer{n}", 2, at) for n in range(1, 7)]  # all tables
    late = await book_as(db, world, "buyer7", 2, at)
    assert late.reason == "full"
    assert await expire_holds(db, NOW + timedelta(minutes=14)) == []
    expired = await expire_holds(db, NOW + timedelta(minutes=16))
    assert sorted(expired) == sorted(b.id for b in bookings)
    assert await expire_holds(db, NOW + timedelta(minutes=17)) == []  # once
    told = await owed(db, "booking_expired")
    assert sorted(p["booking_id"] for p in told) == sorted(b.id for b in bookings)
    later = await book_as(db, world, "buyer7", 2, at, now=NOW + timedelta(minutes=17))
    assert later.booking is not None  # the tables are free again
    assert await refunds(db) == [] and (await held_by(db, world)) == {}


async def test_a_deposit_paid_after_expiry_gets_the_table_if_still_free(db: Database) -> None:
    world = await deposit_world(db)
    booking = await held(db, world)
    await expire_holds(db, NOW + timedelta(minutes=16))
    done = await pay(db, payments_with(Provider()), booking.id, "ch_late",
                     now=NOW + timedelta(minutes=20))
    assert done.outcome == "paid" and done.booking is not None
    assert done.booking.status == "confirmed" and done.booking.deposit_paid
    assert await refunds(db) == []
    assert (await held_by(db, world)).get(K.DEPOSITS_HELD) == DEPOSIT


async def test_a_deposit_paid_after_its_table_went_to_someone_else_is_refunded_once(
        db: Database) -> None:
    world = await deposit_world(db, buyers=8)
    at = shanghai(1, 19)
    first = await held(db, world, "buyer1", 8, at)  # the one 8-seat table
    await expire_holds(db, NOW + timedelta(minutes=16))
    taken = await book_as(db, world, "buyer2", 8, at, now=NOW + timedelta(minutes=17))
    assert taken.booking is not None
    provider = Provider()
    payments = payments_with(provider)
    done = await pay(db, payments, first.id, "ch_late", now=NOW + timedelta(minutes=20))
    assert done.outcome == "refund" and done.reason == "booking_late"
    assert done.refund is not None and done.refund.status == "done"
    assert done.refund.booking_id == first.id and done.refund.order_id is None
    assert done.owed_key == f"refund:{done.refund.refund_id}:done"
    again = await pay(db, payments, first.id, "ch_late", now=NOW + timedelta(minutes=21))
    assert again.outcome == "duplicate"
    [refund] = await refunds(db)
    assert (refund.booking_id, refund.order_id, refund.amount, refund.codes) == (
        first.id, None, DEPOSIT, 0)
    assert provider.refunds == [("ch_late", DEPOSIT, f"refund-{refund.id}")]
    view = await booking_view(db, first.id)
    assert view is not None and view.status == "expired"


async def test_a_cancellation_before_the_deadline_refunds_once_even_when_the_provider_is_down(
        db: Database) -> None:
    world = await deposit_world(db)
    booking = await held(db, world)
    provider = Provider()
    payments = payments_with(provider)
    await pay(db, payments, booking.id, "ch_1")
    user = world.users["buyer1"]
    cancelled = await cancel_booking(db, booking.id, NOW + timedelta(hours=1), user_id=user)
    assert cancelled.changed and cancelled.refund_id is not None and not cancelled.deposit_kept
    twice = await cancel_booking(db, booking.id, NOW + timedelta(hours=1), user_id=user)
    assert not twice.changed and twice.refund_id is None
    provider.down = True
    first_try = await carry_out_deposit_refund(db, payments, cancelled.refund_id,
                                               NOW + timedelta(hours=1))
    assert first_try is not None and first_try.status == "pending"
    assert first_try.owed_key is not None  # the booker hears it is on its way
    provider.down = False
    retried = await carry_out_deposit_refund(db, payments, cancelled.refund_id,
                                             NOW + timedelta(hours=2))
    assert retried is not None and retried.status == "done"
    assert await carry_out_deposit_refund(db, payments, cancelled.refund_id,
                                          NOW + timedelta(hours=3)) is None
    assert [r.reason for r in await refunds(db)] == ["deposit"]
    assert provider.refunds == [("ch_1", DEPOSIT, f"refund-{cancelled.refund_id}")]
    assert (await held_by(db, world)).get(K.DEPOSITS_HELD, 0) == 0
    assert (await held_by(db, world)).get(K.MERCHANT_PAYABLE, 0) == 0


async def test_a_late_cancellation_and_a_no_show_keep_the_deposit_for_the_merchant(
        db: Database) -> None:
    world = await deposit_world(db)
    payments = payments_with(Provider())
    late = await held(db, world, "buyer1", 2, shanghai(1, 19))
    gone = await held(db, world, "buyer2", 2, shanghai(1, 12))
    await pay(db, payments, late.id, "ch_1")
    await pay(db, payments, gone.id, "ch_2")
    assert (await held_by(db, world)) == {K.DEPOSITS_HELD: 2 * DEPOSIT}
    # an hour before the start: inside the 2-hour deadline
    kept = await cancel_booking(db, late.id, shanghai(1, 18), user_id=world.users["buyer1"])
    assert kept.changed and kept.deposit_kept and kept.refund_id is None
    assert (await held_by(db, world)) == {K.DEPOSITS_HELD: DEPOSIT,
                                          K.MERCHANT_PAYABLE: DEPOSIT}
    marked = await mark_booking(db, gone.id, world.merchant_id, BookingStatus.NO_SHOW,
                                shanghai(1, 12, 20))
    assert not isinstance(marked, str) and marked.deposit_kept
    assert (await held_by(db, world)) == {K.DEPOSITS_HELD: 0, K.MERCHANT_PAYABLE: 2 * DEPOSIT}
    assert await refunds(db) == []


async def test_the_store_cancelling_always_refunds_even_inside_the_deadline(
        db: Database) -> None:
    world = await deposit_world(db)
    payments = payments_with(Provider())
    booking = await held(db, world)
    await pay(db, payments, booking.id, "ch_1")
    closed = await cancel_booking(db, booking.id, shanghai(1, 18),
                                  merchant_id=world.merchant_id)
    assert closed.changed and closed.refund_id is not None and not closed.deposit_kept
    done = await carry_out_deposit_refund(db, payments, closed.refund_id, shanghai(1, 18))
    assert done is not None and done.status == "done"
    assert (await held_by(db, world)).get(K.MERCHANT_PAYABLE, 0) == 0


async def test_three_no_shows_in_90_days_make_the_next_booking_need_a_deposit(
        db: Database) -> None:
    world = await build_booking_world(db)  # the shop itself asks no deposit
    user = world.users["buyer1"]
    for day in (1, 2, 3):
        done = await book_as(db, world, "buyer1", 2, shanghai(day, 12))
        assert done.booking is not None and done.booking.status == "confirmed"
        marked = await mark_booking(db, done.booking.id, world.merchant_id,
                                    BookingStatus.NO_SHOW, shanghai(day, 12, 30))
        assert not isinstance(marked, str) and marked.changed
    later = shanghai(4, 9)
    needs = await book(db, user, world.store_ids[0], 2, shanghai(5, 19), later,
                       no_show_deposit=3000)
    assert needs.booking is not None and needs.deposit_why == "no_shows"
    assert (needs.booking.status, needs.booking.deposit) == ("held", 3000)
    other = await book(db, world.users["buyer2"], world.store_ids[0], 2, shanghai(5, 19),
                       later, no_show_deposit=3000)
    assert other.booking is not None and other.deposit_why is None
    assert other.booking.status == "confirmed"


async def test_every_deposit_paid_ends_given_back_kept_or_still_held(db: Database) -> None:
    world = await deposit_world(db, buyers=8)
    provider = Provider()
    payments = payments_with(provider)
    fates = {}
    for n, (day, hour) in enumerate(((1, 12), (1, 13), (1, 15), (1, 17), (1, 19), (1, 20),
                                     (3, 19)), start=1):
        b = await held(db, world, f"buyer{n}", 2, shanghai(day, hour))
        await pay(db, payments, b.id, f"ch_{n}")
        fates[n] = b
    await pay(db, payments, fates[1].id, "ch_double")  # paid twice: the second goes back
    await cancel_booking(db, fates[2].id, NOW, user_id=world.users["buyer2"])  # in time
    await cancel_booking(db, fates[3].id, shanghai(1, 14), user_id=world.users["buyer3"])
    await mark_booking(db, fates[4].id, world.merchant_id, "arrived", shanghai(1, 17))
    await mark_booking(db, fates[1].id, world.merchant_id, "no_show", shanghai(1, 12, 30))
    await cancel_booking(db, fates[5].id, shanghai(1, 18), merchant_id=world.merchant_id)
    await complete_past(db, shanghai(2, 12))  # the arrival and the unmarked 20:00 sitting
    for refund in await refunds(db):
        await carry_out_deposit_refund(db, payments, refund.id, shanghai(2, 12))
    paid_in = 8 * DEPOSIT
    back = sum(amount for _, amount, _ in provider.refunds)
    money = await held_by(db, world)
    assert back == 3 * DEPOSIT  # the double payment, the cancellation in time, the store's
    assert money[K.MERCHANT_PAYABLE] == 4 * DEPOSIT  # late, no-show, arrived, unmarked
    assert money[K.DEPOSITS_HELD] == DEPOSIT  # the booking two days ahead
    assert back + money[K.MERCHANT_PAYABLE] + money[K.DEPOSITS_HELD] == paid_in
    async with db.session() as session:
        statuses = sorted((await session.exec(select(Booking.status))).scalars())  # type: ignore[call-overload]
    assert statuses.count("confirmed") == 1


def test_a_precheck_refuses_a_booking_that_is_not_held_or_ran_out() -> None:
    assert precheck_problem(None, DEPOSIT, "CNY", NOW) == "unknown_booking"
