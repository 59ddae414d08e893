"""`o2o bench startup`'s measurement, so it cannot rot: the real `o2o run` on a seeded
SQLite file is timed from its spawn to the stand-in's first getUpdates, having asked
who it is and published its command menu first. Speed figures are not checked here."""

from __future__ import annotations

import pytest

from benchmarks.startup import sqlite_database, startup_timeline

pytestmark = pytest.mark.e2e


async def test_o2o_run_is_timed_from_its_spawn_to_its_first_long_poll() -> None:
    async with sqlite_database(seeded=True) as url:
        started = await startup_timeline(url)

    assert started.calls[0] == "getMe" and started.calls[-1] == "getUpdates"
    # the command menu goes out beside polling, once its catalogs are read (a thread):
    # tests/e2e/test_telegram_e2e.py checks it is published
    assert started.calls.count("getUpdates") == 1
    assert 0 < started.first_call <= started.seconds
    assert started.cpu > 0
