"""Campaign pushes: planning 1,000,000 followers, sending at 1,000/s, and a crash mid-send.

Three phases, each on a fresh database (a SQLite file, or a throwaway PostgreSQL
database with --db), all traffic to 127.0.0.1:

  plan   N followers (users, follows and taste profiles bulk-loaded; a few time zones,
         some with quiet hours over the run's start, some paused, some unreachable, some
         with a daily maximum of 1 already reached or planned by another campaign), then
         the real `start_run` + `plan_run` of one campaign over all of them, timed, with
         the process's peak memory; then checked: one row per follower, no planned
         moment inside quiet hours, paused -> dropped, unreachable -> blocked, daily
         maximum respected. Targets: < 60 s on one core, < 1 GiB.
  send   the Bot API stand-in in its own process (on the other core) and the real push
         path in this one: `start_runtime`, the aiogram transport's `PushLane`, and
         `PushSender.run_forever` at --rate over a campaign due now, until every due push
         is settled. Reports the rate achieved against the configured one (target
         >= 95%), duplicates seen by the stand-in and sends inside quiet hours (both 0).
  fault  the sender in a child process at --fault-rate, SIGKILLed once 40% of a campaign
         is settled and restarted (`PushSender.recover`, then the rest). Counts duplicates
         at the stand-in (must be 0), pushes the kill left in doubt, and real losses:
         due pushes the stand-in never got that are not in doubt (must be 0).

Pins itself to one core; the stand-in runs on another. Exit status 1 when an invariant
fails (a duplicate, a send in quiet hours, not exactly one row per follower, a loss);
missed speed targets are reported, not failures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import resource
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from sqlalchemy import func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlmodel import col

from bot.config import load_settings
from bot.runtime import Runtime, configure_logging, freeze_startup_objects, start_runtime
from services.catalog.taxonomy import category_ids
from services.marketing.push_settings import in_quiet_hours
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
KILL_AT = 0.4  # the fault phase kills the sender once this share is settled
TARGETS = {"plan_seconds": 60.0, "plan_mib": 1024.0, "rate_ratio": 0.95}
FULL = {"followers": 1_000_000, "send_users": 20_000, "fault_users": 5_000}
QUICK = {"followers": 50_000, "send_users": 3_000, "fault_users": 1_000}
CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--followers", type=int, help="followers planned (default 1,000,000)")
    parser.add_argument("--send-users", type=int, help="followers sent to (default 20,000)")
    parser.add_argument("--rate", type=float, default=1000.0, help="configured pushes/s")
    parser.add_argument("--fault-users", type=int, help="followers of the fault phase "
                                                        "(default 5,000)")
    parser.add_argument("--fault-rate", type=float, default=500.0)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 50,000 followers, 3,000 sends, 1,000 in the fault")
    parser.add_argument("--phases", default="plan,send,fault")
    parser.add_argument("--db", default="sqlite",
                        help="sqlite (a temporary file) or a PostgreSQL URL: each phase "
                             "creates and drops its own database on that server")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds any one phase may take to send")
    parser.add_argument("--seed", type=int, default=1)
    # The fault phase's sender and the stand-in run as children of the benchmark.
    parser.add_argument("--child", choices=("sender", "standin"), help=argparse.SUPPRESS)
    parser.add_argument("--child-db", help=argparse.SUPPRESS)
    parser.add_argument("--child-api", help=argparse.SUPPRESS)
    parser.add_argument("--child-spec", help=argparse.SUPPRESS)


# ------------------------------------------------------------------ figures


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


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ databases


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


# ------------------------------------------------------------------ followers


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


# ------------------------------------------------------------------ checks


@dataclass
class PlanCheck:
    """What the plan of one run looks like, and what is wrong with it."""

    rows: int = 0
    distinct_users: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    deferred: int = 0
    quiet_planned: int = 0  # planned inside the recipient's quiet hours: must be 0
    outside_window: int = 0
    paused_not_dropped: int = 0
    unreachable_not_blocked: int = 0
    over_daily_cap: int = 0


async def check_plan(db: Database, run_id: int, start: datetime) -> PlanCheck:
    """Read the run's deliveries back page by page and check each against its user."""
    found = PlanCheck()
    async with db.session() as session:
        window_end = (await session.get(CampaignRun, run_id)).window_end  # type: ignore[union-attr]
    async with db.engine.connect() as conn:
        found.rows, found.distinct_users = (await conn.execute(
            select(func.count(), func.count(func.distinct(Delivery.user_id)))
            .where(col(Delivery.run_id) == run_id))).one()
    after = 0
    while True:
        async with db.engine.connect() as conn:
            page = (await conn.execute(
                select(Delivery.id, Delivery.status, Delivery.send_at, Delivery.deferred,
                       User.quiet_start, User.quiet_end, User.timezone, User.push_paused,
                       User.unreachable_since)
                .join(User, col(User.id) == col(Delivery.user_id))
                .where(col(Delivery.run_id) == run_id, col(Delivery.id) > after)
                .order_by(col(Delivery.id)).limit(50_000))).all()
        if not page:
            break
        after = page[-1][0]
        for _, status, send_at, deferred, q_start, q_end, zone, paused, unreachable in page:
            found.statuses[status] += 1
            found.deferred += bool(deferred)
            if unreachable is not None:
                found.unreachable_not_blocked += status != DeliveryStatus.BLOCKED
            elif paused:
                found.paused_not_dropped += status != DeliveryStatus.DROPPED
            if status == DeliveryStatus.PLANNED:
                found.quiet_planned += in_quiet_hours((q_start, q_end, zone), send_at)
                found.outside_window += not start <= send_at < window_end
    found.over_daily_cap = await _over_daily_cap(db)
    return found


