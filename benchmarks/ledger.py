"""Ledger: the time `o2o ledger check` (`check_books`) takes over N paid orders.

On SQLite (a temporary file) and PostgreSQL (a private schema, dropped afterwards):
a shop with 12 deals (prices from 1 fen to 128 yuan, refund policies anytime and none,
commission rates 5/3/2 % and some deals' own), 2,000 buyers in referral chains (0 to 3
levels of referrers above them) and N paid orders of 1 to 3 units (one in ten with
money off). What happens to each order's codes: about 45% redeemed in full, 15% in
part and the rest refunded (one refund or two) or lapsed (policy none), 10% refunded
in full, 30% left open.

Setup, timed apart: orders and codes are inserted in bulk. Every distinct shape of
order (deal, units, money off, levels of referrers, what happens to its codes; a few
thousand) is posted once by the real posting functions, in transactions of `--batch`
orders: `sales.post_payment`, then `sales.settle_units` for each redemption, lapse or
refund as the services call it (with the refunds' share rule and their `Refund` rows).
Every other order of that shape gets exactly those entries and lines, copied in bulk
with its own ids (order, codes, refunds, entry keys) and its own referrers' accounts:
what the services would have posted for it. Then `check_books` is timed over the whole
books, twice. Target: < 10 s for 100,000 paid orders.
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
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from services.ledger.books import AccountKind
from services.ledger.check import BookCheck, check_books
from services.ledger.commissions import set_rates
from services.ledger.rules import Rules, set_rules
from services.ledger.sales import post_payment, settle_units
from services.platform.database import Database
from storage.db import scratch_schema
from storage.models import (
    CodeStatus,
    Deal,
    DealStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerLine,
    Merchant,
    MerchantStatus,
    Order,
    OrderStatus,
    RedemptionCode,
    Refund,
    RefundPolicy,
    User,
)

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET_SECONDS = 10.0  # for 100,000 paid orders
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
PRICES = (1, 3, 7, 99, 1999, 2500, 4900, 12800)
BUYERS = 2000
CHUNK = 5000  # orders copied per transaction
_ORDERS, _CODES, _REFUNDS, _USERS = (
    Order.__table__, RedemptionCode.__table__, Refund.__table__,  # type: ignore[attr-defined]
    User.__table__,  # type: ignore[attr-defined]
)
_ACCOUNTS, _ENTRIES, _LINES = (
    LedgerAccount.__table__, LedgerEntry.__table__,  # type: ignore[attr-defined]
    LedgerLine.__table__,  # type: ignore[attr-defined]
)
COMMISSIONS = (AccountKind.COMMISSION_PENDING, AccountKind.COMMISSION_FROZEN,
               AccountKind.COMMISSION_AVAILABLE)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=100_000, help="paid orders")
    parser.add_argument("--batch", type=int, default=200,
                        help="orders posted per transaction by the posting functions")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("O2O_BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--seed", type=int, default=1)


@dataclass
class Plan:
    """One paid order and what happens to its codes after it is paid."""

    order: dict[str, Any]
    code_ids: list[int]
    depth: int  # levels of referrers above its buyer
    redeem: int = 0  # codes redeemed (the first ones)
    refund: tuple[int, ...] = ()  # groups of codes refunded after that, one refund each
    lapse: bool = False  # every open code lapses (policy none)
    refund_ids: list[int] = field(default_factory=list)

    @property
    def shape(self) -> tuple[Any, ...]:
        """Orders of one shape get the same entries (but for ids and referrers)."""
        o = self.order
        return (o["deal_id"], o["quantity"], o["discount"], self.depth, self.redeem,
                self.refund, self.lapse)


async def _world(db: Database) -> tuple[list[tuple[int, int, str]], dict[int, list[int]]]:
    """The shop, its deals ((id, price, policy)), the buyers and their referrers."""
    await set_rules(db, Rules())
    async with db.transaction() as session:
        merchant = Merchant(slug="ledger-bench", name_en="Ledger Bench", category="noodles",
                            status=MerchantStatus.APPROVED)
        session.add(merchant)
        await session.flush()
        deals = [Deal(merchant_id=merchant.id, title_en=f"Deal {i}", category="noodles",
                      price=price, original_price=price * 2, currency="CNY",
                      per_user_limit=1_000_000, valid_from=NOW - timedelta(days=1),
                      valid_until=NOW + timedelta(days=30), status=DealStatus.ACTIVE,
                      refund_policy=RefundPolicy.NONE if i % 3 == 2 else RefundPolicy.ANYTIME)
                 for i, price in enumerate(PRICES + PRICES[3:7])]
        session.add_all(deals)
        await session.flush()
        assert merchant.id is not None
    assert (await set_rates(db, merchant.id, (500, 300, 200))).outcome == "ok"
    for deal in deals[8:]:
        assert (await set_rates(db, merchant.id, (800, 0, 100), deal.id)).outcome == "ok"
    ids = [1_000_000 + i for i in range(BUYERS)]
    # Chains of five: each buyer brought by the next one, every fifth by nobody, so
    # buyers have 3, 3, 2, 1 and 0 levels of referrers above them.
    up = {u: (u + 1 if i % 5 != 4 else None) for i, u in enumerate(ids)}
    async with db.begin() as conn:
        await conn.execute(insert(_USERS), [
            {"id": u, "telegram_id": 950_000_000 + i, "first_name": f"b{i}",
             "timezone": "Asia/Shanghai", "push_paused": False, "quiet_start": 1320,
             "quiet_end": 480, "created_at": NOW, "updated_at": NOW}
            for i, u in enumerate(ids)])
        await conn.execute(update(_USERS).where(_USERS.c.id == bindparam("u")).values(
            referred_by_user_id=bindparam("up")), [{"u": u, "up": above}
                                                   for u, above in up.items() if above])
    chains: dict[int, list[int]] = {}
    for u in ids:
        chain: list[int] = []
        above = up[u]
        while above is not None and len(chain) < 3:
            chain.append(above)
            above = up[above]
        chains[u] = chain
    return [(d.id or 0, d.price, d.refund_policy) for d in deals], chains


def _plan(count: int, deals: Sequence[tuple[int, int, str]], chains: dict[int, list[int]],
          seed: int) -> tuple[list[Plan], list[dict[str, Any]]]:
    """Every order (as a row) with its fate, and every code row."""
    rng = random.Random(seed)
    buyers = sorted(chains)
    plans: list[Plan] = []
    codes: list[dict[str, Any]] = []
    code_id = 0
    for n in range(1, count + 1):
        deal_id, price, policy = rng.choice(deals)
        quantity = rng.choice((1, 1, 1, 2, 2, 3))
        gross = price * quantity
        discount = min(gross - 1, rng.choice((1, 300))) if rng.random() < 0.1 else 0
        user_id = rng.choice(buyers)
        order = {"id": n, "user_id": user_id, "deal_id": deal_id, "quantity": quantity,
                 "unit_price": price, "discount": discount, "total": gross - discount,
                 "currency": "CNY", "status": OrderStatus.PAID, "provider": "sandbox",
                 "charge_id": f"bench_{n}", "refunded": 0, "expires_at": NOW,
                 "created_at": NOW, "paid_at": NOW, "updated_at": NOW}
        ids = list(range(code_id + 1, code_id + quantity + 1))
        code_id += quantity
        codes += [{"id": i, "code": f"L{i:011d}", "order_id": n, "deal_id": deal_id,
                   "user_id": user_id, "status": CodeStatus.ISSUED, "valid_from": NOW,
                   "valid_until": NOW + timedelta(days=30), "created_at": NOW} for i in ids]
        plan = Plan(order, ids, len(chains[user_id]))
        roll = rng.random()
        if roll < 0.45:
            plan.redeem = quantity
        elif roll < 0.60:
            plan.redeem = rng.randint(0, quantity - 1)
            if policy == RefundPolicy.NONE:
                plan.lapse = True
            else:
                left = quantity - plan.redeem
                first = rng.randint(1, left)
                plan.refund = (first, left - first) if left - first else (first,)
        elif roll < 0.70 and policy != RefundPolicy.NONE:
            plan.refund = (quantity,)
        plans.append(plan)
    return plans, codes


def _share(total: int, quantity: int, refunded: int, void_before: int, codes: int,
           last: bool) -> int:
    """The refunds' rule (`services.orders.refunds._share`): k units refunded give back
    total*k//quantity altogether; the last gives back what is left."""
    left = total - refunded
    if last:
        return left
    step = total * (void_before + codes) // quantity - total * void_before // quantity
    return max(0, min(step, left))


