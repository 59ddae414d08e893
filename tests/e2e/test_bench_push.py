"""The push benchmark in a small smoke run: its invariants hold and it says so.

Runs `o2o bench push --quick` with a few hundred followers in its own process: the
real planning, the real sender through the push lane to the Bot API stand-in, and the sender
SIGKILLed mid-campaign and restarted. Speed figures are not checked here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _figure(output: str, name: str) -> int:
    match = re.search(rf"^  {re.escape(name)}\s+([\d,]+)\s*$", output, re.MULTILINE)
    assert match is not None, f"no figure {name!r} in:\n{output}"
    return int(match.group(1).replace(",", ""))


def test_a_small_push_run_sends_each_follower_once_and_never_in_quiet_hours() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "bench", "push", "--quick", "--followers", "2000",
         "--send-users", "600", "--fault-users", "600", "--rate", "300",
         "--fault-rate", "200", "--timeout", "120"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    output = done.stdout
    assert done.returncode == 0, output + done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]

    assert _figure(output, "plan: planned inside quiet hours") == 0
    assert _figure(output, "plan: paused not dropped") == 0
    assert _figure(output, "plan: unreachable not blocked") == 0
    assert "PASS   plan: one delivery row per follower (2,000)" in output

    assert _figure(output, "send: pushes due now") > 500
    assert _figure(output, "send: duplicates at the stand-in") == 0
    assert _figure(output, "send: deliveries inside quiet hours") == 0
    assert _figure(output, "send: due pushes not settled at the end") == 0

    assert _figure(output, "fault: duplicates at the stand-in") == 0
    assert _figure(output, "fault: real losses (due, not in doubt, never arrived)") == 0
    assert _figure(output, "fault: deliveries inside quiet hours") == 0
    assert "FAIL" not in output
