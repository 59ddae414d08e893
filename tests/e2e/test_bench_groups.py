"""`o2o bench groups` in a small smoke run, so it cannot rot: 30 groups of 3 opened and
joined through the real checkout (a third fill), the rest expire and the expiry job
refunds every member of theirs through the sandbox; the invariants hold (codes xor one
refund, filled groups whole, stock back, the books). On SQLite, and on PostgreSQL when it
answers (always in CI). Speed figures are not checked here.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_bench_ledger import _bench, _databases

pytestmark = pytest.mark.e2e


def test_thirty_groups_fill_or_expire_and_every_member_has_codes_or_one_refund() -> None:
    databases = _databases()
    output = _bench("groups", "--groups", "30", "--concurrency", "4",
                    "--databases", ",".join(databases))
    for name in databases:
        assert f"{name}: 30 groups of 3, 10 fill, 20 expire; 4 concurrent" in output
    assert len(re.findall(r"^  joins: +\d+ payments/s .* \(70 in ", output,
                          re.MULTILINE)) == len(databases), output
    assert len(re.findall(r"^  expiry: 40 members refunded \(40 done\) in ", output,
                          re.MULTILINE)) == len(databases), output
    assert output.count("members: 70 paid (70 planned): 30 with codes, 40 with one refund; "
                        "both 0, neither 0, several refunds 0; unpaid orders 0"
                        ) == len(databases), output
    assert output.count("  invariants: ok (7 rules)") == len(databases), output
    assert output.count("books: ok") == len(databases), output
