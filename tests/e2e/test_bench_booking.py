"""`o2o bench booking` in a small smoke run, so it cannot rot: 10 stores x 14 days of
bookings loaded in bulk with their units, free-slot queries, then 120 booking attempts
of the free starts offered (a tenth at the hot stores' 19:00 tomorrow) 8 at a time
through `book`, and again at random starts in two booker processes; the invariants
hold (no unit over capacity, units equal the recount from live bookings, every booking
a row, refusals only when full). On SQLite, and on PostgreSQL when it answers (always in
CI). Speed figures are not checked here.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_bench_ledger import _bench, _databases

pytestmark = pytest.mark.e2e


def test_a_small_booking_run_never_overbooks_and_its_units_match_its_bookings() -> None:
    databases = _databases()
    output = _bench("booking", "--stores", "10", "--queries", "50", "--bookings", "120",
                    "--concurrency", "8", "--databases", ",".join(databases))
    for name in databases:
        assert f"{name}: 10 stores x 14 days x 36 bookings; 120 attempts, 8 at a time" in output
    assert len(re.findall(r"^  free_slots \(7 days, party 2-6\): p50 [\d.]+ ms +p99 [\d.]+ ms",
                          output, re.MULTILINE)) == len(databases), output
    assert len(re.findall(r"^  bookings \(free starts, hot share 0.1, one process\): \d+ "
                          r"bookings/s .*\(120 attempts, 8 at a time",
                          output, re.MULTILINE)) == len(databases), output
    assert len(re.findall(r"^  units: \d+ taken, 0 over their tables, 0 negative; 0 differ",
                          output, re.MULTILINE)) == len(databases), output
    assert len(re.findall(r", 0 of them while a table was free$", output,
                          re.MULTILINE)) == len(databases), output
    assert output.count("  invariants: ok (4 rules)") == len(databases), output


def test_two_booker_processes_at_random_starts_keep_the_invariants() -> None:
    output = _bench("booking", "--stores", "10", "--queries", "10", "--bookings", "120",
                    "--concurrency", "8", "--choose", "random", "--processes", "2",
                    "--databases", "sqlite")
    assert re.search(r"^  bookings \(random starts, hot share 0.1, 2 processes\): \d+ "
                     r"bookings/s .*\(120 attempts, 8 at a time", output, re.MULTILINE), output
    assert output.count("  invariants: ok (4 rules)") == 1, output