async def _post_batch(db: Database, plans: Sequence[Plan]) -> None:
    """Post a batch of paid orders and what happens to their codes, in one transaction,
    through the real posting functions, in the order the services call them."""
    async with db.begin() as conn:
        for plan in plans:
            order_id, total, quantity = (plan.order["id"], plan.order["total"],
                                         plan.order["quantity"])
            await post_payment(db, conn, order_id, NOW)
            for code_id in plan.code_ids[:plan.redeem]:
                await conn.execute(update(_CODES).where(_CODES.c.id == code_id).values(
                    status=CodeStatus.REDEEMED, redeemed_at=NOW))
                await settle_units(db, conn, order_id, key=f"redeemed:bench:{code_id}",
                                   kind="redeemed", now=NOW, units=1, code_id=code_id)
            open_codes = plan.code_ids[plan.redeem:]
            if plan.lapse:
                for code_id in open_codes:
                    await conn.execute(update(_CODES).where(_CODES.c.id == code_id)
                                       .values(status=CodeStatus.EXPIRED))
                    await settle_units(db, conn, order_id, key=f"lapsed:{code_id}",
                                       kind="lapsed", now=NOW, units=1, code_id=code_id)
                continue
            refunded = void = 0
            for group in plan.refund:
                voided, open_codes = open_codes[:group], open_codes[group:]
                last = not open_codes and plan.redeem == 0
                amount = _share(total, quantity, refunded, void, group, last)
                refunded, void = refunded + amount, void + group
                await conn.execute(update(_CODES).where(_CODES.c.id.in_(voided))
                                   .values(status=CodeStatus.VOID, voided_at=NOW))
                await conn.execute(update(_ORDERS).where(_ORDERS.c.id == order_id).values(
                    refunded=refunded,
                    status=OrderStatus.REFUNDED if last else OrderStatus.PAID))
                refund_id = (await conn.execute(insert(_REFUNDS).values(
                    order_id=order_id, provider="sandbox", charge_id=f"bench_{order_id}",
                    amount=amount, currency="CNY", codes=group, reason="shopper",
                    status="pending", attempts=0, created_at=NOW)
                    .returning(_REFUNDS.c.id))).scalar_one()
                await settle_units(db, conn, order_id, key=f"refund:{refund_id}",
                                   kind="refund", now=NOW, refund=amount, refund_id=refund_id)


