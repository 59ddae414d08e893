"""Group-buy (拼团): joins per second; the expiry job refunding every unfilled group.

On SQLite (a temporary file) and PostgreSQL (a private schema, dropped afterwards): a
merchant with group deals (groups of 3 at a group price, a 24 h window, a finite stock)
and shoppers inserted in bulk (setup, not measured). Then:

1. Joins: N groups are opened and their members seated through the real service path,
   `start_order(..., group="new" | id)` then `apply_payment` with a sandbox notice, with
   bounded concurrency (one worker per group at a time: opener, then each member). A
   fraction (`--fill-ratio`, a third by default) get 3 members and fill (every member's
   codes issued at the third payment); the rest get 2 and will expire. Reported: payments
   applied per second, p50/p95 of one member's start + payment.
2. Expiry: the clock moves past the window and the expiry job runs as housekeeping runs
   it (`bot.jobs`): `fail_due_groups` (up to `limit` groups per call, a page of groups per
   transaction; called until none is left), then `carry_out_many` of the refunds it
   returned through the sandbox provider's refund (`Payments.refund`, as
   `runtime.app.payments.refund`). On PostgreSQL the tables are analyzed first, as
   autovacuum would (`--no-analyze`: not). Reported: members refunded, seconds, members
   per second, the time in failing groups vs carrying out refunds, SQL statements per
   member. Target on PostgreSQL: 20,000 members in < 60 s. `--expiry-workers N` (N > 1)
   runs a PROTOTYPE instead, not the service's job: the pages of due groups failed by N
   concurrent `fail_groups` calls and the refunds carried out by N concurrent
   `carry_out_many` calls, to show what concurrency would gain.
3. Invariants (SQL counts, printed): every paid member order has codes xor exactly one
   refund; every filled group has exactly `size` members with codes; every failed
   group's members are all refunded (and the refunds done); the deal stock is the initial
   stock less the units of filled groups (and `sold` is those units); no group has
   `joined` or `held` above its size, none is left open; `check_books` holds. The
   benchmark exits non-zero when one fails.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import platform
import pstats
import random
import resource
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlmodel import SQLModel

from services.ledger.check import check_books
from services.orders.checkout import apply_payment, start_order
from services.orders.groups import due_groups, fail_due_groups, fail_groups
from services.orders.refunds import PAGE, carry_out_many
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from services.platform.database import Database
from storage.db import scratch_schema
from storage.models import (
    BuyGroup,
    Deal,
    DealStatus,
    GroupStatus,
    Merchant,
    MerchantStatus,
    Order,
    OrderStatus,
    RedemptionCode,
    Refund,
    User,
)

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET_MEMBERS, TARGET_SECONDS = 20_000, 60.0  # the expiry job on PostgreSQL
SIZE, HOURS, PRICE, GROUP_PRICE = 3, 24, 4900, 3900
DEALS = 20
GROUP_PAGE = 100  # groups per fail_groups call in the prototype (fail_due_groups' page)
_USERS, _ORDERS, _GROUPS, _CODES, _REFUNDS, _DEALS = (
    User.__table__, Order.__table__, BuyGroup.__table__,  # type: ignore[attr-defined]
    RedemptionCode.__table__, Refund.__table__, Deal.__table__,  # type: ignore[attr-defined]
)


class Inconsistent(RuntimeError):
    """A join the plan expects did not go through."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--groups", type=int, default=10_000, help="groups to open")
    parser.add_argument("--fill-ratio", type=Fraction, default=Fraction(1, 3),
                        help="the share of groups that fill (e.g. 1/3 or 0.5)")
    parser.add_argument("--concurrency", type=int, default=0,
                        help="groups being joined at once (default: 8 on PostgreSQL, "
                             "1 on SQLite)")
    parser.add_argument("--expiry-workers", type=int, default=1,
                        help="1: the expiry job as housekeeping runs it; more: a PROTOTYPE "
                             "failing groups and carrying out refunds concurrently")
    parser.add_argument("--shoppers", type=int, default=0,
                        help="distinct shoppers (default: as many as groups)")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("O2O_BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--profile", action="store_true",
                        help="profile the expiry phase (cProfile) and print the top entries")
    parser.add_argument("--statements", action="store_true",
                        help="time each SQL statement of the expiry phase, print the top ones")
    parser.add_argument("--no-analyze", action="store_true",
                        help="PostgreSQL: leave the tables unanalyzed before the expiry "
                             "(by default ANALYZE runs after the joins, as autovacuum would)")
    parser.add_argument("--seed", type=int, default=1)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


