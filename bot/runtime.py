"""Putting the pieces together: settings -> database -> handlers, and logging."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from datetime import timedelta

import structlog

from bot.config import Settings
from handlers.app import build_router
from handlers.router import App, Options, Router
from services.database import Database
from services.seed import has_deals, seed_demo

log = structlog.get_logger("o2o")


@dataclass
class Runtime:
    """A started assistant: its settings, database, app context and router."""

    settings: Settings
    db: Database
    app: App
    router: Router

    async def close(self) -> None:
        """Release the database connections."""
        await self.db.dispose()


def configure_logging(settings: Settings, stream: object = None) -> None:
    """structlog over the standard library: key=value lines, or JSON for log shippers.

    structlog because every log line then carries fields (update id, user, method)
    that can be searched, without building strings by hand.
    """
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=renderer,
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for noisy in ("aiogram.event", "httpx", "apscheduler", "jieba"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    structlog.configure(
        processors=[
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def options_from(settings: Settings, bot_username: str | None = None) -> Options:
    """The handler options that the settings decide."""
    return Options(
        default_language=settings.default_language,
        default_timezone=settings.default_timezone,
        page_size=settings.search_page_size,
        conversation_ttl=timedelta(minutes=settings.conversation_ttl_minutes),
        bot_username=bot_username or settings.bot_username,
    )


async def start_runtime(settings: Settings, *, seed_if_empty: bool = False) -> Runtime:
    """Open the database, bring its schema up to date and, if asked, seed the demo."""
    db = Database(settings.database_url)
    await db.upgrade()
    if seed_if_empty and settings.seed_demo_on_empty and not await has_deals(db):
        report = await seed_demo(db)
        log.info("demo data seeded", merchants=report.merchants, deals=report.deals)
    app = App(db=db, options=options_from(settings))
    return Runtime(settings=settings, db=db, app=app, router=build_router())
