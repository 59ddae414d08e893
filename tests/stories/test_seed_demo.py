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
