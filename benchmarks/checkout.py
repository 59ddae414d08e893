"""Checkout: paid orders per second (created, paid, fulfilled) and redemptions per second.

On SQLite (a temporary file) and PostgreSQL (a private schema, dropped afterwards), the
real service calls run under concurrency: `start_order` -> `apply_payment` (codes issued
and the payment posted to the ledger in the same transaction) -> `mark_delivered` for
each order, then staff `check_code` -> `confirm` (the unit's money settled in the
ledger) for every code issued. Each database is measured twice, each time fresh: with
buyers nobody referred, and with every buyer three levels deep in referrals (each
brought by another buyer, who was brought by another, ...) on deals with commission
rates 5/3/2 %, so that every payment also credits three referrers and every redemption
moves their commissions; the ratio of the two says what the referrals cost.
Afterwards it checks that nothing was lost or doubled: one code per paid unit, stock
never negative, every confirm a redemption, three commissions per referred payment,
and `o2o ledger check` (`check_books`) holds.
On PostgreSQL the tables are analyzed after the payments, before the redemptions, as
autovacuum would on a server that has been taking orders (`--no-analyze`: not); in one
process the CPU PostgreSQL spent per operation is reported beside the workers'.
Targets on PostgreSQL, 2 cores: >= 800 paid orders/s and >= 1,000 redemptions/s.
`--processes N` runs the buyers and staff in N spawned processes (a scaled-out
install's workers), the concurrency shared among them; each phase's line gives the CPU
per operation of the processes that ran it. `--compare DIR` runs this benchmark on the
code in DIR (another checkout: the code before a change, or the code an issue's
figures were taken on) and on this code, alternated for `--rounds` rounds, each run in
a fresh process, and prints each round's ratio (this / DIR) and their median: a
before/after taken in the same minutes, which is what a machine whose speed moves
between days allows.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from benchmarks.other_code import ROOT, command
from benchmarks.workers import run_in_worker, run_worker_processes
from services.ledger.books import AccountKind
from services.ledger.check import check_books
from services.orders.checkout import apply_payment, mark_delivered, start_order
from services.orders.redemption import check_code, confirm
from services.payments.base import PaymentNotice
from services.platform.database import Database
from storage.db import scratch_schema
from storage.models import (
    CodeStatus,
    Deal,
    DealStatus,
    DealStore,
    LedgerAccount,
    LedgerLine,
    Merchant,
    MerchantStaff,
    MerchantStatus,
    Order,
    OrderStatus,
    RedemptionCode,
    Store,
    User,
)

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGETS = {"orders": 800, "redemptions": 1000}  # per second, PostgreSQL (issue 19)
STOCK = 1_000_000  # of the deals with a stock (every other one; the rest are unlimited)


class Inconsistent(RuntimeError):
    """The data after a phase is not what the calls that succeeded imply."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=5000, help="orders to buy and pay")
    parser.add_argument("--concurrency", type=int, default=0,
                        help="concurrent buyers/staff (default: 16 on PostgreSQL, 4 on SQLite)")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("O2O_BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--processes", type=int, default=1,
                        help="processes the buyers and staff run in (a scaled-out "
                             "install's workers), the concurrency shared among them")
    parser.add_argument("--no-analyze", action="store_true",
                        help="PostgreSQL: leave the tables unanalyzed before the redemptions "
                             "(by default ANALYZE runs after the payments, as autovacuum "
                             "would on a server)")
    parser.add_argument("--referrals", choices=("both", "none", "three"), default="both",
                        help="buyers nobody referred, buyers three levels deep, or both "
                             "(and their ratio)")
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="also run on the code in DIR (a checkout), alternated with "
                             "this code, and print the ratios")
    parser.add_argument("--rounds", type=int, default=3,
                        help="with --compare: runs of each code, alternated")
    parser.add_argument("--rates", action="store_true", help=argparse.SUPPRESS)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _setup(db: Database, now: datetime, buyers: int,
                 referrals: bool = False) -> tuple[list[int], list[int], int]:
    """A merchant with 10 stores and 200 deals, `buyers` shoppers and one staff member.
    With `referrals`, the deals pay commissions of 5/3/2 % and each buyer was brought
    by the next one (the last three by three more people), so every buyer has three
    levels of referrers above them."""
    rates = (500, 300, 200) if referrals else (None, None, None)
    async with db.transaction() as session:
        merchant = Merchant(slug="bench", name_en="Bench", category="noodles",
                            status=MerchantStatus.APPROVED)
        session.add(merchant)
        await session.flush()
        stores = [Store(merchant_id=merchant.id, name_en=f"Store {i}", lat=26.0 + i / 1000,
                        lon=119.45) for i in range(10)]
        deals = [Deal(merchant_id=merchant.id, title_en=f"Deal {i}", category="noodles",
                      price=4900, original_price=6900, currency="CNY",
                      stock=None if i % 2 else STOCK, per_user_limit=100_000,
                      valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=30),
                      status=DealStatus.ACTIVE, commission_l1_bp=rates[0],
                      commission_l2_bp=rates[1], commission_l3_bp=rates[2])
                 for i in range(200)]
        chain = buyers + 3 if referrals else buyers
        users = [User(telegram_id=900_000_000 + i, first_name=f"b{i}") for i in range(chain)]
        staff = User(telegram_id=899_999_999, first_name="staff")
        session.add_all([*stores, *deals, *users, staff])
        await session.flush()
        if referrals:
            for lower, upper in itertools.pairwise(users):
                lower.referred_by_user_id = upper.id
        rng = random.Random(7)
        for deal in deals:
            for store in rng.sample(stores, rng.randint(1, 3)):
                session.add(DealStore(deal_id=deal.id, store_id=store.id))
        session.add(MerchantStaff(merchant_id=merchant.id, user_id=staff.id, role="staff"))
    return ([d.id or 0 for d in deals], [u.id or 0 for u in users[:buyers]], staff.id or 0)


