"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.config import Settings, load_settings


def sqlite_url(path: str) -> str:
    """The SQLAlchemy URL of a SQLite file path."""
    return f"sqlite+aiosqlite:///{Path(path).expanduser().resolve()}"


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """`--db PATH` (a SQLite file) or `--database-url URL`."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--db", metavar="PATH", help="SQLite database file")
    group.add_argument("--database-url", metavar="URL", help="database URL (overrides config)")


def settings_from(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Settings from the config file and environment, with command-line flags on top."""
    db = getattr(args, "db", None)
    url = getattr(args, "database_url", None)
    if db:
        overrides["database_url"] = sqlite_url(db)
    elif url:
        overrides["database_url"] = url
    return load_settings(getattr(args, "config", None), **overrides)