class Statements:
    """Counts the SQL statements the engine sends (per phase); with `timed`, also the
    time each distinct statement takes, round trip included (`top`)."""

    def __init__(self, db: Database, timed: bool = False) -> None:
        self.count = 0
        self.timed = False
        self.times: dict[str, list[float]] = {}
        engine = db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._before)
        if timed:
            event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.count += 1
        conn.info["bench_began"] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.timed:
            took = self.times.setdefault(" ".join(statement.split()), [0, 0.0])
            took[0] += 1
            took[1] += time.perf_counter() - conn.info.pop("bench_began", time.perf_counter())

    def take(self) -> int:
        """The statements since the last take."""
        count, self.count = self.count, 0
        return count

    def top(self, n: int = 12) -> list[str]:
        """The statements that took longest altogether, as lines."""
        ranked = sorted(self.times.items(), key=lambda item: -item[1][1])[:n]
        return [f"{total:7.1f} s {count:7d}x {total / count * 1000:6.2f} ms  {sql[:150]}"
                for sql, (count, total) in ranked]


# ------------------------------------------------------------------ the world


@dataclass(frozen=True)
class World:
    """What setup made."""

    now: datetime
    deal_ids: list[int]
    stock: int  # of each deal, at the start
    shopper_ids: list[int]