@dataclass(frozen=True)
class Ran:
    """What running one phase's jobs took: from the first start to the last end, each
    job's seconds, their results, and the CPU seconds of the processes that ran them."""

    began: float
    ended: float
    latencies: list[float]
    results: list[Any]
    cpu: float
    server_cpu: float | None = None

    @property
    def wall(self) -> float:
        """Seconds from the first job's start to the last one's end."""
        return self.ended - self.began


async def _run_all(jobs: list[Callable[[], Awaitable[Any]]], concurrency: int,
                   start: Callable[[], object] = lambda: None) -> Ran:
    """Run jobs with `concurrency` workers in this process (after `start()`)."""
    queue = list(reversed(jobs))
    latencies: list[float] = []
    results: list[Any] = []

    async def worker() -> None:
        while queue:
            job = queue.pop()
            started = time.perf_counter()
            results.append(await job())
            latencies.append(time.perf_counter() - started)

    start()
    began, cpu = time.time(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Ran(began, time.time(), latencies, results, time.process_time() - cpu)


async def _buy(db: Database, now: datetime, user_id: int, deal_id: int) -> int:
    """One paid order as the bot makes it: started, paid (a sandbox notice), delivered."""
    started = await start_order(db, user_id, deal_id, 1, now)
    order = started.order
    if order is None:
        raise Inconsistent(f"start_order refused: {started.reason}")
    notice = PaymentNotice(provider="sandbox", order_id=order.id, amount=order.total,
                           currency=order.currency, charge_id=f"sbx_{uuid.uuid4().hex}",
                           provider_ref=f"bench_{order.id}")
    paid = await apply_payment(db, notice, now)
    if paid.outcome != "paid":
        raise Inconsistent(f"apply_payment said {paid.outcome} ({paid.reason})")
    if not await mark_delivered(db, order.id, now):
        raise Inconsistent(f"mark_delivered did not fulfil order {order.id}")
    return order.id


async def _redeem(db: Database, now: datetime, staff_id: int, code: str) -> str:
    """One code redeemed at the counter: checked, then confirmed at its first store."""
    checked = await check_code(db, staff_id, code, now)
    if checked.outcome != "ok" or not checked.request_id or not checked.stores:
        raise Inconsistent(f"check_code({code}) said {checked.outcome}")
    done = await confirm(db, checked.request_id, staff_id, checked.stores[0].id, now)
    return done.outcome


def _jobs(db: Database, now: datetime, phase: str, staff_id: int,
          items: list[Any]) -> list[Callable[[], Awaitable[Any]]]:
    if phase == "buy":
        return [functools.partial(_buy, db, now, user, deal) for user, deal in items]
    return [functools.partial(_redeem, db, now, staff_id, code) for code in items]


def _phase_process(url: str, schema: str | None, now: datetime, phase: str, staff_id: int,
                   items: list[Any], concurrency: int, ready: Any, results: Any) -> None:
    """One worker process (a scaled-out install's worker): its own engine and pool, its
    share of the jobs; it starts when every process is ready, and sends back `Ran`."""

    async def work(db: Database) -> Ran:
        async with db.engine.connect():  # connected before the start
            pass
        return await _run_all(_jobs(db, now, phase, staff_id, items), concurrency, ready.wait)

    run_in_worker(url, schema, concurrency, work, ready, results)


async def _run_phase(db: Database, now: datetime, phase: str, staff_id: int,
                     items: list[Any], concurrency: int, processes: int) -> Ran:
    """A phase's jobs ("buy": (buyer, deal) pairs, "redeem": codes) in this process, or
    split among `processes` spawned processes, `concurrency / processes` jobs at a time
    in each, started together. In one process on PostgreSQL it also tells the CPU the
    server spent (its backends live as long as the pool, so /proc still counts them)."""
    if processes <= 1:
        server = _postgres_cpu() if db.dialect == "postgresql" else None
        ran = await _run_all(_jobs(db, now, phase, staff_id, items), concurrency)
        after = _postgres_cpu() if server is not None else None
        return replace(ran, server_cpu=None if after is None or server is None
                       else _postgres_cpu_since(server, after))
    each = max(1, concurrency // processes)
    parts = await run_worker_processes(_phase_process, [
        (db.url, db.schema, now, phase, staff_id, items[n::processes], each)
        for n in range(processes)])
    failed = [p for p in parts if not isinstance(p, Ran)]
    if failed:
        raise Inconsistent(f"a worker process failed: {failed[0]}")
    done = [p for p in parts if isinstance(p, Ran)]
    return Ran(min(p.began for p in done), max(p.ended for p in done),
               [x for p in done for x in p.latencies], [x for p in done for x in p.results],
               sum(p.cpu for p in done))


def _postgres_cpu() -> dict[str, int] | None:
    """CPU clock ticks used so far by each of this machine's PostgreSQL processes (its
    backends and helpers), by pid, from /proc; None where /proc cannot tell (not Linux).
    Only meaningful when the server is local, as the benchmark's is."""
    ticks: dict[str, int] = {}
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)
        except OSError:
            continue  # gone, or not ours to read
        if not fields[0].endswith("(postgres"):
            continue
        rest = fields[1].split()
        ticks[pid] = int(rest[11]) + int(rest[12])  # utime, stime
    return ticks


def _postgres_cpu_since(before: dict[str, int], after: dict[str, int]) -> float:
    """CPU seconds PostgreSQL spent between two `_postgres_cpu` readings: each process's
    growth (all of it for a process that started in between). A process that exited in
    between is not counted (its last ticks are gone), so a reading is never negative."""
    used = sum(now - before.get(pid, 0) for pid, now in after.items())
    return used / os.sysconf("SC_CLK_TCK")


def _report(label: str, ran: Ran, target: int | None) -> None:
    count = len(ran.latencies)
    rate = count / ran.wall
    server = (f", {ran.server_cpu / count * 1000:.2f} ms in PostgreSQL"
              if ran.server_cpu is not None else "")
    line = (f"  {label:<22} {rate:8.0f}/s   p50 {_percentile(ran.latencies, 0.5) * 1000:6.2f} ms"
            f"   p99 {_percentile(ran.latencies, 0.99) * 1000:6.2f} ms   ({count} in "
            f"{ran.wall:.1f} s; {ran.cpu / count * 1000:.2f} ms CPU each in the workers"
            f"{server})")
    if target is not None:
        line += f"   target >= {target}/s: {'met' if rate >= target else 'MISSED'}"
    print(line)


@dataclass(frozen=True)
class Rates:
    """One run's throughputs (per second)."""

    orders: float
    redemptions: float


async def _analyze(db: Database, args: argparse.Namespace) -> None:
    """ANALYZE this schema's tables on PostgreSQL, as autovacuum would on a server (it is
    off on this machine's, and a fresh table has no statistics for a minute anyway):
    without statistics the planner ties a code's primary key with the status index and
    reads every issued code to redeem one. Not timed. Not before the payments: statistics
    of empty tables would tell the planner that orders and entries stay empty, and the
    foreign-key checks would scan them."""
    if db.dialect != "postgresql" or args.no_analyze:
        return
    async with db.engine.connect() as conn:
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        await conn.exec_driver_sql(f"ANALYZE {tables}")  # this schema's only
        await conn.commit()


async def _measure(db: Database, args: argparse.Namespace, concurrency: int,
                   on_postgres: bool, referrals: bool) -> Rates:
    now = datetime.now(UTC)
    deal_ids, buyer_ids, staff_id = await _setup(db, now, buyers=1000, referrals=referrals)
    rng = random.Random(args.seed)
    picks = [(rng.choice(buyer_ids), rng.choice(deal_ids)) for _ in range(args.orders)]

    ran = await _run_phase(db, now, "buy", staff_id, picks, concurrency, args.processes)
    _report("paid orders", ran, TARGETS["orders"] if on_postgres else None)
    orders_rate = len(picks) / ran.wall
    codes = await _check_orders(db, picks)
    print(f"  consistency: ok ({len(codes)} distinct codes for {len(picks)} fulfilled orders;"
          " per deal sold = orders = stock used, stock never negative)")
    commissions = await _commission_lines(db, AccountKind.COMMISSION_PENDING)
    expected = 3 * len(picks) if referrals else 0
    if commissions != expected:
        raise Inconsistent(f"{commissions} commissions posted for {len(picks)} payments, "
                           f"{expected} expected")
    print(f"  commissions: {commissions} posted ({3 if referrals else 0} per payment)")
    await _analyze(db, args)

    ran = await _run_phase(db, now, "redeem", staff_id, codes, concurrency, args.processes)
    _report("redemptions", ran, TARGETS["redemptions"] if on_postgres else None)
    tally = Counter(ran.results)
    async with db.session() as session:
        redeemed = len((await session.exec(select(RedemptionCode.id).where(
            RedemptionCode.status == CodeStatus.REDEEMED))).all())
    if tally != Counter({"redeemed": len(codes)}) or redeemed != len(codes):
        raise Inconsistent(f"confirm outcomes {dict(tally)}, {redeemed} codes redeemed "
                           f"of {len(codes)}")
    print(f"  consistency: ok (every confirm \"redeemed\", {redeemed} codes redeemed once)")
    books = await check_books(db)
    print(f"  books: {'ok' if books.ok else books.problem} ({books.entries} entries, "
          f"{books.lines} lines, {books.paid_orders} paid orders)")
    if not books.ok:
        raise Inconsistent(f"the books do not hold: {books.problem}")
    return Rates(orders_rate, len(codes) / ran.wall)


async def _commission_lines(db: Database, kind: str) -> int:
    """How many lines credit referrers on accounts of this kind."""
    async with db.engine.connect() as conn:
        return int((await conn.execute(
            sa_select(func.count()).select_from(LedgerLine)
            .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)  # type: ignore[arg-type]
            .where(LedgerAccount.kind == kind, LedgerLine.amount < 0))).scalar())