@dataclass
class Posted:
    """What the posting functions did to one order (the template of its shape)."""

    order: Any  # status, refunded
    codes: list[Any]  # id, status, redeemed_at, voided_at, in issue order
    refunds: list[Any]  # id, amount, codes, reason, status
    entries: list[Any]  # id, kind, code_id, refund_id
    lines: dict[int, list[tuple[str, str, int, str]]]  # entry -> (kind, ref, amount, detail)

    @property
    def referrers(self) -> dict[int, str]:
        """Who the payment's entry paid commissions to: level -> user (as the ref)."""
        payment = next(e.id for e in self.entries if e.kind == "payment")
        return {int(detail[1:]): ref for kind, ref, _, detail in self.lines[payment]
                if kind == "commission_pending"}


async def _read_posted(db: Database, order_ids: list[int]) -> dict[int, Posted]:
    """The rows the posting functions wrote for these orders."""
    found: dict[int, Posted] = {}
    async with db.engine.connect() as conn:
        for start in range(0, len(order_ids), 500):
            chunk = order_ids[start:start + 500]
            orders = (await conn.execute(select(
                _ORDERS.c.id, _ORDERS.c.status, _ORDERS.c.refunded)
                .where(_ORDERS.c.id.in_(chunk)))).all()
            for row in orders:
                found[row.id] = Posted(row, [], [], [], {})
            for row in (await conn.execute(select(
                    _CODES.c.order_id, _CODES.c.id, _CODES.c.status, _CODES.c.redeemed_at,
                    _CODES.c.voided_at).where(_CODES.c.order_id.in_(chunk))
                    .order_by(_CODES.c.id))).all():
                found[row.order_id].codes.append(row)
            for row in (await conn.execute(select(
                    _REFUNDS.c.order_id, _REFUNDS.c.id, _REFUNDS.c.amount, _REFUNDS.c.codes,
                    _REFUNDS.c.reason, _REFUNDS.c.status).where(_REFUNDS.c.order_id.in_(chunk))
                    .order_by(_REFUNDS.c.id))).all():
                found[row.order_id].refunds.append(row)
            for row in (await conn.execute(select(
                    _ENTRIES.c.order_id, _ENTRIES.c.id, _ENTRIES.c.kind, _ENTRIES.c.code_id,
                    _ENTRIES.c.refund_id).where(_ENTRIES.c.order_id.in_(chunk))
                    .order_by(_ENTRIES.c.id))).all():
                found[row.order_id].entries.append(row)
            for order_id, entry_id, kind, ref, amount, detail in (await conn.execute(select(
                    _LINES.c.order_id, _LINES.c.entry_id, _ACCOUNTS.c.kind, _ACCOUNTS.c.ref,
                    _LINES.c.amount, _LINES.c.detail)
                    .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
                    .where(_LINES.c.order_id.in_(chunk)).order_by(_LINES.c.id))).all():
                found[order_id].lines.setdefault(entry_id, []).append(
                    (kind, ref, amount, detail))
    return found


