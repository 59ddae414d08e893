"""Stopping the assistant while a background job runs: the round in hand finishes
(APScheduler's own shutdown would cancel it mid-statement and log a traceback)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.jobs import DrainingExecutor


async def _scheduler_running(job: Callable[[], Awaitable[None]],
                             ) -> tuple[AsyncIOScheduler, DrainingExecutor]:
    """A scheduler like the assistant's, running `job` every 30 s from now."""
    executor = DrainingExecutor()
    scheduler = AsyncIOScheduler(timezone="UTC", executors={"default": executor})
    scheduler.add_job(job, "interval", seconds=30, max_instances=1,
                      next_run_time=datetime.now(UTC))
    scheduler.start()
    return scheduler, executor


async def test_a_round_in_hand_finishes_before_the_stop(caplog: pytest.LogCaptureFixture,
                                                         ) -> None:
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow_round() -> None:
        started.set()
        await asyncio.sleep(0.3)  # a housekeeping round halfway through its statements
        finished.set()

    scheduler, executor = await _scheduler_running(slow_round)
    await asyncio.wait_for(started.wait(), 10)
    scheduler.pause()
    with caplog.at_level(logging.ERROR):
        assert await executor.drain(5)
        scheduler.shutdown(wait=False)
    assert finished.is_set()  # not cancelled
    assert "raised an exception" not in caplog.text


async def test_a_round_that_will_not_end_is_cut_short_after_the_wait() -> None:
    started = asyncio.Event()

    async def stuck_round() -> None:
        started.set()
        await asyncio.sleep(3600)

    scheduler, executor = await _scheduler_running(stuck_round)
    await asyncio.wait_for(started.wait(), 10)
    scheduler.pause()
    assert not await executor.drain(0.2)  # said so, and the stop goes on
    scheduler.shutdown(wait=False)


async def test_nothing_running_drains_at_once() -> None:
    executor = DrainingExecutor()
    scheduler = AsyncIOScheduler(timezone="UTC", executors={"default": executor})
    scheduler.start(paused=True)
    assert await executor.drain(0)
    scheduler.shutdown(wait=False)
