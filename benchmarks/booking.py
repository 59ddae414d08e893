"""Table bookings: free-slots p50/p99 and bookings per second, over stores full of bookings.

On SQLite (a temporary file) and PostgreSQL (a private schema, dropped afterwards):
`--stores` stores (restaurants open 11:00-22:00 Shanghai, 30-minute slots, 90-minute
sittings, 2-, 4- and 8-seat tables in varying numbers), each with `--per-day` bookings a
day for `--days` days from today (evenings and lunch busier than the afternoon; a few
cancelled), and the `table_units` those bookings take, both loaded in bulk (COPY on
PostgreSQL, executemany on SQLite; setup, not measured). The units are counted from the
bookings as they are made, so they are exactly what the bookings take. The issue's size
is `--stores 2000` (2,000 stores x 14 days x 36 = about 1M booking rows); the default is
a tenth of that, for a quick run. On PostgreSQL the tables are analyzed after the load,
as autovacuum would.

1. Availability: `booking.free_slots` for a party of 2-6 at a random store over the
   next 7 days, one query at a time (`--queries`). Reported: p50/p99 of the query
   itself, and of the store's seating read plus the query (what the chat does).
2. Booking: `--bookings` attempts by distinct shoppers through `booking.book` (the
   conditional write over the whole stay, the reminder owed), `--concurrency` at a
   time. What the target means is bookings made per second when people book starts
   that were free when they chose them, so with `--choose free` (the default) each
   booker first wishes for a random store and start in the next 7 days and then picks
   what the chat would offer them (`booking.offer`: the free start nearest the wish;
   another store when that one has nothing); that choosing is done before the clock
   starts, as it is a separate request in the chat. Starts chosen free can still be
   taken meanwhile by another booker of the run (refused `full`, as in life), and
   `--hot-share` (0.1) of the attempts race for four hot stores at 19:00 tomorrow,
   which fill up (those get `full`). `--choose random` books the wish itself, free or
   not: the evenings are so full that about half are refused, which measures refusals
   as much as bookings (the figure before this change). `--processes N` runs the
   bookers in N processes (spawned, each with its own pool, started together once
   connected), as a scaled-out install's workers would; `--concurrency` is split
   among them. Reported: bookings made per second, attempts per second, p50/p99 of
   one attempt, outcomes, statements and the booker processes' CPU per attempt.
3. Invariants (printed; the benchmark exits non-zero when one fails): no unit over its
   type's tables; every unit's `taken` equals the live bookings (held, confirmed,
   arrived, completed) overlapping it, recounted from the bookings; every booking made
   is a row; every attempt refused as `full` was: its start is not among the free
   slots for its party afterwards (capacity only shrinks during the run).

Targets: free-slots p99 under 20 ms; at least 500 bookings/s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from benchmarks.workers import run_in_worker, run_worker_processes
from services.bookings.booking import LIVE, book, free_slots, offer
from services.bookings.seating import StoreSeating, store_seating, zone_of
from services.bookings.slots import Grid, day_starts, units
from services.platform.database import Database
from storage.db import scratch_schema
from storage.models import (
    Booking,
    BookingStatus,
    Merchant,
    MerchantStatus,
    Seating,
    Store,
    TableType,
    TableUnit,
    User,
)

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET_P99_MS, TARGET_RATE = 20.0, 500.0  # free_slots p99; bookings/s on PostgreSQL
HOURS, TZ = "11:00-22:00", "Asia/Shanghai"
STAY = 90
STORES_PER_MERCHANT = 100
CATEGORIES = ("hotpot", "bbq", "seafood", "sushi", "fujian", "western")
HOT_STORES = 4
# A party's size, as restaurants see them (twos most often).
PARTIES = (1, 2, 3, 4, 5, 6, 7, 8)
PARTY_WEIGHTS = (5, 35, 15, 25, 8, 7, 3, 2)
KEEP = (BookingStatus.HELD, BookingStatus.CONFIRMED, BookingStatus.ARRIVED,
        BookingStatus.COMPLETED)  # the statuses whose bookings hold their units
_USERS, _MERCHANTS, _STORES, _SEATINGS, _TYPES, _UNITS, _BOOKINGS = (
    User.__table__, Merchant.__table__, Store.__table__,  # type: ignore[attr-defined]
    Seating.__table__, TableType.__table__, TableUnit.__table__,  # type: ignore[attr-defined]
    Booking.__table__)  # type: ignore[attr-defined]
BOOKING_COLUMNS = ("code", "store_id", "table_type_id", "user_id", "party", "starts_at",
                   "ends_at", "status", "walk_in", "deposit", "currency", "late_minutes",
                   "created_at", "updated_at")
UNIT_COLUMNS = ("table_type_id", "starts_at", "taken")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stores", type=int, default=200,
                        help="stores taking bookings (the issue's size: 2000)")
    parser.add_argument("--days", type=int, default=14, help="days of existing bookings")
    parser.add_argument("--per-day", type=int, default=36,
                        help="existing bookings per store and day")
    parser.add_argument("--queries", type=int, default=1000, help="free-slots queries timed")
    parser.add_argument("--bookings", type=int, default=2000, help="booking attempts")
    parser.add_argument("--concurrency", type=int, default=32, help="bookers at once")
    parser.add_argument("--hot-share", type=float, default=0.1,
                        help="the share of attempts racing for the hot stores at 19:00 "
                             "tomorrow")
    parser.add_argument("--choose", choices=("free", "random"), default="free",
                        help="free: each booker picks among the free starts offered "
                             "to them, as in the chat; random: any start, free or not "
                             "(most evening attempts are refused)")
    parser.add_argument("--processes", type=int, default=1,
                        help="booker processes (a scaled-out install's workers); "
                             "--concurrency is split among them")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("O2O_BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--seed", type=int, default=1)


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# ------------------------------------------------------------------ the world


@dataclass
class World:
    """What setup made."""

    now: datetime
    store_ids: list[int]
    hot_ids: list[int]
    bookers: list[int]  # fresh shoppers, one per booking attempt
    tables: dict[int, dict[int, int]]  # store -> seats -> tables
    days: list[date]  # the local days with bookings, from today
    bookings: int = 0  # existing rows (cancelled included)
    units: int = 0  # unit rows
    hot_start: datetime = field(default_factory=lambda: datetime.now(UTC))


class _Day:
    """One local day's starts and the units each start's stay takes."""

    def __init__(self, grid: Grid, day: date) -> None:
        self.starts = day_starts(grid, day)
        self.stays = [units(s, STAY) for s in self.starts]
        local = [s.astimezone(grid.tz) for s in self.starts]
        self.weights = [4 if 18 <= t.hour < 20 or (t.hour, t.minute) == (17, 30)
                        else 2 if 11 <= t.hour < 13 or t.hour == 20 else 1 for t in local]


async def _copy(conn: AsyncConnection, table: str, columns: Sequence[str],
                rows: list[tuple[Any, ...]]) -> None:
    """Bulk rows into `table` (datetimes aware UTC): COPY on PostgreSQL, the driver's
    executemany on SQLite; in `conn`'s transaction."""
    if not rows:
        return
    on_sqlite = conn.dialect.name == "sqlite"
    moments: dict[datetime, Any] = {}

    def value(v: Any) -> Any:
        if isinstance(v, datetime):
            done = moments.get(v)
            if done is None:
                naive = v.astimezone(UTC).replace(tzinfo=None)
                done = moments[v] = (naive.strftime("%Y-%m-%d %H:%M:%S.%f") if on_sqlite
                                     else naive)
            return done
        return v

    records = [tuple(value(v) for v in row) for row in rows]
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    if on_sqlite:
        marks = ", ".join("?" * len(columns))
        await driver.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", records)
    else:
        await driver.copy_records_to_table(table, records=records, columns=list(columns))