def _entry_key(kind: str, order_id: int, code_id: int | None, refund_id: int | None) -> str:
    """The key the services give an entry of this kind (see `_post_batch`)."""
    if kind == "payment":
        return f"paid:{order_id}"
    if kind == "redeemed":
        return f"redeemed:bench:{code_id}"
    if kind == "lapsed":
        return f"lapsed:{code_id}"
    if kind == "refund":
        return f"refund:{refund_id}"
    raise ValueError(f"no key for a {kind} entry")


@dataclass
class Copies:
    """The rows of a chunk of orders copied from their shape's template."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    codes: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    entries: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)  # account as (kind, ref)


class Ids:
    """Fresh ids, after what the posting functions used."""

    def __init__(self, after: int) -> None:
        self.last = after

    def __next__(self) -> int:
        self.last += 1
        return self.last


def _copies(plans: Sequence[Plan], codes_by_order: dict[int, list[dict[str, Any]]],
            templates: dict[tuple[Any, ...], Posted], chains: dict[int, list[int]],
            entry_ids: Ids, line_ids: Ids, refund_ids: Ids) -> Copies:
    """Each order given its template's rows, with its own ids and referrers."""
    out = Copies()
    for plan in plans:
        posted = templates[plan.shape]
        order_id = plan.order["id"]
        referrers = chains[plan.order["user_id"]]
        refs = {ref: str(referrers[level - 1]) for level, ref in posted.referrers.items()}
        out.orders.append({**plan.order, "status": posted.order.status,
                           "refunded": posted.order.refunded})
        code_ids = {}
        for row, done in zip(codes_by_order[order_id], posted.codes, strict=True):
            code_ids[done.id] = row["id"]
            out.codes.append({**row, "status": done.status, "redeemed_at": done.redeemed_at,
                              "voided_at": done.voided_at})
        refund_map = {}
        for refund in posted.refunds:
            refund_map[refund.id] = new = next(refund_ids)
            out.refunds.append({"id": new, "order_id": order_id, "provider": "sandbox",
                                "charge_id": f"bench_{order_id}", "amount": refund.amount,
                                "currency": "CNY", "codes": refund.codes,
                                "reason": refund.reason, "status": refund.status,
                                "attempts": 0, "created_at": NOW})
        for entry in posted.entries:
            entry_id = next(entry_ids)
            code_id = code_ids.get(entry.code_id)
            refund_id = refund_map.get(entry.refund_id)
            out.entries.append((entry_id, _entry_key(entry.kind, order_id, code_id, refund_id),
                                entry.kind, "CNY", order_id, code_id, refund_id, NOW))
            for kind, ref, amount, detail in posted.lines[entry.id]:
                account = (kind, refs[ref] if kind in COMMISSIONS else ref)
                out.lines.append((next(line_ids), entry_id, account, amount, order_id, detail))
    return out