async def _over_daily_cap(db: Database) -> int:
    """Followers with a daily maximum below the platform's who have more pushes planned
    or sent on one local day than it allows."""
    async with db.engine.connect() as conn:
        rows = (await conn.execute(
            select(Delivery.user_id, Delivery.send_at, User.timezone, User.push_max_per_day)
            .join(User, col(User.id) == col(Delivery.user_id))
            .where(col(User.push_max_per_day).is_not(None),
                   col(Delivery.status).in_((DeliveryStatus.PLANNED, DeliveryStatus.SENDING,
                                             DeliveryStatus.SENT))))).all()
    per_day: Counter[tuple[int, Any]] = Counter()
    caps: dict[int, int] = {}
    for user_id, send_at, zone, cap in rows:
        per_day[(user_id, send_at.astimezone(ZoneInfo(zone)).date())] += 1
        caps[user_id] = cap
    return sum(1 for (user_id, _), n in per_day.items() if n > caps[user_id])


# ------------------------------------------------------------------ the stand-in


@dataclass
class StandinStats:
    """What the stand-in answered to sendMessage: delivered (chat, at) and refusals."""

    delivered: list[tuple[int, float]]
    refused: Counter[int]  # error code -> how many
    forbidden_chats: set[int]
    stored: int  # messages kept in the followers' chats (a cross-check of `delivered`)

    def per_chat(self) -> Counter[int]:
        return Counter(chat for chat, _ in self.delivered)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.per_chat().values() if n > 1)


