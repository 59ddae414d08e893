"""Group-buy (拼团) told as stories, on SQLite and PostgreSQL: a group fills or everyone
gets their money back, seats are never oversold, and nobody is ever invented.

The `db` fixture proves the books (`check_books`) after every story.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from services.orders.checkout import (
    OrderStart,
    apply_payment,
    buy_limits,
    release_expired_holds,
    start_order,
)
from services.orders.codes import codes_of_order
from services.orders.groups import (
    fail_due_groups,
    group_view,
    leave_group,
    my_groups,
    open_groups,
)
from services.orders.redemption import check_code, confirm
from services.orders.refunds import carry_out, pending_refunds
from services.orders.settlement import settle
from services.payments import PaymentNotice, RefundOutcome
from services.platform.database import Database
from storage.models import (
    BuyGroup,
    Deal,
    Order,
    OutboxMessage,
    RedemptionCode,
    Refund,
)
from tests.conftest import STORY_NOW
from tests.helpers.checkout_world import World, build_world, count, stock_of

NOW = STORY_NOW
HOTPOT_PRICE, GROUP_PRICE = 2500, 1990


@pytest.fixture
async def world(db: Database) -> World:
    """The checkout world, its `limited` deal (10 left) and `crowd` deal (unlimited here)
    made group deals: 3 people at ¥19.90 within 24 hours."""
    world = await build_world(db, buyers=40)
    async with db.transaction() as session:
        for name, stock in (("limited", 10), ("crowd", None)):
            await session.exec(update(Deal).where(col(Deal.id) == world.deals[name]).values(
                group_size=3, group_price=GROUP_PRICE, group_hours=24, stock=stock,
                per_user_limit=5))
    return world


def paid(order_id: int, total: int, charge: str) -> PaymentNotice:
    return PaymentNotice("sandbox", order_id, total, "CNY", charge_id=charge)


async def join(db: Database, world: World, buyer: str, group: int | str = "new",
               deal: str = "limited", now: object = NOW) -> OrderStart:
    return await start_order(db, world.users[buyer], world.deals[deal], 1, now,  # type: ignore[arg-type]
                             group=group)  # type: ignore[arg-type]


async def join_and_pay(db: Database, world: World, buyer: str, group: int | str = "new",
                       deal: str = "limited") -> int:
    """The buyer takes a seat and pays; returns their order id."""
    started = await join(db, world, buyer, group, deal)
    assert started.order is not None, started.reason
    result = await apply_payment(db, paid(started.order.id, started.order.total,
                                          f"ch_{buyer}_{started.order.id}"), NOW)
    assert result.outcome == "paid"
    return started.order.id


async def group_of(db: Database, order_id: int) -> int:
    async with db.session() as session:
        order = await session.get(Order, order_id)
        assert order is not None and order.group_id is not None
        return order.group_id


async def owed_kinds(db: Database, key_prefix: str) -> list[str]:
    async with db.session() as session:
        return list((await session.exec(select(OutboxMessage.kind).where(
            col(OutboxMessage.dedupe_key).startswith(key_prefix)))).all())


async def refund_ok(*_: object) -> RefundOutcome:
    return RefundOutcome(ok=True, reference="re_ok")


# ------------------------------------------------------------------ filling


async def test_three_friends_fill_a_group_of_three_and_all_get_codes_at_once(
        db: Database, world: World) -> None:
    first = await join_and_pay(db, world, "buyer1")
    group = await group_of(db, first)
    assert await codes_of_order(db, first) == []  # nothing to show at the counter yet
    assert await owed_kinds(db, f"group_joined:{first}") == ["group_joined"]
    second = await join_and_pay(db, world, "buyer2", group)
    view = await group_view(db, group)
    assert view is not None and view.joined == 2 and view.missing == 1
    assert view.members == ("buyer1", "buyer2")
    assert await codes_of_order(db, second) == []

    third = await join_and_pay(db, world, "buyer3", group)
    view = await group_view(db, group)
    assert view is not None and view.status == "filled" and view.missing == 0
    for order_id in (first, second, third):
        [code] = await codes_of_order(db, order_id)
        assert code.status == "issued"
        assert await owed_kinds(db, f"codes:{order_id}") == ["codes"]
    assert await stock_of(db, world.deals["limited"]) == 7
    async with db.session() as session:
        deal = await session.get(Deal, world.deals["limited"])
        assert deal is not None and deal.sold == 3


async def test_the_filling_payment_owes_every_member_their_codes(db: Database,
                                                                 world: World) -> None:
    first = await join_and_pay(db, world, "buyer1")
    group = await group_of(db, first)
    second = await join_and_pay(db, world, "buyer2", group)
    started = await join(db, world, "buyer3", group)
    assert started.order is not None and started.order.total == GROUP_PRICE
    from services.orders.settlement import Settlement
    settlement: Settlement = await settle(db, _no_payments(), paid(
        started.order.id, GROUP_PRICE, "ch_last"), NOW)
    assert settlement.outcome == "paid"
    assert settlement.owed_key == f"codes:{started.order.id}"  # the payer's own first
    assert set(settlement.owed_keys) == {f"codes:{o}" for o in (first, second,
                                                                started.order.id)}


def _no_payments() -> object:
    class Payments:
        async def refund(self, *_: object) -> RefundOutcome:
            raise AssertionError("nothing to refund")
    return Payments()


async def test_staff_redeem_a_group_code_as_any_other(db: Database, world: World) -> None:
    first = await join_and_pay(db, world, "buyer1")
    group = await group_of(db, first)
    await join_and_pay(db, world, "buyer2", group)
    await join_and_pay(db, world, "buyer3", group)
    [code] = await codes_of_order(db, first)
    checked = await check_code(db, world.users["staff"], code.code, NOW)
    assert checked.outcome == "ok" and checked.request_id
    done = await confirm(db, checked.request_id, world.users["staff"], world.store_ids[0], NOW)
    assert done.outcome == "redeemed"


# ------------------------------------------------------------------ failing


async def test_a_group_that_does_not_fill_refunds_each_member_once_even_run_twice(
        db: Database, world: World) -> None:
    first = await join_and_pay(db, world, "buyer1")
    group = await group_of(db, first)
    second = await join_and_pay(db, world, "buyer2", group)
    assert await stock_of(db, world.deals["limited"]) == 8
    assert await fail_due_groups(db, NOW + timedelta(hours=23)) == []  # still open

    later = NOW + timedelta(hours=24)
    refund_ids = await fail_due_groups(db, later)
    assert len(refund_ids) == 2
    assert await fail_due_groups(db, later) == []  # the job again: nobody twice
    for refund_id in refund_ids:
        done = await carry_out(db, refund_id, refund_ok, later)  # type: ignore[arg-type]
        assert done is not None and done.status == "done" and done.amount == GROUP_PRICE
        assert await carry_out(db, refund_id, refund_ok, later) is None  # type: ignore[arg-type]
    async with db.session() as session:
        refunds = (await session.exec(select(Refund))).all()
        assert sorted(r.order_id for r in refunds) == sorted([first, second])
        assert {r.reason for r in refunds} == {"group_failed"}
        orders = (await session.exec(select(Order).where(col(Order.group_id) == group))).all()
        assert {o.status for o in orders} == {"refunded"}
        assert all(o.refunded == o.total for o in orders)
    view = await group_view(db, group)
    assert view is not None and view.status == "failed"
    assert await stock_of(db, world.deals["limited"]) == 10  # the stock is back
    assert await count(db, RedemptionCode) == 0  # never both codes and a refund
    for refund_id in refund_ids:  # each member is told once, when their money is back
        assert await owed_kinds(db, f"refund:{refund_id}:") == ["refund"]


async def test_a_refund_the_provider_cannot_make_is_retried_and_paid_once(
        db: Database, world: World) -> None:
    first = await join_and_pay(db, world, "buyer1")
    later = NOW + timedelta(hours=25)
    [refund_id] = await fail_due_groups(db, later)

    async def down(*_: object) -> RefundOutcome:
        return RefundOutcome(ok=False, error="provider down")

    attempt = await carry_out(db, refund_id, down, later)  # type: ignore[arg-type]
    assert attempt is not None and attempt.status == "pending"
    assert await pending_refunds(db) == [refund_id]
    retried = await carry_out(db, refund_id, refund_ok, later)  # type: ignore[arg-type]
    assert retried is not None and retried.status == "done"
    assert await pending_refunds(db) == []
    async with db.session() as session:
        order = await session.get(Order, first)
        assert order is not None and order.status == "refunded"


async def test_a_member_who_leaves_before_it_fills_frees_their_seat(db: Database,
                                                                    world: World) -> None:
    first = await join_and_pay(db, world, "buyer1")
    group = await group_of(db, first)
    second = await join_and_pay(db, world, "buyer2", group)
    left = await leave_group(db, world.users["buyer2"], second, NOW)
    assert left.outcome == "left" and left.amount == GROUP_PRICE and left.refund_id
    again = await leave_group(db, world.users["buyer2"], second, NOW)
    assert again.outcome == "nothing"  # a double tap refunds nothing more
    view = await group_view(db, group)
    assert view is not None and view.joined == 1 and view.held == 1
    assert view.members == ("buyer1",)
    # The group can still fill without them.
    await join_and_pay(db, world, "buyer3", group)
    await join_and_pay(db, world, "buyer4", group)
    view = await group_view(db, group)
    assert view is not None and view.status == "filled"
    assert await codes_of_order(db, second) == []


async def test_leaving_a_filled_group_is_too_late(db: Database, world: World) -> None:
    first = await join_and_pay(db, world, "buyer1")
    group = await group_of(db, first)
    await join_and_pay(db, world, "buyer2", group)
    await join_and_pay(db, world, "buyer3", group)
    assert (await leave_group(db, world.users["buyer1"], first, NOW)).outcome == "filled"
    assert (await leave_group(db, world.users["buyer2"], first, NOW)).outcome == "nothing"


async def test_an_unpaid_seat_goes_back_when_its_hold_runs_out(db: Database,
                                                               world: World) -> None:
    first = await join_and_pay(db, world, "buyer1")
    group = await group_of(db, first)
    unpaid = await join(db, world, "buyer2", group)
    assert unpaid.order is not None
    view = await group_view(db, group)
    assert view is not None and view.held == 2 and view.joined == 1
    assert await release_expired_holds(db, NOW + timedelta(minutes=15)) == 1
    view = await group_view(db, group)
    assert view is not None and view.held == 1
    assert await stock_of(db, world.deals["limited"]) == 9


async def test_a_hold_never_outlasts_its_group(db: Database, world: World) -> None:
    first = await join_and_pay(db, world, "buyer1")
    group = await group_of(db, first)
    near_close = NOW + timedelta(hours=24) - timedelta(minutes=5)
    started = await join(db, world, "buyer2", group, now=near_close)
    assert started.order is not None
    assert started.order.expires_at == NOW + timedelta(hours=24)


# ------------------------------------------------------------------ racing


async def test_thirty_people_race_for_the_last_seat_and_one_gets_it(db: Database,
                                                                    world: World) -> None:
    first = await join_and_pay(db, world, "buyer1", deal="crowd")
    group = await group_of(db, first)
    await join_and_pay(db, world, "buyer2", group, deal="crowd")
    racers = [f"buyer{i}" for i in range(3, 33)]
    starts = await asyncio.gather(*(join(db, world, b, group, "crowd") for b in racers))
    winners = [s for s in starts if s.order is not None]
    assert len(winners) == 1
    assert {s.reason for s in starts if s.order is None} == {"group_full"}
    [winner] = winners
    assert winner.order is not None
    result = await apply_payment(db, paid(winner.order.id, GROUP_PRICE, "ch_w"), NOW)
    assert result.outcome == "paid"
    view = await group_view(db, group)
    assert view is not None and view.status == "filled" and view.joined == 3


async def test_thirty_late_payers_for_one_seat_one_joins_the_rest_go_elsewhere(
        db: Database, world: World) -> None:
    """Thirty people started paying for the last seat at different times; their holds ran
    out (the seat went back each time) and their money arrives together. Exactly one is
    the group's third member; each other payer is seated elsewhere (the open group
    nearest to filling, or a new one), never silently kept, never twice."""
    first = await join_and_pay(db, world, "buyer1", deal="crowd")
    group = await group_of(db, first)
    await join_and_pay(db, world, "buyer2", group, deal="crowd")
    orders = []
    for i in range(3, 33):
        started = await join(db, world, f"buyer{i}", group, "crowd")
        assert started.order is not None
        orders.append(started.order.id)
        assert await release_expired_holds(db, NOW + timedelta(minutes=15)) == 1
    results = await asyncio.gather(*(
        apply_payment(db, paid(o, GROUP_PRICE, f"ch_late_{o}"), NOW) for o in orders))
    assert {r.outcome for r in results} == {"paid"}
    async with db.session() as session:
        groups = (await session.exec(select(BuyGroup))).all()
        members = (await session.exec(select(Order).where(col(Order.status).in_(
            ("paid", "fulfilled"))))).all()
    assert all(g.joined <= g.size and g.held <= g.size for g in groups)
    assert sum(g.joined for g in groups) == 32 == len(members)
    assert next(g for g in groups if g.id == group).status == "filled"
    per_group: dict[int, int] = {}
    for member in members:
        assert member.group_id is not None
        per_group[member.group_id] = per_group.get(member.group_id, 0) + 1
    assert all(per_group[g.id or 0] == g.joined for g in groups if g.joined)
    # Every member of a filled group has a code, nobody else does.
    codes = await count(db, RedemptionCode)
    assert codes == sum(g.joined for g in groups if g.status == "filled")


async def test_a_late_payment_is_refunded_when_the_deal_can_take_nobody(
        db: Database, world: World) -> None:
    started = await join(db, world, "buyer1")
    assert started.order is not None
    await release_expired_holds(db, NOW + timedelta(minutes=15))
    async with db.transaction() as session:
        await session.exec(update(Deal).where(col(Deal.id) == world.deals["limited"])
                           .values(status="ended"))
    result = await apply_payment(db, paid(started.order.id, GROUP_PRICE, "ch_too_late"), NOW)
    assert result.outcome == "refund" and result.reason == "group_closed"
    assert result.refund_id is not None


# ------------------------------------------------------------------ bad input


async def test_nonsense_seats_get_a_reason_and_hold_nothing(db: Database, world: World) -> None:
    first = await join_and_pay(db, world, "buyer1")
    group = await group_of(db, first)
    assert (await join(db, world, "buyer1", group)).reason == "already_member"
    assert (await join(db, world, "buyer2", 999_999)).reason == "no_such_group"
    assert (await join(db, world, "buyer2", group, deal="crowd")).reason == "no_such_group"
    assert (await join(db, world, "buyer2", deal="on_expiry")).reason == "not_group_deal"
    closing = NOW + timedelta(hours=24) - timedelta(minutes=1)
    assert (await join(db, world, "buyer2", group, now=closing)).reason == "group_closed"
    await join_and_pay(db, world, "buyer2", group)
    await join_and_pay(db, world, "buyer3", group)
    assert (await join(db, world, "buyer4", group)).reason == "group_closed"  # filled
    assert await stock_of(db, world.deals["limited"]) == 7
    view = await group_view(db, group)
    assert view is not None and view.held == 3


async def test_a_new_group_too_near_the_deals_end_is_refused(db: Database,
                                                             world: World) -> None:
    async with db.transaction() as session:
        await session.exec(update(Deal).where(col(Deal.id) == world.deals["limited"])
                           .values(valid_until=NOW + timedelta(minutes=20)))
    assert (await join(db, world, "buyer1")).reason == "deal_ending"
    assert await stock_of(db, world.deals["limited"]) == 10


async def test_a_group_opened_near_the_deals_end_closes_with_the_deal(db: Database,
                                                                      world: World) -> None:
    async with db.transaction() as session:
        await session.exec(update(Deal).where(col(Deal.id) == world.deals["limited"])
                           .values(valid_until=NOW + timedelta(hours=5)))
    first = await join_and_pay(db, world, "buyer1")
    view = await group_view(db, await group_of(db, first))
    assert view is not None and view.closes_at == NOW + timedelta(hours=5)


async def test_waiting_group_seats_count_towards_the_per_person_limit(
        db: Database, world: World) -> None:
    for _ in range(5):
        await join_and_pay(db, world, "buyer1")  # five groups of their own, none full
    limits = await buy_limits(db, world.users["buyer1"], world.deals["limited"], NOW)
    assert limits.can_buy == 0 and limits.reason == "limit_reached"
    assert (await join(db, world, "buyer1")).reason == "limit_reached"


# ------------------------------------------------------------------ reading


async def test_the_card_lists_the_groups_nearest_to_filling_first(db: Database,
                                                                  world: World) -> None:
    lonely = await group_of(db, await join_and_pay(db, world, "buyer1"))
    busy_first = await join_and_pay(db, world, "buyer2")
    busy = await group_of(db, busy_first)
    await join_and_pay(db, world, "buyer3", busy)
    groups = await open_groups(db, world.deals["limited"], NOW)
    assert [g.id for g in groups] == [busy, lonely]
    assert [g.missing for g in groups] == [1, 2]
    mine = await open_groups(db, world.deals["limited"], NOW, exclude_user=world.users["buyer3"])
    assert [g.id for g in mine] == [lonely]


async def test_my_groups_shows_open_ones_first_with_members_so_far(db: Database,
                                                                   world: World) -> None:
    failing = await join_and_pay(db, world, "buyer1")
    opened = await join_and_pay(db, world, "buyer1", deal="crowd")
    await join_and_pay(db, world, "buyer2", await group_of(db, opened), deal="crowd")
    await fail_due_groups(db, NOW + timedelta(hours=24))
    # (the crowd group failed too: both windows were 24 h)
    mine = await my_groups(db, world.users["buyer1"], NOW)
    assert {m.order_id for m in mine} == {failing, opened}
    assert {m.group.status for m in mine} == {"failed"}
    fresh = await join_and_pay(db, world, "buyer1")
    mine = await my_groups(db, world.users["buyer1"], NOW)
    assert mine[0].order_id == fresh and mine[0].group.status == "open"
