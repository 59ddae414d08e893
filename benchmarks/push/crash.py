"""The fault phase: the sender in a child process, SIGKILLed once part of a campaign is
settled and restarted; no push twice, none lost that is not in doubt."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col

from benchmarks.push.standin import Standin, sends_in_quiet_hours
from benchmarks.push.world import Report, delivery_rows, fresh_database, planned_world, waiting
from services.platform.database import Database
from storage.models import Delivery, DeliveryStatus

KILL_AT = 0.4  # the fault phase kills the sender once this share is settled


async def phase_fault(args: argparse.Namespace, report: Report, rng: random.Random,
                      folder: Path) -> None:
    count, rate = args.fault_users, args.fault_rate
    print(f"\nfault: {count:,} followers at {rate:,.0f}/s; the sender is SIGKILLed at "
          f"{KILL_AT:.0%} and restarted", flush=True)
    async with fresh_database(args.db, "fault") as url:
        run_id, now, population, due = await planned_world(url, count, rng)
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
                rows = await delivery_rows(db, run_id)
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
    quiet_sends = sends_in_quiet_hours(stats, quiet)
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
