"""Checkout: paid orders per second (created, paid, fulfilled) and redemptions per second.

On SQLite (a temporary file) and PostgreSQL (a private schema, dropped afterwards), the
real service calls run under concurrency: `start_order` -> `apply_payment` (codes issued
in the same transaction) -> `mark_delivered` for each order, then staff `check_code` ->
`confirm` for every code issued. Afterwards it checks that nothing was lost or doubled:
one code per paid unit, stock never negative, every confirm a redemption.
Targets on PostgreSQL, 2 cores: >= 500 paid orders/s and >= 1,000 redemptions/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import resource
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from services.checkout import apply_payment, mark_delivered, start_order
from services.database import Database
from services.payments.base import PaymentNotice
from services.redemption import check_code, confirm
from storage.models import (
    Deal,
    DealStatus,
    DealStore,
    Merchant,
    MerchantStaff,
    MerchantStatus,
    RedemptionCode,
    Store,
    User,
)

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGETS = {"orders": 500, "redemptions": 1000}  # per second, PostgreSQL


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=5000, help="orders to buy and pay")
    parser.add_argument("--concurrency", type=int, default=0,
                        help="concurrent buyers/staff (default: 16 on PostgreSQL, 4 on SQLite)")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("O2O_BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--seed", type=int, default=1)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _setup(db: Database, now: datetime, buyers: int) -> tuple[list[int], list[int], int]:
    """A merchant with 10 stores and 200 deals, `buyers` shoppers and one staff member."""
    async with db.transaction() as session:
        merchant = Merchant(slug="bench", name_en="Bench", category="noodles",
                            status=MerchantStatus.APPROVED)
        session.add(merchant)
        await session.flush()
        stores = [Store(merchant_id=merchant.id, name_en=f"Store {i}", lat=26.0 + i / 1000,
                        lon=119.45) for i in range(10)]
        deals = [Deal(merchant_id=merchant.id, title_en=f"Deal {i}", category="noodles",
                      price=4900, original_price=6900, currency="CNY",
                      stock=None if i % 2 else 1_000_000, per_user_limit=100_000,
                      valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=30),
                      status=DealStatus.ACTIVE) for i in range(200)]
        users = [User(telegram_id=900_000_000 + i, first_name=f"b{i}") for i in range(buyers)]
        staff = User(telegram_id=899_999_999, first_name="staff")
        session.add_all([*stores, *deals, *users, staff])
        await session.flush()
        rng = random.Random(7)
        for deal in deals:
            for store in rng.sample(stores, rng.randint(1, 3)):
                session.add(DealStore(deal_id=deal.id, store_id=store.id))
        session.add(MerchantStaff(merchant_id=merchant.id, user_id=staff.id, role="staff"))
    return ([d.id or 0 for d in deals], [u.id or 0 for u in users], staff.id or 0)


async def _run_all(jobs: list[Callable[[], Awaitable[Any]]],
                   concurrency: int) -> tuple[float, list[float], list[Any]]:
    """Run jobs with `concurrency` workers; wall seconds, per-job seconds, results."""
    queue = list(reversed(jobs))
    latencies: list[float] = []
    results: list[Any] = []

    async def worker() -> None:
        while queue:
            job = queue.pop()
            started = time.perf_counter()
            results.append(await job())
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - began, latencies, results


def _report(label: str, count: int, wall: float, latencies: list[float], target: int | None,
            ) -> None:
    rate = count / wall
    line = (f"  {label:<22} {rate:8.0f}/s   p50 {_percentile(latencies, 0.5) * 1000:6.2f} ms"
            f"   p99 {_percentile(latencies, 0.99) * 1000:6.2f} ms   ({count} in {wall:.1f} s)")
    if target is not None:
        line += f"   target >= {target}/s: {'met' if rate >= target else 'MISSED'}"
    print(line)


async def _measure(db: Database, args: argparse.Namespace, concurrency: int,
                   on_postgres: bool) -> None:
    now = datetime.now(UTC)
    deal_ids, buyer_ids, staff_id = await _setup(db, now, buyers=1000)
    rng = random.Random(args.seed)
    picks = [(rng.choice(buyer_ids), rng.choice(deal_ids)) for _ in range(args.orders)]

    def buy(user_id: int, deal_id: int) -> Callable[[], Awaitable[int]]:
        async def job() -> int:
            started = await start_order(db, user_id, deal_id, 1, now)
            order = started.order
            assert order is not None, started.reason
            notice = PaymentNotice("sandbox", order.id, order.total, order.currency,
                                   charge_id=f"bench_{uuid.uuid4().hex}")
            paid = await apply_payment(db, notice, now)
            assert paid.outcome == "paid", paid.outcome
            await mark_delivered(db, order.id, now)
            return order.id
        return job

    wall, latencies, _ = await _run_all([buy(u, d) for u, d in picks], concurrency)
    _report("paid orders", len(picks), wall, latencies,
            TARGETS["orders"] if on_postgres else None)

    async with db.session() as session:
        codes = list((await session.exec(select(RedemptionCode.code))).all())
        lowest = (await session.exec(select(func.min(Deal.stock)))).one()
    assert len(codes) == len(picks), f"{len(codes)} codes for {len(picks)} paid orders"
    assert lowest is None or lowest >= 0, "stock went negative"

    def redeem(code: str) -> Callable[[], Awaitable[str]]:
        async def job() -> str:
            checked = await check_code(db, staff_id, code, now)
            assert checked.outcome == "ok" and checked.request_id, checked.outcome
            done = await confirm(db, checked.request_id, staff_id, checked.stores[0].id, now)
            return done.outcome
        return job

    wall, latencies, outcomes = await _run_all([redeem(c) for c in codes], concurrency)
    _report("redemptions", len(codes), wall, latencies,
            TARGETS["redemptions"] if on_postgres else None)
    assert all(o == "redeemed" for o in outcomes), "a confirm did not redeem"
    print("  consistency: ok (one code per paid order, stock never negative, "
          "every confirm redeemed once)")


async def _bench(args: argparse.Namespace) -> int:
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    for name in databases:
        concurrency = args.concurrency or (16 if name == "postgres" else 4)
        print(f"\n{name}: {args.orders} orders, {concurrency} concurrent")
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
                await db.upgrade()
                try:
                    await _measure(db, args, concurrency, on_postgres=False)
                finally:
                    await db.dispose()
        elif name == "postgres":
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            admin = Database(args.postgres_url)
            async with admin.engine.begin() as conn:
                await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            db = Database(args.postgres_url, schema=schema, pool_size=concurrency)
            try:
                await db.upgrade()
                await _measure(db, args, concurrency, on_postgres=True)
            finally:
                await db.dispose()
                async with admin.engine.begin() as conn:
                    await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                await admin.dispose()
        else:
            print(f"unknown database {name!r} (sqlite or postgres)")
            return 2
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of the benchmark process: {peak:.0f} MiB")
    return 0


def run(args: argparse.Namespace) -> int:
    print(f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; "
          "one benchmark process (PostgreSQL runs in its own processes)")
    return asyncio.run(_bench(args))
