"""Prebuilt statements (`storage.prebuilt.run_prebuilt`): the hot paths' statements go
to asyncpg directly on PostgreSQL and to the inline `sqlite3` connection on SQLite; they
must give what SQLAlchemy's own execute gives, in the same transaction, with the same
errors, on both databases."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Integer, bindparam, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.platform.database import Database, run_prebuilt
from storage.models import User
from storage.prebuilt import forget_prebuilt
from tests.helpers.databases import SqliteTemplates

_USERS = User.__table__  # type: ignore[attr-defined]
_NASTY = ["", "😀🍲 火锅 hotpot", "'; DROP TABLE users; --", "x" * 128, "混合 mixed ％ _ \\"]
_A_USER = (
    select(_USERS.c.id, _USERS.c.first_name, _USERS.c.created_at,
           (_USERS.c.id * 10).label("tenfold"), literal("fixed").label("word"),
           func.json_build_array(_USERS.c.id, _USERS.c.first_name).label("as_json"))
    .where(_USERS.c.telegram_id == bindparam("telegram"))
)
_A_USER_PLAIN = _A_USER.with_only_columns(
    _USERS.c.id, _USERS.c.first_name, _USERS.c.created_at, (_USERS.c.id * 10).label("tenfold"),
    literal("fixed").label("word"))
_RENAME = (update(_USERS).where(_USERS.c.telegram_id == bindparam("telegram"))
           .values(first_name=bindparam("name")))
_RENAME_RETURNING = _RENAME.returning(_USERS.c.id, _USERS.c.updated_at)
_NEW_USER = _USERS.insert().values(id=bindparam("id", type_=Integer),
                                   telegram_id=bindparam("telegram"),
                                   first_name=bindparam("name"),
                                   created_at=bindparam("now"), updated_at=bindparam("now"))


def _reader(db: Database) -> object:
    return _A_USER if db.dialect == "postgresql" else _A_USER_PLAIN


async def _add(db: Database, telegram: int, name: str, now: datetime) -> int:
    async with db.begin() as conn:
        return int((await conn.execute(
            _USERS.insert().values(telegram_id=telegram, first_name=name, created_at=now,
                                   updated_at=now).returning(_USERS.c.id))).scalar_one())


async def test_a_prebuilt_read_gives_what_sqlalchemy_gives(db: Database) -> None:
    now = datetime(2026, 12, 6, 9, 30, 15, 123456, tzinfo=UTC)
    for n, name in enumerate(_NASTY):
        await _add(db, 7000 + n, name, now)
    for n, name in enumerate(_NASTY):
        async with db.reading() as conn:
            theirs = (await conn.execute(_reader(db), {"telegram": 7000 + n})).one()  # type: ignore[call-overload]
            ours = (await run_prebuilt(conn, _reader(db), {"telegram": 7000 + n})).one()
        assert tuple(ours) == tuple(theirs)
        assert ours.first_name == name and ours.created_at == now  # aware UTC again
        assert ours.tenfold == theirs.tenfold and ours.word == "fixed"
        if db.dialect == "postgresql":
            assert ours.as_json == [ours.id, name]  # JSON decoded as SQLAlchemy decodes it
    async with db.reading() as conn:
        for ask in ("first", "all", "scalar"):
            nobody = await run_prebuilt(conn, _reader(db), {"telegram": 1})
            assert getattr(nobody, ask)() in (None, [])


async def test_a_prebuilt_write_counts_rows_and_returns_what_it_is_asked(db: Database) -> None:
    now = datetime.now(UTC)
    user_id = await _add(db, 7100, "Ann", now)
    async with db.begin() as conn:
        assert (await run_prebuilt(conn, _RENAME, {"telegram": 7100, "name": "Bo"})).rowcount == 1
        assert (await run_prebuilt(conn, _RENAME, {"telegram": 1, "name": "x"})).rowcount == 0
        returned = (await run_prebuilt(conn, _RENAME_RETURNING,
                                       {"telegram": 7100, "name": "Cy"})).one()
    assert returned.id == user_id and returned.updated_at.tzinfo is not None
    async with db.reading() as conn:
        assert (await run_prebuilt(conn, _reader(db), {"telegram": 7100})).one().first_name == "Cy"


async def test_a_prebuilt_write_first_in_a_transaction_rolls_back_with_it(db: Database) -> None:
    await _add(db, 7200, "Ann", datetime.now(UTC))
    with pytest.raises(RuntimeError):
        async with db.begin() as conn:
            # the transaction's first statement: BEGIN must go before it
            await run_prebuilt(conn, _RENAME, {"telegram": 7200, "name": "Never"})
            raise RuntimeError("the rest of the transaction fails")
    async with db.reading() as conn:
        assert (await run_prebuilt(conn, _reader(db), {"telegram": 7200})).one().first_name == "Ann"


async def test_a_broken_constraint_is_sqlalchemys_integrity_error_and_changes_nothing(
        db: Database) -> None:
    now = datetime.now(UTC)
    user_id = await _add(db, 7300, "Ann", now)
    with pytest.raises(IntegrityError):
        async with db.begin() as conn:
            await run_prebuilt(conn, _RENAME, {"telegram": 7300, "name": "Changed"})
            await run_prebuilt(conn, _NEW_USER, {"id": user_id, "telegram": 7301,
                                                 "name": "Twin", "now": now})
    async with db.reading() as conn:  # the connection pool is still fine, nothing changed
        assert (await run_prebuilt(conn, _reader(db), {"telegram": 7300})).one().first_name == "Ann"
        assert (await run_prebuilt(conn, _reader(db), {"telegram": 7301})).first() is None


async def test_forgetting_the_compiled_statements_changes_nothing(db: Database) -> None:
    await _add(db, 7400, "Ann", datetime.now(UTC))
    async with db.reading() as conn:
        before = (await run_prebuilt(conn, _reader(db), {"telegram": 7400})).one()
        forget_prebuilt()
        after = (await run_prebuilt(conn, _reader(db), {"telegram": 7400})).one()
    assert after == before


async def test_a_missing_parameter_is_refused_and_so_is_a_value_list_on_postgres(
        db: Database) -> None:
    async with db.reading() as conn:
        with pytest.raises(Exception, match="telegram"):
            await run_prebuilt(conn, _reader(db), {})
        by_list = select(_USERS.c.id).where(_USERS.c.id.in_(bindparam("ids", expanding=True)))
        if db.dialect == "postgresql":  # its text would depend on the values
            with pytest.raises(ValueError, match="expanding"):
                await run_prebuilt(conn, by_list, {"ids": [1, 2]})
        else:  # SQLite runs it through SQLAlchemy itself
            assert (await run_prebuilt(conn, by_list, {"ids": [1, 2]})).all() == []


def _no_sqlalchemy_execute(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("went through SQLAlchemy's execute")


async def test_on_sqlite_a_prebuilt_statement_runs_on_sqlite3_itself(
        sqlite_templates: SqliteTemplates, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = await sqlite_templates.copy("empty", tmp_path / "direct.db")
    try:
        now = datetime(2026, 12, 6, 23, 40, 1, 654321, tzinfo=UTC)
        await _add(db, 7500, "😀 Ann", now)
        async with db.begin() as conn:  # BEGIN IMMEDIATE sent: the rest goes direct
            monkeypatch.setattr(AsyncConnection, "execute", _no_sqlalchemy_execute)
            renamed = await run_prebuilt(conn, _RENAME_RETURNING,
                                         {"telegram": 7500, "name": "混合 Bo"})
            read = (await run_prebuilt(conn, _A_USER_PLAIN, {"telegram": 7500})).one()
            monkeypatch.undo()
        assert renamed.rowcount == 1 and renamed.one().updated_at.tzinfo is not None
        assert read.first_name == "混合 Bo" and read.created_at == now and read.word == "fixed"
        async with db.reading() as conn:  # autocommit: direct from the first statement
            monkeypatch.setattr(AsyncConnection, "execute", _no_sqlalchemy_execute)
            again = (await run_prebuilt(conn, _A_USER_PLAIN, {"telegram": 7500})).one()
            monkeypatch.undo()
        assert again == read  # committed with the transaction
    finally:
        await db.dispose()


async def test_on_sqlite_a_prebuilt_write_that_meets_another_process_lock_waits_for_it(
        sqlite_templates: SqliteTemplates, tmp_path: Path) -> None:
    db = await sqlite_templates.copy("empty", tmp_path / "busy.db")
    other = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
    try:
        await _add(db, 7600, "Ann", datetime.now(UTC))
        other.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock
        other.execute("UPDATE users SET first_name = 'Other' WHERE telegram_id = 7600")

        async def let_go() -> None:
            await asyncio.sleep(0.3)
            other.execute("COMMIT")

        releasing = asyncio.create_task(let_go())
        async with db.reading() as conn:  # autocommit: the write is its own transaction
            assert (await run_prebuilt(conn, _A_USER_PLAIN, {"telegram": 7600})).one()
            renamed = await run_prebuilt(conn, _RENAME, {"telegram": 7600, "name": "Waited"})
            await releasing
            assert renamed.rowcount == 1  # waited for the lock, then wrote (SQLITE_BUSY)
            after = (await run_prebuilt(conn, _A_USER_PLAIN, {"telegram": 7600})).one()
        assert after.first_name == "Waited"
    finally:
        other.close()
        await db.dispose()
