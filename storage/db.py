"""The database: an async engine, sessions as units of work, and migrations.

`Database(url)` works the same on SQLite (the embedded default) and PostgreSQL.
Service functions open one transaction per business operation with
`async with db.transaction() as session:`; it commits on success and rolls back on
any exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Executable, Insert, Select, Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only
from sqlmodel.ext.asyncio.session import AsyncSession

import storage.models  # noqa: F401  (registers the tables on the metadata)
from storage.sqlite_inline import InlineConnection, inline_creator

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer commits; busy_timeout makes writers queue
    # instead of failing at once; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    if not isinstance(getattr(dbapi_connection, "_connection", None), InlineConnection):
        cursor.execute("PRAGMA busy_timeout=10000")  # inline ones never wait inline
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # We emit BEGIN ourselves (below) instead of letting the driver do it late.
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes SQLite's write lock at BEGIN, so two writers queue
    # (busy_timeout) instead of the second failing with "database is locked" when it
    # upgrades from reading to writing; reads begin deferred and run beside writers.
    options = conn.get_execution_options()
    if options.get("sqlite_autocommit", False):
        return  # `Database.reading`: each statement on its own, as committed when it runs
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("sqlite_write", False) else "BEGIN")


FULL_SERVER_WAITS = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # seconds: about 6 in all


def _connect_when_a_slot_frees(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """Open a pool's new connection; while PostgreSQL refuses it for want of a slot
    ("too many clients already": its max_connections are taken, by anyone), wait and
    try again for a few seconds rather than fail the turn or the payment it is for.
    Runs in SQLAlchemy's greenlet, so the waits are the event loop's."""
    for wait in (*FULL_SERVER_WAITS, None):
        try:
            return dialect.loaded_dbapi.connect(*cargs, **cparams)
        except Exception as exc:
            if wait is None or getattr(exc.__cause__, "sqlstate", None) != "53300":
                raise
        await_only(asyncio.sleep(wait))
    return None  # pragma: no cover - the loop returns or raises


class Database:
    """One database: engine, session factory and schema management.

    `schema` (PostgreSQL only) puts every table in that schema, which must exist.
    """

    def __init__(
        self, url: str, *, echo: bool = False, pool_size: int = 10, schema: str | None = None,
        max_overflow: int | None = None,
    ) -> None:
        self.url = url
        self.schema = schema  # PostgreSQL: where the tables are (None: the default)
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        else:
            # No pre-ping: it costs a round trip on every checkout (a third of a short
            # transaction). A connection found dead fails that one operation, which rolls
            # back and is answered politely; SQLAlchemy then discards the pool's
            # connections so the next operations reconnect. Recycling keeps them fresh.
            kwargs.update(pool_size=pool_size, pool_recycle=1800,
                          max_overflow=pool_size if max_overflow is None else max_overflow)
            if schema is not None:
                # A private schema per test run keeps parallel tests apart on one server.
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "postgresql":
            event.listen(self.engine.sync_engine, "do_connect", _connect_when_a_slot_frees)
        # The hot paths' connections (`begin`, `reading`): the same engine on PostgreSQL;
        # on a SQLite file one whose calls skip aiosqlite's thread (storage.sqlite_inline).
        self.quick: AsyncEngine = self.engine
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                # As many as PostgreSQL's pool: a chat turn holds one for its reads
                # (`holding_reads`) and may take another for a write.
                self.quick = create_async_engine(
                    url, async_creator=inline_creator(
                        str(Path(parsed.database).expanduser())),
                    pool_size=pool_size, max_overflow=pool_size, **kwargs)
            for engine in {self.engine, self.quick}:
                event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
                event.listen(engine.sync_engine, "begin", _sqlite_begin)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        # Write transactions are short and queue for SQLite's one writer anyway: they
        # take the quick connections too. Read sessions (`session`) may scan a lot
        # (reports, planning), so on SQLite they keep aiosqlite's thread.
        self._writes = async_sessionmaker(
            self.quick, class_=AsyncSession, expire_on_commit=False
        )
        # SQLite has one writer at a time. Writers of this process queue here, in order,
        # rather than in SQLite's busy handler, which sleeps and is not fair (other
        # processes still queue there, under busy_timeout).
        self._write_turn = asyncio.Lock() if self.dialect == "sqlite" else None
        self._bulk_inserts: dict[tuple[str, tuple[str, ...], tuple[str, ...]], _BulkInsert] = {}

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        if self._write_turn is None:
            yield
            return
        async with self._write_turn:
            yield

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: commit on success, roll back on error."""
        await self._let_go_of_reads()
        async with self._writing(), self._writes() as session, session.begin():
            if self.dialect == "sqlite":
                await session.connection(execution_options={"sqlite_write": True})
            yield session

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection in one transaction, for Core statements on the hot paths (buying,
        paying, redeeming): several times cheaper than a session. Commits on success.

        On SQLite, inside `holding_reads`, the transaction runs on the turn's held read
        connection when it is open and idle (BEGIN IMMEDIATE ... COMMIT on it) instead of
        giving it back and taking another: two checkouts fewer per write."""
        held = self._idle_hold() if self.dialect == "sqlite" else None
        if held is not None:
            async with self._writing(), self._transaction_on(held) as conn:
                yield conn
            return
        await self._let_go_of_reads()
        # The connection first, then SQLite's writer turn: whoever holds the turn then
        # never waits for a connection, so turns holding connections while they wait
        # for the writer cannot starve it (the other order deadlocks a full pool).
        async with self.quick.connect() as conn, self._writing():
            if self.dialect == "sqlite":
                await conn.execution_options(sqlite_write=True)
            async with conn.begin():
                yield conn

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads outside any transaction, for the hot paths' reads
        (each statement sees what is committed when it runs): on PostgreSQL in
        autocommit, which saves the BEGIN and ROLLBACK round trips of a read; on SQLite
        likewise without BEGIN (WAL: a read never waits for a writer).

        Inside `holding_reads` the task's first `reading` opens the connection and the
        later ones reuse it."""
        hold = self._my_hold()
        if hold is None:
            async with self._reading_connection() as conn:
                yield conn
            return
        if hold.conn is None:
            hold.opened = self._reading_connection()
            hold.conn = await hold.opened.__aenter__()
        hold.using += 1
        try:
            yield hold.conn
        finally:
            hold.using -= 1

    def _my_hold(self) -> _Hold | None:
        """This task's `holding_reads` on this database, if it is in one."""
        hold = _HOLD.get()
        if hold is None or hold.db is not self or hold.task is not asyncio.current_task():
            return None
        return hold

    def _idle_hold(self) -> _Hold | None:
        """This task's held read connection, when it is open and no read is using it."""
        hold = self._my_hold()
        return hold if hold is not None and hold.conn is not None and not hold.using else None

    @contextlib.asynccontextmanager
    async def _transaction_on(self, hold: _Hold) -> AsyncIterator[AsyncConnection]:
        """A write transaction on SQLite's held autocommit connection, by hand (the
        connection's own isolation is "none": SQLite takes BEGIN and COMMIT as sent)."""
        conn = hold.conn
        assert conn is not None
        hold.using += 1
        try:
            await conn.exec_driver_sql("BEGIN IMMEDIATE TRANSACTION")
            try:
                yield conn
            except BaseException:
                await conn.exec_driver_sql("ROLLBACK")
                raise
            await conn.exec_driver_sql("COMMIT")
        finally:
            hold.using -= 1

    async def _let_go_of_reads(self) -> None:
        """Before a write takes a connection of its own, give back this task's held
        read connection (when no read is using it): a turn then never holds one
        connection while it waits for another, so a pool full of turns cannot deadlock.
        The next read takes one again."""
        hold = self._idle_hold()
        if hold is None or hold.opened is None:
            return
        opened, hold.opened, hold.conn = hold.opened, None, None
        await opened.__aexit__(None, None, None)

    @contextlib.asynccontextmanager
    async def holding_reads(self) -> AsyncIterator[None]:
        """Within the block, this task's `reading` calls share one connection, opened by
        the first of them and returned to the pool at the end: a chat turn reads the
        user, then the deals, and taking a connection from the pool costs more CPU
        than a small read itself. Another task (one this one starts) gets its own."""
        hold = _Hold(self, asyncio.current_task())
        token = _HOLD.set(hold)
        try:
            yield
        finally:
            _HOLD.reset(token)
            if hold.opened is not None:
                await hold.opened.__aexit__(None, None, None)

    @contextlib.asynccontextmanager
    async def _reading_connection(self) -> AsyncIterator[AsyncConnection]:
        async with self.quick.connect() as conn:
            if self.dialect == "postgresql":
                await conn.execution_options(isolation_level="AUTOCOMMIT")
            else:
                await conn.execution_options(sqlite_autocommit=True)
            yield conn

    @contextlib.asynccontextmanager
    async def single(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a write that is one statement (a conditional UPDATE, or
        several writes joined into one statement by CTEs): on PostgreSQL in
        autocommit on the turn's `reading` connection, the statement its own
        transaction, which saves the BEGIN and COMMIT round trips; on SQLite a write
        transaction as `begin` gives. Never for two statements that must commit
        together: on PostgreSQL each commits by itself."""
        if self.dialect != "postgresql":
            async with self.begin() as conn:
                yield conn
            return
        async with self.reading() as conn:
            yield conn

    def insert_ignoring(self, table: Table, unique: Sequence[str]) -> Insert:
        """An INSERT into `table`, in this database's dialect, that does nothing when the
        row's `unique` key is taken already (ON CONFLICT DO NOTHING): insert-or-get
        without a race, whoever inserts first. Column defaults apply as usual."""
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        return dialect_insert(table).on_conflict_do_nothing(index_elements=list(unique))

    async def insert_ignoring_duplicates(
        self, conn: AsyncConnection, table: Table, columns: Sequence[str],
        rows: Sequence[Sequence[Any]], unique: Sequence[str],
    ) -> None:
        """INSERT many rows (tuples in `columns` order) in `conn`'s transaction, skipping
        any whose `unique` key is already taken (ON CONFLICT DO NOTHING).

        For the bulk paths (planning a million pushes): the statement is compiled once
        and handed to the driver's executemany, and each column's conversion (a
        timestamp to naive UTC, say) runs once per distinct value instead of per row.
        """
        if not rows:
            return
        key = (table.name, tuple(columns), tuple(unique))
        bulk = self._bulk_inserts.get(key)
        if bulk is None:
            bulk = self._bulk_inserts[key] = _BulkInsert.compile(
                table, columns, unique, self.engine.dialect)
        converted = bulk.convert(rows)
        if bulk.by_column:  # one statement, each column one array parameter
            await conn.exec_driver_sql(bulk.sql, tuple(list(c) for c in zip(*converted,
                                                                             strict=True)))
        else:
            await conn.exec_driver_sql(bulk.sql, converted)

    async def refresh_statistics(self, table: Table) -> None:
        """ANALYZE `table` on PostgreSQL, for a bulk job that grows it a lot at once.

        Autovacuum refreshes statistics only every minute or so; meanwhile the planner
        believes the table is as small as it last saw and may pick an index that reads
        every row for what should touch a few. SQLite keeps no statistics here.
        """
        if self.dialect != "postgresql":
            return
        async with self.engine.connect() as conn:
            await conn.execute(text(f'ANALYZE "{table.name}"'))
            await conn.commit()

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads (autobegin; nothing is committed unless asked)."""
        await self._let_go_of_reads()
        async with self._sessions() as session:
            yield session

    async def upgrade(self, revision: str = "head") -> None:
        """Run Alembic migrations up to `revision` on this database.

        To the head, a database already there is told by its version row alone:
        Alembic (a tenth of a second to import and read the migrations) is loaded
        only when there is something to do."""
        if revision == "head" and await self.at_head():
            return
        async with self.engine.begin() as conn:
            await conn.run_sync(_run_alembic, "upgrade", revision)

    async def downgrade(self, revision: str) -> None:
        """Run Alembic migrations down to `revision`."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_run_alembic, "downgrade", revision)

    async def current_revision(self) -> str | None:
        """The Alembic revision the database is at, or None when it has no schema."""
        from alembic.runtime.migration import MigrationContext

        async with self.engine.connect() as conn:
            return await conn.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )

    async def at_head(self) -> bool:
        """Whether the database is at the newest shipped revision, read from Alembic's
        version table without Alembic (False when in any doubt: no table yet, several
        rows, migrations whose head cannot be read plainly)."""
        head = shipped_head()
        if head is None:
            return False
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.exec_driver_sql(
                    "SELECT version_num FROM alembic_version")).scalars().all()
        except DBAPIError:  # no version table: an empty database
            return False
        return list(rows) == [head]

    async def dispose(self) -> None:
        """Close all pooled connections."""
        await self.engine.dispose()
        if self.quick is not self.engine:
            await self.quick.dispose()


def joined(result: Select, *writes: Executable) -> Select:
    """PostgreSQL: `result` (a SELECT) with `writes` (INSERT, UPDATE) run in the same
    statement, each as a data-modifying CTE: one round trip instead of one per write,
    for the writes of a transaction that do not depend on each other. They share their
    parameters by name. PostgreSQL runs each write exactly once, whether or not
    `result` reads it, all in the statement's one snapshot: no write sees another's
    rows, so they must not touch the same rows, and `result` sees the data as it was
    before them. No parameter may be named as a column of a table a write sets by
    VALUES or SET: SQLAlchemy would take it for one more column to set."""
    return result.add_cte(*(write.cte(f"write_{n}")  # type: ignore[attr-defined]
                            for n, write in enumerate(writes)))


@dataclass
class _Hold:
    """`Database.holding_reads`' shared connection, for the task that holds it."""

    db: Database
    task: asyncio.Task[Any] | None
    conn: AsyncConnection | None = None
    opened: contextlib.AbstractAsyncContextManager[AsyncConnection] | None = None
    using: int = 0  # reads in progress on `conn`


_HOLD: ContextVar[_Hold | None] = ContextVar("o2o_held_reads", default=None)


class _BulkInsert:
    """One compiled INSERT ... ON CONFLICT DO NOTHING and its columns' converters.

    SQLite gets one row per execution through executemany. PostgreSQL gets the whole
    batch in one statement, `INSERT ... SELECT * FROM unnest($1::integer[], ...)`, each
    column one array: executemany there costs a round of the protocol per row, which
    made inserting most of the time of planning a million pushes.
    """

    def __init__(self, sql: str, converters: list[Callable[[Any], Any] | None],
                 by_column: bool) -> None:
        self.sql = sql
        self.converters = converters
        self.by_column = by_column

    @classmethod
    def compile(cls, table: Table, columns: Sequence[str], unique: Sequence[str],
                dialect: Any) -> _BulkInsert:
        converters = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                      for name in columns]
        if dialect.name == "postgresql":
            quote = dialect.identifier_preparer.quote
            arrays = ", ".join(f"${n}::{table.c[name].type.compile(dialect=dialect)}[]"
                               for n, name in enumerate(columns, start=1))
            sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
                   f"({', '.join(quote(c) for c in columns)}) SELECT * FROM unnest({arrays}) "
                   f"ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO NOTHING")
            return cls(sql, converters, by_column=True)
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(unique))
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        order = list(compiled.positiontup or ())
        if order != list(columns):
            raise ValueError(f"unexpected parameter order {order} for {list(columns)}")
        return cls(str(compiled), converters, by_column=False)

    def convert(self, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """The rows as the driver takes them, each distinct value converted once."""
        converting = [(index, converter, {}) for index, converter
                      in enumerate(self.converters) if converter is not None]
        if not converting:
            return [tuple(row) for row in rows]
        out: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(row)
            for index, converter, memo in converting:
                value = values[index]
                if value is not None:
                    done = memo.get(value, _MISSING)
                    if done is _MISSING:
                        done = memo[value] = converter(value)
                    values[index] = done
            out.append(tuple(values))
        return out


_MISSING = object()


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, optionally bound to a connection."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision shipped in `storage/migrations/versions`."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


_REVISION = re.compile(r"^revision(?:: *str)? *= *['\"]([^'\"]+)['\"]", re.M)
_DOWN_REVISION = re.compile(
    r"^down_revision(?:: *[\w |]+)? *= *(?:None|['\"]([^'\"]+)['\"])\s*$", re.M)


@functools.cache
def shipped_head() -> str | None:
    """The newest revision in `storage/migrations/versions`, read from the files'
    `revision` and `down_revision` lines as Alembic writes them; None when they do not
    make one plain chain (a merge, a branch, an unusual line): then ask Alembic."""
    revisions: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        if path.name == "__init__.py":
            continue
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions[revision[0]] = down[0] or None
    parents = list(revisions.values())
    heads = [r for r in revisions if r not in parents]
    if len(heads) != 1 or len(set(parents)) != len(parents) or parents.count(None) != 1:
        return None
    return heads[0]


def _run_alembic(connection: Connection, action: str, revision: str) -> None:
    from alembic import command

    cfg = alembic_config(connection)
    if action == "upgrade":
        command.upgrade(cfg, revision)
    else:
        command.downgrade(cfg, revision)


@contextlib.asynccontextmanager
async def scratch_schema(url: str, prefix: str = "t", **options: Any) -> AsyncIterator[Database]:
    """A migrated PostgreSQL schema of its own, dropped afterwards: how a test or a
    benchmark gets an empty database on a shared server. `options` go to `Database`."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = Database(url)
    try:
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        db = Database(url, schema=schema, **options)
        try:
            await db.upgrade()
            yield db
        finally:
            await db.dispose()
            async with admin.engine.begin() as conn:
                await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await admin.dispose()
