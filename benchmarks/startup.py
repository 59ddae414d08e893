"""Start-up: seconds from spawning `o2o run` to its first getUpdates, on the stand-in.

The Bot API stand-in runs in this process on 127.0.0.1; `o2o run` is a subprocess
(a fresh interpreter, as an operator starts it) with its own web server on a free
port. The clock starts just before the spawn and stops when the stand-in receives the
first getUpdates (long polling has begun); the bot is then stopped with SIGTERM and
must leave no traceback. Also reported: when the first Bot API call arrived (what came
before it is imports, settings and the database) and the bot's CPU seconds up to its
exit.

Cases (`--cases`): `sqlite` (the embedded default: a SQLite file at the schema's head
with the demo seeded; the target, under 2 s), `sqlite-empty` (the first start: an
empty SQLite file, every migration applied) and `postgres` (a database on
`--postgres-url`'s server, migrated and seeded, dropped afterwards). Each start gets a
database of its own, a copy of one seeded once per case and code, by that code (`o2o
run` itself never seeds). `--compare DIR` also times the code in DIR (say, `git archive
main | tar -x -C DIR`), rounds interleaved with this code's, for a before/after in the
same run; DIR's databases are migrated and seeded by DIR's own `o2o seed demo`, so its
schema may be older or newer than this code's. Timing one start-up from other code:
`await measure_startup(database_url)` (or `startup_timeline` for the details).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import resource
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.workers import stop_process
from standins import BotApiStandin

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "424242:startup-bench"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET_SECONDS = 2.0
CASES = ("sqlite", "sqlite-empty", "postgres")

Fresh = Callable[[], AbstractAsyncContextManager[str]]
"""Gives the URL of a database of its own for one start (dropped afterwards)."""


@dataclass(frozen=True)
class Startup:
    """One start of `o2o run`: seconds from the spawn to the first getUpdates, to the
    first Bot API call of any kind, the methods called before polling (in order), and
    the process's CPU seconds (user + system) until it exited; `traceback`, the end of
    its stderr when it wrote one (stopped while a start-up job was still at work)."""

    seconds: float
    first_call: float
    calls: tuple[str, ...]
    cpu: float
    traceback: str = ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(database_url: str, root: Path, web_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    env.update(O2O_BOT_TOKEN=TOKEN, O2O_DATABASE_URL=database_url,
               O2O_WEB_PORT=str(web_port), O2O_PUBLIC_URL=f"http://127.0.0.1:{web_port}",
               PYTHONPATH=str(root))
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def startup_timeline(database_url: str, *, transport: str = "aiogram",
                           root: Path = ROOT, timeout: float = 120.0) -> Startup:
    """Spawn `o2o run` (the code under `root`) on `database_url` against a stand-in
    started here, time it to the first getUpdates, stop it with SIGTERM; RuntimeError
    if it exits before polling. Children are reaped one at a time here, so the CPU
    figure is the bot's alone."""
    async with BotApiStandin(token=TOKEN) as api:
        with tempfile.TemporaryDirectory(prefix="o2o-startup-") as workdir:
            cpu_before = _children_cpu()
            began = time.time()
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", "--api-base", api.base_url,
                "--transport", transport, cwd=workdir,  # no config.toml of anyone's
                env=_environment(database_url, root, _free_port()),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            assert proc.stderr is not None
            errors = asyncio.ensure_future(proc.stderr.read())
            try:
                polled = asyncio.ensure_future(api.wait_for_call("getUpdates", timeout=timeout))
                await asyncio.wait([polled, errors], return_when=asyncio.FIRST_COMPLETED)
                if not polled.done():  # the bot closed its stderr: it exited
                    polled.cancel()
                    raise RuntimeError("o2o run exited before polling:\n"
                                       + (await errors).decode()[-3000:])
                first_poll = polled.result().at
                calls = [c for c in api.calls if c.at <= first_poll]
            finally:
                await stop_process(proc, 30)
            stderr = (await errors).decode()
            return Startup(seconds=first_poll - began,
                           first_call=min(c.at for c in calls) - began,
                           calls=tuple(c.method for c in calls),
                           cpu=_children_cpu() - cpu_before,
                           traceback=stderr[stderr.find("Traceback"):][:3000]
                           if "Traceback" in stderr else "")


async def measure_startup(database_url: str, *, transport: str = "aiogram",
                          root: Path = ROOT) -> float:
    """Seconds from spawning `o2o run` on `database_url` to the first getUpdates the
    Bot API stand-in receives (see `startup_timeline`)."""
    return (await startup_timeline(database_url, transport=transport, root=root)).seconds


# ------------------------------------------------------------------ databases


async def _prepare(url: str, root: Path = ROOT) -> None:
    """Migrate the database at `url` and seed the demo, as the code under `root` does:
    this code in this process, other code by its own `o2o seed demo`."""
    if root != ROOT:
        env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
        seeding = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "seed", "demo", cwd=root,
            env={**env, "O2O_DATABASE_URL": url, "PYTHONPATH": str(root)},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        _, errors = await seeding.communicate()
        if seeding.returncode != 0:
            raise RuntimeError(f"o2o seed demo in {root} failed:\n{errors.decode()[-3000:]}")
        return
    from services.demo.seed import seed_demo
    from services.platform.database import Database

    db = Database(url)
    try:
        await db.upgrade()
        await seed_demo(db)
    finally:
        await db.dispose()


