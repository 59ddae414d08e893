"""`o2o bench startup`'s measurement, so it cannot rot: the real `o2o run` on a seeded
SQLite file is timed from its spawn to the stand-in's first getUpdates, having asked
who it is and published its command menu first; compared with other code, each code
starts on a database its own code seeded. Speed figures are not checked here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.startup import ROOT, sqlite_database, startup_timeline
from tests.helpers.other_code import copy_of_this_code

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


def test_startup_compared_with_other_code_starts_each_on_a_database_of_its_own(
        tmp_path: Path) -> None:
    # The other code: a copy of this one's packages, which seeds its own databases.
    other = copy_of_this_code(tmp_path / "before")
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "bench", "startup", "--rounds", "1",
         "--compare", str(other)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert re.search(r"^sqlite +compare +to first getUpdates: median [\d.]+ s",
                     done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^sqlite +this +to first getUpdates: median [\d.]+ s",
                     done.stdout, re.MULTILINE), done.stdout
    assert "stops left a traceback" not in done.stdout
