"""Putting the pieces together: settings -> database -> handlers, and logging."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog

from bot.config import ConfigError, Settings
from bot.logs import redact
from handlers.app import build_router
from handlers.core import Reply
from handlers.router import App, Options, Router
from services.demo.seed import has_deals, seed_demo
from services.ledger.rules import Rules, set_rules
from services.payments import PaymentProvider, Payments
from services.payments.sandbox import SandboxProvider
from services.payments.telegram import TelegramProvider
from services.platform.database import Database
from services.platform.outbox import new_taker

log = structlog.get_logger("o2o")


Outbox = Callable[[int, list[Reply]], Awaitable[int]]
"""Sends replies to a chat outside any conversation turn (an owed message); returns how
many went out, or raises `NotDelivered` when Telegram refused them."""


class NotDelivered(Exception):
    """Telegram refused an owed message: `kind` "forbidden" (403: the user blocked the
    bot), "bad_request" (400) or "retry_after" (429: not taken, try again after
    `retry_after` seconds); `went` of its replies had gone out before."""

    def __init__(self, kind: str, reason: str = "", retry_after: float = 0.0,
                 went: int = 0) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason
        self.retry_after = retry_after
        self.went = went


@dataclass(frozen=True)
class PushOutcome:
    """What Telegram answered to one push: "sent" (with the message id), "retry_after"
    (429: not delivered, wait `retry_after` seconds), "forbidden" (403: the user blocked
    the bot), "bad_request" (400) or "network" (nobody knows whether it arrived)."""

    kind: str
    message_id: int | None = None
    retry_after: float = 0.0
    error: str = ""


Pusher = Callable[[int, Reply], Awaitable[PushOutcome]]
"""Sends one push once, without retries, and reports exactly how it went."""


@dataclass
class Runtime:
    """A started assistant: its settings, database, app context and router.

    `outbox` is set by whatever talks to users (a Telegram transport, the console
    shell); the outbox sender (`bot.outbox`) sends every owed message through it.
    """

    settings: Settings
    db: Database
    app: App
    router: Router
    outbox: Outbox | None = None
    pusher: Pusher | None = None
    pushes: Any = None  # the push sender (bot.pushes.PushSender) once scheduling started
    owed_sender: Any = None  # the outbox sender (bot.outbox.OutboxSender) once started
    # The scheduler role's fencing epoch while this process holds it on PostgreSQL
    # (bot.scale.leader); None on SQLite, where the one process simply holds it.
    scheduler_epoch: int | None = None
    redis: Any = None  # the Redis client workers share limits through (None: no Redis)
    # Recorded on every owed row this process takes to send; on PostgreSQL the scheduler
    # role's connection holds its advisory lock while the process lives (bot.scale.leader).
    outbox_taker: int = field(default_factory=new_taker)

    async def send(self, chat_id: int, replies: list[Reply]) -> int:
        """Send replies to a chat through the transport's `outbox` (the outbox sender's
        way out); 0 when there is none (yet). May raise `NotDelivered`."""
        if not replies:
            return 0
        if self.outbox is None:
            log.warning("no transport to send to the chat; kept for later", chat=chat_id)
            return 0
        return await self.outbox(chat_id, replies)

    async def close(self) -> None:
        """Release the database connections (and a payment provider's HTTP client)."""
        for provider in self.app.payments.providers.values():
            aclose = getattr(provider, "aclose", None)
            if aclose is not None:
                await aclose()
        await self.db.dispose()


def configure_logging(settings: Settings, stream: object = None) -> None:
    """structlog over the standard library: key=value lines, or JSON for log shippers
    (`log_format` "auto": JSON unless the stream is a terminal).

    structlog because every log line then carries fields (update id, user, method)
    that can be searched, without building strings by hand. Every line, the standard
    library's included, gets the turn's context (`update_id`, `user_id`) and goes
    through `bot.logs.redact` (no token, payment secret or full code is written).
    """
    out = stream or sys.stderr
    as_json = settings.log_format == "json" or (
        settings.log_format == "auto" and not getattr(out, "isatty", lambda: False)())
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if as_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    handler = logging.StreamHandler(out)  # type: ignore[arg-type]
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact,
                renderer,
            ],
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
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
            structlog.contextvars.merge_contextvars,
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
        order_hold=timedelta(minutes=settings.order_hold_minutes),
        admin_ids=tuple(settings.admin_ids),
        bot_username=bot_username or settings.bot_username,
        poster_font=settings.poster_font,
        font_dirs=tuple(settings.font_dirs),
        push_max_per_day=settings.push_max_per_day,
        coupon_floor_percent=settings.coupon_floor_percent,
        booking_no_show_deposit=settings.booking_no_show_deposit,
        miniapp_base=settings.public_url.rstrip("/") if settings.public_url.startswith(
            "https://") else None,
    )


