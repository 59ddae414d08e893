"""`o2o shell`: the assistant in the terminal, on the embedded default."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from aiohttp.web import AppRunner

from bot.commands.common import add_database_option, settings_from
from bot.jobs import Jobs, run_due, start_jobs
from bot.runtime import configure_logging, start_runtime
from bot.transports.console import ConsoleShell, interactive_lines, read_lines
from bot.web import start_web
from services.platform.users import demo_telegram_id

SHELL_ADMIN = "admin"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "shell",
        help="chat with the assistant in the terminal (pipe a script to run it)",
        description="Interactive when stdin is a terminal; otherwise reads one input per line.",
    )
    add_database_option(parser)
    parser.add_argument("--lang", choices=("zh", "en"), help="the shell user's language")
    parser.add_argument("--user", default="guest", help="the name of the user you play")
    parser.add_argument("--files", metavar="DIR", help="where pictures are saved")
    parser.add_argument("--echo", action="store_true", help="print each input line (scripts)")
    parser.add_argument("--now", type=_moment, metavar="ISO",
                        help="start the shell's clock here, e.g. 2026-11-25T12:00+08:00 "
                             "(scripts that must not depend on the time of day)")
    parser.set_defaults(func=run)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a timezone, e.g. 2026-11-25T12:00+08:00")
    return moment


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    configure_logging(settings.model_copy(update={"log_level": "WARNING"}))
    return asyncio.run(_shell(settings, args))


async def _shell(settings, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    runtime = await start_runtime(settings, seed_if_empty=True)
    # Whoever sits at the terminal runs the platform: the shell user `admin` is an admin.
    options = runtime.app.options
    runtime.app.options = replace(
        options, admin_ids=(*options.admin_ids, demo_telegram_id(SHELL_ADMIN)))
    web: AppRunner | None = None
    jobs: Jobs | None = None
    try:
        shell = ConsoleShell(
            runtime,
            lang=args.lang,
            user=args.user,
            files_dir=Path(args.files) if args.files else None,
            echo=args.echo,
            names=(SHELL_ADMIN,),
        )
        if args.now is not None:
            shell.clock_offset = args.now - runtime.app.clock()
        interactive = sys.stdin.isatty()
        lines = interactive_lines() if interactive else read_lines(sys.stdin)
        if interactive:
            shell.print("O2O shell — type /start, a search such as 火锅 or hotpot, #N to press "
                        "a button, /as NAME to switch user (/as admin runs the platform), "
                        "Ctrl-D to quit.")
            # Typing along: the payment page opens in a browser too, and holds expire on
            # time. (Scripts stay deterministic: no background jobs, no open port.)
            try:
                web = await start_web(runtime)
            except OSError as exc:
                shell.print(f"(web server not started: {exc.strerror}; the Pay button still "
                            "works here)")
            jobs = await start_jobs(runtime)
        else:  # what starting the assistant catches up on (a campaign missed meanwhile)
            await run_due(runtime)
        async for line in lines:
            await shell.handle_line(line)
    finally:
        if jobs is not None:
            await jobs.stop()
        if web is not None:
            await web.cleanup()
        await runtime.close()
    return 0