async def _check_orders(db: Database, picks: list[tuple[int, int]]) -> list[str]:
    """One code per paid order, and the deals' stock and sold counts add up; the codes."""
    async with db.session() as session:
        codes = list((await session.exec(select(RedemptionCode.code))).all())
        statuses = Counter((await session.exec(select(Order.status))).all())
        deals = (await session.exec(select(Deal.id, Deal.stock, Deal.sold))).all()
    problems = []
    if len(codes) != len(picks) or len(set(codes)) != len(codes):
        problems.append(f"{len(codes)} codes ({len(set(codes))} distinct) "
                        f"for {len(picks)} paid orders")
    if statuses != Counter({OrderStatus.FULFILLED: len(picks)}):
        problems.append(f"order statuses {dict(statuses)}")
    ordered = Counter(deal_id for _, deal_id in picks)
    for deal_id, stock, sold in deals:
        if stock is not None and stock < 0:
            problems.append(f"deal {deal_id}: stock went negative ({stock})")
        if sold != ordered[deal_id] or (stock is not None and STOCK - stock != sold):
            problems.append(f"deal {deal_id}: {ordered[deal_id]} orders, sold {sold}, "
                            f"stock {stock}")
    if problems:
        raise Inconsistent("; ".join(problems[:10]))
    return codes


