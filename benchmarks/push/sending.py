"""The send phase: the real push path (runtime, the aiogram transport's push lane, the
`PushSender`) at a configured rate against the stand-in, until every due push is
settled; and the same sender as the crash phase's child process."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.push.standin import Standin, sends_in_quiet_hours
from benchmarks.push.world import (
    TARGETS,
    TOKEN,
    Report,
    delivery_rows,
    fresh_database,
    own_cpu_seconds,
    planned_world,
    waiting,
)
from bot.config import load_settings
from bot.runtime import Runtime, configure_logging, freeze_startup_objects, start_runtime
from services.platform.database import Database


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


async def send_until_settled(db_url: str, api_base: str, rate: float, due_by: datetime,
                             timeout: float) -> dict[str, float]:
    """Run the sender until every push due by `due_by` is settled (or `timeout`); the
    wall seconds, this process's CPU seconds meanwhile, pushes sent and 429 pauses."""
    runtime, transport, sender = await start_sender(db_url, api_base, rate)
    try:
        await sender.recover()
        stop = asyncio.Event()
        began, cpu = time.perf_counter(), own_cpu_seconds()
        task = asyncio.create_task(sender.run_forever(stop))
        while time.perf_counter() - began < timeout and not task.done():
            await asyncio.sleep(0.25)
            if await waiting(runtime.db, due_by) == 0:
                break
        stop.set()
        await task
        return {"wall": time.perf_counter() - began, "cpu": own_cpu_seconds() - cpu,
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


async def phase_send(args: argparse.Namespace, report: Report, rng: random.Random,
                     folder: Path) -> None:
    count, rate = args.send_users, args.rate
    print(f"\nsend: {count:,} followers, sender at {rate:,.0f}/s through the push lane to the "
          "stand-in", flush=True)
    async with fresh_database(args.db, "send") as url:
        run_id, now, population, due = await planned_world(url, count, rng)
        report.figure("send: pushes due now", len(due))
        async with Standin(folder, count, population.blocked_at_telegram, 0) as standin:
            standin_cpu = standin.cpu_seconds()
            sending = await send_until_settled(url, standin.api_base, rate, now, args.timeout)
            standin_cpu = standin.cpu_seconds() - standin_cpu
            wall = sending["wall"]
            stats = await standin.stats()
        db = Database(url)
        try:
            rows = await delivery_rows(db, run_id)
            left = await waiting(db, now)
        finally:
            await db.dispose()
    answered = sorted([at for _, at in stats.delivered])
    calls = len(stats.delivered) + sum(stats.refused.values())
    span = answered[-1] - answered[0] if len(answered) > 1 else 0.0
    achieved = (len(answered) - 1) / span if span > 0 else 0.0
    quiet = {chat: (qs, qe, zone) for _, chat, _, _, _, qs, qe, zone in rows}
    quiet_sends = sends_in_quiet_hours(stats, quiet)
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
