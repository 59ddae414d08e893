"""The stories' databases are copies of a template migrated (and seeded) once per worker
(tests/helpers/databases.py). These stories prove the copies are what a fresh migration
gives: what one story wrote, the ids it used up and a table it made never reach the
next; and a worker that lost its templates builds the same again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import func, select

from services.platform.database import Database
from storage.models import Merchant, User
from tests.conftest import POSTGRES_URL, STORY_NOW, _postgres_problem, _require_postgres
from tests.helpers.databases import PostgresTemplates, SqliteTemplates


async def _users(db: Database) -> list[tuple[int, int]]:
    async with db.session() as session:
        return [tuple(r) for r in (await session.exec(  # type: ignore[misc]
            select(User.id, User.telegram_id).order_by(User.id))).all()]


async def _add_user(db: Database, telegram_id: int) -> int:
    async with db.transaction() as session:
        user = User(telegram_id=telegram_id, first_name="Left behind")
        session.add(user)
        await session.flush()
        return user.id or 0


async def _merchants(db: Database) -> int:
    async with db.session() as session:
        return (await session.exec(select(func.count()).select_from(Merchant))).one()


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
        return {r[0] for r in rows}


@pytest.fixture
async def postgres(worker_id: str) -> PostgresTemplates:
    problem = await _postgres_problem()
    if problem:
        _require_postgres(problem)
    return PostgresTemplates(POSTGRES_URL, f"{worker_id}_own", STORY_NOW)


async def test_a_story_on_postgresql_leaves_nothing_for_the_next(
        postgres: PostgresTemplates) -> None:
    try:
        first = await postgres.checkout("empty")
        assert await _users(first) == []
        first_id = await _add_user(first, 777)
        await first.dispose()

        second = await postgres.checkout("empty")
        assert await _users(second) == []  # the row is gone
        assert await _add_user(second, 778) == first_id  # and its id is free again
        async with second.begin() as conn:  # a table of the story's own
            await conn.execute(text("CREATE TABLE scratch_notes (id integer)"))
        assert "scratch_notes" in await _tables(second)
        await second.dispose()

        third = await postgres.checkout("empty")
        assert "scratch_notes" not in await _tables(third)  # a new schema, migrated
        assert third.schema != second.schema
        assert await _users(third) == []
        await third.dispose()
    finally:
        await postgres.drop_all()


async def test_the_demo_world_on_postgresql_is_whole_again_after_a_story_emptied_it(
        postgres: PostgresTemplates) -> None:
    try:
        demo = await postgres.checkout("demo")
        seeded = await _users(demo)
        merchants = await _merchants(demo)
        assert seeded and merchants
        async with demo.begin() as conn:
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
            await conn.execute(text("DELETE FROM users"))
        await demo.dispose()

        again = await postgres.checkout("demo")
        assert await _users(again) == seeded
        assert await _merchants(again) == merchants
        await again.dispose()

        empty = await postgres.checkout("empty")  # the same schema, the other template
        assert await _users(empty) == [] and await _merchants(empty) == 0
        await empty.dispose()
    finally:
        await postgres.drop_all()


async def test_a_worker_that_lost_its_templates_builds_the_same_world(
        postgres: PostgresTemplates, tmp_path: Path) -> None:
    other = PostgresTemplates(POSTGRES_URL, "lost", STORY_NOW)
    try:
        one, two = await postgres.checkout("demo"), await other.checkout("demo")
        assert one.schema != two.schema
        assert await _users(one) == await _users(two)
        await one.dispose()
        await two.dispose()
    finally:
        await postgres.drop_all()
        await other.drop_all()
    files = SqliteTemplates(tmp_path / "a", STORY_NOW)
    lost = SqliteTemplates(tmp_path / "b", STORY_NOW)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = await files.copy("demo", tmp_path / "one.db")
    two = await lost.copy("demo", tmp_path / "two.db")
    assert await _users(one) == await _users(two) != []
    await one.dispose()
    await two.dispose()


async def test_a_story_on_sqlite_writes_to_its_own_copy(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    templates = SqliteTemplates(tmp_path / "templates", STORY_NOW)
    first = await templates.copy("empty", tmp_path / "first.db")
    await _add_user(first, 777)
    await first.dispose()
    second = await templates.copy("empty", tmp_path / "second.db")
    assert await _users(second) == []
    await second.dispose()
