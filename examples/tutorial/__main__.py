"""`python -m examples.tutorial`: the console shell (as `o2o shell`) with the tutorial's
routes included, on a SQLite file seeded with the demo world.

    python -m examples.tutorial --db /tmp/tutorial.db --lang en
    python -m examples.tutorial --db /tmp/tutorial.db < examples/tutorial/journey.txt

No web server and no background jobs: the feedback flow needs neither.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.commands.common import add_database_option, settings_from
from bot.runtime import configure_logging, start_runtime
from bot.transports.console import ConsoleShell, interactive_lines, read_lines
from examples.tutorial import router, setup


async def shell(args: argparse.Namespace) -> int:
    """Start the assistant with the tutorial wired in, and read lines until the end."""
    settings = settings_from(args)
    configure_logging(settings.model_copy(update={"log_level": "WARNING"}))
    runtime = await start_runtime(settings, seed_if_empty=True)
    try:
        await setup(runtime.db)  # the tutorial's own table
        runtime.router.include(router)  # its routes, next to build_router()'s
        interactive = sys.stdin.isatty()
        console = ConsoleShell(runtime, lang=args.lang, user=args.user, echo=not interactive)
        if interactive:
            console.print("Tutorial shell: /feedback NAME rates a shop, /as NAME-owner then "
                          "/reviews reads it, #N presses a button, Ctrl-D quits.")
        async for line in interactive_lines() if interactive else read_lines(sys.stdin):
            await console.handle_line(line)
    finally:
        await runtime.close()
    return 0


def main() -> int:
    """Parse the command line and run the shell."""
    parser = argparse.ArgumentParser(prog="python -m examples.tutorial",
                                     description=__doc__.splitlines()[0])
    add_database_option(parser)
    parser.add_argument("--lang", choices=("zh", "en"), help="the shell user's language")
    parser.add_argument("--user", default="guest", help="the name of the user you play")
    return asyncio.run(shell(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
