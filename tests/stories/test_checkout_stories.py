"""Buying, paying, redeeming and refunding, told as stories, on SQLite and PostgreSQL.

Nothing may lose an order, charge twice, oversell, or let a code be used twice.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlmodel import col, select

from services.orders.checkout import (
    apply_payment,
    buy_limits,
    cancel_order,
    get_order,
    precheck_problem,
    release_expired_holds,
    start_order,
)
from services.orders.codes import check_symbol, codes_of_order, read_code
from services.orders.redemption import check_code, confirm, rate_visit, undo
from services.orders.refunds import ask_refund, carry_out, expire_codes
from services.payments import PaymentNotice
from services.platform.database import Database
from storage.models import (
    Deal,
    Event,
    LedgerEntry,
    Merchant,
    Order,
    OrderStatus,
    OutboxMessage,
    RedemptionAttempt,
    RedemptionCode,
    Refund,
)
from tests.conftest import STORY_NOW
from tests.helpers.checkout_world import World, build_world, count, stock_of

NOW = STORY_NOW


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db, buyers=60)


def paid(order_id: int, total: int, charge: str, provider: str = "sandbox") -> PaymentNotice:
    return PaymentNotice(provider, order_id, total, "CNY", charge_id=charge)


async def buy_and_pay(db: Database, world: World, buyer: str, deal: str = "limited",
                      quantity: int = 1) -> list[str]:
    started = await start_order(db, world.users[buyer], world.deals[deal], quantity, NOW)
    assert started.order is not None, started.reason
    result = await apply_payment(db, paid(started.order.id, started.order.total,
                                          f"ch_{buyer}_{started.order.id}"), NOW)
    assert result.outcome == "paid"
    return [c.code for c in await codes_of_order(db, started.order.id)]


def well_formed(body: str) -> str:
    """A code that passes the check symbol (so it is looked up) made from 11 symbols."""
    return body + check_symbol(body)


async def refund_ok(*_: object) -> object:
    from services.payments import RefundOutcome

    return RefundOutcome(ok=True, reference="re_1")


# ------------------------------------------------------------------ ordering


async def test_an_order_holds_stock_for_fifteen_minutes_then_lets_it_go(db: Database,
                                                                       world: World) -> None:
    started = await start_order(db, world.users["buyer1"], world.deals["limited"], 3, NOW)
    assert started.order is not None and started.order.total == 7500
    assert started.order.expires_at == NOW + timedelta(minutes=15)
    assert await stock_of(db, world.deals["limited"]) == 7
    assert await release_expired_holds(db, NOW + timedelta(minutes=14)) == 0
    assert await release_expired_holds(db, NOW + timedelta(minutes=15)) == 1
    assert await stock_of(db, world.deals["limited"]) == 10
    order = await get_order(db, started.order.id)
    assert order is not None and order.status == "expired"


async def test_a_sold_out_deal_frees_abandoned_holds_before_saying_no(db: Database,
                                                                     world: World) -> None:
    first = await start_order(db, world.users["buyer1"], world.deals["limited"], 5, NOW)
    second = await start_order(db, world.users["buyer2"], world.deals["limited"], 5, NOW)
    assert first.order and second.order
    refused = await start_order(db, world.users["buyer3"], world.deals["limited"], 1, NOW)
    assert refused.order is None and refused.reason == "sold_out"
    later = NOW + timedelta(minutes=16)
    again = await start_order(db, world.users["buyer3"], world.deals["limited"], 1, later)
    assert again.order is not None  # the abandoned holds were released on the spot


async def test_the_per_person_limit_counts_held_and_bought_units(db: Database,
                                                                world: World) -> None:
    await buy_and_pay(db, world, "buyer1", quantity=3)
    held = await start_order(db, world.users["buyer1"], world.deals["limited"], 2, NOW)
    assert held.order is not None
    over = await start_order(db, world.users["buyer1"], world.deals["limited"], 1, NOW)
    assert over.reason == "limit_reached" and over.can_buy == 0
    limits = await buy_limits(db, world.users["buyer1"], world.deals["limited"], NOW)
    assert limits.can_buy == 0 and limits.reason == "limit_reached"
    assert await stock_of(db, world.deals["limited"]) == 5  # the refused unit went back


async def test_a_hold_that_ran_out_counts_for_nothing_when_the_buyer_asks_again(
        db: Database, world: World) -> None:
    mine = await start_order(db, world.users["buyer1"], world.deals["limited"], 5, NOW)
    assert mine.order is not None
    theirs = await start_order(db, world.users["buyer2"], world.deals["limited"], 5, NOW)
    assert theirs.order is not None
    now_held = await buy_limits(db, world.users["buyer1"], world.deals["limited"], NOW)
    assert (now_held.can_buy, now_held.reason, now_held.bought) == (0, "sold_out", 5)
    # A quarter of an hour later nobody released the holds (no housekeeping ran): asking
    # what they may buy lets both go, so the buyer may buy the whole limit again.
    later = NOW + timedelta(minutes=16)
    limits = await buy_limits(db, world.users["buyer1"], world.deals["limited"], later)
    assert (limits.can_buy, limits.reason, limits.bought, limits.stock) == (5, None, 0, 10)
    assert (await get_order(db, theirs.order.id)).status == "expired"  # type: ignore[union-attr]
    nobody = await buy_limits(db, world.users["nobody"], 10**9, later)
    assert (nobody.can_buy, nobody.reason) == (0, "deal_gone")


@pytest.mark.parametrize("quantity", [0, -1, 21, 10**9, "2", 1.5, True, None])
async def test_nonsense_quantities_are_refused_and_hold_nothing(db: Database, world: World,
                                                                quantity: object) -> None:
    started = await start_order(db, world.users["buyer1"], world.deals["limited"],
                                quantity, NOW)  # type: ignore[arg-type]
    assert started.order is None and started.reason == "bad_quantity"
    assert await stock_of(db, world.deals["limited"]) == 10


async def test_asking_for_more_than_is_left_says_how_many_are(db: Database, world: World) -> None:
    await buy_and_pay(db, world, "buyer1", quantity=5)
    await buy_and_pay(db, world, "buyer2", quantity=3)
    short = await start_order(db, world.users["buyer3"], world.deals["limited"], 4, NOW)
    assert short.reason == "not_enough" and short.can_buy == 2


async def test_cancelling_a_pending_order_returns_its_stock_once(db: Database,
                                                                world: World) -> None:
    started = await start_order(db, world.users["buyer1"], world.deals["limited"], 2, NOW)
    assert started.order is not None
    assert not await cancel_order(db, started.order.id, world.users["buyer2"], NOW)  # not theirs
    assert await cancel_order(db, started.order.id, world.users["buyer1"], NOW)
    assert not await cancel_order(db, started.order.id, world.users["buyer1"], NOW)
    assert await stock_of(db, world.deals["limited"]) == 10


# ------------------------------------------------------------------ paying


async def test_paying_issues_one_unguessable_code_per_unit(db: Database, world: World) -> None:
    codes = await buy_and_pay(db, world, "buyer1", quantity=3)
    assert len(codes) == len(set(codes)) == 3
    assert all(read_code(c).problem is None for c in codes)
    async with db.session() as session:
        deal = await session.get(Deal, world.deals["limited"])
        assert deal is not None and deal.stock == 7 and deal.sold == 3


async def test_a_payment_seen_twice_changes_nothing_the_second_time(db: Database,
                                                                   world: World) -> None:
    started = await start_order(db, world.users["buyer1"], world.deals["limited"], 2, NOW)
    assert started.order is not None
    notice = paid(started.order.id, 5000, "ch_once")
    assert (await apply_payment(db, notice, NOW)).outcome == "paid"
    assert (await apply_payment(db, notice, NOW)).outcome == "duplicate"
    assert await count(db, RedemptionCode, RedemptionCode.order_id == started.order.id) == 2


async def test_duplicate_payment_updates_arriving_together_issue_one_set_of_codes(
    db: Database, world: World,
) -> None:
    started = await start_order(db, world.users["buyer1"], world.deals["limited"], 2, NOW)
    assert started.order is not None
    notice = paid(started.order.id, 5000, "ch_race")
    outcomes = await asyncio.gather(*(apply_payment(db, notice, NOW) for _ in range(8)))
    assert sorted(o.outcome for o in outcomes) == ["duplicate"] * 7 + ["paid"]
    assert await count(db, RedemptionCode, RedemptionCode.order_id == started.order.id) == 2


async def test_a_second_charge_for_a_paid_order_is_refunded(db: Database, world: World) -> None:
    started = await start_order(db, world.users["buyer1"], world.deals["limited"], 1, NOW)
    assert started.order is not None
    await apply_payment(db, paid(started.order.id, 2500, "ch_first"), NOW)
    second = await apply_payment(db, paid(started.order.id, 2500, "ch_second"), NOW)
    assert second.outcome == "refund" and second.reason == "double_payment"
    again = await apply_payment(db, paid(started.order.id, 2500, "ch_second"), NOW)
    assert again.outcome == "duplicate"  # the replayed second charge: still one refund
    assert await count(db, Refund) == 1
    assert await count(db, RedemptionCode) == 1


async def test_two_charges_for_one_order_arriving_together_make_one_sale(
    db: Database, world: World,
) -> None:
    # On PostgreSQL each payment reads the order, then pays it in one statement whose
    # every write waits on the order still being pending: the charge that reads it
    # pending but comes second must write nothing (no codes, message, event or entry).
    orders = []
    for buyer in ("buyer1", "buyer2", "buyer3", "buyer4"):
        started = await start_order(db, world.users[buyer], world.deals["limited"], 2, NOW)
        assert started.order is not None
        orders.append(started.order)
    outcomes = await asyncio.gather(*(
        apply_payment(db, paid(order.id, order.total, f"ch_{order.id}_{n}"), NOW)
        for order in orders for n in (1, 2)))
    for order, pair in zip(orders, zip(outcomes[::2], outcomes[1::2], strict=True),
                           strict=True):
        assert sorted(o.outcome for o in pair) == ["paid", "refund"]
        assert next(o for o in pair if o.outcome == "refund").reason == "double_payment"
        assert await count(db, RedemptionCode, RedemptionCode.order_id == order.id) == 2
        assert await count(db, OutboxMessage,
                           OutboxMessage.dedupe_key == f"codes:{order.id}") == 1
        assert await count(db, LedgerEntry, LedgerEntry.key == f"paid:{order.id}") == 1
    assert await count(db, Event, Event.kind == "buy") == 4
    assert await count(db, Refund) == 4
    async with db.session() as session:
        deal = await session.get(Deal, world.deals["limited"])
        assert deal is not None and deal.sold == 8 and deal.stock == 2


async def test_a_payment_held_behind_the_order_closing_writes_nothing_and_goes_back(
    db: Database, world: World,
) -> None:
    # The payment reads the order while it is still pending, then waits behind another
    # transaction that closes it: what it then writes must be nothing at all.
    started = await start_order(db, world.users["buyer1"], world.deals["limited"], 1, NOW)
    assert started.order is not None
    order = started.order
    async with db.transaction() as session:
        await session.exec(update(Order).where(col(Order.id) == order.id)  # type: ignore[call-overload]
                           .values(status=OrderStatus.CANCELLED))
        payment = asyncio.create_task(
            apply_payment(db, paid(order.id, order.total, "ch_behind"), NOW))
        await _until_waiting_on_a_lock(db, "paid AS")
    result = await payment
    assert result.outcome == "refund" and result.reason == "order_closed"
    assert await count(db, RedemptionCode, RedemptionCode.order_id == order.id) == 0
    assert await count(db, OutboxMessage, OutboxMessage.dedupe_key == f"codes:{order.id}") == 0
    assert await count(db, LedgerEntry, LedgerEntry.key == f"paid:{order.id}") == 0
    assert await count(db, Event, Event.kind == "buy") == 0
    async with db.session() as session:
        deal = await session.get(Deal, world.deals["limited"])
        assert deal is not None and deal.sold == 0


async def _until_waiting_on_a_lock(db: Database, statement_part: str) -> None:
    """Until a statement containing `statement_part` waits on a lock (PostgreSQL; on
    SQLite a moment for the other writer to queue)."""
    if db.dialect != "postgresql":
        await asyncio.sleep(0.3)
        return
    for _ in range(500):
        async with db.reading() as conn:
            waiting = (await conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND position(:part in query) > 0"), {"part": statement_part})).scalar_one()
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the payment never queued behind the closing order")


async def test_a_wrong_amount_pays_nothing_and_goes_back(db: Database, world: World) -> None:
    started = await start_order(db, world.users["buyer1"], world.deals["limited"], 1, NOW)
    assert started.order is not None
    result = await apply_payment(db, paid(started.order.id, 1, "ch_cheap"), NOW)
    assert result.outcome == "refund" and result.reason == "amount_changed"
    assert await count(db, RedemptionCode) == 0


async def test_payment_for_an_unknown_order_is_reported_not_applied(db: Database,
                                                                   world: World) -> None:
    assert (await apply_payment(db, paid(999_999, 2500, "ch_ghost"), NOW)).outcome == "unknown"


async def test_a_late_payment_still_buys_when_the_stock_is_there(db: Database,
                                                                world: World) -> None:
    started = await start_order(db, world.users["buyer1"], world.deals["limited"], 2, NOW)
    assert started.order is not None
    late = NOW + timedelta(minutes=20)
    await release_expired_holds(db, late)
    result = await apply_payment(db, paid(started.order.id, 5000, "ch_late"), late)
    assert result.outcome == "paid"
    assert await stock_of(db, world.deals["limited"]) == 8


async def test_a_late_payment_after_the_deal_sold_out_is_refunded(db: Database,
                                                                 world: World) -> None:
    started = await start_order(db, world.users["buyer1"], world.deals["limited"], 2, NOW)
    assert started.order is not None
    late = NOW + timedelta(minutes=20)
    await release_expired_holds(db, late)
    for buyer in ("buyer2", "buyer3"):
        await buy_and_pay(db, world, buyer, quantity=5)
    result = await apply_payment(db, paid(started.order.id, 5000, "ch_too_late"), late)
    assert result.outcome == "refund" and result.reason == "late_payment"
    assert await stock_of(db, world.deals["limited"]) == 0  # never oversold


async def test_the_pre_checkout_check_refuses_what_should_not_be_charged(db: Database,
                                                                        world: World) -> None:
    started = await start_order(db, world.users["buyer1"], world.deals["limited"], 1, NOW)
    order = started.order
    assert order is not None
    assert precheck_problem(order, 2500, "CNY", NOW) is None
    assert precheck_problem(order, 2500, "cny", NOW) is None
    assert precheck_problem(order, 2400, "CNY", NOW) == "amount_changed"
    assert precheck_problem(order, 2500, "USD", NOW) == "amount_changed"
    assert precheck_problem(order, 2500, "CNY", NOW + timedelta(minutes=15)) == "order_expired"
    assert precheck_problem(None, 2500, "CNY", NOW) == "unknown_order"
    await apply_payment(db, paid(order.id, 2500, "ch_pc"), NOW)
    assert precheck_problem(await get_order(db, order.id), 2500, "CNY", NOW) == "paid_already"


# ------------------------------------------------------------------ concurrency


async def test_fifty_buyers_for_the_last_ten_units_never_oversell(db: Database,
                                                                 world: World) -> None:
    deal = world.deals["crowd"]

    async def one(i: int) -> bool:
        started = await start_order(db, world.users[f"buyer{i}"], deal, 1, NOW)
        if started.order is None:
            return False
        result = await apply_payment(db, paid(started.order.id, 2500, f"ch_crowd_{i}"), NOW)
        return result.outcome == "paid"

    results = await asyncio.gather(*(one(i) for i in range(1, 51)))
    assert sum(results) == 10
    assert await stock_of(db, deal) == 0
    assert await count(db, RedemptionCode, RedemptionCode.deal_id == deal) == 10


async def test_one_person_tapping_buy_many_times_at_once_stays_within_the_limit(
    db: Database, world: World,
) -> None:
    results = await asyncio.gather(*(
        start_order(db, world.users["buyer1"], world.deals["limited"], 2, NOW) for _ in range(6)))
    assert sum(r.order is not None for r in results) == 2  # 2 + 2 of a limit of 5
    assert await stock_of(db, world.deals["limited"]) == 6


async def test_two_staff_redeeming_one_code_at_once_redeem_it_once(db: Database,
                                                                  world: World) -> None:
    [code] = await buy_and_pay(db, world, "buyer1")
    checks = [await check_code(db, world.users[who], code, NOW) for who in ("owner", "staff")]
    assert all(c.outcome == "ok" and c.request_id for c in checks)
    done = await asyncio.gather(*(
        confirm(db, c.request_id or "", world.users[who], world.store_ids[0], NOW)
        for c, who in zip(checks, ("owner", "staff"), strict=True)))
    assert sorted(d.outcome for d in done) == ["redeemed", "taken"]
    assert await count(db, RedemptionCode, RedemptionCode.status == "redeemed") == 1


# ------------------------------------------------------------------ redeeming


async def test_staff_check_then_confirm_and_a_double_tap_redeems_once(db: Database,
                                                                     world: World) -> None:
    [code] = await buy_and_pay(db, world, "buyer1")
    checked = await check_code(db, world.users["staff"], code.lower(), NOW)
    assert checked.outcome == "ok" and checked.code is not None
    assert checked.code.deal_title.get("en") == "Bowl of noodles"
    assert [s.id for s in checked.stores] == world.store_ids
    assert checked.request_id is not None
    first = await confirm(db, checked.request_id, world.users["staff"], world.store_ids[0], NOW)
    again = await confirm(db, checked.request_id, world.users["staff"], world.store_ids[0], NOW)
    assert (first.outcome, again.outcome) == ("redeemed", "replayed")
    second_check = await check_code(db, world.users["staff"], code, NOW)
    assert second_check.outcome == "redeemed"  # the second redemption is refused
    async with db.session() as session:
        row = (await session.exec(select(RedemptionCode).where(RedemptionCode.code == code))).one()
        assert row.redeemed_by == world.users["staff"]
        assert row.redeemed_store_id == world.store_ids[0]


async def test_another_merchants_staff_learn_nothing_about_a_code(db: Database,
                                                                 world: World) -> None:
    [code] = await buy_and_pay(db, world, "buyer1")
    foreign = await check_code(db, world.users["rival_staff"], code, NOW)
    made_up = await check_code(db, world.users["rival_staff"], "7QH4-K2MX-9TDA", NOW)
    assert foreign.outcome in ("unknown",) and foreign.code is None
    assert made_up.outcome in ("unknown", "typo") and made_up.code is None
    assert foreign.request_id is None
    shopper = await check_code(db, world.users["nobody"], code, NOW)
    assert shopper.outcome == "not_staff" and shopper.code is None
    attempts = await count(db, RedemptionAttempt)
    assert attempts == 3  # every attempt audited, with who made it


async def test_staff_tied_to_a_store_redeem_only_where_the_deal_is_valid(db: Database,
                                                                        world: World) -> None:
    [code] = await buy_and_pay(db, world, "buyer1", deal="crowd")  # valid at store 1 only
    checked = await check_code(db, world.users["store2_staff"], code, NOW)
    assert checked.outcome == "wrong_store"
    owner = await check_code(db, world.users["owner"], code, NOW)
    assert owner.outcome == "ok" and [s.id for s in owner.stores] == world.store_ids[:1]
    forged = await confirm(db, owner.request_id or "", world.users["owner"],
                           world.store_ids[1], NOW)
    assert forged.outcome == "wrong_store"


async def test_a_typo_is_told_apart_from_a_code_that_does_not_exist(db: Database,
                                                                    world: World) -> None:
    [code] = await buy_and_pay(db, world, "buyer1")
    wrong_symbol = code[:3] + ("0" if code[3] != "0" else "1") + code[4:]
    assert (await check_code(db, world.users["staff"], wrong_symbol, NOW)).outcome == "typo"
    swapped = code[:4] + code[5] + code[4] + code[6:]
    if swapped != code and {code[4], code[5]} != {"0", "Z"}:  # Luhn's one blind spot
        assert (await check_code(db, world.users["staff"], swapped, NOW)).outcome == "typo"
    assert (await check_code(db, world.users["staff"], "7QH4-K2MX-9TDA", NOW)).outcome in (
        "unknown", "typo")


async def test_five_wrong_codes_lock_redeeming_for_fifteen_minutes(db: Database,
                                                                  world: World) -> None:
    [code] = await buy_and_pay(db, world, "buyer1")
    staff = world.users["staff"]
    for i in range(5):  # well-formed codes (their check symbol right) that do not exist
        outcome = await check_code(db, staff, well_formed(f"ZZZZZZZZZ{i}Z"),
                                   NOW + timedelta(minutes=i))
        assert outcome.outcome == "unknown"
    assert outcome.locked_until == NOW + timedelta(minutes=4 + 15)
    locked = await check_code(db, staff, code, NOW + timedelta(minutes=10))
    assert locked.outcome == "locked" and locked.request_id is None
    other = await check_code(db, world.users["owner"], code, NOW + timedelta(minutes=10))
    assert other.outcome == "ok"  # the lock is that person's, not the shop's
    after = await check_code(db, staff, code, NOW + timedelta(minutes=20))
    assert after.outcome == "ok"


async def test_wrong_codes_spread_over_more_than_ten_minutes_do_not_lock(db: Database,
                                                                        world: World) -> None:
    staff = world.users["staff"]
    for i in range(8):
        outcome = await check_code(db, staff, well_formed("ZZZZZZZZZZZ"),
                                   NOW + timedelta(minutes=3 * i))
        assert outcome.outcome == "unknown"


async def test_codes_not_yet_valid_or_refunded_are_refused_at_the_counter(db: Database,
                                                                         world: World) -> None:
    [later] = await buy_and_pay(db, world, "buyer1", deal="later")
    assert (await check_code(db, world.users["staff"], later, NOW)).outcome == "not_yet"
    codes = await buy_and_pay(db, world, "buyer2")
    async with db.session() as session:
        order_id = (await session.exec(select(RedemptionCode.order_id).where(
            RedemptionCode.code == codes[0]))).one()
    await ask_refund(db, world.users["buyer2"], order_id, NOW)
    assert (await check_code(db, world.users["staff"], codes[0], NOW)).outcome == "void"
    tomorrow = NOW + timedelta(days=31)
    [expiring] = await buy_and_pay(db, world, "buyer3", deal="final")
    assert (await check_code(db, world.users["staff"], expiring, tomorrow)).outcome == "expired"


async def test_a_mis_scan_can_be_undone_within_ten_minutes_only(db: Database,
                                                               world: World) -> None:
    codes = await buy_and_pay(db, world, "buyer1", quantity=2)
    staff = world.users["staff"]
    for code in codes:
        checked = await check_code(db, staff, code, NOW)
        await confirm(db, checked.request_id or "", staff, world.store_ids[0], NOW)
    async with db.session() as session:
        id_of = dict((await session.exec(select(RedemptionCode.code, RedemptionCode.id))).all())
    ids = [id_of[code] for code in codes]
    assert (await undo(db, ids[0], world.users["rival_staff"], NOW)).outcome == "stale"
    assert (await undo(db, ids[0], staff, NOW + timedelta(minutes=9))).outcome == "undone"
    assert (await undo(db, ids[1], staff, NOW + timedelta(minutes=11))).outcome == "too_late"
    again = await check_code(db, staff, codes[0], NOW + timedelta(minutes=12))
    assert again.outcome == "ok"


async def test_the_shopper_rates_a_redeemed_visit_once(db: Database, world: World) -> None:
    [code] = await buy_and_pay(db, world, "buyer1")
    checked = await check_code(db, world.users["staff"], code, NOW)
    await confirm(db, checked.request_id or "", world.users["staff"], world.store_ids[0], NOW)
    code_id = checked.code.code_id if checked.code else 0
    assert await rate_visit(db, world.users["buyer2"], code_id, 5, NOW) == "invalid"  # not theirs
    assert await rate_visit(db, world.users["buyer1"], code_id, 6, NOW) == "invalid"
    assert await rate_visit(db, world.users["buyer1"], code_id, 4, NOW) == "rated"
    assert await rate_visit(db, world.users["buyer1"], code_id, 1, NOW) == "already"
    async with db.session() as session:
        shop = await session.get(Merchant, world.merchant_id)
        assert shop is not None and (shop.rating_sum, shop.rating_count) == (4, 1)


# ------------------------------------------------------------------ refunds and expiry


async def test_refunding_unredeemed_codes_voids_them_and_returns_stock(db: Database,
                                                                      world: World) -> None:
    codes = await buy_and_pay(db, world, "buyer1", quantity=3)
    checked = await check_code(db, world.users["staff"], codes[0], NOW)
    await confirm(db, checked.request_id or "", world.users["staff"], world.store_ids[0], NOW)
    async with db.session() as session:
        order_id = (await session.exec(select(Order.id))).one()
    asked = await ask_refund(db, world.users["buyer1"], order_id, NOW)
    assert (asked.outcome, asked.codes, asked.amount) == ("started", 2, 5000)
    done = await carry_out(db, asked.refund_id or 0, refund_ok, NOW)  # type: ignore[arg-type]
    assert done is not None and done.status == "done"
    assert await carry_out(db, asked.refund_id or 0, refund_ok, NOW) is None  # once
    assert await stock_of(db, world.deals["limited"]) == 9  # 10 - 3 bought + 2 back
    assert (await ask_refund(db, world.users["buyer1"], order_id, NOW)).outcome == "redeemed"
    order = await get_order(db, order_id)
    assert order is not None and order.status == "paid"  # one code was used


async def test_refund_policies_are_kept(db: Database, world: World) -> None:
    await buy_and_pay(db, world, "buyer1", deal="final")
    await buy_and_pay(db, world, "buyer2", deal="on_expiry")
    async with db.session() as session:
        orders = dict((await session.exec(select(Order.user_id, Order.id))).all())
    assert (await ask_refund(db, world.users["buyer1"], orders[world.users["buyer1"]],
                             NOW)).outcome == "policy_none"
    assert (await ask_refund(db, world.users["buyer2"], orders[world.users["buyer2"]],
                             NOW)).outcome == "policy_on_expiry"
    assert (await ask_refund(db, world.users["buyer1"], orders[world.users["buyer2"]],
                             NOW)).outcome == "nothing"  # not their order


async def test_a_provider_that_is_down_leaves_the_refund_pending_for_a_retry(
    db: Database, world: World,
) -> None:
    from services.payments import PaymentError

    await buy_and_pay(db, world, "buyer1")
    async with db.session() as session:
        order_id = (await session.exec(select(Order.id))).one()
    asked = await ask_refund(db, world.users["buyer1"], order_id, NOW)

    async def down(*_: object) -> object:
        raise PaymentError("connection refused")

    first = await carry_out(db, asked.refund_id or 0, down, NOW)  # type: ignore[arg-type]
    assert first is not None and first.status == "pending"
    second = await carry_out(db, asked.refund_id or 0, refund_ok, NOW)  # type: ignore[arg-type]
    assert second is not None and second.status == "done"


async def test_unused_codes_are_refunded_or_expire_at_the_end_of_their_validity(
    db: Database, world: World,
) -> None:
    await buy_and_pay(db, world, "buyer1", deal="on_expiry", quantity=2)
    await buy_and_pay(db, world, "buyer2", deal="final")
    await buy_and_pay(db, world, "buyer3", deal="limited")
    assert await expire_codes(db, NOW + timedelta(days=29)) == []
    refunds = await expire_codes(db, NOW + timedelta(days=30))
    assert len(refunds) == 2  # on_expiry and anytime refund; "final" just expires
    assert await count(db, RedemptionCode, RedemptionCode.status == "void") == 3
    assert await count(db, RedemptionCode, RedemptionCode.status == "expired") == 1
    assert await expire_codes(db, NOW + timedelta(days=31)) == []  # once


async def test_a_code_that_expires_between_check_and_confirm_is_not_redeemed(
    db: Database, world: World,
) -> None:
    [code] = await buy_and_pay(db, world, "buyer1")
    last_minute = NOW + timedelta(days=30) - timedelta(minutes=1)
    checked = await check_code(db, world.users["staff"], code, last_minute)
    assert checked.outcome == "ok"
    done = await confirm(db, checked.request_id or "", world.users["staff"],
                         world.store_ids[0], NOW + timedelta(days=30))
    assert done.outcome == "expired"
    assert await count(db, RedemptionCode, RedemptionCode.status == "redeemed") == 0