async def _one_run(name: str, args: argparse.Namespace, concurrency: int,
                   referrals: bool) -> Rates:
    """One fresh database, one measured run."""
    if name == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
            await db.upgrade()
            try:
                return await _measure(db, args, concurrency, False, referrals)
            finally:
                await db.dispose()
    async with scratch_schema(args.postgres_url, "bench", pool_size=concurrency) as db:
        return await _measure(db, args, concurrency, True, referrals)


async def _bench(args: argparse.Namespace) -> int:
    measured: dict[str, dict[bool, Rates]] = {}
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    runs = {"both": (False, True), "none": (False,), "three": (True,)}[args.referrals]
    for name in databases:
        if name not in ("sqlite", "postgres"):
            print(f"unknown database {name!r} (sqlite or postgres)")
            return 2
        concurrency = args.concurrency or (16 if name == "postgres" else 4)
        found: dict[bool, Rates] = {}
        measured[name] = found
        for referrals in runs:
            who = ("every buyer three levels deep in referrals (commissions 5/3/2 %)"
                   if referrals else "no referrers")
            where = f", {args.processes} processes" if args.processes > 1 else ""
            print(f"\n{name}: {args.orders} orders, {concurrency} concurrent{where}, {who}; "
                  f"load average {_load()}")
            found[referrals] = await _one_run(name, args, concurrency, referrals)
        if len(found) == 2:
            plain, referred = found[False], found[True]
            print(f"\n{name}: with three levels of referrals / no referrers: paid orders "
                  f"{referred.orders:.0f}/{plain.orders:.0f} = "
                  f"{referred.orders / plain.orders:.2f}, redemptions "
                  f"{referred.redemptions:.0f}/{plain.redemptions:.0f} = "
                  f"{referred.redemptions / plain.redemptions:.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of the benchmark process: {peak:.0f} MiB; load average {_load()}")
    if args.rates:  # for the --compare run that spawned this one
        print(_RATES + json.dumps([[name, referrals, rates.orders, rates.redemptions]
                                   for name, found in measured.items()
                                   for referrals, rates in found.items()]))
    return 0