class Standin:
    """The Bot API stand-in as a child process (`--child standin`) on its own core."""

    def __init__(self, folder: Path, chats: int, blocked: list[int], flood: int) -> None:
        self.spec = folder / f"standin-{uuid.uuid4().hex[:6]}.json"
        self.spec.write_text(json.dumps({"first": FIRST_CHAT, "count": chats,
                                         "blocked": blocked, "flood": flood, "cpu": CPUS[-1]}))
        self.process: asyncio.subprocess.Process | None = None
        self.api_base = self.stats_url = ""

    async def __aenter__(self) -> Standin:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.push", "--child", "standin",
            "--child-spec", str(self.spec), stdout=asyncio.subprocess.PIPE)
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout=120)
        if not line:
            raise RuntimeError("the stand-in did not start")
        ports = json.loads(line)
        self.api_base, self.stats_url = ports["api"], ports["stats"]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def cpu_seconds(self) -> float:
        """CPU time the stand-in process has used so far."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stats(self) -> StandinStats:
        async with aiohttp.ClientSession() as http, http.get(self.stats_url) as response:
            data = await response.json()
        return StandinStats([(int(c), float(at)) for c, at in data["delivered"]],
                            Counter({int(k): v for k, v in data["refused"].items()}),
                            set(data["forbidden"]), int(data["stored"]))


async def serve_standin(spec_path: str) -> None:
    """The child: a stand-in knowing the followers' chats (some blocked the bot, the first
    `flood` sends answered 429), and /stats on a second port."""
    from standins import BotApiStandin
    from standins.server import serve_app

    spec = json.loads(Path(spec_path).read_text())
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {spec["cpu"]})
    chats = range(spec["first"], spec["first"] + spec["count"])
    async with BotApiStandin(token=TOKEN, max_calls=4 * len(chats) + 1000) as api:
        for chat in chats:
            api.user(chat, first_name="f")
        for chat in spec["blocked"]:
            api.block(chat)
        if spec["flood"]:
            api.inject_error("sendMessage", 429, "Too Many Requests: retry after 1",
                             retry_after=1, times=spec["flood"])

        async def stats(request: web.Request) -> web.Response:
            delivered, refused, forbidden = [], Counter[int](), []
            for call in api.calls:
                if call.method != "sendMessage":
                    continue
                if call.ok:
                    delivered.append((call.params["chat_id"], call.at))
                else:
                    code = int(call.result_or_error["error_code"])
                    refused[code] += 1
                    if code == 403:
                        forbidden.append(call.params.get("chat_id"))
            stored = sum(len(api.chat_messages(chat)) for chat in chats)
            return web.json_response({"delivered": delivered, "refused": refused,
                                      "forbidden": forbidden, "stored": stored})

        stats_app = web.Application()
        stats_app.router.add_get("/stats", stats)
        runner, port = await serve_app(stats_app, "127.0.0.1", 0)
        print(json.dumps({"api": api.base_url, "stats": f"http://127.0.0.1:{port}/stats"}),
              flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


# ------------------------------------------------------------------ sending


async def start_sender(db_url: str, api_base: str, rate: float) -> tuple[Runtime, Any, Any]:
    """The real push path: a runtime on the bench database, aiogram's transport against
    the stand-in, and a PushSender at `rate`."""
    from bot.pushes import PushSender
    from bot.transports.aiogram_transport import AiogramTransport

    settings = load_settings(database_url=db_url, bot_token=TOKEN, api_base=api_base,
                             push_rate=rate, log_level="WARNING", seed_demo_on_empty=False)
    configure_logging(settings)
    runtime = await start_runtime(settings)
    transport = AiogramTransport(runtime, TOKEN, api_base)
    sender = PushSender(runtime, rate, settings.push_max_per_day)
    runtime.pushes = sender
    freeze_startup_objects()  # as `o2o run` does once started
    return runtime, transport, sender


async def waiting(db: Database, now: datetime) -> int:
    """Pushes due by `now` that are not settled yet (planned or sending)."""
    async with db.engine.connect() as conn:
        return int((await conn.execute(
            select(func.count()).select_from(Delivery).where(or_(
                col(Delivery.status) == DeliveryStatus.SENDING,
                (col(Delivery.status) == DeliveryStatus.PLANNED)
                & (col(Delivery.send_at) <= now))))).scalar_one())


async def send_until_settled(db_url: str, api_base: str, rate: float, due_by: datetime,
                             timeout: float) -> dict[str, float]:
    """Run the sender until every push due by `due_by` is settled (or `timeout`); the
    wall seconds, this process's CPU seconds meanwhile, pushes sent and 429 pauses."""
    runtime, transport, sender = await start_sender(db_url, api_base, rate)
    try:
        await sender.recover()
        stop = asyncio.Event()
        began, cpu = time.perf_counter(), _own_cpu_seconds()
        task = asyncio.create_task(sender.run_forever(stop))
        while time.perf_counter() - began < timeout and not task.done():
            await asyncio.sleep(0.25)
            if await waiting(runtime.db, due_by) == 0:
                break
        stop.set()
        await task
        return {"wall": time.perf_counter() - began, "cpu": _own_cpu_seconds() - cpu,
                "sent": sender.sent, "pauses": sender.retry_afters}
    finally:
        await transport.push_lane.close()
        await transport.bot.session.close()
        await runtime.close()


async def child_sender(args: argparse.Namespace) -> int:
    """The fault phase's child: recover, then send everything due, then exit."""
    figures = await send_until_settled(args.child_db, args.child_api, args.rate,
                                       datetime.now(UTC), args.timeout)
    print(json.dumps(figures), flush=True)
    return 0


async def _delivery_rows(db: Database, run_id: int) -> list[Any]:
    """(id, chat, status, reason, sent at, quiet start, quiet end, time zone) per push."""
    async with db.engine.connect() as conn:
        return list((await conn.execute(
            select(Delivery.id, Delivery.chat_id, Delivery.status, Delivery.reason,
                   Delivery.sent_at, User.quiet_start, User.quiet_end, User.timezone)
            .join(User, col(User.id) == col(Delivery.user_id))
            .where(col(Delivery.run_id) == run_id))).all())