async def _setup(db: Database, args: argparse.Namespace, rng: random.Random) -> World:
    """Merchants, stores with seating and tables, shoppers, and the existing bookings
    with their units; in bulk."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    tz = zone_of(TZ)
    grid = Grid(hours=HOURS, tz=tz, stay_minutes=STAY)
    today = now.astimezone(tz).date()
    days = [today + timedelta(days=d) for d in range(args.days)]
    merchants = -(-args.stores // STORES_PER_MERCHANT)
    expected = args.stores * args.days * args.per_day
    past_bookers = max(1000, expected // 40)
    base = 970_000_000
    async with db.begin() as conn:
        await conn.execute(insert(_MERCHANTS), [
            {"slug": f"bk-{m}", "name_zh": f"订座测试{m}", "name_en": f"Booking Bench {m}",
             "category": CATEGORIES[m % len(CATEGORIES)], "phone": "0591-0000",
             "status": MerchantStatus.APPROVED, "rating_sum": 0, "rating_count": 0,
             "commission_l1_bp": 0, "commission_l2_bp": 0, "commission_l3_bp": 0,
             "created_at": now} for m in range(merchants)])
        merchant_ids = list((await conn.execute(
            select(_MERCHANTS.c.id).where(_MERCHANTS.c.slug.like("bk-%"))
            .order_by(_MERCHANTS.c.id))).scalars())
        await conn.execute(insert(_STORES), [
            {"merchant_id": merchant_ids[s // STORES_PER_MERCHANT], "key": f"bk-store-{s}",
             "name_zh": f"订座测试店{s}", "name_en": f"Bench store {s}",
             "lat": 26.0 + rng.uniform(-0.1, 0.1), "lon": 119.45 + rng.uniform(-0.1, 0.1),
             "opening_hours": HOURS, "phone": "0591-0001", "created_at": now}
            for s in range(args.stores)])
        store_ids = list((await conn.execute(
            select(_STORES.c.id).where(_STORES.c.key.like("bk-store-%"))
            .order_by(_STORES.c.id))).scalars())
        await conn.execute(insert(_SEATINGS), [
            {"store_id": s, "slot_minutes": 30, "stay_minutes": STAY, "horizon_days": 14,
             "last_seating_minutes": 60, "closed_days": "", "deposit": 0, "currency": "CNY",
             "cancel_hours": 2, "updated_at": now} for s in store_ids])
        tables = {s: {2: rng.randint(4, 8), 4: rng.randint(3, 5), 8: rng.randint(1, 2)}
                  for s in store_ids}
        await conn.execute(insert(_TYPES), [
            {"store_id": s, "seats": seats, "tables": n}
            for s in store_ids for seats, n in tables[s].items()])
        for start in range(0, past_bookers + args.bookings, 5000):
            await conn.execute(insert(_USERS), [
                {"telegram_id": base + i, "first_name": f"b{i}", "timezone": TZ,
                 "push_paused": False, "quiet_start": 1320, "quiet_end": 480,
                 "created_at": now, "updated_at": now}
                for i in range(start, min(past_bookers + args.bookings, start + 5000))])
        user_ids = list((await conn.execute(
            select(_USERS.c.id).where(_USERS.c.telegram_id >= base)
            .order_by(_USERS.c.telegram_id))).scalars())
        type_rows = (await conn.execute(select(_TYPES.c.store_id, _TYPES.c.seats,
                                               _TYPES.c.id))).all()
    type_ids = {(int(r[0]), int(r[1])): int(r[2]) for r in type_rows}
    world = World(now, store_ids, store_ids[:HOT_STORES], user_ids[past_bookers:], tables,
                  days)
    pasts = user_ids[:past_bookers]
    grid_days = [_Day(grid, d) for d in days]
    tomorrow = days[1] if len(days) > 1 else days[0]
    world.hot_start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 19,
                               tzinfo=tz).astimezone(UTC)
    serial = 0
    chunk = 50  # stores per transaction
    for first in range(0, len(store_ids), chunk):
        bookings: list[tuple[Any, ...]] = []
        taken: Counter[tuple[int, datetime]] = Counter()
        for store_id in store_ids[first:first + chunk]:
            kinds = sorted(tables[store_id].items())
            for day in grid_days:
                made = tries = 0
                while made < args.per_day and tries < args.per_day * 3:
                    tries += 1
                    i = rng.choices(range(len(day.starts)), day.weights)[0]
                    party = rng.choices(PARTIES, PARTY_WEIGHTS)[0]
                    stay = day.stays[i]
                    for seats, count in kinds:
                        if seats < party:
                            continue
                        type_id = type_ids[(store_id, seats)]
                        if all(taken[(type_id, u)] < count for u in stay):
                            break
                    else:
                        continue
                    cancelled = rng.random() < 0.05
                    if not cancelled:
                        for u in stay:
                            taken[(type_id, u)] += 1
                    serial += 1
                    made += 1
                    start = day.starts[i]
                    bookings.append((
                        f"BK{serial:07d}", store_id, type_id, rng.choice(pasts), party, start,
                        start + timedelta(minutes=STAY),
                        BookingStatus.CANCELLED if cancelled else BookingStatus.CONFIRMED,
                        False, 0, "CNY", 0, now, now))
        async with db.begin() as conn:
            await _copy(conn, "bookings", BOOKING_COLUMNS, bookings)
            await _copy(conn, "table_units", UNIT_COLUMNS,
                        [(t, u, n) for (t, u), n in taken.items()])
        world.bookings += len(bookings)
        world.units += len(taken)
    if db.dialect == "postgresql":  # as autovacuum would after a load this size
        async with db.engine.connect() as conn:
            tables_sql = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            await conn.exec_driver_sql(f"ANALYZE {tables_sql}")
            await conn.commit()
    return world


# ------------------------------------------------------------------ phase 1: free slots


@dataclass
class Availability:
    """What the free-slots phase measured."""

    query: list[float]  # free_slots alone, seconds
    with_seating: list[float]  # store_seating + free_slots
    slots: int  # free starts found, altogether


async def _availability(db: Database, world: World, queries: int,
                        rng: random.Random) -> Availability:
    """Random store, party 2-6, the next 7 days; one query at a time."""
    timings, with_seating, found = [], [], 0
    week = timedelta(days=7)
    for _ in range(queries):
        store_id = rng.choice(world.store_ids)
        party = rng.randint(2, 6)
        began = time.perf_counter()
        seating = await store_seating(db, store_id)
        middle = time.perf_counter()
        assert seating is not None
        slots = await free_slots(db, seating, party, world.now, world.now + week, world.now)
        done = time.perf_counter()
        timings.append(done - middle)
        with_seating.append(done - began)
        found += len(slots)
    return Availability(timings, with_seating, found)


# ------------------------------------------------------------------ phase 2: booking


@dataclass
class Bookings:
    """What the booking phase did."""

    outcomes: Counter[str]
    latencies: list[float]
    wall: float
    made: list[int]  # booking ids
    statements: int  # SQL statements sent
    cpu: float  # seconds of the booker processes' CPU
    refused: list[tuple[int, int, datetime]]  # (store, party, start) refused as full
    began: float = 0.0  # perf_counter (system-wide monotonic) when the clock started
    ended: float = 0.0


Plan = list[tuple[int, int, int, datetime]]  # (booker, store, party, start) per attempt


async def _plan(db: Database, world: World, count: int, hot_share: float, choose: str,
                rng: random.Random) -> Plan:
    """(booker, store, party, start) for each attempt (not timed). `hot_share` of them
    race for a hot store at 19:00 tomorrow. The others wish for a random store and
    start within the next 7 days; with `choose` "free" they then book what the chat
    would offer them there (`booking.offer`: the free start nearest their wish, else on
    the following days; another store when that one has nothing), as they were free
    when the booker looked; "random" books the wish itself, free or not."""
    tz = zone_of(TZ)
    grid = Grid(hours=HOURS, tz=tz, stay_minutes=STAY)
    soonest = world.now + timedelta(minutes=15)
    starts = [s for d in world.days[:8] for s in day_starts(grid, d)
              if soonest <= s < world.now + timedelta(days=7)]
    seatings: dict[int, StoreSeating] = {}
    plan = []
    for booker in world.bookers[:count]:
        party = rng.randint(2, 6)
        if rng.random() < hot_share:
            plan.append((booker, rng.choice(world.hot_ids), party, world.hot_start))
            continue
        store_id, wish = rng.choice(world.store_ids), rng.choice(starts)
        if choose == "free":
            for _ in range(5):  # nothing free there: another store
                seating = seatings.get(store_id) or await store_seating(db, store_id)
                assert seating is not None
                seatings[store_id] = seating
                offered = (await offer(db, seating, party, wish, world.now)).slots
                if offered:
                    wish = min((s.starts_at for s in offered),
                               key=lambda at, w=wish: (abs(at - w), at))
                    break
                store_id = rng.choice(world.store_ids)
        plan.append((booker, store_id, party, wish))
    return plan


async def _warm(db: Database, connections: int) -> None:
    """Open the pool's connections before the clock starts (as a running bot has);
    SQLite's are files, opened as they come."""
    if db.dialect != "postgresql":
        return
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(connections):
            conn = await stack.enter_async_context(db.engine.connect())
            await conn.execute(select(1))


