"""The schema: migrations build exactly the tables the models declare, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

import storage.db
from services.platform.database import Database, head_revision
from storage.models import ConversationState, Follow, Merchant, User


async def test_migrations_reach_the_newest_revision(db: Database) -> None:
    assert await db.current_revision() == head_revision()


async def test_migrated_schema_matches_the_models_exactly(db: Database) -> None:
    def diff(sync_conn):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)

    async with db.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_migrations_go_down_and_up_again(db: Database) -> None:
    await db.downgrade("base")
    assert await db.current_revision() is None
    await db.upgrade()
    assert await db.current_revision() == head_revision()


def test_start_up_reads_the_same_newest_revision_as_alembic() -> None:
    assert storage.db.shipped_head() == head_revision()


async def test_a_database_one_revision_behind_is_migrated_at_start_up(db: Database) -> None:
    previous = f"{int(head_revision()) - 1:04d}"
    await db.downgrade(previous)
    assert not await db.at_head()

    await db.upgrade()

    assert await db.current_revision() == head_revision()
    assert await db.at_head()


async def test_a_database_at_the_newest_revision_starts_without_running_alembic(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_alembic(*_: object) -> None:
        raise AssertionError("Alembic ran on a database already at the newest revision")

    monkeypatch.setattr(storage.db, "_run_alembic", no_alembic)
    await db.upgrade()
    assert await db.at_head()
    with pytest.raises(AssertionError, match="Alembic ran"):
        await db.upgrade("base")  # anything else still goes through Alembic


async def test_times_come_back_as_utc_whatever_zone_went_in(db: Database) -> None:
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2026, 12, 24, 20, 30, tzinfo=shanghai)
    async with db.transaction() as session:
        session.add(ConversationState(chat_id=1, user_id=1, flow="x", expires_at=moment))
    async with db.session() as session:
        row = (await session.exec(select(ConversationState))).one()
    assert row.expires_at == moment
    assert row.expires_at.tzinfo == UTC and row.expires_at.hour == 12


async def test_a_naive_time_is_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with db.transaction() as session:
            session.add(ConversationState(chat_id=1, user_id=1, flow="x",
                                          expires_at=datetime(2026, 1, 1)))


async def test_telegram_ids_beyond_32_bits_fit(db: Database) -> None:
    big = 7_000_000_000_123
    async with db.transaction() as session:
        session.add(User(telegram_id=big, first_name="大"))
    async with db.session() as session:
        user = (await session.exec(select(User).where(User.telegram_id == big))).one()
    assert user.first_name == "大"


async def test_following_the_same_merchant_twice_is_refused_by_the_database(db: Database) -> None:
    async with db.transaction() as session:
        user = User(telegram_id=5)
        merchant = Merchant(slug="m", category="hotpot")
        session.add_all([user, merchant])
        await session.flush()
        session.add(Follow(user_id=user.id, merchant_id=merchant.id))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(Follow(user_id=user.id, merchant_id=merchant.id))
