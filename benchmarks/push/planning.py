"""The plan phase: N followers planned by the real `start_run` + `plan_run`, timed, with
the process's peak memory, then every delivery row checked against its follower."""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import col

from benchmarks.push.world import (
    PLAN_MIX,
    TARGETS,
    Report,
    fresh_database,
    load_world,
    peak_mib,
    plan,
    rss_mib,
)
from services.marketing.push_settings import in_quiet_hours
from services.platform.database import Database
from storage.models import CampaignRun, Delivery, DeliveryStatus, User


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
            rss_before = rss_mib()
            began = time.perf_counter()
            run_id, size = await plan(db, world, now)
            wall = time.perf_counter() - began
            peak = peak_mib()
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
