"""The checkout and ledger benchmarks in small smoke runs: they run, their consistency
checks hold and the books they leave pass `o2o ledger check`, so they cannot rot.

`o2o bench checkout` buys, pays and redeems with buyers nobody referred and with
buyers three levels deep in referrals, and prints the ratio; `o2o bench ledger`
posts paid orders (one of each shape through the posting functions, the rest copied)
and times `check_books`. Both on SQLite, and on PostgreSQL when it answers (always in
CI). Speed figures are not checked here.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, _postgres_problem
from tests.helpers.other_code import copy_of_this_code

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _databases() -> list[str]:
    problem = asyncio.run(_postgres_problem())
    if problem is None:
        return ["sqlite", "postgres"]
    if os.environ.get("CI"):
        pytest.fail(f"{problem} (CI must run the PostgreSQL benchmarks)")
    return ["sqlite"]


def _bench(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "bench", *args, "--postgres-url", POSTGRES_URL],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stdout


def test_a_small_checkout_run_with_and_without_referrals_keeps_the_books() -> None:
    databases = _databases()
    output = _bench("checkout", "--orders", "40", "--concurrency", "4",
                    "--databases", ",".join(databases))
    for name in databases:
        assert f"{name}: 40 orders, 4 concurrent, no referrers" in output
        assert re.search(rf"^{name}: with three levels of referrals / no referrers: "
                         r"paid orders \d+/\d+ = [\d.]+, redemptions \d+/\d+ = [\d.]+$",
                         output, re.MULTILINE), output
    assert output.count("commissions: 0 posted") == len(databases)
    assert output.count("commissions: 120 posted (3 per payment)") == len(databases)
    assert output.count("books: ok") == 2 * len(databases)


def test_a_checkout_run_in_two_worker_processes_keeps_the_books() -> None:
    databases = _databases()
    output = _bench("checkout", "--orders", "40", "--concurrency", "4", "--processes", "2",
                    "--referrals", "three", "--databases", ",".join(databases))
    for name in databases:
        assert f"{name}: 40 orders, 4 concurrent, 2 processes, every buyer three levels" \
            in output
    assert output.count("commissions: 120 posted (3 per payment)") == len(databases)
    assert output.count('consistency: ok (every confirm "redeemed", 40 codes') == len(databases)
    assert output.count("books: ok") == len(databases)


def test_a_checkout_run_compared_with_other_code_times_both_in_turn(tmp_path: Path) -> None:
    # The other code: a copy of this one's packages, in a folder of its own.
    other = copy_of_this_code(tmp_path / "before")
    databases = _databases()
    output = _bench("checkout", "--orders", "20", "--concurrency", "2", "--referrals", "none",
                    "--databases", ",".join(databases), "--compare", str(other),
                    "--rounds", "2")
    # Alternated, the other code first in each round, each run telling whose code it ran.
    runs = re.findall(r"^== round (\d) of 2: (before|this) \((.+)\);", output, re.MULTILINE)
    assert [(n, label) for n, label, _ in runs] == [
        ("1", "before"), ("1", "this"), ("2", "before"), ("2", "this")]
    assert output.count(f"the code under test: {other}") == 2
    assert output.count(f"the code under test: {ROOT}") == 2
    assert output.count("books: ok") == 4 * len(databases)
    for name in databases:
        assert f"{name}, no referrers:" in output
    ratios = re.findall(r"^  (paid orders|redemptions) +before \d+ / \d+/s, this \d+ / \d+/s: "
                        r"x[\d.]+ / x[\d.]+, median x[\d.]+$", output, re.MULTILINE)
    assert ratios == ["paid orders", "redemptions"] * len(databases), output


def test_checkout_compare_refuses_a_folder_that_is_no_checkout(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "bench", "checkout", "--compare", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert f"{tmp_path} is not a checkout of this project" in done.stdout


def test_a_small_ledger_run_posts_every_shape_and_the_books_hold() -> None:
    databases = _databases()
    output = _bench("ledger", "--orders", "600", "--databases", ",".join(databases))
    for name in databases:
        assert f"{name}: 600 paid orders" in output
    assert len(re.findall(r"check_books \((first|second)\): +[\d.]+ s over [\d,]+ entries, "
                          r"[\d,]+ lines, 600 paid orders: ok", output)) == 2 * len(databases)
    assert "PROBLEM" not in output