def _quiet_sends(stats: StandinStats, quiet: dict[int, tuple[int, int, str]]) -> int:
    """Messages the stand-in got while their recipient was in quiet hours."""
    return sum(in_quiet_hours(quiet[chat], datetime.fromtimestamp(at, UTC))
               for chat, at in stats.delivered if chat in quiet)


# ------------------------------------------------------------------ phases


async def phase_plan(args: argparse.Namespace, report: Report, rng: random.Random) -> None:
    count = args.followers
    print(f"\nplan: {count:,} followers of one merchant, one campaign to all of them",
          flush=True)
    async with fresh_database(args.db, "plan") as url:
        db = Database(url)
        try:
            now = datetime.now(UTC).replace(microsecond=0)
            began = time.perf_counter()
            world, population = await load_world(db, count, now, PLAN_MIX, rng)
            report.figure("plan: followers loaded", count)
            report.figure("plan: load seconds", f"{time.perf_counter() - began:.1f}")
            report.figure("plan: follower kinds", ", ".join(
                f"{kind} {n:,}" for kind, n in sorted(population.kinds.items())))
            rss_before = _rss_mib()
            began = time.perf_counter()
            run_id, size = await plan(db, world, now)
            wall = time.perf_counter() - began
            peak = _peak_mib()
            report.figure("plan: start_run + plan_run seconds", f"{wall:.1f}")
            report.figure("plan: followers planned per second", f"{size / wall:,.0f}")
            report.figure("plan: RSS before planning (MiB)", f"{rss_before:.0f}")
            report.figure("plan: peak RSS of the process (MiB)", f"{peak:.0f}")
            found = await check_plan(db, run_id, now)
        finally:
            await db.dispose()
    report.figure("plan: delivery rows / distinct followers",
                  f"{found.rows:,} / {found.distinct_users:,}")
    report.figure("plan: outcomes", ", ".join(f"{status} {n:,}"
                                              for status, n in sorted(found.statuses.items())))
    report.figure("plan: deferred (quiet hours or usual hour)", found.deferred)
    report.figure("plan: planned inside quiet hours", found.quiet_planned)
    report.figure("plan: planned outside the window", found.outside_window)
    report.figure("plan: paused not dropped", found.paused_not_dropped)
    report.figure("plan: unreachable not blocked", found.unreachable_not_blocked)
    report.figure("plan: followers over their daily maximum", found.over_daily_cap)
    report.check(f"plan: one delivery row per follower ({count:,})",
                 found.rows == found.distinct_users == count == size, invariant=True)
    report.check("plan: nothing planned inside quiet hours or outside the window",
                 found.quiet_planned == 0 and found.outside_window == 0, invariant=True)
    report.check("plan: paused -> dropped, unreachable -> blocked",
                 found.paused_not_dropped == 0 and found.unreachable_not_blocked == 0,
                 invariant=True)
    report.check("plan: daily maximum respected", found.over_daily_cap == 0, invariant=True)
    report.check(f"plan: < {TARGETS['plan_seconds']:.0f} s ({wall:.1f} s)",
                 wall < TARGETS["plan_seconds"], invariant=False)
    report.check(f"plan: peak RSS < {TARGETS['plan_mib']:.0f} MiB ({peak:.0f} MiB)",
                 peak < TARGETS["plan_mib"], invariant=False)