@contextlib.asynccontextmanager
async def sqlite_database(*, seeded: bool) -> AsyncIterator[str]:
    """A SQLite file in a temporary folder: migrated and seeded with the demo, or
    (`seeded=False`) not created at all, as on a first start."""
    async with sqlite_databases(seeded=seeded) as fresh, fresh() as url:
        yield url


@contextlib.asynccontextmanager
async def sqlite_databases(*, seeded: bool, root: Path = ROOT) -> AsyncIterator[Fresh]:
    """Fresh SQLite files, each a copy of one seeded once by the code under `root` (or
    none: a first start)."""
    with tempfile.TemporaryDirectory(prefix="o2o-startup-db-") as folder:
        template = Path(folder) / "template.db"
        if seeded:
            await _prepare(f"sqlite+aiosqlite:///{template}", root)
        copies = itertools.count()

        @contextlib.asynccontextmanager
        async def fresh() -> AsyncIterator[str]:
            path = Path(folder) / f"o2o-{next(copies)}.db"
            if seeded:
                shutil.copyfile(template, path)
            try:
                yield f"sqlite+aiosqlite:///{path}"
            finally:
                for leftover in Path(folder).glob(f"{path.name}*"):
                    leftover.unlink()

        yield fresh


@contextlib.asynccontextmanager
async def postgres_databases(server_url: str, root: Path = ROOT) -> AsyncIterator[Fresh]:
    """Fresh databases on `server_url`'s server, each made from one template database
    migrated and seeded once by the code under `root` (CREATE DATABASE ... TEMPLATE),
    all dropped afterwards."""
    from benchmarks.workers import scratch_databases

    async with scratch_databases(server_url, "o2o_bench_startup") as scratch:
        await _prepare(await scratch.make("template"), root)
        made = itertools.count()

        @contextlib.asynccontextmanager
        async def fresh() -> AsyncIterator[str]:
            yield await scratch.make(str(next(made)), template="template")

        yield fresh


# ------------------------------------------------------------------ the command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=5, help="starts per case and code")
    parser.add_argument("--cases", default="sqlite",
                        help=f"comma-separated, of {', '.join(CASES)} (default: sqlite)")
    parser.add_argument("--transport", choices=("aiogram", "ptb"), default="aiogram")
    parser.add_argument("--postgres-url", default=DEFAULT_PG, metavar="URL",
                        help="server for the postgres case (a scratch database is made)")
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="also time the code in DIR (a checkout), rounds interleaved")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def _case(case: str, codes: Sequence[tuple[str, Path]], args: argparse.Namespace
                ) -> dict[str, list[Startup]]:
    found: dict[str, list[Startup]] = {label: [] for label, _ in codes}
    async with contextlib.AsyncExitStack() as stack:
        fresh: dict[str, Fresh] = {}
        for label, root in codes:  # each code's databases made by that code
            fresh[label] = await stack.enter_async_context(
                postgres_databases(args.postgres_url, root) if case == "postgres"
                else sqlite_databases(seeded=case == "sqlite", root=root))
        for _ in range(args.rounds):
            for label, root in codes:
                async with fresh[label]() as url:
                    found[label].append(await startup_timeline(
                        url, transport=args.transport, root=root))
    return found


def _report(case: str, label: str, runs: list[Startup]) -> None:
    seconds = [r.seconds for r in runs]
    first = [r.first_call for r in runs]
    cpu = [r.cpu for r in runs]
    met = "met" if statistics.median(seconds) < TARGET_SECONDS else "MISSED"
    print(f"{case:<13} {label:<7} to first getUpdates: median {statistics.median(seconds):.2f} s"
          f" (min {min(seconds):.2f}, max {max(seconds):.2f}); first API call at "
          f"{statistics.median(first):.2f} s; CPU {statistics.median(cpu):.2f} s; "
          f"target < {TARGET_SECONDS:.0f} s {met}; load {_load()}")
    print(f"{'':<21} calls before polling: {', '.join(runs[-1].calls)}")
    stopped_badly = [r.traceback for r in runs if r.traceback]
    if stopped_badly:
        first = stopped_badly[0].splitlines()
        print(f"{'':<21} {len(stopped_badly)} of {len(runs)} stops left a traceback; the "
              f"first: {first[-1] if first else ''}")


def run(args: argparse.Namespace) -> int:
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        print(f"unknown case {unknown[0]!r}; choose from {', '.join(CASES)}")
        return 2
    codes: list[tuple[str, Path]] = [("this", ROOT)]
    if args.compare is not None:
        codes.insert(0, ("compare", args.compare.resolve()))
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}; transport "
          f"{args.transport}; {args.rounds} rounds; code: "
          + ", ".join(f"{label} = {root}" for label, root in codes) + f"; load {_load()}")

    async def bench() -> None:
        for case in cases:
            for label, runs in (await _case(case, codes, args)).items():
                _report(case, label, runs)

    asyncio.run(bench())
    return 0
