"""The books, told as stories: who is owed what after each thing that moves money.

A invites B, B invites C, C invites D; D buys; the commissions, the fee and the
merchant's share follow the codes through redemption, the refund window, refunds and
payouts, and `check_books` holds after every story (the `db` fixture checks it too).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from services.ledger.books import PLATFORM, AccountKind, Line, balances, post
from services.ledger.check import check_books
from services.ledger.commissions import set_rates
from services.ledger.payouts import pay_merchant, request_withdrawal
from services.ledger.rules import Rules, set_rules
from services.ledger.sales import referrer_chain, release_due
from services.ledger.split import largest_remainder, split_sale
from services.marketing.referrals import Referral, record_referral, referral_code_of, team_counts
from services.orders.checkout import apply_payment, start_order
from services.orders.codes import codes_of_order
from services.orders.redemption import check_code, confirm, undo
from services.orders.refunds import ask_refund, carry_out, expire_codes, refund_after_use
from services.payments import PaymentNotice, RefundOutcome
from services.platform.database import Database
from storage.models import LedgerAccount, LedgerEntry, LedgerLine, Order
from tests.conftest import STORY_NOW
from tests.helpers.checkout_world import World, build_world

NOW = STORY_NOW
K = AccountKind
WINDOW = timedelta(days=7)


@pytest.fixture
async def world(db: Database) -> World:
    world = await build_world(db, buyers=6)
    await set_rules(db, Rules(fee_bp=500, commission_cap_bp=3000, referral_levels=3,
                              release_after_days=7))
    assert (await set_rates(db, world.merchant_id, (500, 300, 200))).outcome == "ok"
    return world


async def invite(db: Database, world: World, inviter: str, newcomer: str) -> Referral:
    code = await referral_code_of(db, world.users[inviter])
    return await record_referral(db, world.users[newcomer], code, NOW)


async def chain(db: Database, world: World) -> None:
    """buyer1 invites buyer2, who invites buyer3, who invites buyer4."""
    for up, down in (("buyer1", "buyer2"), ("buyer2", "buyer3"), ("buyer3", "buyer4")):
        assert await invite(db, world, up, down) == Referral.RECORDED


async def buy(db: Database, world: World, buyer: str, deal: str = "limited",
              quantity: int = 1) -> int:
    started = await start_order(db, world.users[buyer], world.deals[deal], quantity, NOW)
    assert started.order is not None, started.reason
    result = await apply_payment(db, PaymentNotice("sandbox", started.order.id,
                                                   started.order.total, "CNY",
                                                   charge_id=f"ch_{started.order.id}"), NOW)
    assert result.outcome == "paid"
    return started.order.id


async def redeem(db: Database, world: World, code: str, at: object = NOW) -> None:
    checked = await check_code(db, world.users["staff"], code, at)  # type: ignore[arg-type]
    assert checked.outcome == "ok", checked.outcome
    done = await confirm(db, checked.request_id or "", world.users["staff"],
                         world.store_ids[0], at)  # type: ignore[arg-type]
    assert done.outcome == "redeemed"


async def of(db: Database, kind: str, ref: object) -> int:
    async with db.engine.connect() as conn:
        return (await balances(conn, [kind], str(ref), "CNY")).get((kind, "CNY"), 0)


async def refund_ok(*_: object) -> RefundOutcome:
    return RefundOutcome(ok=True, reference="re_1")


async def test_three_levels_earn_their_rates_the_merchant_is_paid_for_service_given(
        db: Database, world: World) -> None:
    await chain(db, world)
    order_id = await buy(db, world, "buyer4")  # ¥25
    # Pending at payment: 5% / 3% / 2% of ¥25 to the three people above the buyer.
    assert [await of(db, K.COMMISSION_PENDING, world.users[u])
            for u in ("buyer3", "buyer2", "buyer1")] == [125, 75, 50]
    assert await of(db, K.COMMISSION_PENDING, world.users["buyer4"]) == 0
    assert await of(db, K.MERCHANT_PENDING, world.merchant_id) == 2500 - 125 - 250
    assert await of(db, K.MERCHANT_PAYABLE, world.merchant_id) == 0
    async with db.session() as session:  # the payment's entry fixes who they are, by level
        fixed = (await session.exec(
            select(LedgerAccount.ref, LedgerLine.detail)
            .join(LedgerLine, col(LedgerLine.account_id) == col(LedgerAccount.id))
            .join(LedgerEntry, col(LedgerEntry.id) == col(LedgerLine.entry_id))
            .where(LedgerEntry.kind == "payment", LedgerEntry.order_id == order_id,
                   LedgerAccount.kind == K.COMMISSION_PENDING)
            .order_by(col(LedgerLine.detail)))).all()
    assert fixed == [(str(world.users["buyer3"]), "l1"), (str(world.users["buyer2"]), "l2"),
                     (str(world.users["buyer1"]), "l3")]

    [code] = await codes_of_order(db, order_id)
    await redeem(db, world, code.code)
    assert await of(db, K.MERCHANT_PAYABLE, world.merchant_id) == 2125
    assert await of(db, K.FEE_INCOME, PLATFORM) == 125
    assert await of(db, K.COMMISSION_FROZEN, world.users["buyer3"]) == 125
    assert await release_due(db, NOW + WINDOW - timedelta(minutes=1)) == 0
    assert await release_due(db, NOW + WINDOW) == 1
    assert await release_due(db, NOW + WINDOW) == 0  # a job run twice posts nothing new
    assert [await of(db, K.COMMISSION_AVAILABLE, world.users[u])
            for u in ("buyer3", "buyer2", "buyer1")] == [125, 75, 50]
    assert (await check_books(db)).ok


async def test_a_refund_before_release_voids_the_commissions_and_returns_everyone(
        db: Database, world: World) -> None:
    await chain(db, world)
    order_id = await buy(db, world, "buyer4", quantity=3)
    asked = await ask_refund(db, world.users["buyer4"], order_id, NOW)
    assert asked.outcome == "started" and asked.amount == 7500
    await carry_out(db, asked.refund_id or 0, refund_ok, NOW)
    for user in ("buyer1", "buyer2", "buyer3"):
        assert await of(db, K.COMMISSION_PENDING, world.users[user]) == 0
    assert await of(db, K.MERCHANT_PENDING, world.merchant_id) == 0
    assert await of(db, K.FEE_PENDING, PLATFORM) == 0
    assert await of(db, K.REFUNDS_PAYABLE, PLATFORM) == 0
    assert await of(db, K.CASH, "sandbox") == 0


async def test_a_refund_after_release_claws_back_in_full_even_below_zero(
        db: Database, world: World) -> None:
    await chain(db, world)
    order_id = await buy(db, world, "buyer4")
    [code] = await codes_of_order(db, order_id)
    await redeem(db, world, code.code)
    await release_due(db, NOW + WINDOW)
    # buyer3 withdraws everything, then the visit is disputed and refunded by an admin.
    assert (await request_withdrawal(db, world.users["buyer3"], 125, NOW + WINDOW)).outcome == "ok"
    assert (await pay_merchant(db, world.merchant_id, 2125, "bank-1", world.users["owner"],
                               NOW + WINDOW)).outcome == "ok"
    refunded = await refund_after_use(db, order_id, NOW + WINDOW)
    assert refunded.outcome == "started" and refunded.amount == 2500
    await carry_out(db, refunded.refund_id or 0, refund_ok, NOW + WINDOW)
    assert await of(db, K.COMMISSION_AVAILABLE, world.users["buyer3"]) == -125
    assert await of(db, K.COMMISSION_AVAILABLE, world.users["buyer2"]) == 0
    assert await of(db, K.MERCHANT_PAYABLE, world.merchant_id) == -2125  # owes it back
    assert await of(db, K.FEE_INCOME, PLATFORM) == 0
    async with db.session() as session:
        kinds = set((await session.exec(select(LedgerEntry.kind))).all())
    assert "clawback" in kinds
    assert (await check_books(db)).ok


async def test_an_order_of_several_units_settles_per_code_to_the_fen(
        db: Database, world: World) -> None:
    await chain(db, world)
    order_id = await buy(db, world, "buyer4", quantity=3)  # ¥75 in three codes
    codes = await codes_of_order(db, order_id)
    await redeem(db, world, codes[0].code)
    asked = await ask_refund(db, world.users["buyer4"], order_id, NOW, code_id=codes[1].id)
    assert asked.outcome == "started" and asked.amount == 2500
    await redeem(db, world, codes[2].code)
    # Two units served: the merchant, the fee and the commissions of two units, exactly.
    split = split_sale(7500, 500, [500, 300, 200])
    assert await of(db, K.MERCHANT_PENDING, world.merchant_id) == 0
    assert (await of(db, K.MERCHANT_PAYABLE, world.merchant_id)
            + await of(db, K.FEE_INCOME, PLATFORM)
            + sum([await of(db, K.COMMISSION_FROZEN, world.users[u])
                   for u in ("buyer1", "buyer2", "buyer3")])) == 5000
    assert await of(db, K.MERCHANT_PAYABLE, world.merchant_id) == split.merchant * 2 // 3


async def test_an_undone_redemption_takes_its_settlement_back(db: Database,
                                                             world: World) -> None:
    order_id = await buy(db, world, "buyer1")
    [code] = await codes_of_order(db, order_id)
    await redeem(db, world, code.code)
    assert await of(db, K.MERCHANT_PAYABLE, world.merchant_id) == 2375
    assert (await undo(db, code.id, world.users["staff"], NOW)).outcome == "undone"
    assert await of(db, K.MERCHANT_PAYABLE, world.merchant_id) == 0
    assert await of(db, K.MERCHANT_PENDING, world.merchant_id) == 2375
    await redeem(db, world, code.code)
    assert await of(db, K.MERCHANT_PAYABLE, world.merchant_id) == 2375


async def test_a_no_refund_code_that_lapses_is_the_merchants_all_the_same(
        db: Database, world: World) -> None:
    order_id = await buy(db, world, "buyer1", deal="final")
    await expire_codes(db, NOW + timedelta(days=31))
    assert await of(db, K.MERCHANT_PAYABLE, world.merchant_id) == 2375
    assert await of(db, K.MERCHANT_PENDING, world.merchant_id) == 0
    async with db.session() as session:
        assert (await session.exec(select(LedgerEntry.kind).where(
            LedgerEntry.order_id == order_id, LedgerEntry.kind == "lapsed"))).first()


async def test_a_replayed_payment_notice_posts_nothing_new(db: Database, world: World) -> None:
    order_id = await buy(db, world, "buyer1")
    async with db.session() as session:
        order = await session.get(Order, order_id)
        assert order is not None
        notice = PaymentNotice("sandbox", order_id, order.total, "CNY", charge_id=order.charge_id)
    assert (await apply_payment(db, notice, NOW)).outcome == "duplicate"
    assert await of(db, K.CASH, "sandbox") == 2500


async def test_no_commission_on_a_purchase_through_ones_own_link(db: Database,
                                                                world: World) -> None:
    assert await invite(db, world, "buyer1", "buyer1") == Referral.OWN_CODE
    await buy(db, world, "buyer1")
    assert await of(db, K.COMMISSION_PENDING, world.users["buyer1"]) == 0


async def test_a_referral_that_would_make_a_cycle_of_any_length_is_refused(
        db: Database, world: World) -> None:
    await chain(db, world)  # 1 <- 2 <- 3 <- 4; buyer1 is still a newcomer
    assert await invite(db, world, "buyer4", "buyer1") == Referral.UNCHANGED
    assert await invite(db, world, "buyer5", "buyer2") == Referral.UNCHANGED  # first touch
    assert await team_counts(db, world.users["buyer1"]) == (1, 1, 1)


async def test_a_deep_chain_credits_only_three_levels(db: Database, world: World) -> None:
    await chain(db, world)
    assert await invite(db, world, "buyer4", "buyer5") == Referral.RECORDED
    await buy(db, world, "buyer5")
    assert await of(db, K.COMMISSION_PENDING, world.users["buyer4"]) == 125
    assert await of(db, K.COMMISSION_PENDING, world.users["buyer2"]) == 50
    assert await of(db, K.COMMISSION_PENDING, world.users["buyer1"]) == 0
    assert await team_counts(db, world.users["buyer1"]) == (1, 1, 1)  # counts stop at 3


async def test_fewer_levels_by_setting_pay_fewer_people(db: Database, world: World) -> None:
    await set_rules(db, Rules(referral_levels=2))
    await chain(db, world)
    await buy(db, world, "buyer4")
    assert await of(db, K.COMMISSION_PENDING, world.users["buyer2"]) == 75
    assert await of(db, K.COMMISSION_PENDING, world.users["buyer1"]) == 0


async def test_rates_over_the_cap_are_refused_with_the_cap(db: Database, world: World) -> None:
    change = await set_rates(db, world.merchant_id, (2000, 1000, 500))
    assert change.outcome == "over_cap" and change.cap_bp == 3000
    assert (await set_rates(db, world.merchant_id, (-1,))).outcome == "bad_rates"


async def test_payouts_never_exceed_what_is_there(db: Database, world: World) -> None:
    await chain(db, world)
    await buy(db, world, "buyer4")
    refused = await request_withdrawal(db, world.users["buyer3"], 1, NOW)
    assert refused.outcome == "not_enough" and refused.available == 0
    refused = await pay_merchant(db, world.merchant_id, 1, "x", world.users["owner"], NOW)
    assert refused.outcome == "not_enough" and refused.available == 0
    assert (await request_withdrawal(db, world.users["buyer3"], 0, NOW)).outcome == "bad_amount"


def test_shares_add_up_exactly_and_never_exceed_the_configured_total() -> None:
    for paid in (1, 7, 99, 2500, 8888, 10_001):
        for rates in ((500, 300, 200), (333, 333, 334), (1, 1, 1), (3000, 0, 0)):
            split = split_sale(paid, 500, rates)
            assert split.fee + sum(split.commissions) + split.merchant == paid
            assert sum(split.commissions) <= paid * sum(rates) // 10_000
            assert split.merchant >= 0
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert referrer_chain(1, [2, 3, 1], 3) == [2, 3]  # a loop back to the buyer stops
    assert referrer_chain(1, [2, None, 4], 3) == [2]


async def test_an_account_opened_by_a_transaction_that_rolled_back_is_not_remembered(
        db: Database, world: World) -> None:
    from services.ledger.books import account_ids

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with db.begin() as conn:
            await account_ids(db, conn, [(K.CASH, "ghost")], "CNY")
            raise Boom
    async with db.begin() as conn:  # opened again for real: lines on it must go in
        posted = await post(db, conn, key="test:ghost", kind="test", currency="CNY", now=NOW,
                            lines=[Line(K.CASH, "ghost", 1), Line(K.CASH, "sandbox", -1)])
        assert posted is not None
    async with db.begin() as conn:  # and be found (the id remembered is the real one)
        assert (await balances(conn, [K.CASH], "ghost", "CNY"))[(K.CASH, "CNY")] == 1
        await post(db, conn, key="test:ghost-back", kind="test", currency="CNY", now=NOW,
                   lines=[Line(K.CASH, "ghost", -1), Line(K.CASH, "sandbox", 1)])


def test_ledger_check_exits_1_naming_the_first_broken_rule(tmp_path: object) -> None:
    """`o2o ledger check` on a book with an entry that does not balance (written by hand,
    as no service can)."""
    import asyncio
    import subprocess
    import sys
    from pathlib import Path

    from storage.models import LedgerAccount, LedgerLine

    path = Path(str(tmp_path)) / "books.db"
    command = [sys.executable, "-m", "bot.cli", "ledger", "check", "--db", str(path)]
    healthy = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert healthy.returncode == 0 and healthy.stdout.startswith("ok:"), healthy.stderr

    async def break_the_books() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        async with db.transaction() as session:
            account = LedgerAccount(kind=K.CASH, ref="sandbox", currency="CNY")
            entry = LedgerEntry(key="forged", kind="payment", currency="CNY", posted_at=NOW)
            session.add_all([account, entry])
            await session.flush()
            session.add(LedgerLine(entry_id=entry.id or 0, account_id=account.id or 0,
                                   amount=100))
        await db.dispose()

    asyncio.run(break_the_books())
    broken = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1
    assert "entry 1 does not balance: its lines sum to 100" in broken.stdout


async def test_the_payee_hears_of_a_withdrawal_paid_or_cancelled_and_an_owner_of_a_transfer(
        db: Database, world: World) -> None:
    from handlers.owed import render
    from handlers.router import App, Options
    from services.ledger.payouts import cancel, mark_paid
    from services.platform.outbox import due

    await chain(db, world)
    order_id = await buy(db, world, "buyer4")
    [code] = await codes_of_order(db, order_id)
    await redeem(db, world, code.code)
    await release_due(db, NOW + WINDOW)
    later = NOW + WINDOW
    first = await request_withdrawal(db, world.users["buyer3"], 100, later)
    second = await request_withdrawal(db, world.users["buyer3"], 25, later)
    assert (await mark_paid(db, first.payout_id or 0, "BANK-7", world.users["owner"],
                            later)).outcome == "ok"
    assert (await cancel(db, second.payout_id or 0, later)).outcome == "ok"
    assert (await pay_merchant(db, world.merchant_id, 2125, "BANK-8", world.users["owner"],
                               later)).outcome == "ok"
    app = App(db=db, options=Options(default_language="en"))
    told = {(o.chat_id, o.kind): o for o in await due(db, later, limit=500)
            if o.kind.startswith("payout_")}
    buyer3, owner = world.telegram["buyer3"], world.telegram["owner"]
    assert set(told) == {(buyer3, "payout_paid"), (buyer3, "payout_cancelled"),
                         (owner, "payout_paid")}
    texts = [(await render(app, chat, kind, told[(chat, kind)].params))[0].text  # type: ignore[attr-defined]
             for chat, kind in sorted(told)]
    assert "¥1 has been transferred (reference BANK-7)" in " ".join(texts)
    assert "cancelled your withdrawal of ¥0.25; the money is available again" in " ".join(texts)
    assert "transferred ¥21.25 to you (reference BANK-8)" in " ".join(texts)
