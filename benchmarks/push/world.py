"""The push benchmark's shared setup: a fresh database, the followers and the campaign,
the figures it prints, and reading the deliveries back.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import resource
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlmodel import col

from services.catalog.taxonomy import category_ids
from services.marketing.pushes.planning import plan_run, start_run
from services.platform.database import Database
from storage.models import (
    Campaign,
    CampaignRun,
    CouponKind,
    CouponTemplate,
    Delivery,
    DeliveryStatus,
    Merchant,
    MerchantStatus,
    Store,
    User,
)

TOKEN = "777000:BENCH-push-token"
PLATFORM_CAP = 2  # pushes per user per day, the platform default
WINDOW_MINUTES = 180
TIMEZONES = (("Asia/Shanghai", 0.7), ("Asia/Tokyo", 0.1), ("Europe/London", 0.1),
             ("America/New_York", 0.1))
FIRST_CHAT = 5_000_000_000  # telegram ids of the synthetic followers
CHUNK = 10_000  # rows per bulk insert
TARGETS = {"plan_seconds": 60.0, "plan_mib": 1024.0, "rate_ratio": 0.95}
CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]


# --------------------------------------------------------------------------- figures


@dataclass
class Report:
    """The figures printed as a table, and one PASS/FAIL line per target."""

    figures: list[tuple[str, str]] = field(default_factory=list)
    checks: list[tuple[str, bool, bool]] = field(default_factory=list)  # name, ok, invariant

    def figure(self, name: str, value: object) -> None:
        self.figures.append((name, f"{value:,}" if isinstance(value, int) else str(value)))
        print(f"  {name:<48} {self.figures[-1][1]}", flush=True)

    def check(self, name: str, ok: bool, *, invariant: bool) -> None:
        self.checks.append((name, ok, invariant))

    def print(self) -> int:
        print("\nfigures")
        for name, value in self.figures:
            print(f"  {name:<48} {value}")
        print("\ntargets")
        for name, ok, invariant in self.checks:
            verdict = "PASS" if ok else ("FAIL" if invariant else "MISSED")
            print(f"  {verdict:<6} {name}{'' if invariant else ' (speed)'}")
        return 1 if any(invariant and not ok for _, ok, invariant in self.checks) else 0


def rss_mib() -> float:
    """The process's resident memory now, in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def own_cpu_seconds() -> float:
    """CPU seconds this process has used so far (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mib() -> float:
    """The process's peak resident memory, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- databases