def money_rules_from(settings: Settings) -> Rules:
    """The platform's money rules the settings decide (percent -> basis points)."""
    return Rules(fee_bp=round(settings.platform_fee_percent * 100),
                 commission_cap_bp=round(settings.commission_cap_percent * 100),
                 referral_levels=settings.referral_levels,
                 release_after_days=settings.commission_release_days)


def pool_size(settings: Settings) -> int:
    """The most connections a worker's pool holds; no more open in a burst.

    A turn holds one connection at a time (its reads' or, having let that go, its
    write's: `Database.holding_reads`), so `updates_in_flight` turns need as many; four
    more serve the web (payments), the outbox sender and the jobs; beyond that a
    checkout waits its turn in the pool. The pool used to be that plus as much again in
    a burst, 40 per worker: under the mix's burst of payments two fleets' pools grew to
    the shared server's 100 (`max_connections`), and every connection PostgreSQL then
    refused ("sorry, too many clients already") failed a turn (the error reply) or a
    payment page (500)."""
    return settings.database_pool_size or settings.updates_in_flight + 4


def open_database(settings: Settings) -> Database:
    """The worker's database, its pool sized by `pool_size` (no connection opened yet)."""
    return Database(settings.database_url, pool_size=pool_size(settings), max_overflow=0)


async def start_runtime(settings: Settings, *, seed_if_empty: bool = False) -> Runtime:
    """Open the database, bring its schema up to date and, if asked, seed the demo."""
    db = open_database(settings)
    await db.upgrade()
    if seed_if_empty and settings.seed_demo_on_empty and not await has_deals(db):
        report = await seed_demo(db)
        log.info("demo data seeded", merchants=report.merchants, deals=report.deals)
    await set_rules(db, money_rules_from(settings))
    app = App(db=db, options=options_from(settings), payments=build_payments(settings))
    return Runtime(settings=settings, db=db, app=app, router=build_router())


def freeze_startup_objects() -> None:
    """Take what start-up made (modules, catalogs, the Telegram library's models: a few
    hundred thousand objects that live as long as the process) out of the garbage
    collector's full passes, and run the collector (again, when start-up paused it).
    Each such pass otherwise stops the event loop for up to 0.3 s, which paced sending
    cannot make up: in a 20-second broadcast at 1,000/s, 14 full passes took 2.7 s. Call
    once, when everything has started.

    Only the young generations are collected first, and only when the collector ran
    during start-up: a full pass here costs a tenth of a second and found nothing to
    free; with the collector paused, even the young pass would go over everything
    start-up made. Whatever garbage is frozen stays, once; it does not grow."""
    if gc.isenabled():
        gc.collect(1)
    gc.freeze()
    gc.enable()


def build_payments(settings: Settings) -> Payments:
    """The payment providers the settings configure; new orders use `payment_provider`.

    The sandbox and Telegram providers are always there so that refunds of older
    orders find the way the money came; Stripe is there when its keys are set.
    """
    providers: dict[str, PaymentProvider] = {
        "sandbox": SandboxProvider(settings.public_url),
        "telegram": TelegramProvider(),
    }
    key, secret = settings.stripe_secret_key, settings.stripe_webhook_secret
    if key is not None and secret is not None:
        from services.payments.stripe_provider import StripeProvider

        providers["stripe"] = StripeProvider(
            secret_key=key.get_secret_value(), webhook_secret=secret.get_secret_value(),
            api_base=settings.stripe_api_base, public_url=settings.public_url,
        )
    elif settings.payment_provider == "stripe":
        raise ConfigError("config error: payment_provider: stripe needs O2O_STRIPE_SECRET_KEY "
                          "and O2O_STRIPE_WEBHOOK_SECRET")
    return Payments(settings.payment_provider, providers)
