"""`o2o`: the command line. Each subcommand lives in its own module in `bot/commands/`
and registers itself with `register(subparsers)`."""

from __future__ import annotations

import argparse
import gc
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import bot.commands
from bot.config import ConfigError


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand in `bot/commands/` registered, or only
    `command`'s when that names one (each module's imports take a while: `o2o run`
    need not load the benchmarks)."""
    parser = argparse.ArgumentParser(
        prog="o2o",
        description="O2O chat-commerce assistant: find deals nearby, pay by link, redeem in store.",
    )
    parser.add_argument("--config", metavar="PATH",
                        help="config file (default: $O2O_CONFIG, else ./config.toml if present)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    names = sorted(info.name for info in pkgutil.iter_modules(bot.commands.__path__))
    for name in [command] if command in names else names:
        module = importlib.import_module(f"bot.commands.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names (its first word that is no option), if any."""
    words = iter(argv)
    for word in words:
        if word == "--config":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `o2o` console script."""
    if argv is None:
        argv = sys.argv[1:]
    command = _command_of(argv)
    if command == "run":
        # The garbage collector waits until the bot has started (`freeze_startup_objects`
        # in bot.runtime turns it back on): importing the bot makes about 300,000 objects
        # that live as long as the process, and the collector's passes over them were
        # about a tenth of the start-up; they leave about 2,000 objects of garbage
        # cycles, frozen once.
        gc.disable()
    try:
        parser = build_parser(command)
        args = parser.parse_args(argv)
        code = args.func(args)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        gc.enable()  # whatever happened (a run that never started)
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