@contextlib.asynccontextmanager
async def fresh_database(where: str, label: str) -> AsyncIterator[str]:
    """The URL of an empty, migrated database that is dropped afterwards."""
    if where == "sqlite":
        with tempfile.TemporaryDirectory(prefix="o2o-bench-push-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / f'{label}.db'}"
            db = Database(url)
            await db.upgrade()
            await db.dispose()
            yield url
        return
    server = make_url(where)
    name = f"o2o_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(where, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        db = Database(url)
        await db.upgrade()
        await db.dispose()
        yield url
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


# --------------------------------------------------------------------------- followers


@dataclass(frozen=True)
class Mix:
    """Shares of followers of each kind (the rest are ordinary)."""

    paused: float = 0.0
    unreachable: float = 0.0  # marked unreachable in the database
    quiet_now: float = 0.0  # quiet hours cover the run's start
    capped: float = 0.0  # max 1 a day, with another campaign's push that day
    blocked_at_telegram: float = 0.0  # reachable as far as we know; Telegram says 403
    profiles: float = 0.0  # share with a taste profile (a usual hour, an area, tastes)


PLAN_MIX = Mix(paused=0.05, unreachable=0.03, quiet_now=0.10, capped=0.05, profiles=0.8)
SEND_MIX = Mix(paused=0.02, quiet_now=0.05, blocked_at_telegram=0.01)


@dataclass
class Population:
    """What the benchmark needs to remember of the followers it loaded."""

    count: int
    blocked_at_telegram: list[int] = field(default_factory=list)  # chat ids
    kinds: Counter[str] = field(default_factory=Counter)


def _quiet_hours(rng: random.Random, local_minute: int, quiet_now: bool) -> tuple[int, int]:
    """A quiet window covering the local minute, or one that does not (it may begin a
    few minutes later, inside the campaign's window)."""
    if quiet_now:
        return (local_minute - rng.randint(10, 120)) % 1440, (local_minute
                                                              + rng.randint(30, 150)) % 1440
    length = rng.randint(120, 600)
    begins = rng.randint(10, 1430 - length)
    return (local_minute + begins) % 1440, (local_minute + begins + length) % 1440


def _kind(draw: float, mix: Mix) -> str:
    """Which kind of follower a uniform draw in [0, 1) makes, by the mix's shares."""
    edge = 0.0
    for kind in ("paused", "unreachable", "quiet_now", "capped", "blocked_at_telegram"):
        edge += getattr(mix, kind)
        if draw < edge:
            return kind
    return "ordinary"


def _follower_rows(count: int, first_id: int, merchant_id: int, now: datetime,
                   mix: Mix, rng: random.Random,
                   population: Population) -> Iterator[tuple[list[dict[str, Any]], ...]]:
    """Users, follows, taste profiles and the kinds of capped follower, CHUNK at a time."""
    zones = [name for name, _ in TIMEZONES]
    weights = [share for _, share in TIMEZONES]
    local_minutes = {}
    for name in zones:
        local = now.astimezone(ZoneInfo(name))
        local_minutes[name] = local.hour * 60 + local.minute
    categories = category_ids()
    for begin in range(0, count, CHUNK):
        users, follows, profiles, capped = [], [], [], []
        for i in range(begin, min(count, begin + CHUNK)):
            user_id, chat = first_id + i, FIRST_CHAT + i
            zone = rng.choices(zones, weights)[0]
            kind = _kind(rng.random(), mix)
            population.kinds[kind] += 1
            quiet = _quiet_hours(rng, local_minutes[zone], kind == "quiet_now")
            users.append({
                "id": user_id, "telegram_id": chat, "first_name": f"f{i}",
                "language_code": "zh" if zone == "Asia/Shanghai" else "en", "timezone": zone,
                "push_paused": kind == "paused",
                "push_max_per_day": 1 if kind == "capped" else None,
                "quiet_start": quiet[0], "quiet_end": quiet[1],
                "unreachable_since": now - timedelta(days=3) if kind == "unreachable" else None,
                "created_at": now, "updated_at": now,
            })
            follows.append({"id": user_id, "user_id": user_id, "merchant_id": merchant_id,
                            "source": "bot", "created_at": now})
            if kind == "blocked_at_telegram":
                population.blocked_at_telegram.append(chat)
            if kind == "capped":
                capped.append({"user_id": user_id, "chat_id": chat})
            if rng.random() < mix.profiles:
                liked = rng.sample(categories, 2)
                profiles.append({
                    "user_id": user_id,
                    "affinity": {liked[0]: round(rng.uniform(0.3, 0.7), 3),
                                 liked[1]: round(rng.uniform(0.0, 0.3), 3)},
                    "price_median": rng.randrange(1000, 20_000, 100),
                    "lat": 26.07 + rng.uniform(-0.1, 0.1),
                    "lon": 119.30 + rng.uniform(-0.1, 0.1),
                    "active_hour": rng.randrange(24) if rng.random() < 0.75 else None,
                    "events": rng.randint(3, 300), "updated_at": now,
                })
        yield users, follows, profiles, capped


@dataclass(frozen=True)
class World:
    """The loaded campaign: its merchant and the campaign to plan."""

    merchant_id: int
    campaign_id: int


async def load_world(db: Database, count: int, now: datetime, mix: Mix,
                     rng: random.Random) -> tuple[World, Population]:
    """A merchant with a store and an unlimited coupon, `count` followers, a campaign of
    the coupon to all of them starting `now`, and another merchant's campaign whose
    pushes the capped followers already have (half sent, half planned)."""
    async with db.transaction() as session:
        owner = User(telegram_id=FIRST_CHAT - 1, first_name="owner")
        session.add(owner)
        await session.flush()
        merchants = [Merchant(slug=slug, name_en=slug.title(), name_zh=slug, category="hotpot",
                              status=MerchantStatus.APPROVED, owner_user_id=owner.id)
                     for slug in ("benchpot", "otherpot")]
        session.add_all(merchants)
        await session.flush()
        session.add_all([Store(merchant_id=m.id or 0, name_en="Main", lat=26.07, lon=119.30)
                         for m in merchants])
        templates = [CouponTemplate(merchant_id=m.id or 0, kind=CouponKind.AMOUNT_OFF,
                                    title_zh="满100减20", title_en="20 off 100", amount_off=2000,
                                    min_spend=10_000, valid_days=7, total_quantity=None)
                     for m in merchants]
        session.add_all(templates)
        await session.flush()
        campaigns = [Campaign(merchant_id=m.id or 0, created_by=owner.id or 0,
                              template_id=t.id, audience="all", schedule="once",
                              run_at=now - offset, window_minutes=WINDOW_MINUTES,
                              timezone="Asia/Shanghai", created_at=now - timedelta(days=1))
                     for m, t, offset in zip(merchants, templates,
                                             (timedelta(0), timedelta(hours=2)), strict=True)]
        session.add_all(campaigns)
        await session.flush()
        other = campaigns[1]
        other_run = CampaignRun(campaign_id=other.id or 0, occurrence=other.run_at,
                                window_end=other.run_at + timedelta(minutes=WINDOW_MINUTES),
                                status="sending", created_at=other.run_at)
        session.add(other_run)
        await session.flush()
        world = World(merchants[0].id or 0, campaigns[0].id or 0)
        other_ids = (other.id or 0, other_run.id or 0, other_run.window_end)
    population = Population(count)
    for users, follows, profiles, capped in _follower_rows(count, 1000, world.merchant_id, now,
                                                            mix, rng, population):
        async with db.begin() as conn:
            await bulk_insert(conn, "users", users)
            await bulk_insert(conn, "follows", follows)
            await bulk_insert(conn, "taste_profiles", profiles)
            await bulk_insert(conn, "deliveries", [_other_push(c, other_ids, now, rng)
                                                   for c in capped])
    if db.dialect == "postgresql":
        async with db.begin() as conn:
            await conn.exec_driver_sql("ANALYZE")
    return world, population


async def bulk_insert(conn: AsyncConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the connection's transaction through the driver itself
    (executemany on SQLite, COPY on PostgreSQL): SQLAlchemy's per-row processing would
    take longer than the planning it prepares. Datetimes go in as naive UTC, as
    `UTCDateTime` stores them; dicts as JSON."""
    if not rows:
        return
    columns = list(rows[0])
    on_sqlite = conn.dialect.name == "sqlite"
    moments: dict[datetime, Any] = {}  # most rows share a few moments

    def value(v: Any) -> Any:
        if isinstance(v, datetime):
            if v not in moments:
                naive = v.astimezone(UTC).replace(tzinfo=None)
                moments[v] = naive.strftime("%Y-%m-%d %H:%M:%S.%f") if on_sqlite else naive
            return moments[v]
        return json.dumps(v) if isinstance(v, dict) else v

    records = [tuple(value(row[c]) for c in columns) for row in rows]
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    if on_sqlite:
        marks = ", ".join("?" * len(columns))
        await driver.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                 records)
    else:
        await driver.copy_records_to_table(table, records=records, columns=columns)


def _other_push(follower: dict[str, Any], other: tuple[int, int, datetime], now: datetime,
                rng: random.Random) -> dict[str, Any]:
    campaign_id, run_id, window_end = other
    sent = rng.random() < 0.5
    send_at = now - timedelta(minutes=30) if sent else now + timedelta(minutes=20)
    return {"run_id": run_id, "campaign_id": campaign_id, "user_id": follower["user_id"],
            "chat_id": follower["chat_id"], "send_at": send_at, "window_end": window_end,
            "status": DeliveryStatus.SENT if sent else DeliveryStatus.PLANNED,
            "deferred": False, "score": round(rng.random(), 6), "reason": None,
            "sent_at": send_at if sent else None}


async def plan(db: Database, world: World, now: datetime) -> tuple[int, int]:
    """The timed part: start the campaign's run and plan it; (run id, audience size)."""
    async with db.session() as session:
        campaign = await session.get(Campaign, world.campaign_id)
    assert campaign is not None
    run = await start_run(db, campaign, now, now)
    return run.run_id, await plan_run(db, run.run_id, now, PLATFORM_CAP)


async def planned_world(url: str, count: int, rng: random.Random
                         ) -> tuple[int, datetime, Population, dict[int, int]]:
    """Load and plan a sending campaign; (run id, plan time, population, due chats ->
    delivery id)."""
    db = Database(url)
    try:
        now = datetime.now(UTC)
        world, population = await load_world(db, count, now, SEND_MIX, rng)
        run_id, _ = await plan(db, world, now)
        async with db.engine.connect() as conn:
            due = dict((await conn.execute(
                select(Delivery.chat_id, Delivery.id)
                .where(col(Delivery.run_id) == run_id,
                       col(Delivery.status) == DeliveryStatus.PLANNED,
                       col(Delivery.send_at) <= now))).all())
    finally:
        await db.dispose()
    return run_id, now, population, {int(c): int(i) for c, i in due.items()}


# --------------------------------------------------------------------------- reading back


async def waiting(db: Database, now: datetime) -> int:
    """Pushes due by `now` that are not settled yet (planned or sending)."""
    async with db.engine.connect() as conn:
        return int((await conn.execute(
            select(func.count()).select_from(Delivery).where(or_(
                col(Delivery.status) == DeliveryStatus.SENDING,
                (col(Delivery.status) == DeliveryStatus.PLANNED)
                & (col(Delivery.send_at) <= now))))).scalar_one())


async def delivery_rows(db: Database, run_id: int) -> list[Any]:
    """(id, chat, status, reason, sent at, quiet start, quiet end, time zone) per push."""
    async with db.engine.connect() as conn:
        return list((await conn.execute(
            select(Delivery.id, Delivery.chat_id, Delivery.status, Delivery.reason,
                   Delivery.sent_at, User.quiet_start, User.quiet_end, User.timezone)
            .join(User, col(User.id) == col(Delivery.user_id))
            .where(col(Delivery.run_id) == run_id))).all())