async def _book_all(db: Database, now: datetime, plan: Plan, concurrency: int,
                    start: Callable[[], None] = lambda: None) -> Bookings:
    """Every attempt of `plan` through `book`, `concurrency` at a time; `start` is
    called just before the clock starts."""
    queue = list(reversed(plan))
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    made: list[int] = []
    refused: list[tuple[int, int, datetime]] = []

    async def worker() -> None:
        while queue:
            booker, store_id, party, at = queue.pop()
            began = time.perf_counter()
            attempt = await book(db, booker, store_id, party, at, now)
            latencies.append(time.perf_counter() - began)
            if attempt.booking is not None:
                outcomes["booked"] += 1
                made.append(attempt.booking.id)
            else:
                outcomes[attempt.reason or "?"] += 1
                if attempt.reason == "full":
                    refused.append((store_id, party, at))

    sent = [0]

    def count(*_: Any) -> None:
        sent[0] += 1

    await _warm(db, concurrency)
    start()
    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    began, cpu = time.perf_counter(), time.process_time()
    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    ended = time.perf_counter()
    return Bookings(outcomes, latencies, ended - began, made, sent[0],
                    time.process_time() - cpu, refused, began, ended)


def _booker_process(url: str, schema: str | None, now: datetime, plan: Plan,
                    concurrency: int, ready: Any, results: Any) -> None:
    """One booker process: its own engine and pool, its share of the plan; it starts
    when every process is ready (connected), and sends back what it did."""

    async def work(db: Database) -> Bookings:
        return await _book_all(db, now, plan, concurrency, lambda: ready.wait())

    run_in_worker(url, schema, concurrency, work, ready, results)