async def _planned_world(url: str, count: int, rng: random.Random
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


async def phase_send(args: argparse.Namespace, report: Report, rng: random.Random,
                     folder: Path) -> None:
    count, rate = args.send_users, args.rate
    print(f"\nsend: {count:,} followers, sender at {rate:,.0f}/s through the push lane to the "
          "stand-in", flush=True)
    async with fresh_database(args.db, "send") as url:
        run_id, now, population, due = await _planned_world(url, count, rng)
        report.figure("send: pushes due now", len(due))
        async with Standin(folder, count, population.blocked_at_telegram, 0) as standin:
            standin_cpu = standin.cpu_seconds()
            sending = await send_until_settled(url, standin.api_base, rate, now, args.timeout)
            standin_cpu = standin.cpu_seconds() - standin_cpu
            wall = sending["wall"]
            stats = await standin.stats()
        db = Database(url)
        try:
            rows = await _delivery_rows(db, run_id)
            left = await waiting(db, now)
        finally:
            await db.dispose()
    answered = sorted([at for _, at in stats.delivered])
    calls = len(stats.delivered) + sum(stats.refused.values())
    span = answered[-1] - answered[0] if len(answered) > 1 else 0.0
    achieved = (len(answered) - 1) / span if span > 0 else 0.0
    quiet = {chat: (qs, qe, zone) for _, chat, _, _, _, qs, qe, zone in rows}
    quiet_sends = _quiet_sends(stats, quiet)
    statuses = Counter(status for _, _, status, *_ in rows)
    report.figure("send: sendMessage calls answered by the stand-in", calls)
    report.figure("send: delivered / refused 403 / refused 429",
                  f"{len(stats.delivered):,} / {stats.refused[403]:,} / {stats.refused[429]:,}")
    report.figure("send: wall seconds until all due pushes were settled", f"{wall:.1f}")
    report.figure("send: rate at the stand-in, first to last delivery (/s)",
                  f"{achieved:,.0f}")
    report.figure("send: rate over the whole wall time (/s)", f"{sending['sent'] / wall:,.0f}")
    report.figure("send: achieved / configured rate", f"{achieved / rate:.3f}")
    report.figure("send: 429 pauses", int(sending["pauses"]))
    report.figure("send: CPU busy, sender process / stand-in process",
                  f"{sending['cpu'] / wall:.0%} / {standin_cpu / wall:.0%}")
    report.figure("send: outcomes", ", ".join(f"{s} {n:,}" for s, n in sorted(statuses.items())))
    report.figure("send: due pushes not settled at the end", left)
    report.figure("send: duplicates at the stand-in", stats.duplicates)
    report.figure("send: deliveries inside quiet hours", quiet_sends)
    report.check("send: no duplicates at the stand-in", stats.duplicates == 0, invariant=True)
    report.check("send: no sends inside quiet hours", quiet_sends == 0, invariant=True)
    report.check("send: every due push settled", left == 0 and len(stats.delivered)
                 + stats.refused[403] == len(due), invariant=True)
    report.check(f"send: achieved / configured rate >= {TARGETS['rate_ratio']} "
                 f"({achieved:,.0f} of {rate:,.0f}/s)",
                 achieved >= TARGETS["rate_ratio"] * rate, invariant=False)
    if achieved < TARGETS["rate_ratio"] * rate:
        print(f"  the sender and the stand-in together reached {achieved:,.0f}/s on this "
              f"{os.cpu_count()}-CPU machine, not {rate:,.0f}/s", flush=True)


async def phase_fault(args: argparse.Namespace, report: Report, rng: random.Random,
                      folder: Path) -> None:
    count, rate = args.fault_users, args.fault_rate
    print(f"\nfault: {count:,} followers at {rate:,.0f}/s; the sender is SIGKILLed at "
          f"{KILL_AT:.0%} and restarted", flush=True)
    async with fresh_database(args.db, "fault") as url:
        run_id, now, population, due = await _planned_world(url, count, rng)
        report.figure("fault: pushes due now", len(due))
        async with Standin(folder, count, population.blocked_at_telegram, 3) as standin:
            command = [sys.executable, "-m", "benchmarks.push", "--child", "sender",
                       "--child-db", url, "--child-api", standin.api_base,
                       "--rate", str(rate), "--timeout", str(args.timeout)]
            db = Database(url)
            try:
                first = await asyncio.create_subprocess_exec(*command,
                                                             stdout=asyncio.subprocess.PIPE)
                await _kill_when_settled(db, run_id, first, int(KILL_AT * len(due)),
                                         args.timeout, rng.uniform(0.0, 0.2))
                at_kill = await _statuses(db, run_id)
                second = await asyncio.create_subprocess_exec(*command,
                                                              stdout=asyncio.subprocess.PIPE)
                out, _ = await asyncio.wait_for(second.communicate(), timeout=args.timeout + 60)
                rows = await _delivery_rows(db, run_id)
                left = await waiting(db, now)
            finally:
                await db.dispose()
            stats = await standin.stats()
    restarted = json.loads(out.decode().strip().splitlines()[-1]) if out.strip() else {}
    by_chat = {chat: (status, reason) for _, chat, status, reason, *_ in rows}
    reached = {chat for chat, _ in stats.delivered} | stats.forbidden_chats
    missing = [chat for chat in due if chat not in reached]
    in_doubt = [chat for chat, (_, reason) in by_chat.items() if reason == "in_doubt"]
    lost_in_doubt = [chat for chat in missing if by_chat[chat][1] == "in_doubt"]
    real_losses = [chat for chat in missing if by_chat[chat][1] != "in_doubt"]
    quiet = {chat: (qs, qe, zone) for _, chat, _, _, _, qs, qe, zone in rows}
    quiet_sends = _quiet_sends(stats, quiet)
    statuses = Counter(status for _, _, status, *_ in rows)
    report.figure("fault: settled when killed (sent, blocked, failed)",
                  sum(at_kill[s] for s in (DeliveryStatus.SENT, DeliveryStatus.BLOCKED,
                                           DeliveryStatus.FAILED)))
    report.figure("fault: left `sending` by the kill", at_kill[DeliveryStatus.SENDING])
    report.figure("fault: in doubt after the restart (sending at the kill)", len(in_doubt))
    report.figure("fault: of them, reached the stand-in anyway", len(in_doubt)
                  - len(lost_in_doubt))
    report.figure("fault: lost in doubt (cut by the kill, never arrived)", len(lost_in_doubt))
    report.figure("fault: real losses (due, not in doubt, never arrived)", len(real_losses))
    report.figure("fault: duplicates at the stand-in", stats.duplicates)
    report.figure("fault: deliveries inside quiet hours", quiet_sends)
    report.figure("fault: 429 answers (put back, sent after the pause)", stats.refused[429])
    report.figure("fault: outcomes", ", ".join(f"{s} {n:,}" for s, n in sorted(statuses.items())))
    report.figure("fault: due pushes not settled at the end", left)
    report.figure("fault: restarted sender's wall seconds",
                  f"{restarted.get('wall', float('nan')):.1f}")
    report.check("fault: no duplicates after kill and restart", stats.duplicates == 0,
                 invariant=True)
    report.check("fault: no real losses (every due push sent or in doubt)",
                 not real_losses and left == 0, invariant=True)
    report.check("fault: no sends inside quiet hours", quiet_sends == 0, invariant=True)


async def _statuses(db: Database, run_id: int) -> Counter[str]:
    async with db.engine.connect() as conn:
        return Counter(dict((await conn.execute(
            select(Delivery.status, func.count()).where(col(Delivery.run_id) == run_id)
            .group_by(Delivery.status))).all()))


async def _kill_when_settled(db: Database, run_id: int, child: asyncio.subprocess.Process,
                             settled: int, timeout: float, jitter: float) -> None:
    """SIGKILL the child `jitter` seconds after `settled` of the run's due pushes are
    settled (at a moment unrelated to its batches: right after the poll saw a batch
    settled, the child would mostly be idle between batches)."""
    final = (DeliveryStatus.SENT, DeliveryStatus.BLOCKED, DeliveryStatus.FAILED)
    began = time.perf_counter()
    done = 0
    while time.perf_counter() - began < timeout and child.returncode is None:
        async with db.engine.connect() as conn:
            done = int((await conn.execute(
                select(func.count()).select_from(Delivery)
                .where(col(Delivery.run_id) == run_id, col(Delivery.status).in_(final),
                       col(Delivery.deferred).is_(False)))).scalar_one())
        if done >= settled:
            await asyncio.sleep(jitter)
            break
        await asyncio.sleep(0.05)
    if child.returncode is None:
        child.send_signal(signal.SIGKILL)
    await child.wait()


async def _bench(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    report = Report()
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    with tempfile.TemporaryDirectory(prefix="o2o-bench-push-") as tmp:
        for phase in phases:
            if phase == "plan":
                await phase_plan(args, report, rng)
            elif phase == "send":
                await phase_send(args, report, rng, Path(tmp))
            elif phase == "fault":
                await phase_fault(args, report, rng, Path(tmp))
            else:
                print(f"unknown phase {phase!r} (plan, send, fault)")
                return 2
    return report.print()


def _pin_to_first_cpu() -> str:
    try:
        os.sched_setaffinity(0, {CPUS[0]})
    except (AttributeError, OSError):
        return "not pinned"
    return f"pinned to CPU {CPUS[0]}"


def run(args: argparse.Namespace) -> int:
    if args.child == "standin":
        with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
            asyncio.run(serve_standin(args.child_spec))
        return 0
    if args.child == "sender":
        return asyncio.run(child_sender(args))
    sizes = QUICK if args.quick else FULL
    for name, default in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    print(f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
          f"benchmark and sender {_pin_to_first_cpu()}, the stand-in on CPU {CPUS[-1]} "
          f"(PostgreSQL, if used, in its own processes); database: "
          f"{'SQLite file' if args.db == 'sqlite' else 'PostgreSQL'}", flush=True)
    return asyncio.run(_bench(args))


def main() -> None:
    """`python -m benchmarks.push ...`: the same options (the children start this way)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.push",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
