"""`o2o bench load`, tiny: the real `o2o run` (aiogram, SQLite) and the bare echo bot
take a burst of searches and the mix's stories through the Bot API stand-in; every
update is answered, with what was asked for, and the figures it prints are sane."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.e2e.test_telegram_e2e import ROOT

pytestmark = pytest.mark.e2e


def _bench(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "bench", "load", "--transports", "aiogram",
         "--databases", "sqlite", "--rounds", "1", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _row(out: str, section: str, bot: str) -> list[str]:
    """The cells of `bot`'s row in the table that follows the line starting `section`."""
    table = out.split(f"\n{section}", 1)[1].split("\n\n", 1)[0]
    for line in table.splitlines()[2:]:
        cells = re.split(r"\s{2,}", line.strip())
        if " ".join(cells[:3]).startswith(bot):
            return cells
    raise AssertionError(f"no {bot!r} row under {section!r}:\n{table}")


def test_a_burst_and_the_mix_are_answered_in_full_with_sane_figures() -> None:
    out = _bench("--workloads", "burst,mix", "--updates", "40", "--users", "8")

    assert re.search(r"start-up o2o aiogram sqlite: \d+\.\d+ s", out)
    assert re.search(r"start-up echo: \d+\.\d+ s", out)
    echo = _row(out, "burst, round 1/1", "echo aiogram -")
    o2o = _row(out, "burst, round 1/1", "o2o aiogram sqlite")
    # bot, transport, database, updates/s, CPU ms/update, p50, p99, x echo, x echo CPU,
    # answered (echo's own ratios are empty)
    assert echo[-1] == "40/40" and o2o[-1] == "40/40"  # every search answered, correctly
    echo_rate, o2o_rate = float(echo[3].replace(",", "")), float(o2o[3].replace(",", ""))
    assert echo_rate > 0 and o2o_rate > 0
    assert float(o2o[7]) == pytest.approx(o2o_rate / echo_rate, rel=0.02)
    assert 0 < float(echo[4]) < float(o2o[4])  # the assistant costs more CPU than echo
    assert float(o2o[8]) == pytest.approx(float(echo[4]) / float(o2o[4]), rel=0.05)
    assert 0 < float(o2o[4]) < 1000

    mix = _row(out, "mix, round 1/1", "o2o aiogram sqlite")
    assert mix[-1] == "72/72"  # 8 stories of 9 steps, none lost
    table = out.split("\nmix, round 1/1", 1)[1]
    for step in ("start", "search", "location", "result", "buy", "quantity", "pay",
                 "staff check", "staff redeem"):
        assert re.search(rf"\n\s+{step}\s+[\d.,]+ m?s\s+[\d.,]+ m?s\s+8\n", table), step
