"""The demo world loads once, completely, and is what the search finds."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from services.catalog.taxonomy import category_ids
from services.demo import demo_data
from services.demo.seed import has_deals, seed_demo
from services.platform.database import Database
from storage.models import Deal, DealStore, Merchant, Store
from tests.conftest import STORY_NOW


async def _count(db: Database, table: type) -> int:
    async with db.session() as session:
        return (await session.exec(select(func.count()).select_from(table))).one()


async def test_seeding_twice_adds_nothing_the_second_time(db: Database) -> None:
    assert not await has_deals(db)
    first = await seed_demo(db, now=STORY_NOW)
    assert first.merchants == len(demo_data.MERCHANTS)
    assert first.deals == len(demo_data.DEALS)
    second = await seed_demo(db, now=STORY_NOW)
    assert (second.merchants, second.stores, second.deals) == (0, 0, 0)
    assert await _count(db, Deal) == len(demo_data.DEALS)
    assert await _count(db, Store) == sum(len(m.stores) for m in demo_data.MERCHANTS)
    assert await _count(db, Merchant) == len(demo_data.MERCHANTS)


async def test_every_deal_is_redeemable_somewhere_and_categorised(demo_db: Database) -> None:
    async with demo_db.session() as session:
        deals = (await session.exec(select(Deal))).all()
        links = (await session.exec(select(DealStore))).all()
    linked = {link.deal_id for link in links}
    assert all(d.id in linked for d in deals)
    assert {d.category for d in deals} <= set(category_ids())
    assert all(isinstance(d.price, int) and d.price < d.original_price for d in deals)
    assert all(d.valid_until > STORY_NOW for d in deals)


async def test_the_demo_has_part_filled_groups_paid_by_demo_shoppers(db: Database) -> None:
    from datetime import timedelta

    from services.orders.groups import open_groups

    first = await seed_demo(db, now=STORY_NOW)
    assert first.groups == len(demo_data.OPEN_GROUPS)
    again = await seed_demo(db, now=STORY_NOW)
    assert again.groups == 0  # they are still open: none opened twice
    async with db.session() as session:
        keys = {d.key: d.id for d in (await session.exec(select(Deal))).all()}
    for deal_key, members in demo_data.OPEN_GROUPS:
        [group] = await open_groups(db, keys[deal_key] or 0, STORY_NOW)
        assert group.joined == len(members) and group.missing > 0
        assert group.closes_at == STORY_NOW + timedelta(hours=24)
    # Once they closed unfilled (and their members were refunded), a new seed opens
    # fresh ones.
    from services.orders.groups import fail_due_groups

    assert len(await fail_due_groups(db, STORY_NOW + timedelta(hours=24))) == sum(
        len(m) for _, m in demo_data.OPEN_GROUPS)
    later = await seed_demo(db, now=STORY_NOW + timedelta(hours=25))
    assert later.groups == len(demo_data.OPEN_GROUPS)


async def _store_id(db: Database, key: str) -> int:
    async with db.session() as session:
        return (await session.exec(select(Store.id).where(Store.key == key))).one() or 0


async def test_the_demo_restaurants_take_bookings_and_a_few_ask_a_deposit(
        demo_db: Database) -> None:
    from services.bookings.seating import store_seating
    from storage.models import Booking

    seatings = [await store_seating(demo_db, await _store_id(demo_db, key))
                for key, *_ in demo_data.SEATING]
    assert all(s is not None and s.largest >= 4 for s in seatings)
    assert {s.category for s in seatings if s} >= {"hotpot", "seafood", "noodles", "sushi",
                                                   "bbq"}
    assert sum(1 for s in seatings if s and s.deposit) == 2
    assert await _count(demo_db, Booking) == 0  # the stories' demo world has none


async def test_the_demo_has_bookings_ahead_and_a_popular_place_full_tomorrow_at_seven(
        db: Database) -> None:
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from services.bookings.booking import offer
    from services.bookings.seating import store_seating
    from storage.models import Booking, OutboxMessage, OutboxStatus

    first = await seed_demo(db, now=STORY_NOW)
    assert first.seatings == len(demo_data.SEATING)
    tables = sum(n for key, plan, *_ in demo_data.SEATING if key == demo_data.FULL_AT[0]
                 for _, n in plan)
    assert first.bookings == len(demo_data.DEMO_BOOKINGS) + tables
    again = await seed_demo(db, now=STORY_NOW)
    assert (again.seatings, again.bookings) == (0, 0)  # nothing twice
    assert await _count(db, Booking) == first.bookings
    async with db.session() as session:  # the demo shoppers are nobody's chat
        pending = (await session.exec(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "booking_reminder",
            OutboxMessage.status == OutboxStatus.PENDING))).one()
    assert pending == 0

    day = STORY_NOW.astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    seven = datetime(day.year, day.month, day.day, 19,
                     tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    full = await store_seating(db, await _store_id(db, demo_data.FULL_AT[0]))
    assert full is not None
    near = await offer(db, full, 2, seven, STORY_NOW)
    assert not near.exact and near.slots  # 明晚7点两位: the neighbouring slots
    assert all(abs(s.starts_at - seven) <= timedelta(hours=3) for s in near.slots)
    other = await store_seating(db, await _store_id(db, "seoul-wanda"))
    assert other is not None
    assert (await offer(db, other, 2, seven, STORY_NOW)).exact