async def _setup(db: Database, args: argparse.Namespace) -> None:
    began = time.perf_counter()
    deals, chains = await _world(db)
    plans, codes = _plan(args.orders, deals, chains, args.seed)
    shapes: dict[tuple[Any, ...], Plan] = {}
    for plan in plans:
        shapes.setdefault(plan.shape, plan)
    firsts = list(shapes.values())
    first_ids = {plan.order["id"] for plan in firsts}
    async with db.begin() as conn:
        await conn.execute(insert(_ORDERS), [p.order for p in firsts])
        await conn.execute(insert(_CODES), [c for c in codes if c["order_id"] in first_ids])
    for start in range(0, len(firsts), args.batch):
        await _post_batch(db, firsts[start:start + args.batch])
    posted_at = time.perf_counter()
    print(f"  setup: {len(firsts):,} orders, one of each shape, posted by post_payment/"
          f"settle_units in {posted_at - began:.1f} s "
          f"({len(firsts) / (posted_at - began):,.0f} orders/s)")

    templates = await _read_posted(db, sorted(first_ids))
    by_shape = {shape: templates[plan.order["id"]] for shape, plan in shapes.items()}
    async with db.engine.connect() as conn:
        top = [(await conn.execute(select(func.max(table.c.id)))).scalar() or 0
               for table in (_ENTRIES, _LINES, _REFUNDS)]
    entry_ids, line_ids, refund_ids = Ids(top[0]), Ids(top[1]), Ids(top[2])
    codes_by_order: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for code in codes:
        codes_by_order[code["order_id"]].append(code)
    rest = [plan for plan in plans if plan.order["id"] not in first_ids]
    accounts: dict[tuple[str, str], int] = {}
    copied = 0
    for start in range(0, len(rest), CHUNK):
        chunk = _copies(rest[start:start + CHUNK], codes_by_order, by_shape, chains,
                        entry_ids, line_ids, refund_ids)
        await _write(db, chunk, accounts)
        copied += len(chunk.orders)
    done = time.perf_counter()
    print(f"  setup: {copied:,} more orders given their shape's rows (own ids and "
          f"referrers) in {done - posted_at:.1f} s")
    for table in (_LINES, _ENTRIES, _ACCOUNTS, _ORDERS, _CODES, _REFUNDS):
        await db.refresh_statistics(table)


async def _write(db: Database, chunk: Copies, accounts: dict[tuple[str, str], int]) -> None:
    """Insert a chunk of copied orders, opening the accounts they use first."""
    wanted = {line[2] for line in chunk.lines} - accounts.keys()
    async with db.begin() as conn:
        if wanted:
            await db.insert_ignoring_duplicates(
                conn, _ACCOUNTS, ["kind", "ref", "currency"],
                [(k, r, "CNY") for k, r in sorted(wanted)], ["kind", "ref", "currency"])
            for kind, ref, account_id in (await conn.execute(select(
                    _ACCOUNTS.c.kind, _ACCOUNTS.c.ref, _ACCOUNTS.c.id))).all():
                accounts[(kind, ref)] = account_id
        await conn.execute(insert(_ORDERS), chunk.orders)
        for table, rows in ((_CODES, chunk.codes), (_REFUNDS, chunk.refunds)):
            if rows:
                columns = [c.name for c in table.columns if c.name in rows[0]]
                await db.insert_ignoring_duplicates(
                    conn, table, columns, [tuple(r[c] for c in columns) for r in rows],
                    ["id"])
        await db.insert_ignoring_duplicates(
            conn, _ENTRIES, ["id", "key", "kind", "currency", "order_id", "code_id",
                             "refund_id", "posted_at"], chunk.entries, ["id"])
        await db.insert_ignoring_duplicates(
            conn, _LINES, ["id", "entry_id", "account_id", "amount", "order_id", "detail"],
            [(i, e, accounts[a], amount, o, d) for i, e, a, amount, o, d in chunk.lines],
            ["id"])


async def _measure(db: Database, args: argparse.Namespace) -> BookCheck:
    await _setup(db, args)
    books: BookCheck | None = None
    target = TARGET_SECONDS * args.orders / 100_000
    for attempt in ("first", "second"):
        started = time.perf_counter()
        books = await check_books(db)
        took = time.perf_counter() - started
        verdict = "ok" if books.ok else f"PROBLEM: {books.problem}"
        print(f"  check_books ({attempt}): {took:6.2f} s over {books.entries:,} entries, "
              f"{books.lines:,} lines, {books.paid_orders:,} paid orders: {verdict}"
              f"   target < {target:.1f} s: {'met' if took < target else 'MISSED'}")
    assert books is not None
    return books


async def _bench(args: argparse.Namespace) -> int:
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    problems = 0
    for name in databases:
        print(f"\n{name}: {args.orders:,} paid orders")
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'ledger.db'}")
                await db.upgrade()
                try:
                    books = await _measure(db, args)
                    size = (Path(tmp) / "ledger.db").stat().st_size / 2**20
                    print(f"  database file {size:.0f} MiB")
                finally:
                    await db.dispose()
        elif name == "postgres":
            async with scratch_schema(args.postgres_url, "bench") as db:
                books = await _measure(db, args)
        else:
            print(f"unknown database {name!r} (sqlite or postgres)")
            return 2
        problems += not books.ok
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of the benchmark process: {peak:.0f} MiB")
    return 1 if problems else 0


def run(args: argparse.Namespace) -> int:
    print(f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    return asyncio.run(_bench(args))