_RATES = "rates of this run: "


def _compare(args: argparse.Namespace) -> int:
    """`--compare DIR`: this benchmark on the code in DIR and on this code, each run in
    a fresh process (`benchmarks.other_code`), alternated `args.rounds` times (DIR
    first in each round), then each round's ratio this / DIR and the median ratio."""
    if args.processes > 1:
        print("--compare runs the benchmark in one process each (leave out --processes)")
        return 2
    other = args.compare.resolve()
    if not (other / "services").is_dir():
        print(f"{other} is not a checkout of this project (no services/ in it)")
        return 2
    passed = ["--orders", str(args.orders), "--concurrency", str(args.concurrency),
              "--databases", args.databases, "--postgres-url", args.postgres_url,
              "--seed", str(args.seed), "--referrals", args.referrals, "--rates",
              *(["--no-analyze"] if args.no_analyze else [])]
    codes = (("before", other), ("this", ROOT))
    found: dict[str, list[dict[tuple[str, bool], Rates]]] = {label: [] for label, _ in codes}
    for round_number in range(1, args.rounds + 1):
        for label, code in codes:
            print(f"\n== round {round_number} of {args.rounds}: {label} ({code}); "
                  f"load average {_load()}", flush=True)
            done = subprocess.run(command(code, "benchmarks.checkout", passed), cwd=ROOT,
                                  capture_output=True, text=True, check=False)
            lines = done.stdout.splitlines()
            print("\n".join(line for line in lines if not line.startswith(_RATES)))
            rates = [line[len(_RATES):] for line in lines if line.startswith(_RATES)]
            if done.returncode != 0 or not rates:
                print(f"the run on {code} failed (exit {done.returncode}):\n"
                      + done.stderr[-3000:])
                return 1
            found[label].append({(name, referrals): Rates(orders, redemptions)
                                 for name, referrals, orders, redemptions
                                 in json.loads(rates[0])})
    _print_ratios(found, other)
    return 0


def _print_ratios(found: dict[str, list[dict[tuple[str, bool], Rates]]], other: Path) -> None:
    """Per database and kind of buyer: each code's rates round by round, each round's
    ratio this / before, and the median ratio."""
    print(f"\nthis code / the code in {other}, round by round (same minutes, alternated):")
    for key in found["this"][0]:
        name, referrals = key
        print(f"{name}, {'three levels of referrals' if referrals else 'no referrers'}:")
        for label, field in (("paid orders", "orders"), ("redemptions", "redemptions")):
            before = [getattr(r[key], field) for r in found["before"]]
            after = [getattr(r[key], field) for r in found["this"]]
            ratios = [a / b for a, b in zip(after, before, strict=True)]
            print(f"  {label:<12} before {' / '.join(f'{x:.0f}' for x in before)}/s, "
                  f"this {' / '.join(f'{x:.0f}' for x in after)}/s: "
                  f"x{' / x'.join(f'{r:.2f}' for r in ratios)}, "
                  f"median x{statistics.median(ratios):.2f}")


def run(args: argparse.Namespace) -> int:
    if args.compare is not None:
        return _compare(args)
    workers = ("one benchmark process" if args.processes <= 1
               else f"{args.processes} worker processes")
    tested = Path(sys.modules[start_order.__module__].__file__ or "").parents[2]
    print(f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
          f"{workers}, not pinned (PostgreSQL runs in its own processes); the code under "
          f"test: {tested}")
    return asyncio.run(_bench(args))


if __name__ == "__main__":  # a --compare run's side (benchmarks.other_code)
    _parser = argparse.ArgumentParser()
    add_arguments(_parser)
    sys.exit(run(_parser.parse_args()))
