"""Nearby-deal search: latency of the radius query at 1,000,000 deals in 50,000 stores.

Builds the real schema (Alembic) on SQLite and PostgreSQL, fills it with synthetic
stores and deals spread over a city and over a country, then times
`storage.geo.deals_near` (the query the app's search uses) on random queries: a point
near a store, a radius of 1 to 5 km, half with a category filter, half with a price
cap, top 20. Beside it, in the same run: a brute-force scan (the same filters, no
index, nearest 20 by distance) on a sample, and on PostgreSQL a PostGIS
nearest-neighbour query (GiST on geography, ST_DWithin + <->) as the anchor.
Pins itself to one core; the PostgreSQL server runs in its own processes.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.catalog.taxonomy import category_ids
from services.platform.database import Database
from storage.geo import deals_near

NOW = datetime(2026, 11, 25, tzinfo=UTC)
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--stores", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--brute", type=int, default=20, help="brute-force sample size")
    parser.add_argument("--spread", default="city,country", help="city, country or both")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=os.environ.get("O2O_BENCH_POSTGRES_URL",
                                                                 DEFAULT_PG))
    parser.add_argument("--seed", type=int, default=1)


@dataclass(frozen=True)
class Query:
    lat: float
    lon: float
    radius_m: int
    category: str | None
    price_max: int | None


@dataclass
class World:
    stores: list[tuple[int, int, float, float]]  # id, merchant id, lat, lon
    deals: list[tuple[int, int, str, int, int, int]]  # id, merchant, category, price, orig, sold
    deal_store: list[tuple[int, int]]


def build_world(spread: str, n_stores: int, n_deals: int, rng: random.Random) -> World:
    """Synthetic stores and deals: uniform over a city, or clustered in a country's cities."""
    stores: list[tuple[int, int, float, float]] = []
    if spread == "city":  # a 33 km square around Fuzhou
        for i in range(1, n_stores + 1):
            stores.append((i, (i - 1) // 10 + 1, 26.05 + rng.uniform(-0.15, 0.15),
                           119.35 + rng.uniform(-0.17, 0.17)))
    else:  # 300 cities of Zipf-like sizes across China, each store within ~10 km of one
        centres = [(rng.uniform(22, 45), rng.uniform(100, 122)) for _ in range(300)]
        weights = [1 / (rank + 1) for rank in range(len(centres))]
        for i in range(1, n_stores + 1):
            clat, clon = rng.choices(centres, weights)[0]
            stores.append((i, (i - 1) // 10 + 1, clat + rng.gauss(0, 0.08),
                           clon + rng.gauss(0, 0.08)))
    categories = category_ids()
    deals, deal_store = [], []
    per_store = max(1, n_deals // n_stores)
    deal_id = 0
    for store_id, merchant_id, _, _ in stores:
        for _ in range(per_store):
            deal_id += 1
            price = rng.randrange(500, 50_000, 10)
            deals.append((deal_id, merchant_id, rng.choice(categories), price,
                          int(price * rng.uniform(1.1, 2.5)), rng.randrange(0, 5000)))
            deal_store.append((deal_id, store_id))
    return World(stores, deals, deal_store)


def make_queries(world: World, count: int, rng: random.Random) -> list[Query]:
    """Points near random stores (within 2 km), radius 1-5 km, some with filters."""
    categories = category_ids()
    queries = []
    for _ in range(count):
        _, _, lat, lon = rng.choice(world.stores)
        lat += rng.uniform(-0.018, 0.018)
        lon += rng.uniform(-0.018, 0.018) / max(0.2, math.cos(math.radians(lat)))
        queries.append(Query(lat, lon, rng.randint(1, 5) * 1000,
                             rng.choice(categories) if rng.random() < 0.5 else None,
                             rng.randrange(5_000, 30_000, 1000) if rng.random() < 0.5 else None))
    return queries


def _rows(world: World) -> dict[str, list[tuple[Any, ...]]]:
    now = NOW.replace(tzinfo=None)
    until = now + timedelta(days=60)
    merchants = sorted({m for _, m, _, _ in world.stores})
    return {
        "merchants": [(m, f"m{m}", "hotpot", 0, 0, "approved", now) for m in merchants],
        "stores": [(i, m, lat, lon, "", now) for i, m, lat, lon in world.stores],
        "deals": [(i, m, c, "[]", p, o, "CNY", s, 1, now, until, "active", "anytime", "",
                   now, now) for i, m, c, p, o, s in world.deals],
        "deal_stores": world.deal_store,
    }


COLUMNS = {
    "merchants": "id, slug, category, rating_sum, rating_count, status, created_at",
    "stores": "id, merchant_id, lat, lon, opening_hours, created_at",
    "deals": "id, merchant_id, category, tags, price, original_price, currency, sold, "
             "per_user_limit, valid_from, valid_until, status, refund_policy, search_text, "
             "created_at, updated_at",
    "deal_stores": "deal_id, store_id",
}


def load_sqlite(path: Path, world: World) -> None:
    """Bulk-load with the standard library (the schema came from the migrations)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    for table, rows in _rows(world).items():
        marks = ",".join("?" * len(rows[0]))
        fixed = [tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
                       for v in row) for row in rows]
        conn.executemany(f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})", fixed)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


async def load_postgres(db: Database, world: World, schema: str, postgis: bool) -> None:
    """COPY into the migrated schema, then (with PostGIS) the anchor table with its GiST
    index."""
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        pg = raw.driver_connection
        assert pg is not None
        for table, rows in _rows(world).items():
            columns = [c.strip() for c in COLUMNS[table].split(",")]
            await pg.copy_records_to_table(table, records=rows, columns=columns,
                                           schema_name=schema)
        if postgis:
            await pg.execute(
                "CREATE TABLE bench_postgis AS SELECT d.id AS deal_id, d.category, d.price, "
                "ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)::geography AS geog "
                "FROM deals d JOIN deal_stores ds ON ds.deal_id = d.id "
                "JOIN stores s ON s.id = ds.store_id")
            await pg.execute("CREATE INDEX ON bench_postgis USING GIST (geog)")
        await pg.execute("ANALYZE")


async def _create_postgis(admin: Database) -> bool:
    """Whether the PostGIS anchor can run; says why not when it cannot."""
    try:
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0]
        print(f" postgres: no PostGIS anchor ({reason}); on Debian: apt-get install "
              "postgresql-15-postgis-3 (see docs/benchmarks.md). Measuring without it.")
        return False
    return True


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _time(queries: list[Query], one: Callable[[Query], Awaitable[Any]]) -> list[float]:
    timings = []
    for q in queries:
        started = time.perf_counter()
        await one(q)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _brute_sql(q: Query) -> tuple[Any, dict[str, Any]]:
    k = math.cos(math.radians(q.lat))
    degrees = q.radius_m / 111_195.0
    sql = (
        "SELECT ds.deal_id, ((s.lat - :lat) * (s.lat - :lat) + "
        "((s.lon - :lon) * :k) * ((s.lon - :lon) * :k)) AS d2 "
        "FROM stores s JOIN deal_stores ds ON ds.store_id = s.id "
        "JOIN deals d ON d.id = ds.deal_id JOIN merchants m ON m.id = d.merchant_id "
        "WHERE d.status = 'active' AND m.status = 'approved' AND d.valid_until > :now "
        + (" AND d.category = :category" if q.category else "")
        + (" AND d.price <= :price_max" if q.price_max else "")
        + " AND ((s.lat - :lat) * (s.lat - :lat) + ((s.lon - :lon) * :k) * ((s.lon - :lon) * :k))"
          " <= :d2max ORDER BY d2 LIMIT 20"
    )
    return text(sql), {"lat": q.lat, "lon": q.lon, "k": k, "d2max": degrees * degrees,
                       "now": NOW.replace(tzinfo=None), "category": q.category,
                       "price_max": q.price_max}


def _postgis_sql(q: Query) -> tuple[Any, dict[str, Any]]:
    sql = (
        "SELECT deal_id FROM bench_postgis WHERE "
        "ST_DWithin(geog, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :r)"
        + (" AND category = :category" if q.category else "")
        + (" AND price <= :price_max" if q.price_max else "")
        + " ORDER BY geog <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography LIMIT 20"
    )
    return text(sql), {"lat": q.lat, "lon": q.lon, "r": q.radius_m, "category": q.category,
                       "price_max": q.price_max}


async def measure(db: Database, queries: list[Query], brute: int,
                  postgis: bool) -> dict[str, list[float] | float]:
    results: dict[str, list[float] | float] = {}
    async with db.engine.connect() as conn:
        async def ours(q: Query) -> Any:
            return await deals_near(conn, q.lat, q.lon, q.radius_m, NOW, category=q.category,
                                    price_max=q.price_max, limit=20)

        async def scan(q: Query) -> Any:
            statement, params = _brute_sql(q)
            return (await conn.execute(statement, params)).all()

        async def anchor(q: Query) -> Any:
            statement, params = _postgis_sql(q)
            return (await conn.execute(statement, params)).all()

        await _time(queries[:200], ours)  # warm the caches
        results["ours"] = await _time(queries, ours)
        results["brute"] = await _time(queries[:brute], scan)
        if postgis:
            await _time(queries[:200], anchor)
            results["postgis"] = await _time(queries, anchor)
            agree, sample = 0, queries[:200]
            for q in sample:  # the same 20 nearest (distance ties aside)?
                mine = {n.deal_id for n in await ours(q)}
                theirs = {r[0] for r in await anchor(q)}
                agree += len(mine & theirs) >= min(len(mine), len(theirs)) - 1
            results["agreement"] = agree / len(sample)
            results["agreement_of"] = len(sample)
    return results


def _report(label: str, timings: list[float]) -> str:
    return (f"  {label:<22} p50 {statistics.median(timings):7.2f} ms   "
            f"p99 {_percentile(timings, 0.99):7.2f} ms   mean {statistics.fmean(timings):7.2f} ms"
            f"   ({len(timings)} queries)")


async def _bench(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    for spread in [s.strip() for s in args.spread.split(",") if s.strip()]:
        started = time.perf_counter()
        world = build_world(spread, args.stores, args.deals, rng)
        queries = make_queries(world, args.queries, rng)
        print(f"\n{spread}: {len(world.deals):,} deals in {len(world.stores):,} stores, "
              f"{len(queries):,} queries (built in {time.perf_counter() - started:.1f} s)")
        for name in databases:
            started = time.perf_counter()
            if name == "sqlite":
                folder = Path(tempfile.mkdtemp(prefix="o2o-bench-"))
                path = folder / "bench.db"
                db = Database(f"sqlite+aiosqlite:///{path}")
                await db.upgrade()
                await db.dispose()
                load_sqlite(path, world)
                db = Database(f"sqlite+aiosqlite:///{path}")
                postgis, schema = False, None
            else:
                schema = f"bench_{spread}"
                admin = Database(args.postgres_url)
                async with admin.engine.begin() as conn:
                    await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                    await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
                postgis = await _create_postgis(admin)
                await admin.dispose()
                migrate = Database(args.postgres_url, schema=schema)  # tables go only there
                await migrate.upgrade()
                await migrate.dispose()
                db = Database(args.postgres_url, schema=f"{schema}, public")  # + PostGIS
                await load_postgres(db, world, schema, postgis)
            print(f" {name}: loaded in {time.perf_counter() - started:.1f} s")
            results = await measure(db, queries, args.brute, postgis)
            await db.dispose()
            ours = results["ours"]
            assert isinstance(ours, list)
            print(_report("ours (box + rings)", ours))
            brute = results["brute"]
            assert isinstance(brute, list)
            print(_report("brute-force scan", brute)
                  + f"   ours is {statistics.median(brute) / statistics.median(ours):.0f}x faster")
            if postgis:
                anchor = results["postgis"]
                assert isinstance(anchor, list)
                p50 = statistics.median(ours) / statistics.median(anchor)
                p99 = _percentile(ours, 0.99) / _percentile(anchor, 0.99)
                print(_report("PostGIS KNN (anchor)", anchor)
                      + f"   ours/PostGIS p50 {p50:.2f}, p99 {p99:.2f}")
                print(f"  top-20 agreement with PostGIS: {results['agreement']:.0%} of "
                      f"{results['agreement_of']}")
            if name == "sqlite":
                print(f"  database file {path.stat().st_size / 2**20:.0f} MiB")
                path.unlink()
            else:
                admin = Database(args.postgres_url)
                async with admin.engine.begin() as conn:
                    await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                await admin.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of the benchmark process: {peak:.0f} MiB")
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        print(f"pinned to CPU {sorted(os.sched_getaffinity(0))[0]} "
              "(PostgreSQL runs in its own processes)")
    except (AttributeError, OSError):
        print("could not pin to one CPU")
    return asyncio.run(_bench(args))
