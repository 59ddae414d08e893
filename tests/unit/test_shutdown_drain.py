"""SIGTERM (the stop signal `poll` listens for) lets the updates in hand finish, for
at most `shutdown_grace_seconds`, and fetches nothing more."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bot.config import load_settings
from bot.transports.intake import poll


@dataclass
class Update:
    update_id: int
    chat: int


async def _stopped_while_busy(handling: float, grace: float) -> tuple[list[int], float, int]:
    stop = asyncio.Event()
    finished: list[int] = []
    fetches = 0

    async def handle(update: Update) -> None:
        await asyncio.sleep(handling)
        finished.append(update.update_id)

    async def fetch(offset: int | None) -> list[Update]:
        nonlocal fetches
        fetches += 1
        if fetches == 1:
            return [Update(n, chat=n) for n in range(4)]
        await asyncio.sleep(3600)  # a long poll: cut short by the stop
        return []

    polling = asyncio.create_task(poll(fetch, lambda u: u.chat, handle, in_flight=4,
                                       waiting_max=100, stop=stop, drain_seconds=grace))
    await asyncio.sleep(0.05)  # the four are in hand
    stop.set()  # what SIGTERM does
    began = time.monotonic()
    await asyncio.wait_for(polling, 30)
    return finished, time.monotonic() - began, fetches


async def test_updates_in_hand_finish_before_the_worker_stops() -> None:
    finished, took, fetches = await _stopped_while_busy(handling=0.5, grace=5.0)
    assert sorted(finished) == [0, 1, 2, 3]  # nothing in hand lost
    assert took < 2.0 and fetches == 2  # no fetch after the stop


async def test_the_grace_bounds_the_wait_for_a_stuck_update() -> None:
    finished, took, _ = await _stopped_while_busy(handling=60.0, grace=0.5)
    assert finished == [] and 0.4 < took < 5.0


def test_the_grace_is_a_setting() -> None:
    assert load_settings(None).shutdown_grace_seconds == 10.0
    assert load_settings(None, shutdown_grace_seconds=2.5).shutdown_grace_seconds == 2.5