async def _setup(db: Database, groups: int, shoppers: int) -> World:
    """A merchant, DEALS group deals with enough stock, `shoppers` shoppers (in bulk)."""
    now = datetime.now(UTC).replace(microsecond=0)
    stock = SIZE * -(-groups // DEALS) + 100
    async with db.transaction() as session:
        merchant = Merchant(slug="group-bench", name_en="Group Bench", category="noodles",
                            status=MerchantStatus.APPROVED)
        session.add(merchant)
        await session.flush()
        deals = [Deal(merchant_id=merchant.id, title_en=f"Hotpot for one {i}",
                      title_zh=f"单人火锅 {i}", category="noodles", price=PRICE,
                      original_price=6900, currency="CNY", stock=stock,
                      per_user_limit=1000, valid_from=now - timedelta(days=1),
                      valid_until=now + timedelta(days=30), status=DealStatus.ACTIVE,
                      group_size=SIZE, group_price=GROUP_PRICE, group_hours=HOURS)
                 for i in range(DEALS)]
        session.add_all(deals)
    base = 960_000_000
    async with db.begin() as conn:
        for start in range(0, shoppers, 5000):
            await conn.execute(insert(_USERS), [
                {"telegram_id": base + i, "first_name": f"s{i}", "timezone": "Asia/Shanghai",
                 "push_paused": False, "quiet_start": 1320, "quiet_end": 480,
                 "created_at": now, "updated_at": now}
                for i in range(start, min(shoppers, start + 5000))])
        ids = list((await conn.execute(
            select(_USERS.c.id).where(_USERS.c.telegram_id >= base)
            .order_by(_USERS.c.telegram_id))).scalars())
    return World(now, [d.id or 0 for d in deals], stock, ids)


# ------------------------------------------------------------------ phase 1: joins


@dataclass
class Joins:
    """What the join phase did."""

    payments: int
    wall: float
    latencies: list[float]
    statements: int


async def _join(db: Database, user_id: int, deal_id: int, group: int | str,
                now: datetime) -> tuple[int, float]:
    """One member: an order with a seat, paid through a sandbox notice; its group."""
    began = time.perf_counter()
    started = await start_order(db, user_id, deal_id, 1, now, group=group)  # type: ignore[arg-type]
    order = started.order
    if order is None or order.group_id is None:
        raise Inconsistent(f"start_order(group={group}) refused: {started.reason}")
    notice = SandboxProvider.notice(order.id, order.total, order.currency,
                                    secrets.token_urlsafe(16))
    paid = await apply_payment(db, notice, now)
    if paid.outcome != "paid" or paid.order is None or paid.order.group_id != order.group_id:
        raise Inconsistent(f"apply_payment said {paid.outcome} ({paid.reason})")
    return order.group_id, time.perf_counter() - began


async def _joins(db: Database, world: World, plan: list[tuple[int, list[int]]],
                 concurrency: int, statements: Statements) -> Joins:
    """Each group opened by its first member, then joined by the others, in order;
    `concurrency` groups at once."""
    queue = list(reversed(plan))
    latencies: list[float] = []

    async def worker() -> None:
        while queue:
            deal_id, members = queue.pop()
            group: int | str = "new"
            for user_id in members:
                group, seconds = await _join(db, user_id, deal_id, group, world.now)
                latencies.append(seconds)

    statements.take()
    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - began
    return Joins(len(latencies), wall, latencies, statements.take())


# ------------------------------------------------------------------ phase 2: expiry


@dataclass
class Expiry:
    """What the expiry job did."""

    refunds: int
    done: int
    wall: float
    failing: float  # seconds in fail_due_groups / fail_groups
    carrying: float  # seconds in carry_out_many
    rounds: int
    fail_statements: int
    carry_statements: int


def _sandbox_refunder() -> Callable[..., Awaitable[Any]]:
    """The refund the runtime uses (`runtime.app.payments.refund`), sandbox only."""
    return Payments(default="sandbox",
                    providers={"sandbox": SandboxProvider("http://bench.invalid")}).refund


async def _expiry(db: Database, now: datetime, statements: Statements) -> Expiry:
    """As housekeeping runs it: fail_due_groups, then carry_out_many of its refunds;
    until no group is due."""
    refunder = _sandbox_refunder()
    refunds = done = rounds = fail_statements = carry_statements = 0
    failing = carrying = 0.0
    statements.take()
    began = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        refund_ids = await fail_due_groups(db, now)
        t1 = time.perf_counter()
        fail_statements += statements.take()
        failing += t1 - t0
        if not refund_ids:
            break
        rounds += 1
        done += sum(d.status == "done"
                    for d in await carry_out_many(db, refund_ids, refunder, now))
        carrying += time.perf_counter() - t1
        carry_statements += statements.take()
        refunds += len(refund_ids)
    return Expiry(refunds, done, time.perf_counter() - began, failing, carrying, rounds,
                  fail_statements, carry_statements)


async def _expiry_concurrent(db: Database, now: datetime, workers: int,
                             statements: Statements) -> Expiry:
    """PROTOTYPE, not the service's job: the due groups' pages (of `GROUP_PAGE`) failed
    by `workers` concurrent fail_groups calls, then the refunds' pages (of the service's
    `PAGE`) carried out by `workers` concurrent carry_out_many calls."""
    refunder = _sandbox_refunder()
    refunds = done = rounds = fail_statements = carry_statements = 0
    failing = carrying = 0.0

    async def pool(items: list[list[int]],
                   job: Callable[[list[int]], Awaitable[Any]]) -> list[Any]:
        queue, results = list(reversed(items)), []

        async def worker() -> None:
            while queue:
                results.append(await job(queue.pop()))

        await asyncio.gather(*(worker() for _ in range(workers)))
        return results

    statements.take()
    began = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        group_ids = await due_groups(db, now)
        refund_ids = [r for rs in await pool(_pages(group_ids, GROUP_PAGE),
                                             lambda g: fail_groups(db, g, now))
                      for r in rs]
        t1 = time.perf_counter()
        failing += t1 - t0
        fail_statements += statements.take()
        if not group_ids:
            break
        rounds += 1
        outcomes = await pool(_pages(refund_ids, PAGE),
                              lambda r: carry_out_many(db, r, refunder, now))
        done += sum(d.status == "done" for page in outcomes for d in page)
        carrying += time.perf_counter() - t1
        carry_statements += statements.take()
        refunds += len(refund_ids)
    return Expiry(refunds, done, time.perf_counter() - began, failing, carrying, rounds,
                  fail_statements, carry_statements)


def _pages(items: list[int], size: int) -> list[list[int]]:
    return [items[start:start + size] for start in range(0, len(items), size)]


# ------------------------------------------------------------------ phase 3: invariants


async def _scalar(db: Database, query: Any) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(query)).scalar() or 0)


