"""`o2o db upgrade|current`: the database schema (Alembic migrations)."""

from __future__ import annotations

import argparse
import asyncio

from bot.commands.common import add_database_option, settings_from
from services.platform.database import Database, head_revision


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("db", help="database schema migrations")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="migrate the schema to the newest revision")
    add_database_option(upgrade)
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=run_upgrade)
    current = actions.add_parser("current", help="show the schema revision")
    add_database_option(current)
    current.set_defaults(func=run_current)


def run_upgrade(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> str | None:
        db = Database(settings.database_url)
        try:
            await db.upgrade(args.revision)
            return await db.current_revision()
        finally:
            await db.dispose()

    print(f"database at revision {asyncio.run(go())}")
    return 0


def run_current(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> str | None:
        db = Database(settings.database_url)
        try:
            return await db.current_revision()
        finally:
            await db.dispose()

    current = asyncio.run(go())
    print(f"current: {current or 'none (empty database)'}; newest: {head_revision()}")
    return 0
