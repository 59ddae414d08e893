"""`o2o ledger check`: prove the books (exit 1 with the first broken rule).

The rules are in `services.ledger.check`: every entry balances, no account that must
not go negative does, every paid order is posted once for what it cost and all of its
money is accounted for (merchant + fee + commissions + refunds = paid), and payouts in
transit match the requested payouts.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bot.commands.common import add_database_option, settings_from
from services.ledger.check import BookCheck, check_books
from services.platform.database import Database


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("ledger", help="the books: check that they hold")
    actions = parser.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="check every rule of the books; exit 1 if one "
                                             "is broken")
    add_database_option(check)
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> BookCheck:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            return await check_books(db)
        finally:
            await db.dispose()

    started = time.perf_counter()
    books = asyncio.run(go())
    took = time.perf_counter() - started
    if books.ok:
        print(f"ok: {books.entries} entries, {books.lines} lines, {books.paid_orders} paid "
              f"orders; every rule holds ({took:.2f} s)")
        return 0
    print(f"broken: {books.problem}")
    return 1
