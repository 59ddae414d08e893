"""Prebuilt statements on the hot paths, run by asyncpg itself on PostgreSQL.

The hot paths (a search, buying, paying, redeeming) run module-level Core statements
that never change. Through `AsyncConnection.execute` each execution still costs about
50 microseconds of SQLAlchemy on top of asyncpg's 15 (the greenlet bridge, the cache
key, the cursor adapter, the result), which on PostgreSQL was about a third of a
redemption's Python time. `run_prebuilt` compiles such a statement once per dialect,
with SQLAlchemy, into the SQL text, the order of its parameters and each parameter's
and column's conversion (the same conversions SQLAlchemy applies: a UTC timestamp
made naive, JSON, ...), and on PostgreSQL hands the text to the asyncpg connection
under the `AsyncConnection` directly (asyncpg's own prepared-statement cache). It
runs in that connection's transaction: when SQLAlchemy has not sent BEGIN yet (it
sends it before its first statement), it is sent first, as SQLAlchemy would. Errors
come out as SQLAlchemy's (`sqlalchemy.exc.IntegrityError`, ...), and the engine's
`before_cursor_execute` listeners (round-trip counting) see the statement.

On SQLite the statements already run inline on the event loop's thread
(`storage.sqlite_inline`), so there SQLAlchemy's execute was most of a statement's cost:
on a search burst about a quarter of the bot's time, against a tenth in SQLite itself.
`run_prebuilt` hands the compiled text to the `sqlite3` connection under the
`AsyncConnection` directly, once SQLAlchemy has begun the connection's transaction
(else the first statement goes through `conn.execute`, whose autobegin runs our BEGIN
listener), or at once on a `Database.reading` connection (autocommit: nothing to
begin). A statement that meets the database locked by another process goes through
`conn.execute` again, which waits for the lock on a worker thread; a statement with an
expanding IN list always goes through it. Either way the caller gets something with the
result methods the hot paths use: `first`, `one`, `all`, `scalar`, `scalar_one`,
`rowcount`.

The compiled forms are kept per statement object (`_forms`), built again when lost
(tests/stories/test_prebuilt_statements.py proves that forgetting them changes
nothing). On PostgreSQL statements with expanding IN lists are refused (their text
depends on the values), and an INSERT must name its values
(`.values(column=bindparam(...))`): compiled once, a bare `insert(table)` would want
every column.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from storage.sqlite_inline import InlineConnection, is_busy

Converter = Callable[[Any], Any]


class _Form:
    """A statement compiled for one dialect: its text, how to order and convert its
    parameters, and how to convert its result columns (named as SQLAlchemy names them,
    which is how the SQL labels them)."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        # an expanding IN list: the text depends on the values
        self.expanding = bool(compiled.literal_execute_params or compiled.post_compile_params)
        self.compiled = compiled
        self.sql = compiled.string
        self.names = tuple(compiled.positiontup or ())  # parameters in positional order
        self.converters = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names)
        # a SELECT's columns, or what an INSERT/UPDATE returns (none: it gives a count)
        self.columns = list(getattr(statement, "exported_columns", ()))
        self.returns_rows = bool(self.columns)
        self.dialect = dialect
        # from the server's description, at the first run (`describe`)
        self.row: Callable[..., tuple[Any, ...]] | None = None
        self.results: tuple[Converter | None, ...] = ()

    def describe(self, names: Sequence[str], types: Sequence[Any]) -> None:
        """Name and convert the result columns as SQLAlchemy would, from what the driver
        says of them (their names, and on PostgreSQL their types: some conversions
        depend on the server's type; SQLite tells none)."""
        self.results = tuple(
            column.type.dialect_impl(self.dialect).result_processor(self.dialect, type_)
            for column, type_ in zip(self.columns, types, strict=True))
        self.row = collections.namedtuple("Row", names, rename=True)  # type: ignore[misc]

    def arguments(self, params: Mapping[str, Any] | None) -> list[Any]:
        """The positional arguments for `params` (SQLAlchemy's own defaults and checks
        for missing ones), each converted as SQLAlchemy would."""
        values = self.compiled.construct_params(params or {})
        return [value if convert is None or value is None else convert(value)
                for value, convert in zip((values[n] for n in self.names), self.converters,
                                          strict=True)]

    def rows(self, records: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The driver's records as named tuples, each column converted."""
        make, results = self.row, self.results
        assert make is not None, "described at the first run"
        if not any(results):
            return [make(*record) for record in records]
        return [make(*(value if convert is None else convert(value)
                       for value, convert in zip(record, results, strict=True)))
                for record in records]


_forms: dict[tuple[int, str], tuple[ClauseElement, _Form]] = {}


def _form(statement: ClauseElement, dialect: Dialect) -> _Form:
    key = (id(statement), dialect.name)
    known = _forms.get(key)
    if known is None or known[0] is not statement:  # kept with its statement: ids are reused
        known = _forms[key] = (statement, _Form(statement, dialect))
    return known[1]


def forget_prebuilt() -> None:
    """Drop every compiled form (they are built again when next run)."""
    _forms.clear()


class PrebuiltResult:
    """The rows (or the count) of one prebuilt statement run by asyncpg, with the
    methods of SQLAlchemy's result that the hot paths use."""

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def all(self) -> list[tuple[Any, ...]]:
        """Every row."""
        return self._rows

    def first(self) -> tuple[Any, ...] | None:
        """The first row, or None."""
        return self._rows[0] if self._rows else None

    def one(self) -> tuple[Any, ...]:
        """The only row; an error unless there is exactly one."""
        if len(self._rows) != 1:
            raise (exc.NoResultFound("No row was found when one was required")
                   if not self._rows else
                   exc.MultipleResultsFound("Multiple rows were found when one was required"))
        return self._rows[0]

    def scalar(self) -> Any:
        """The first column of the first row, or None."""
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        """The first column of the only row."""
        return self.one()[0]


async def run_prebuilt(conn: AsyncConnection, statement: ClauseElement,
                       params: Mapping[str, Any] | None = None) -> Any:
    """Run a module-level Core statement on `conn` (see the module's docstring), in
    `conn`'s transaction: on PostgreSQL through asyncpg directly, on SQLite through the
    inline `sqlite3` connection (`conn.execute` where it cannot). Returns a result with
    first/one/all/scalar/scalar_one/rowcount."""
    dialect = conn.dialect
    if dialect.name == "sqlite":
        return await _run_on_sqlite(conn, statement, params)
    if dialect.name != "postgresql":
        return await conn.execute(statement, params)  # type: ignore[arg-type]
    form = _form(statement, dialect)
    if form.expanding:
        raise ValueError("a prebuilt statement cannot have expanding parameters")
    args = form.arguments(params)
    sync = conn.sync_connection
    assert sync is not None
    _announce(sync, form, args)
    adapter = sync.connection.dbapi_connection
    async with adapter._execute_mutex:  # type: ignore[union-attr]
        try:
            if adapter._transaction is None:  # type: ignore[union-attr]
                await adapter._start_transaction()  # type: ignore[union-attr]
            driver = adapter._connection  # type: ignore[union-attr]
            if form.returns_rows:
                if form.row is None:
                    attributes = (await driver.prepare(form.sql)).get_attributes()
                    form.describe([a.name for a in attributes], [a.type.oid for a in attributes])
                records = await driver.fetch(form.sql, *args)
                return PrebuiltResult(form.rows(records), len(records))
            status = await driver.execute(form.sql, *args)
        except exc.DBAPIError:
            raise
        except Exception as error:  # asyncpg's own: translated as SQLAlchemy would
            raise _translated(conn, adapter, form.sql, args, error) from error
    counted = status.rsplit(" ", 1)[-1]
    return PrebuiltResult([], int(counted) if counted.isdigit() else -1)


def _announce(sync: Any, form: _Form, args: list[Any]) -> None:
    """Tell the engine's `before_cursor_execute` listeners (round-trip and statement
    counting) of a statement that bypasses SQLAlchemy's execute, as it would."""
    if sync.dispatch.before_cursor_execute:
        sync.dispatch.before_cursor_execute(sync, None, form.sql, args, None, False)


async def _run_on_sqlite(conn: AsyncConnection, statement: ClauseElement,
                         params: Mapping[str, Any] | None) -> Any:
    """`run_prebuilt` on SQLite: on the `sqlite3` connection itself when it runs inline
    and SQLAlchemy has begun its transaction; else (and for a lock held by another
    process, or an expanding IN list) through `conn.execute`."""
    sync = conn.sync_connection
    assert sync is not None
    # Begun, or in autocommit (`Database.reading`), where beginning sends nothing anyway.
    begun = sync.in_transaction() or sync.get_execution_options().get("sqlite_autocommit")
    direct = _inline_sqlite(sync.connection.dbapi_connection) if begun else None
    form = _form(statement, conn.dialect) if direct is not None else None
    if direct is None or form is None or form.expanding:
        return await conn.execute(statement, params)  # type: ignore[arg-type]
    args = form.arguments(params)
    _announce(sync, form, args)
    try:
        cursor = direct.execute(form.sql, args)
        try:
            if not form.returns_rows:
                return PrebuiltResult([], cursor.rowcount)
            records = cursor.fetchall()
            if form.row is None:
                form.describe([d[0] for d in cursor.description], [None] * len(form.columns))
            return PrebuiltResult(form.rows(records), len(records))
        finally:
            cursor.close()
    except sqlite3.OperationalError as error:
        if is_busy(error):  # another process holds the lock: wait for it off the loop
            return await conn.execute(statement, params)  # type: ignore[arg-type]
        raise _sqlite_error(conn, form.sql, args, error) from error
    except sqlite3.Error as error:
        raise _sqlite_error(conn, form.sql, args, error) from error


def _inline_sqlite(adapter: Any) -> sqlite3.Connection | None:
    """The `sqlite3` connection under SQLAlchemy's aiosqlite adapter when its calls run
    on this thread (`storage.sqlite_inline.InlineConnection`), else None."""
    inline = getattr(adapter, "_connection", None)
    if not isinstance(inline, InlineConnection):
        return None
    return inline._connection  # type: ignore[no-any-return]


def _sqlite_error(conn: AsyncConnection, sql: str, args: list[Any],
                  error: sqlite3.Error) -> Exception:
    """`error` as SQLAlchemy raises it (`sqlalchemy.exc.IntegrityError`, ...)."""
    return exc.DBAPIError.instance(sql, args, error, sqlite3.Error, dialect=conn.dialect)


def _translated(conn: AsyncConnection, adapter: Any, sql: str, args: list[Any],
                error: Exception) -> Exception:
    try:
        adapter._handle_exception(error)  # raises the DB-API error
    except Exception as dbapi_error:
        return exc.DBAPIError.instance(sql, args, dbapi_error,
                                       conn.dialect.loaded_dbapi.Error, dialect=conn.dialect)
    return error
