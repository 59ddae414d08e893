"""Round trips: database statements and transactions a text search ("火锅") costs.

A returning shopper (known, no flow, no fresh location) types 火锅 on the demo world,
on SQLite (a temporary file) and PostgreSQL (a private schema, dropped afterwards).
Counted on the engine, per dispatched update, up to the reply: statements sent to the
driver (each is a network round trip on PostgreSQL, a hop to the driver's thread on
SQLite; SQLite's own BEGIN is counted as the transaction and its COMMIT not at all) and
transactions begun. Then the wall time per search: the median (and p90) over a bounded
loop of searches, one at a time. The regression test is
tests/stories/test_round_trips.py (counting statements is deterministic; timing is not).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from handlers.app import build_router
from handlers.core import Incoming, Sender, Text, parse_command
from handlers.router import App, Options, Router, dispatch
from services.demo.seed import seed_demo
from services.platform.database import Database
from storage.db import scratch_schema

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # the stories' moment: deals on sale


@dataclass
class RoundTrips:
    """Statements and transactions seen on one database's engine since `reset`."""

    statements: int = 0
    transactions: int = 0
    sql: list[str] | None = None  # the statements' text, when asked to keep it

    def reset(self) -> None:
        """Start counting again from zero."""
        self.statements = self.transactions = 0
        if self.sql is not None:
            self.sql.clear()


@contextlib.contextmanager
def counting(db: Database, *, keep_sql: bool = False) -> Iterator[RoundTrips]:
    """Count what `db`'s engine sends while the block runs (see the module docstring)."""
    counts = RoundTrips(sql=[] if keep_sql else None)
    # SQLite's hot paths run on their own engine (`Database.quick`): count both.
    engines = list({db.engine.sync_engine, db.quick.sync_engine})

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement == "BEGIN IMMEDIATE TRANSACTION":  # by hand, on a held connection
            counts.transactions += 1
        if statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):  # SQLite's own
            return
        counts.statements += 1
        if counts.sql is not None:
            counts.sql.append(" ".join(statement.split()))

    def on_begin(conn: Any) -> None:
        if not conn.get_execution_options().get("sqlite_autocommit", False):
            counts.transactions += 1

    for engine in engines:
        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(engine, "begin", on_begin)
    try:
        yield counts
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", on_statement)
            event.remove(engine, "begin", on_begin)


class Shopper:
    """One person typing to the assistant through `dispatch`, as a transport would."""

    def __init__(self, app: App, router: Router, telegram_id: int = 5001) -> None:
        self.app, self.router = app, router
        self.sender = Sender(telegram_id, "Bench", None, "zh")

    async def say(self, text: str) -> list[Any]:
        """Send a text or a /command; the replies."""
        command = parse_command(text)
        incoming = Incoming(self.sender, self.sender.id,
                            command if command is not None else Text(text))
        return await dispatch(self.app, self.router, incoming)


async def returning_shopper(db: Database) -> Shopper:
    """The demo world seeded, and a shopper who has started and searched before."""
    await seed_demo(db, now=NOW)
    app = App(db=db, options=Options(), clock=lambda: NOW)
    shopper = Shopper(app, build_router())
    await shopper.say("/start")
    await shopper.say("火锅")  # loads the parser's vocabulary, warms the caches
    return shopper


@contextlib.asynccontextmanager
async def bench_database(name: str, postgres_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database: a temporary SQLite file or a private PostgreSQL schema."""
    if name == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
            await db.upgrade()
            try:
                yield db
            finally:
                await db.dispose()
        return
    if name != "postgres":
        raise ValueError(f"unknown database {name!r} (sqlite or postgres)")
    async with scratch_schema(postgres_url, "bench") as db:
        yield db


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--searches", type=int, default=300, help="searches to time")
    parser.add_argument("--text", default="火锅", help="what the shopper types")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("O2O_BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--sql", action="store_true", help="print the statements of a search")


async def _measure(db: Database, args: argparse.Namespace) -> None:
    shopper = await returning_shopper(db)
    with counting(db, keep_sql=args.sql) as counts:
        await shopper.say(args.text)
    print(f"  one search: {counts.statements} statements in {counts.transactions} transactions")
    for sql in counts.sql or []:
        print(f"    {sql[:160]}")
    times = []
    for _ in range(args.searches):
        began = time.perf_counter()
        await shopper.say(args.text)
        times.append(time.perf_counter() - began)
    times.sort()
    print(f"  wall time per search over {len(times)}: median "
          f"{statistics.median(times) * 1000:.2f} ms, p90 "
          f"{times[int(0.9 * (len(times) - 1))] * 1000:.2f} ms")


async def _bench(args: argparse.Namespace) -> int:
    for name in (d.strip() for d in args.databases.split(",") if d.strip()):
        print(f"\n{name}: a returning shopper types {args.text!r}")
        async with bench_database(name, args.postgres_url) as db:
            await _measure(db, args)
    return 0


def run(args: argparse.Namespace) -> int:
    print(f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
          "one benchmark process, not pinned (PostgreSQL runs in its own processes)")
    return asyncio.run(_bench(args))
