"""`o2o bench search` in a small smoke run, so it cannot rot: 4,000 deals in 200 stores
over a city and over a country, the nearby query beside a brute-force scan, on SQLite
and on PostgreSQL when it answers (always in CI), where the PostGIS anchor runs when the
extension is installed and is otherwise reported missing on one line, with the way to
install it. Speed figures are not checked here.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_bench_ledger import _bench, _databases

pytestmark = pytest.mark.e2e


def test_a_small_search_run_times_ours_beside_a_scan_and_the_anchor_or_says_why_not() -> None:
    databases = _databases()
    output = _bench("search", "--deals", "4000", "--stores", "200", "--queries", "60",
                    "--brute", "5", "--databases", ",".join(databases))
    for spread in ("city", "country"):
        assert f"{spread}: 4,000 deals in 200 stores, 60 queries" in output, output
    line = r"p50 +[\d.]+ ms +p99 +[\d.]+ ms +mean +[\d.]+ ms +\({} queries\)"
    assert len(re.findall(r"^  ours \(box \+ rings\) +" + line.format(60), output,
                          re.MULTILINE)) == 2 * len(databases), output
    assert len(re.findall(r"^  brute-force scan +" + line.format(5) + r" +ours is \d+x faster",
                          output, re.MULTILINE)) == 2 * len(databases), output
    if "postgres" in databases:
        anchors = re.findall(r"^  PostGIS KNN \(anchor\) +" + line.format(60)
                             + r" +ours/PostGIS p50 [\d.]+, p99 [\d.]+$", output, re.MULTILINE)
        missing = re.findall(r"^ postgres: no PostGIS anchor \(.+\); on Debian: apt-get install "
                             r"postgresql-15-postgis-3", output, re.MULTILINE)
        assert (len(anchors), len(missing)) in ((2, 0), (0, 2)), output
        assert output.count("  top-20 agreement with PostGIS: ") == len(anchors), output
