"""`o2o seed demo`: load the Fuzhou Mawei demo world."""

from __future__ import annotations

import argparse
import asyncio

from bot.commands.common import add_database_option, settings_from
from services.demo.seed import seed_demo
from services.platform.database import Database


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("seed", help="load data")
    kinds = parser.add_subparsers(dest="seed_kind", metavar="KIND", required=True)
    demo = kinds.add_parser("demo", help="demo merchants, stores and deals around Mawei, Fuzhou")
    add_database_option(demo)
    demo.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> None:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            report = await seed_demo(db)
        finally:
            await db.dispose()
        print(f"added {report.merchants} merchants, {report.stores} stores, "
              f"{report.deals} deals")

    asyncio.run(go())
    return 0
