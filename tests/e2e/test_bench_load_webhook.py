"""`o2o bench load --webhook`, tiny: fleets of one and two webhook workers behind nginx
on PostgreSQL and Redis, beside the echo bot, take a burst of searches and the mix's
stories through the stand-in's webhook delivery; every update is answered with what was
asked for, and the figures are printed, with two workers' rate over one's."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.e2e.test_bench_load import _row
from tests.e2e.test_telegram_e2e import ROOT

pytestmark = pytest.mark.e2e


def test_one_and_two_webhook_workers_answer_a_burst_and_the_mix_in_full() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "bench", "load", "--webhook", "--transports",
         "aiogram", "--workloads", "burst,mix", "--updates", "30", "--users", "5",
         "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    for size in (1, 2):
        assert re.search(rf"start-up o2o aiogram webhook x{size}: \d+\.\d+ s", out)
        burst = _row(out, "burst, round 1/1", f"o2o aiogram webhook x{size}")
        assert burst[-1] == "30/30"  # every search answered, correctly
        assert float(burst[3].replace(",", "")) > 0 and float(burst[4]) > 0
        mix = _row(out, "mix, round 1/1", f"o2o aiogram webhook x{size}")
        assert mix[-1] == "45/45"  # 5 stories of 9 steps, none lost
        assert re.search(rf"o2o aiogram webhook x{size}: \d+ deliveries, 0 answered other "
                         r"than 200", out)
    assert re.search(r"o2o aiogram webhook x2 / o2o aiogram webhook x1: updates/s "
                     r"x\d+\.\d\d", out)
    assert _row(out, "burst, round 1/1", "echo aiogram -")[-1] == "30/30"
