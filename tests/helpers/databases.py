"""Test databases without a migration per test.

Migrating takes a second or two and seeding the demo world as long again; a story itself
often takes a few milliseconds. So each pytest worker migrates (and, for the demo world,
seeds) a template once, and every test gets a private copy of it, in exactly the state a
fresh migration (and seeding) gives:

- SQLite: the template is a file; a test opens a copy of it.
- PostgreSQL: the template is a schema. Each worker keeps one working schema and, before
  each test, empties it and copies the template's rows and sequence positions into it
  (one transaction, with triggers off so nothing fires twice). A test that changed the
  working schema's shape (a migration down, a table of its own) leaves a different
  catalog fingerprint behind; that schema is dropped and a fresh one migrated, so no
  test's tables or rows reach another.

Every schema made here is dropped when the worker ends (`drop_all`).
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import asyncpg

from services.demo.seed import seed_demo
from services.platform.database import Database

# The demo world the stories share: seeded at a fixed moment, without the open 拼团 groups
# and existing table bookings (see the `demo_db` fixture).
KINDS = ("empty", "demo")


async def _fill(database: Database, kind: str, now: datetime) -> None:
    await database.upgrade()
    if kind == "demo":
        await seed_demo(database, now=now, groups=False, bookings=False)


async def _fill_rows(database: Database, kind: str, now: datetime) -> None:
    """Seed a migrated database as the `kind` template is seeded."""
    try:
        if kind == "demo":
            await seed_demo(database, now=now, groups=False, bookings=False)
    finally:
        await database.dispose()


@dataclass
class SqliteTemplates:
    """Migrated (and seeded) SQLite files of one worker, copied per test."""

    folder: Path
    now: datetime
    files: dict[str, Path] = field(default_factory=dict)

    async def copy(self, kind: str, target: Path) -> Database:
        """A database at `target` holding a copy of the `kind` template."""
        template = self.files.get(kind)
        if template is None:
            template = self.folder / f"template-{kind}.db"
            database = Database(f"sqlite+aiosqlite:///{template}")
            await _fill(database, kind, self.now)
            await database.dispose()
            # Everything in the main file, nothing left in a write-ahead log beside it.
            with sqlite3.connect(template) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.files[kind] = template
        shutil.copyfile(template, target)
        return Database(f"sqlite+aiosqlite:///{target}")


# What a schema's tables look like: every column in order with its type, default and
# nullability, every constraint, index, trigger, function and sequence, the schema's own
# name left out. Two schemas with the same fingerprint take each other's rows with
# INSERT ... SELECT *.
_FINGERPRINT = """
SELECT md5(coalesce(string_agg(replace(item, $1::text, '<schema>'), E'\\n' ORDER BY item), ''))
FROM (
    SELECT 'rel ' || c.relname || ' ' || c.relkind::text AS item
    FROM pg_class c WHERE c.relnamespace = $1::regnamespace
    UNION ALL
    SELECT 'col ' || c.relname || ' ' || a.attnum || ' ' || a.attname || ' '
           || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' '
           || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = $1::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'con ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = $1::regnamespace
    UNION ALL
    SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = $1::text
    UNION ALL
    SELECT 'trg ' || t.tgname || ' ' || t.tgenabled::text || ' ' || pg_get_triggerdef(t.oid)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE c.relnamespace = $1::regnamespace AND NOT t.tgisinternal
    UNION ALL
    SELECT 'fn ' || p.proname || ' ' || md5(p.prosrc)
    FROM pg_proc p WHERE p.pronamespace = $1::regnamespace
    UNION ALL
    SELECT 'type ' || t.typname FROM pg_type t WHERE t.typnamespace = $1::regnamespace
) AS catalog
"""


# Cheaper, for noticing a test's DDL: any change to a schema's tables, columns,
# defaults, constraints, triggers, sequences, functions or types makes or rewrites a
# catalog row, which shows in the row's oid or transaction stamp (xmin). Only compared
# with itself.
_CATALOG_STAMP = """
WITH rel AS MATERIALIZED (
    SELECT oid, xmin FROM pg_class WHERE relnamespace = $1::regnamespace
)
SELECT md5(coalesce(string_agg(item, ',' ORDER BY item), ''))
FROM (
    SELECT 'c' || oid || ':' || xmin::text AS item FROM rel
    UNION ALL
    SELECT 'a' || a.attrelid || '.' || a.attnum || ':' || a.xmin::text
    FROM pg_attribute a JOIN rel ON rel.oid = a.attrelid WHERE a.attnum > 0
    UNION ALL
    SELECT 'd' || d.oid || ':' || d.xmin::text FROM pg_attrdef d JOIN rel ON rel.oid = d.adrelid
    UNION ALL
    SELECT 't' || t.oid || ':' || t.xmin::text FROM pg_trigger t JOIN rel ON rel.oid = t.tgrelid
    UNION ALL
    SELECT 's' || s.seqrelid || ':' || s.xmin::text
    FROM pg_sequence s JOIN rel ON rel.oid = s.seqrelid
    UNION ALL
    SELECT 'k' || oid || ':' || xmin::text FROM pg_constraint
    WHERE connamespace = $1::regnamespace
    UNION ALL
    SELECT 'p' || oid || ':' || xmin::text FROM pg_proc WHERE pronamespace = $1::regnamespace
    UNION ALL
    SELECT 'y' || oid || ':' || xmin::text FROM pg_type WHERE typnamespace = $1::regnamespace
) AS catalog
"""

@dataclass
class _Template:
    schema: str
    fingerprint: str
    tables: list[str]
    sequences: list[str]


@dataclass
class _Working:
    schema: str
    fingerprint: str  # its shape, as the templates' (_FINGERPRINT)
    stamp: str  # its catalog rows when migrated (_CATALOG_STAMP)


class PostgresTemplates:
    """Template schemas of one worker and its working schema, reset from them per test."""

    def __init__(self, url: str, worker: str, now: datetime) -> None:
        self.url = url
        self.dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        self.now = now
        self.prefix = f"t_{worker}_{uuid.uuid4().hex[:8]}"
        self.templates: dict[str, _Template] = {}
        self.working: _Working | None = None
        self.made: list[str] = []
        self.resettable = True  # False when triggers cannot be turned off (no superuser)
        self._count = 0

    async def _new_schema(self, kind: str) -> str:
        self._count += 1
        name = f"{self.prefix}_{kind}{self._count}"
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute(f'CREATE SCHEMA "{name}"')
        finally:
            await conn.close()
        self.made.append(name)
        return name

    async def _drop(self, conn: asyncpg.Connection, name: str) -> None:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        if name in self.made:
            self.made.remove(name)

    async def _template(self, kind: str) -> _Template:
        template = self.templates.get(kind)
        if template is not None:
            return template
        schema = await self._new_schema(kind)
        database = Database(self.url, schema=schema)
        try:
            await _fill(database, kind, self.now)
        finally:
            await database.dispose()
        conn = await asyncpg.connect(self.dsn)
        try:
            fingerprint = await conn.fetchval(_FINGERPRINT, schema)
            tables = [r[0] for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1", schema)]
            sequences = [r[0] for r in await conn.fetch(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = $1 ORDER BY 1",
                schema)]
        finally:
            await conn.close()
        template = self.templates[kind] = _Template(schema, fingerprint, tables, sequences)
        return template

    async def _fresh_working(self, conn: asyncpg.Connection) -> _Working:
        schema = await self._new_schema("w")
        database = Database(self.url, schema=schema)
        try:
            await database.upgrade()
        finally:
            await database.dispose()
        self.working = _Working(schema, await conn.fetchval(_FINGERPRINT, schema),
                                await conn.fetchval(_CATALOG_STAMP, schema))
        return self.working

    async def checkout(self, kind: str) -> Database:
        """The working schema holding exactly what the `kind` template holds."""
        template = await self._template(kind)
        conn = await asyncpg.connect(self.dsn)
        try:
            working = self.working
            if working is not None and (not self.resettable or await conn.fetchval(
                    _CATALOG_STAMP, working.schema) != working.stamp):
                await self._drop(conn, working.schema)  # the last test changed its tables
                working = self.working = None
            if working is None:
                working = await self._fresh_working(conn)
                if working.fingerprint != template.fingerprint:
                    raise AssertionError(f"schema {working.schema} was migrated like "
                                         f"{template.schema} but their tables differ")
            if self.resettable:
                try:
                    await conn.execute(_reset_script(working.schema, template))
                except asyncpg.InsufficientPrivilegeError:
                    # Only a superuser may turn triggers off: seed each test's own schema.
                    self.resettable = False
            if not self.resettable:
                await _fill_rows(Database(self.url, schema=working.schema), kind, self.now)
        finally:
            await conn.close()
        return Database(self.url, schema=working.schema)

    async def drop_all(self) -> None:
        """Drop every schema this worker made."""
        if not self.made:
            return
        conn = await asyncpg.connect(self.dsn)
        try:
            for name in list(self.made):
                await self._drop(conn, name)
        finally:
            await conn.close()


def _reset_script(schema: str, template: _Template) -> str:
    """One transaction: every table of `schema` emptied and given the template's rows,
    every sequence put where the template's is. Triggers (foreign keys' included) are
    off meanwhile: the rows are a consistent copy, and a row-logging trigger must not
    log the template's rows a second time."""
    source = template.schema
    lines = ["BEGIN;", "SET LOCAL session_replication_role = replica;",
             "SET LOCAL lock_timeout = '30s';"]
    for table in template.tables:
        lines.append(f'DELETE FROM "{schema}"."{table}";')
        lines.append(f'INSERT INTO "{schema}"."{table}" SELECT * FROM "{source}"."{table}";')
    for sequence in template.sequences:
        lines.append(f"SELECT setval('\"{schema}\".\"{sequence}\"', last_value, is_called) "
                     f'FROM "{source}"."{sequence}";')
    lines.append("COMMIT;")
    return "\n".join(lines)
