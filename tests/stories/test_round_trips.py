"""Stories about how many times a search goes to the database before it is answered.

Counted on the engine (`benchmarks.roundtrips.counting`): statements sent to the driver
and transactions begun. Counting is deterministic, unlike timing; `o2o bench roundtrips`
times the same search.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from benchmarks.roundtrips import counting, returning_shopper
from services.catalog.ranking import record_event, taste_column, taste_from, taste_of, taste_since
from services.platform.database import Database
from services.platform.users import ensure_user, get_profile_by_telegram_id
from storage.models import Event, SavedSearch


async def test_a_returning_shopper_typing_huoguo_costs_at_most_three_round_trips(
    db: Database,
) -> None:
    shopper = await returning_shopper(db)
    with counting(db, keep_sql=True) as counts:
        replies = await shopper.say("火锅")
    assert "火锅" in replies[0].text and "¥" in replies[0].text
    # The user with their flow state (and the vocabulary version), the search saved with
    # its event (the database's trigger writes the event), the deals with the shopper's
    # taste: three transactions of one statement each, on SQLite as on PostgreSQL.
    assert counts.transactions <= 3, counts.sql
    assert counts.statements <= 3, counts.sql


async def test_the_search_is_still_saved_for_paging_and_logged_with_its_category(
    db: Database,
) -> None:
    shopper = await returning_shopper(db)
    await shopper.say("火锅")
    user = await get_profile_by_telegram_id(db, shopper.sender.id)
    assert user is not None
    async with db.session() as session:
        saved = (await session.exec(select(SavedSearch))).all()
        logged = (await session.exec(
            select(Event.kind, Event.category).where(Event.user_id == user.id)
            .order_by(col(Event.id)))).all()
    assert len(saved) == 2  # the warm-up search and this one
    assert logged == [("search", "hotpot"), ("search", "hotpot")]


async def test_a_shopper_who_bought_hotpot_sees_it_lifted_by_the_taste_read_with_the_deals(
    db: Database,
) -> None:
    shopper = await returning_shopper(db)
    user = await get_profile_by_telegram_id(db, shopper.sender.id)
    assert user is not None
    for _ in range(2):
        await record_event(db, user.id, "buy", category="hotpot", now=shopper.app.clock())
    with counting(db) as counts:
        replies = await shopper.say("双人")  # a word many categories share
    assert counts.transactions <= 3
    assert "✨ 你常选🍲 火锅" in replies[0].text


async def test_the_taste_read_with_the_deals_is_the_taste_read_alone(db: Database) -> None:
    now = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    user = await ensure_user(db, 4242)
    other = await ensure_user(db, 4343)
    await record_event(db, user.id, "view", category="coffee", now=now)
    await record_event(db, user.id, "buy", category="sushi", now=now)
    await record_event(db, user.id, "search", category="hotpot", now=now)  # weighs nothing
    await record_event(db, user.id, "view", category="ktv", now=now - timedelta(days=91))
    await record_event(db, other.id, "buy", category="ktv", now=now)
    for who in (user.id, other.id, 9999):  # 9999: nobody, no events
        async with db.reading() as conn:
            packed = (await conn.execute(select(taste_column(db.dialect)), {
                "taste_user": who, "taste_since": taste_since(now)})).scalar_one()
        assert taste_from(packed) == await taste_of(db, who, now)