async def _invariants(db: Database, world: World, filled: int, failed: int,
                      members: int) -> list[tuple[str, bool]]:
    """Each rule, and whether it holds."""
    o, g, c, r, d = _ORDERS, _GROUPS, _CODES, _REFUNDS, _DEALS
    has_codes = select(c.c.id).where(c.c.order_id == o.c.id).exists()
    refunds = select(func.count()).where(r.c.order_id == o.c.id).scalar_subquery()
    paid_members = select(o.c.id).where(o.c.group_id.is_not(None), o.c.paid_at.is_not(None))
    both = await _scalar(db, select(func.count()).select_from(
        paid_members.where(has_codes, refunds > 0).subquery()))
    neither = await _scalar(db, select(func.count()).select_from(
        paid_members.where(~has_codes, refunds == 0).subquery()))
    several = await _scalar(db, select(func.count()).select_from(
        paid_members.where(refunds > 1).subquery()))
    paid = await _scalar(db, select(func.count()).select_from(paid_members.subquery()))
    with_codes = await _scalar(db, select(func.count()).select_from(
        paid_members.where(has_codes).subquery()))
    refunded = await _scalar(db, select(func.count()).select_from(
        paid_members.where(refunds == 1).subquery()))
    unpaid = await _scalar(db, select(func.count()).select_from(o).where(
        o.c.group_id.is_not(None), o.c.paid_at.is_(None)))
    # per group: its members with codes, its members refunded (done), its codes
    coded = (select(func.count()).where(o.c.group_id == g.c.id, has_codes)
             .scalar_subquery())
    refund_done = (select(func.count()).select_from(r.join(o, o.c.id == r.c.order_id))
                   .where(o.c.group_id == g.c.id, r.c.status == "done",
                          o.c.status == OrderStatus.REFUNDED).scalar_subquery())
    in_group = select(func.count()).where(o.c.group_id == g.c.id,
                                          o.c.paid_at.is_not(None)).scalar_subquery()
    codes_of = (select(func.count()).select_from(c.join(o, o.c.id == c.c.order_id))
                .where(o.c.group_id == g.c.id).scalar_subquery())
    filled_wrong = await _scalar(db, select(func.count()).select_from(g).where(
        g.c.status == GroupStatus.FILLED,
        (coded != g.c.size) | (in_group != g.c.size) | (codes_of != g.c.size)))
    failed_wrong = await _scalar(db, select(func.count()).select_from(g).where(
        g.c.status == GroupStatus.FAILED, (refund_done != in_group) | (coded != 0)))
    statuses = dict(await _rows(db, select(g.c.status, func.count()).group_by(g.c.status)))
    over = await _scalar(db, select(func.count()).select_from(g).where(
        (g.c.joined > g.c.size) | (g.c.held > g.c.size) | (g.c.joined > g.c.held)))
    refund_states = dict(await _rows(db, select(r.c.status, func.count())
                                     .group_by(r.c.status)))
    units = (select(func.coalesce(func.sum(o.c.quantity), 0))
             .select_from(o.join(g, g.c.id == o.c.group_id))
             .where(o.c.deal_id == d.c.id, g.c.status == GroupStatus.FILLED)
             .scalar_subquery())
    stock_wrong = await _scalar(db, select(func.count()).select_from(d).where(
        d.c.id.in_(world.deal_ids),
        (d.c.stock != world.stock - units) | (d.c.sold != units)))
    books = await check_books(db)
    print(f"  members: {paid} paid ({members} planned): {with_codes} with codes, "
          f"{refunded} with one refund; both {both}, neither {neither}, "
          f"several refunds {several}; unpaid orders {unpaid}")
    print(f"  groups: {statuses} (planned filled {filled}, failed {failed}); "
          f"filled without exactly {SIZE} members with codes: {filled_wrong}; failed with "
          f"a member not refunded: {failed_wrong}; joined/held over size: {over}")
    print(f"  refunds: {refund_states}; deals whose stock != initial - units of filled "
          f"groups (or sold != those units): {stock_wrong}")
    print(f"  books: {'ok' if books.ok else books.problem} ({books.entries} entries, "
          f"{books.lines} lines, {books.paid_orders} paid orders)")
    return [
        ("codes xor one refund", both == 0 and neither == 0 and several == 0
         and paid == members and with_codes + refunded == paid and unpaid == 0),
        ("filled groups", filled_wrong == 0 and statuses.get(GroupStatus.FILLED, 0) == filled
         and with_codes == filled * SIZE),
        ("failed groups refunded", failed_wrong == 0
         and statuses.get(GroupStatus.FAILED, 0) == failed
         and refund_states == {"done": refunded}),
        ("none left open", statuses.get(GroupStatus.OPEN, 0) == 0),
        ("stock back", stock_wrong == 0),
        ("seats within size", over == 0),
        ("books", books.ok),
    ]


