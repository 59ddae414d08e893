"""`o2o places import FILE`: add places to the gazetteer from a CSV."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.commands.common import add_database_option, settings_from
from services.catalog.places import COLUMNS, GazetteerError, import_places, read_places_csv
from services.platform.database import Database


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("places", help="the gazetteer of place names")
    actions = parser.add_subparsers(dest="places_action", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help=f"import a CSV with columns {','.join(COLUMNS)}")
    imp.add_argument("file", type=Path)
    add_database_option(imp)
    imp.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    try:
        rows = read_places_csv(args.file.read_bytes(), args.file.name)
    except OSError as exc:
        print(f"{args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except GazetteerError as exc:
        for problem in exc.problems[:50]:
            print(problem, file=sys.stderr)
        print(f"nothing imported: {len(exc.problems)} bad row(s)", file=sys.stderr)
        return 2

    async def go() -> int:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            return await import_places(db, rows)
        finally:
            await db.dispose()

    added = asyncio.run(go())
    print(f"{len(rows)} places read, {added} new")
    return 0
