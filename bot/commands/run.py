"""`o2o run`: serve the conversation on Telegram by long polling, or by webhook
(`--webhook`: several workers behind a reverse proxy, see `bot.webhook`)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import structlog

from bot.commands.common import add_database_option, settings_from
from bot.config import ConfigError, Settings
from bot.runtime import configure_logging, freeze_startup_objects, start_runtime
from bot.scale.leader import SchedulerRole
from bot.scale.startup import share, wait_for_servers
from bot.web import start_web
from services.demo.seed import has_deals

log = structlog.get_logger("o2o.run")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "run",
        help="serve the bot on Telegram (needs O2O_BOT_TOKEN)",
        description="Long-polls the Bot API with the configured token.",
    )
    add_database_option(parser)
    parser.add_argument("--api-base", metavar="URL",
                        help="Bot API base URL (a local Bot API server or the stand-in)")
    parser.add_argument("--transport", choices=("aiogram", "ptb"),
                        help="Telegram library (default from config: aiogram)")
    parser.add_argument("--webhook", action="store_true",
                        help="take updates by webhook (setWebhook to webhook_url, served "
                             "on the web server at webhook_path; needs O2O_WEBHOOK_SECRET) "
                             "instead of long polling")
    parser.add_argument("--profile", metavar="FILE",
                        help="run under cProfile and write its statistics to FILE on exit "
                             "(read them with `python -m pstats FILE`)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args, api_base=args.api_base, transport=args.transport)
    if settings.bot_token is None:
        raise ConfigError(
            "config error: O2O_BOT_TOKEN: not set; `o2o run` needs a bot token "
            "(or try `o2o shell` without one)"
        )
    configure_logging(settings)
    if not args.profile:
        asyncio.run(_serve(settings, args.webhook))
        return 0
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        asyncio.run(_serve(settings, args.webhook))
    finally:
        profiler.disable()
        profiler.dump_stats(args.profile)
    return 0


async def _serve(settings: Settings, webhook: bool = False) -> None:
    redis = await wait_for_servers(settings)  # a worker may come up before its servers
    runtime = await start_runtime(settings, seed_if_empty=False)
    shared = share(runtime, redis)
    if not await has_deals(runtime.db):  # a real bot gets no demo merchants by itself
        log.warning("no deals in the database yet: shoppers will find nothing; "
                    "`o2o seed demo` loads the demo, merchants apply with /merchant")
    web = None
    stop_scheduler = asyncio.Event()
    scheduler: asyncio.Task[None] | None = None
    try:
        assert settings.bot_token is not None
        token = settings.bot_token.get_secret_value()
        # Import only the library in use: each takes a while to load.
        transport: Any
        if settings.transport == "ptb":
            from bot.transports.ptb_transport import PtbTransport

            transport = PtbTransport(runtime, token, settings.api_base)
        else:
            from bot.aiogram_import import import_aiogram

            import_aiogram()  # before anything imports aiogram: its models built on use
            from bot.transports.aiogram_transport import AiogramTransport

            transport = AiogramTransport(runtime, token, settings.api_base)
        hook = None
        if webhook:
            from bot.webhook import Webhook, bot_id_of

            hook = Webhook(runtime, bot_id_of(token))
        try:
            web = await start_web(runtime, hook.add_routes if hook is not None else None)
        except OSError as exc:
            raise ConfigError(f"config error: web_port: can't listen on {settings.web_host}:"
                              f"{settings.web_port} ({exc.strerror}); set O2O_WEB_PORT") from None
        # Housekeeping, campaign timers and the push sender: in one worker at a time.
        role = SchedulerRole(runtime)
        scheduler = asyncio.create_task(role.run(stop_scheduler), name="scheduler-role")
        await role.decided()  # leading (jobs started) or following, before serving
        freeze_startup_objects()
        if hook is not None:
            try:
                await transport.run_webhook(hook)
            finally:
                await hook.close()
        else:
            await transport.run_polling()
    finally:
        stop_scheduler.set()
        if scheduler is not None:
            await scheduler
        if web is not None:
            await web.cleanup()
        await shared.close()
        await runtime.close()