async def _rows(db: Database, query: Any) -> list[Any]:
    async with db.engine.connect() as conn:
        return list((await conn.execute(query)).all())


# ------------------------------------------------------------------ one database


@contextmanager
def _profiled(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        for order, title, restriction in (
                ("tottime", "by own time", (15,)),
                ("cumulative", "our functions by time inside", ("services/", 20))):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(*restriction)
            print(f"  profile of the expiry phase ({title}):")
            print("\n".join("    " + line for line in out.getvalue().splitlines()
                            if line.strip() and not line.lstrip().startswith(("Ordered",
                                                                              "List"))))


async def _measure(db: Database, name: str, args: argparse.Namespace,
                   concurrency: int) -> bool:
    on_postgres = name == "postgres"
    rng = random.Random(args.seed)
    groups = args.groups
    filling = set(rng.sample(range(groups), round(groups * args.fill_ratio)))
    began = time.perf_counter()
    world = await _setup(db, groups, args.shoppers or max(groups, SIZE))
    shoppers = world.shopper_ids
    plan = [(world.deal_ids[n % DEALS],
             [shoppers[(SIZE * n + k) % len(shoppers)]
              for k in range(SIZE if n in filling else SIZE - 1)])
            for n in range(groups)]
    members = sum(len(m) for _, m in plan)
    failed_members = members - SIZE * len(filling)
    print(f"  setup: {len(world.deal_ids)} group deals (size {SIZE}, stock {world.stock} "
          f"each), {len(shoppers)} shoppers in {time.perf_counter() - began:.1f} s")
    statements = Statements(db, timed=args.statements)

    joins = await _joins(db, world, plan, concurrency, statements)
    rate = joins.payments / joins.wall
    print(f"  joins: {rate:8.0f} payments/s   p50 {_percentile(joins.latencies, .5) * 1000:.2f}"
          f" ms   p95 {_percentile(joins.latencies, .95) * 1000:.2f} ms (start + payment)"
          f"   ({joins.payments} in {joins.wall:.1f} s, "
          f"{joins.statements / joins.payments:.1f} statements each)   load {_load()}")

    if on_postgres and not args.no_analyze:
        # As autovacuum would on a server (it is off on some test servers): without
        # statistics the planner may pick an index that reads every paid order.
        async with db.engine.connect() as conn:
            autovacuum = (await conn.exec_driver_sql("SHOW autovacuum")).scalar()
            tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            await conn.exec_driver_sql(f"ANALYZE {tables}")  # this schema's only
            await conn.commit()
        print(f"  ANALYZE after the joins, not timed (autovacuum here: {autovacuum})")
    later = world.now + timedelta(hours=HOURS, minutes=1)
    statements.timed = args.statements
    with _profiled(args.profile):
        if args.expiry_workers > 1:
            print(f"  expiry: PROTOTYPE, not the service's job: {args.expiry_workers} "
                  "concurrent fail_groups pages, then as many concurrent carry_out_many "
                  "pages")
            expiry = await _expiry_concurrent(db, later, args.expiry_workers, statements)
        else:
            expiry = await _expiry(db, later, statements)
    per_member = max(expiry.refunds, 1)
    line = (f"  expiry: {expiry.refunds} members refunded ({expiry.done} done) in "
            f"{expiry.wall:.1f} s = {expiry.refunds / expiry.wall:.0f} members/s, "
            f"{expiry.rounds} rounds; failing groups {expiry.failing:.1f} s "
            f"({expiry.fail_statements / per_member:.1f} statements/member), carrying out "
            f"{expiry.carrying:.1f} s ({expiry.carry_statements / per_member:.1f} "
            f"statements/member)   load {_load()}")
    print(line)
    if args.statements:
        statements.timed = False
        print("  statements of the expiry phase (total, count, mean, SQL):")
        print("\n".join("    " + line for line in statements.top()))
    if on_postgres:
        needed = expiry.wall * TARGET_MEMBERS / per_member
        print(f"  target: {TARGET_MEMBERS:,} members in < {TARGET_SECONDS:.0f} s: "
              f"{'met' if needed < TARGET_SECONDS else 'MISSED'} "
              f"({needed:.1f} s at this rate)")
    if expiry.refunds != failed_members:
        print(f"  PROBLEM: {expiry.refunds} refunds for {failed_members} members of "
              "unfilled groups")
    rules = await _invariants(db, world, len(filling), groups - len(filling), members)
    broken = [rule for rule, ok in rules if not ok]
    print(f"  invariants: {'ok' if not broken else 'BROKEN: ' + ', '.join(broken)} "
          f"({len(rules)} rules)")
    return not broken and expiry.refunds == failed_members


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def _one_run(name: str, args: argparse.Namespace, concurrency: int) -> bool:
    """One fresh database, one measured run."""
    if name == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
            await db.upgrade()
            try:
                return await _measure(db, name, args, concurrency)
            finally:
                await db.dispose()
    pool = max(concurrency, args.expiry_workers)
    async with scratch_schema(args.postgres_url, "bench", pool_size=pool) as db:
        return await _measure(db, name, args, concurrency)


async def _bench(args: argparse.Namespace) -> int:
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    ok = True
    for name in databases:
        if name not in ("sqlite", "postgres"):
            print(f"unknown database {name!r} (sqlite or postgres)")
            return 2
        concurrency = args.concurrency or (8 if name == "postgres" else 1)
        filling = round(args.groups * args.fill_ratio)
        print(f"\n{name}: {args.groups} groups of {SIZE}, {filling} fill, "
              f"{args.groups - filling} expire; {concurrency} concurrent")
        ok = await _one_run(name, args, concurrency) and ok
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of the benchmark process: {peak:.0f} MiB")
    return 0 if ok else 1


def run(args: argparse.Namespace) -> int:
    print(f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
          f"one benchmark process, not pinned (PostgreSQL runs in its own processes); "
          f"load {_load()}")
    return asyncio.run(_bench(args))
