"""Money under races, on PostgreSQL (where transactions really run side by side).

Two staff confirm the same code at once, another code is redeemed while the shopper
refunds every open code (tapping twice), then the provider's refund is carried out
twice at once: each code settles once, the refund is posted once and the order says
what its refund entries gave back. A payment notice and its replay arriving together
post one payment. Two withdrawals of a referrer's whole balance at once: one is paid.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from services.ledger.books import AccountKind, balances
from services.ledger.check import check_books
from services.ledger.payouts import request_withdrawal
from services.ledger.sales import release_due
from services.orders.checkout import apply_payment, start_order
from services.orders.redemption import check_code, confirm
from services.orders.refunds import ask_refund, carry_out
from services.payments.base import PaymentNotice, RefundOutcome
from services.platform.database import Database
from storage.models import (
    CodeStatus,
    LedgerEntry,
    MerchantStaff,
    Order,
    OrderStatus,
    RedemptionCode,
    Refund,
    User,
)
from tests.helpers.ledger_world import LedgerWorld, build_ledger_world, entries_of

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db", ["postgres"], indirect=True)]

T0 = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
ROUNDS = 4  # each race is run this many times, on a fresh order


async def refunder(provider: str, charge_id: str, amount: int, currency: str,
                   telegram_id: int, key: str, whole: bool) -> RefundOutcome:
    """The provider pays back (it is idempotent on `key`, as real ones are)."""
    await asyncio.sleep(0)
    return RefundOutcome(ok=True, reference=f"re_{key}")


async def a_second_staff_member(db: Database, world: LedgerWorld) -> int:
    async with db.transaction() as session:
        staff = User(telegram_id=8_199_999, first_name="staff", language_code="en")
        session.add(staff)
        await session.flush()
        assert staff.id is not None
        session.add(MerchantStaff(merchant_id=world.merchant_id, user_id=staff.id,
                                  role="staff"))
    return staff.id


async def paid_order(db: Database, world: LedgerWorld, buyer: int, deal: str, quantity: int,
                     charge: str) -> tuple[int, list[tuple[int, str]]]:
    order = (await start_order(db, buyer, world.deals[deal].id, quantity, T0)).order
    assert order is not None
    paid = await apply_payment(db, PaymentNotice("sandbox", order.id, order.total, "CNY",
                                                 charge), T0)
    assert paid.outcome == "paid"
    async with db.session() as session:
        codes = list((await session.exec(
            select(RedemptionCode.id, RedemptionCode.code)
            .where(RedemptionCode.order_id == order.id).order_by(RedemptionCode.id))).all())
    return order.id, codes


async def standing_settlements(db: Database, code_id: int) -> int:
    entries = await entries_of(db, code_id=code_id)
    settled = {e[0] for e in entries if e[1] in ("redeemed", "lapsed")}
    return len(settled - {e[2] for e in entries if e[1] == "undo"})


async def test_two_staff_one_code_a_redemption_beside_a_refund_and_replays_post_once(
        db: Database) -> None:
    world = await build_ledger_world(db, T0)
    staff = await a_second_staff_member(db, world)
    owner, store, buyer = world.owner_id, world.store_id, world.users["D"]
    for round_ in range(ROUNDS):
        order_id, codes = await paid_order(db, world, buyer, "odd", 3, f"ch_race_{round_}")
        (first, first_code), (second, second_code), _ = codes
        checks = [await check_code(db, who, code, T0)
                  for who, code in ((owner, first_code), (staff, first_code),
                                    (owner, second_code))]
        assert all(c.outcome == "ok" and c.request_id for c in checks)

        # At once: two staff confirm the first code, the second code is redeemed, and
        # the shopper refunds every open code, twice (a double tap).
        outcomes = await asyncio.gather(
            confirm(db, checks[0].request_id or "", owner, store, T0),
            confirm(db, checks[1].request_id or "", staff, store, T0),
            confirm(db, checks[2].request_id or "", owner, store, T0),
            ask_refund(db, buyer, order_id, T0),
            ask_refund(db, buyer, order_id, T0),
        )
        first_tries = Counter(o.outcome for o in outcomes[:2])
        asks = [o for o in outcomes[3:] if o.outcome == "started"]
        assert first_tries["redeemed"] <= 1 and first_tries["taken"] >= 1
        assert len(asks) == 1, [o.outcome for o in outcomes[3:]]

        async with db.session() as session:
            statuses = dict((await session.exec(
                select(RedemptionCode.id, RedemptionCode.status)
                .where(RedemptionCode.order_id == order_id))).all())
        assert statuses[first] == (CodeStatus.REDEEMED if first_tries["redeemed"]
                                   else CodeStatus.VOID)
        assert statuses[second] == (CodeStatus.REDEEMED if outcomes[2].outcome == "redeemed"
                                    else CodeStatus.VOID)
        for code_id, status in statuses.items():
            assert await standing_settlements(db, code_id) == (
                1 if status == CodeStatus.REDEEMED else 0), (code_id, status)
        assert asks[0].codes == sum(s == CodeStatus.VOID for s in statuses.values())

        # The provider's refund carried out twice at once (a retry racing the first).
        refund_id = asks[0].refund_id
        assert refund_id is not None
        await asyncio.gather(carry_out(db, refund_id, refunder, T0),
                             carry_out(db, refund_id, refunder, T0))
        assert len(await entries_of(db, refund_id=refund_id, kind="refund_paid")) == 1

        async with db.session() as session:
            order = await session.get(Order, order_id)
            refunded = (await session.exec(select(func.sum(Refund.amount)).where(
                Refund.order_id == order_id))).one()
            refund = await session.get(Refund, refund_id)
        assert order is not None and refund is not None and refund.status == "done"
        assert order.refunded == refunded == refund.amount > 0
        books = await check_books(db)
        assert books.ok, books.problem


async def test_a_payment_notice_and_its_replay_at_once_post_one_payment(db: Database) -> None:
    world = await build_ledger_world(db, T0)
    for round_ in range(ROUNDS):
        order = (await start_order(db, world.users["C"], world.deals["bowl"].id, 2, T0)).order
        assert order is not None
        notice = PaymentNotice("sandbox", order.id, order.total, "CNY", f"ch_twice_{round_}")
        results = await asyncio.gather(apply_payment(db, notice, T0),
                                       apply_payment(db, notice, T0))
        assert sorted(r.outcome for r in results) == ["duplicate", "paid"]
        assert len(await entries_of(db, order_id=order.id, kind="payment")) == 1
        async with db.session() as session:
            codes = (await session.exec(select(func.count()).select_from(RedemptionCode)
                                        .where(RedemptionCode.order_id == order.id))).one()
        assert codes == 2
    books = await check_books(db)
    assert books.ok, books.problem


async def test_two_charges_for_one_order_at_once_pay_it_once_and_owe_the_other_back(
        db: Database) -> None:
    world = await build_ledger_world(db, T0)
    order = (await start_order(db, world.users["B"], world.deals["odd"].id, 1, T0)).order
    assert order is not None
    results = await asyncio.gather(*(
        apply_payment(db, PaymentNotice("sandbox", order.id, order.total, "CNY", charge), T0)
        for charge in ("ch_one", "ch_two")))
    assert sorted(r.outcome for r in results) == ["paid", "refund"]
    assert len(await entries_of(db, order_id=order.id, kind="payment")) == 1
    async with db.session() as session:
        unusable = (await session.exec(select(func.count()).select_from(LedgerEntry)
                                       .where(LedgerEntry.kind == "unusable_payment"))).one()
        stored = await session.get(Order, order.id)
    assert unusable == 1 and stored is not None and stored.status == OrderStatus.PAID
    books = await check_books(db)
    assert books.ok, books.problem


async def test_two_withdrawals_of_the_whole_balance_at_once_pay_one(db: Database) -> None:
    world = await build_ledger_world(db, T0)
    referrer, buyer = world.users["A"], world.users["B"]
    for n in range(3):
        _, codes = await paid_order(db, world, buyer, "bowl", 1, f"ch_w_{n}")
        checked = await check_code(db, world.owner_id, codes[0][1], T0)
        assert checked.request_id is not None
        done = await confirm(db, checked.request_id, world.owner_id, world.store_id, T0)
        assert done.outcome == "redeemed"
    later = T0 + timedelta(days=8)
    assert await release_due(db, later) == 3

    async def available() -> int:
        async with db.engine.connect() as conn:
            found = await balances(conn, [AccountKind.COMMISSION_AVAILABLE], str(referrer))
        return found.get((AccountKind.COMMISSION_AVAILABLE, "CNY"), 0)

    whole = await available()
    assert whole == 3 * 125  # 5% of each 2,500 bowl
    results = await asyncio.gather(request_withdrawal(db, referrer, whole, later),
                                   request_withdrawal(db, referrer, whole, later))
    assert sorted(r.outcome for r in results) == ["not_enough", "ok"]
    assert await available() == 0
    async with db.engine.connect() as conn:
        in_transit = await balances(conn, [AccountKind.PAYOUTS_IN_TRANSIT], "")
    assert in_transit == {(AccountKind.PAYOUTS_IN_TRANSIT, "CNY"): whole}

    books = await check_books(db)
    assert books.ok, books.problem
