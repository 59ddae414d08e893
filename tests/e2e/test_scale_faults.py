"""Faults of running at scale, with real processes: two workers' scheduler sides over
one PostgreSQL database, campaign pushes to the Bot API stand-in (its own process).

- The leader is SIGKILLed in the middle of a campaign: the other worker takes over
  within 10 s with the next fencing epoch, and finishes the campaign; no follower gets
  the push twice, and every due push is delivered except, at most, those the dead
  leader had on the wire (in doubt: never sent again).
- A storm of 429 answers: sending pauses for the retry_after Telegram gives, then
  completes, each push once.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

import pytest

from benchmarks.push.standin import Standin
from benchmarks.push.world import TOKEN, delivery_rows, fresh_database, planned_world, waiting
from benchmarks.workers import stop_process
from services.platform.database import Database
from tests.conftest import POSTGRES_URL, REDIS_URL, _postgres_problem, _require_postgres

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
FOLLOWERS = 400


async def _worker(url: str, api: str, rate: float, redis: tuple[str, str] = ("", "o2o")
                  ) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    env["O2O_REDIS_PREFIX"] = redis[1]
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.helpers.scheduler_child", url, api, TOKEN, str(rate),
        redis[0], cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)


async def _next_state(proc: asyncio.subprocess.Process, timeout: float) -> dict[str, object]:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout)
    assert line, (await proc.stderr.read()).decode()[-3000:] if proc.stderr else "ended"
    return json.loads(line)


async def _until_leader(proc: asyncio.subprocess.Process, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        state = await _next_state(proc, max(0.1, deadline - time.monotonic()))
        if state["leader"]:
            return int(state["epoch"])  # type: ignore[call-overload]


async def _stop(proc: asyncio.subprocess.Process) -> str:
    await stop_process(proc, 30)
    return (await proc.stderr.read()).decode() if proc.stderr else ""


async def _settled(db: Database, due_by: object, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    left = await waiting(db, due_by)  # type: ignore[arg-type]
    while left and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        left = await waiting(db, due_by)  # type: ignore[arg-type]
    return left


@pytest.fixture
async def postgres() -> str:
    problem = await _postgres_problem()
    if problem:
        _require_postgres(problem)
    return POSTGRES_URL


async def test_the_leader_killed_mid_campaign_is_replaced_and_no_push_goes_twice(
        postgres: str, tmp_path: Path) -> None:
    rng = random.Random(20)
    async with fresh_database(postgres, "failover") as url:
        run_id, now, population, due = await planned_world(url, FOLLOWERS, rng)
        async with Standin(tmp_path, FOLLOWERS, population.blocked_at_telegram, 0) as api:
            first = await _worker(url, api.api_base, rate=60)
            epoch = await _until_leader(first, 60)
            second = await _worker(url, api.api_base, rate=60)
            assert (await _next_state(second, 60))["leader"] is False  # following
            db = Database(url)
            try:
                deadline = time.monotonic() + 60
                while len((await api.stats()).delivered) < len(due) // 3:
                    assert time.monotonic() < deadline, "the leader sent too little"
                    await asyncio.sleep(0.1)
                first.kill()  # SIGKILL: no goodbye, its lock session just ends
                killed_at = time.monotonic()
                new_epoch = await _until_leader(second, 10)
                took_over = time.monotonic() - killed_at
                left = await _settled(db, now, 90)
                rows = await delivery_rows(db, run_id)
            finally:
                await db.dispose()
                log = await _stop(second)
                await first.wait()
            stats = await api.stats()
    assert took_over < 10 and new_epoch == epoch + 1
    assert left == 0, "the new leader did not finish the campaign"
    assert stats.duplicates == 0
    reached = {chat for chat, _ in stats.delivered} | stats.forbidden_chats
    reasons = {chat: reason for _, chat, _, reason, *_ in rows}
    missing = [chat for chat in due if chat not in reached]
    assert all(reasons[chat] == "in_doubt" for chat in missing), missing  # none lost
    assert len(missing) <= 60  # at most what the dead leader had on the wire
    assert "Traceback" not in log, log[-3000:]


async def test_a_storm_of_429s_slows_sending_to_retry_after_and_every_push_goes_once(
        postgres: str, tmp_path: Path, redis_prefix: tuple[object, str]) -> None:
    _, prefix = redis_prefix
    rng = random.Random(21)
    async with fresh_database(postgres, "storm") as url:
        _, now, population, due = await planned_world(url, 200, rng)
        # The first 40 sendMessage calls are refused: 429, retry after 1 s.
        async with Standin(tmp_path, 200, population.blocked_at_telegram, 40) as api:
            worker = await _worker(url, api.api_base, rate=100, redis=(REDIS_URL, prefix))
            db = Database(url)
            try:
                await _until_leader(worker, 60)
                left = await _settled(db, now, 90)
            finally:
                await db.dispose()
                log = await _stop(worker)
            stats = await api.stats()
    assert left == 0 and stats.duplicates == 0
    assert stats.refused[429] == 40
    first_wait = min(stats.flood_waits)
    first_sent = min(at for _, at in stats.delivered)
    assert first_sent - first_wait >= 0.9  # everything waited out the retry_after
    reached = {chat for chat, _ in stats.delivered} | stats.forbidden_chats
    assert reached == set(due)  # every due push went, once
    assert "Traceback" not in log, log[-3000:]