async def _bookings(db: Database, world: World, plan: Plan, concurrency: int,
                    processes: int = 1) -> Bookings:
    """The plan booked in this process, or split among `processes` booker processes
    (each with `concurrency / processes` bookers at a time); wall time from the first
    process's start to the last one's end, CPU summed over the booker processes."""
    if processes <= 1:
        return await _book_all(db, world.now, plan, concurrency)
    each = max(1, concurrency // processes)
    parts = await run_worker_processes(_booker_process, [
        (db.url, db.schema, world.now, plan[n::processes], each) for n in range(processes)])
    failed = [p for p in parts if not isinstance(p, Bookings)]
    if failed:
        raise RuntimeError(f"a booker process failed: {failed[0]}")
    parts = [p for p in parts if isinstance(p, Bookings)]
    began, ended = min(p.began for p in parts), max(p.ended for p in parts)
    outcomes: Counter[str] = Counter()
    for part in parts:
        outcomes.update(part.outcomes)
    return Bookings(outcomes, [x for p in parts for x in p.latencies], ended - began,
                    [x for p in parts for x in p.made], sum(p.statements for p in parts),
                    sum(p.cpu for p in parts), [x for p in parts for x in p.refused],
                    began, ended)


# ------------------------------------------------------------------ phase 3: invariants


def _stay_units(starts_at: datetime, ends_at: datetime) -> list[datetime]:
    return units(starts_at, int((ends_at - starts_at).total_seconds() // 60))


async def _invariants(db: Database, world: World, done: Bookings) -> list[tuple[str, bool]]:
    """Each rule, and whether it holds."""
    u, t, b = _UNITS, _TYPES, _BOOKINGS
    async with db.engine.connect() as conn:
        over = int((await conn.execute(
            select(func.count()).select_from(u.join(t, t.c.id == u.c.table_type_id))
            .where(u.c.taken > t.c.tables))).scalar_one())
        negative = int((await conn.execute(
            select(func.count()).select_from(u).where(u.c.taken < 0))).scalar_one())
        recount: Counter[tuple[int, datetime]] = Counter()
        rows = 0
        result = await conn.stream(
            select(b.c.table_type_id, b.c.starts_at, b.c.ends_at)
            .where(b.c.status.in_(KEEP)).execution_options(yield_per=50_000))
        async for type_id, starts_at, ends_at in result:
            rows += 1
            for unit in _stay_units(starts_at, ends_at):
                recount[(type_id, unit)] += 1
        stored: dict[tuple[int, datetime], int] = {}
        result = await conn.stream(select(u.c.table_type_id, u.c.starts_at, u.c.taken)
                                   .where(u.c.taken != 0).execution_options(yield_per=50_000))
        async for type_id, starts_at, taken in result:
            stored[(type_id, starts_at)] = taken
        made_rows = int((await conn.execute(
            select(func.count()).select_from(b)
            .where(b.c.user_id.in_(world.bookers[:max(len(done.latencies), 1)]),
                   b.c.status.in_(LIVE)))).scalar_one())
    wrong = sum(1 for key in recount.keys() | stored.keys()
                if recount.get(key, 0) != stored.get(key, 0))
    wrongly_refused = 0
    for store_id, party, start in done.refused:
        seating = await store_seating(db, store_id)
        assert seating is not None
        free = await free_slots(db, seating, party, start, start + timedelta(minutes=1),
                                world.now)
        wrongly_refused += bool(free)
    hot_refused = sum(1 for store_id, _, _ in done.refused if store_id in world.hot_ids)
    print(f"  units: {len(stored)} taken, {over} over their tables, {negative} negative; "
          f"{wrong} differ from the recount of {rows} live bookings")
    print(f"  bookings made: {len(done.made)} answered, {made_rows} rows of those bookers; "
          f"refused as full: {len(done.refused)} ({hot_refused} at the hot stores at 19:00 "
          f"tomorrow), {wrongly_refused} of them while a table was free")
    return [
        ("no unit over capacity", over == 0 and negative == 0),
        ("units == recount from live bookings", wrong == 0),
        ("every booking made is a row", made_rows == len(done.made)
         and len(set(done.made)) == len(done.made)),
        ("refused only when full", wrongly_refused == 0),
    ]


# ------------------------------------------------------------------ one database


async def _measure(db: Database, name: str, args: argparse.Namespace) -> bool:
    rng = random.Random(args.seed)
    began = time.perf_counter()
    world = await _setup(db, args, rng)
    print(f"  setup: {len(world.store_ids)} stores, {world.bookings:,} bookings "
          f"({args.days} days from today), {world.units:,} taken units, "
          f"{len(world.bookers)} fresh bookers in {time.perf_counter() - began:.1f} s")

    found = await _availability(db, world, args.queries, rng)
    p50, p99 = _percentile(found.query, .5) * 1000, _percentile(found.query, .99) * 1000
    print(f"  free_slots (7 days, party 2-6): p50 {p50:.2f} ms   p99 {p99:.2f} ms   "
          f"max {max(found.query) * 1000:.2f} ms   with the seating read: p50 "
          f"{_percentile(found.with_seating, .5) * 1000:.2f} ms   p99 "
          f"{_percentile(found.with_seating, .99) * 1000:.2f} ms   "
          f"({args.queries} queries, {found.slots / max(args.queries, 1):.0f} free starts "
          f"each)   load {_load()}")
    print(f"  target: free_slots p99 < {TARGET_P99_MS:.0f} ms: "
          f"{'met' if p99 < TARGET_P99_MS else 'MISSED'}")

    plan = await _plan(db, world, args.bookings, args.hot_share, args.choose, rng)
    done = await _bookings(db, world, plan, args.concurrency, args.processes)
    booked = done.outcomes["booked"]
    rate = booked / done.wall
    where = (f"{args.processes} processes" if args.processes > 1 else "one process")
    print(f"  bookings ({args.choose} starts, hot share {args.hot_share:g}, {where}): "
          f"{rate:.0f} bookings/s   {len(plan) / done.wall:.0f} attempts/s   "
          f"p50 {_percentile(done.latencies, .5) * 1000:.2f} ms   p99 "
          f"{_percentile(done.latencies, .99) * 1000:.2f} ms   ({len(plan)} attempts, "
          f"{args.concurrency} at a time, in {done.wall:.1f} s)   load {_load()}")
    print(f"  outcomes: {', '.join(f'{k} {v}' for k, v in sorted(done.outcomes.items()))}; "
          f"per attempt: {done.statements / len(plan):.1f} SQL statements, "
          f"{done.cpu / len(plan) * 1000:.2f} ms of the booker processes' CPU")
    if name == "postgres":
        print(f"  target: >= {TARGET_RATE:.0f} bookings/s on PostgreSQL: "
              f"{'met' if rate >= TARGET_RATE else 'MISSED'}")
    rules = await _invariants(db, world, done)
    broken = [rule for rule, ok in rules if not ok]
    print(f"  invariants: {'ok' if not broken else 'BROKEN: ' + ', '.join(broken)} "
          f"({len(rules)} rules)")
    return not broken


async def _one_run(name: str, args: argparse.Namespace) -> bool:
    """One fresh database, one measured run."""
    if name == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
            await db.upgrade()
            try:
                return await _measure(db, name, args)
            finally:
                await db.dispose()
    async with scratch_schema(args.postgres_url, "bench",
                              pool_size=max(args.concurrency, 1)) as db:
        return await _measure(db, name, args)


async def _bench(args: argparse.Namespace) -> int:
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    ok = True
    for name in databases:
        if name not in ("sqlite", "postgres"):
            print(f"unknown database {name!r} (sqlite or postgres)")
            return 2
        print(f"\n{name}: {args.stores} stores x {args.days} days x {args.per_day} bookings; "
              f"{args.bookings} attempts, {args.concurrency} at a time")
        ok = await _one_run(name, args) and ok
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of the benchmark process: {peak:.0f} MiB")
    return 0 if ok else 1


def run(args: argparse.Namespace) -> int:
    print(f"{os.cpu_count()} CPUs ({_cpu_model()}), {platform.platform()}, Python "
          f"{platform.python_version()}; processes not pinned (PostgreSQL runs "
          f"in its own processes); load {_load()}")
    return asyncio.run(_bench(args))
