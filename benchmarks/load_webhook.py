"""`o2o bench load --webhook`: the load benchmark's workloads by webhook, through nginx.

Each bot under test is a fleet: `--webhook-workers` (1,2) `o2o run --webhook` processes
on one PostgreSQL database (a copy of the seeded demo world per fleet) and one Redis (a
key prefix per fleet), behind Debian's nginx with deploy/nginx.conf; the Bot API
stand-in (`standins.BotApiStandin`, one per fleet) POSTs each update to nginx, as
Telegram does, and retries what is not answered 200. Beside them, the bare aiogram echo
bot long-polls its own stand-in (the floor), as in `o2o bench load`.

Telegram's sending limits (30 messages a second for the bot, shared by the fleet through
Redis; one a second per chat after a burst) would cap any fleet at about 15 mix updates
a second, however many workers: they are lifted unless `--telegram-limits` is given, so
the figures are the workers' own.

Everything else is `benchmarks.load`'s: the users the driver plays, the workloads
(burst, steady, mix), the warm-up, what is measured and how the tables read. CPU per
update is the fleet's workers' CPU (nginx's own is left out: it is a few percent of a
worker's). Placement: the driver (and the stand-ins) on the first core; worker k of a
fleet on core -(k+1), so a fleet of two has the machine's two last cores, and on a
2-core machine the second worker shares the driver's core: two workers cannot carry
twice one there, and the figures say so rather than hide it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import secrets
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import load
from benchmarks.nginx import nginx_binary, nginx_proxy
from benchmarks.workers import scratch_databases, wait_or_kill

REDIS_URL = os.environ.get("O2O_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `o2o bench load` gains for webhook mode."""
    parser.add_argument("--webhook", action="store_true",
                        help="by webhook: workers behind nginx on PostgreSQL and Redis "
                             "(see benchmarks/load_webhook.py); --databases is ignored")
    parser.add_argument("--webhook-workers", default="1,2",
                        help="--webhook: the fleets' sizes (1,2)")
    parser.add_argument("--redis-url", default=REDIS_URL, help="--webhook: Redis")
    parser.add_argument("--telegram-limits", action="store_true",
                        help="--webhook: keep Telegram's sending limits (send_rate 30 a "
                             "second for the bot, 1 a second per chat after 3): the fleet "
                             "then carries what they allow, whatever its size; without, "
                             "they are lifted (the stand-in is not Telegram) and the "
                             "figures are the workers' own")


@dataclass
class Fleet:
    """Webhook workers behind nginx, seen by the workloads as one bot (`load.Bot`'s
    interface: kind, transport, database, label, api, world, cpu(), log_tail())."""

    library: str  # aiogram or ptb
    workers: int
    url: str
    world: load.World
    redis_url: str
    telegram_limits: bool = False
    kind: str = "o2o"
    database: str = "postgres"
    api: load.LoadStandin = field(init=False)
    procs: list[asyncio.subprocess.Process] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    startup: float = 0.0
    prefix: str = field(default_factory=lambda: f"o2o-bench-{secrets.token_hex(6)}")
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    @property
    def transport(self) -> str:
        """The library and the fleet's size, as the tables show it."""
        return f"{self.library} webhook x{self.workers}"

    @property
    def label(self) -> str:
        return f"o2o {self.transport}"

    async def start(self, token: str, logs: Path, workdir: Path,
                    cpus: list[int] | None) -> None:
        """nginx on a free port, then the workers, waited for until each serves and
        registered the webhook (the start-up printed: spawn -> all registered)."""
        self.api = load.LoadStandin(token)
        await self.api.start()
        proxy = load._free_port()
        ports = [load._free_port() for _ in range(self.workers)]
        public = f"http://127.0.0.1:{proxy}"
        await self._stack.enter_async_context(nginx_proxy(
            proxy, ports, workdir / f"nginx-{self.label.replace(' ', '-')}",
            cpu=cpus[-1] if cpus else None))
        env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(load.ROOT), os.environ.get("PYTHONPATH", "")) if p)
        env.update(O2O_BOT_TOKEN=token, O2O_API_BASE=self.api.base_url,
                   O2O_TRANSPORT=self.library, O2O_DATABASE_URL=self.url,
                   O2O_WEB_HOST="127.0.0.1", O2O_PUBLIC_URL=public,
                   O2O_WEBHOOK_SECRET=secrets.token_urlsafe(24), O2O_REDIS_URL=self.redis_url,
                   O2O_REDIS_PREFIX=self.prefix, O2O_SEED_DEMO_ON_EMPTY="false")
        if not self.telegram_limits:  # one Redis budget for the fleet: 30/s would cap it
            env.update(O2O_SEND_RATE="10000", O2O_SEND_RATE_PER_CHAT="100",
                       O2O_SEND_BURST_PER_CHAT="100")
        spawned = time.perf_counter()
        for n, port in enumerate(ports):
            log = logs / f"{self.label.replace(' ', '-')}-{n}.log"
            self.logs.append(log)
            with log.open("wb") as out:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot.cli", "run", "--webhook", cwd=workdir,
                    env={**env, "O2O_WEB_PORT": str(port)}, stdin=asyncio.subprocess.DEVNULL,
                    stdout=out, stderr=asyncio.subprocess.STDOUT)
            load._children.append(proc)
            self.procs.append(proc)
            if cpus:
                load._pin(proc.pid, cpus[-1 - n % len(cpus)])
        while self.api.method_counts.get("setWebhook", 0) < self.workers:
            for proc in self.procs:
                if proc.returncode is not None:
                    raise RuntimeError(f"{self.label}: a worker exited:\n{self.log_tail()}")
            if time.perf_counter() - spawned > load.START_TIMEOUT:
                raise RuntimeError(f"{self.label} not serving within {load.START_TIMEOUT:.0f}"
                                   f" s:\n{self.log_tail()}")
            await asyncio.sleep(0.05)
        self.startup = time.perf_counter() - spawned
        if cpus:
            for n, proc in enumerate(self.procs):  # the threads they started meanwhile
                load._pin(proc.pid, cpus[-1 - n % len(cpus)])

    def cpu(self) -> float:
        """The workers' CPU seconds, together."""
        return sum(load.cpu_seconds(p.pid) for p in self.procs if p.returncode is None)

    def log_tail(self, chars: int = 3000) -> str:
        return "\n".join(log.read_text(errors="replace")[-chars:] for log in self.logs
                         if log.exists())

    async def stop(self) -> None:
        """The workers (SIGTERM, SIGKILL after 15 s), nginx, the stand-in, the keys."""
        for proc in self.procs:
            if proc.returncode is None:
                proc.terminate()
        for proc in self.procs:
            await wait_or_kill(proc, 15)
        await self._stack.aclose()
        with contextlib.suppress(AttributeError):
            await self.api.stop()
        with contextlib.suppress(Exception):
            await forget_redis_keys(self.redis_url, self.prefix)


async def forget_redis_keys(redis_url: str, prefix: str) -> None:
    """Delete the keys written under `prefix` (a run's or a test's own)."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def _check_redis(url: str) -> str | None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    try:
        await asyncio.wait_for(client.ping(), 5)
        return None
    except Exception as exc:
        return f"Redis at {url} does not answer: {exc!r}"
    finally:
        await client.aclose()


async def main(args: argparse.Namespace) -> int:
    """The webhook run (called by `benchmarks.load` when --webhook is given)."""
    transports = [t for t in args.transports.split(",") if t]
    sizes = [int(n) for n in args.webhook_workers.split(",") if n]
    workloads = [w for w in args.workloads.split(",") if w]
    if set(workloads) - set(load.WORKLOADS) or set(transports) - {"aiogram", "ptb"}:
        print("unknown workload or transport")
        return 2
    if nginx_binary() is None:
        print("--webhook needs nginx (apt-get install -y nginx)")
        return 2
    problem = await _check_redis(args.redis_url)
    if problem:
        print(problem)
        return 2
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) > 1:
        os.sched_setaffinity(0, {cpus[0]})
    bot_cpus = cpus[1:] + cpus[:1] if len(cpus) > 1 else None
    print(f"o2o bench load --webhook: {platform.node()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; driver on CPU {cpus[0] if cpus else '-'}; fleets of "
          f"{', '.join(map(str, sizes))} workers behind nginx; Telegram's sending limits "
          f"{'kept' if args.telegram_limits else 'lifted'}; load average "
          f"{load.load_average()}", flush=True)
    staff = max(args.users, -(-int(args.rate * args.seconds) // len(load.STEPS))) + 1
    bots: list[object] = [] if args.no_echo else [load.Bot("echo", "aiogram", "-")]
    with tempfile.TemporaryDirectory(prefix="o2o-bench-webhook-") as folder:
        tmp = Path(folder)
        async with contextlib.AsyncExitStack() as stack:
            scratch = await stack.enter_async_context(
                scratch_databases(args.postgres_url, "o2o_bench_webhook"))
            seed = await scratch.make("seed")
            began = time.perf_counter()
            world = await load.seed_world(seed, staff)
            print(f"  demo world on postgres: {time.perf_counter() - began:.1f} s (with "
                  f"{staff} staff members per hotpot merchant)", flush=True)
            for transport in transports:
                for size in sizes:
                    url = await scratch.make(f"{transport}{size}", template="seed")
                    bots.append(Fleet(transport, size, url, world, args.redis_url,
                                      args.telegram_limits))
            stack.push_async_callback(load._stop_all, bots)  # type: ignore[arg-type]
            logs = args.logs or tmp
            logs.mkdir(parents=True, exist_ok=True)
            for n, bot in enumerate(bots):
                token = f"{710_000 + n}:WEBHOOK-{n}"
                if isinstance(bot, Fleet):
                    await bot.start(token, logs, tmp, bot_cpus)
                    print(f"  start-up {bot.label}: {bot.startup:.2f} s (spawn -> every "
                          f"worker registered the webhook); load average "
                          f"{load.load_average()}", flush=True)
                else:
                    assert isinstance(bot, load.Bot)
                    await bot.start(token, logs, tmp, cpus[-1] if len(cpus) > 1 else None)
                    print(f"  start-up {bot.label}: {bot.startup:.2f} s", flush=True)
                await load.warm_up(bot, args, staff - 1)  # type: ignore[arg-type]
            await _rounds(bots, workloads, args)
            for bot in bots:
                if isinstance(bot, Fleet) and bot.api.delivery is not None:
                    retried = sum(a.status != 200 for a in bot.api.delivery.attempts)
                    print(f"  {bot.label}: {len(bot.api.delivery.attempts)} deliveries, "
                          f"{retried} answered other than 200 and sent again", flush=True)
            print(f"\nload average {load.load_average()}")
    return 0


async def _rounds(bots: list[object], workloads: list[str], args: argparse.Namespace) -> None:
    """Each workload's rounds over every bot, printed as `o2o bench load` prints them."""
    header = ["bot", "transport", "database", "updates/s", "CPU ms/update", "p50", "p99",
              "x echo", "x echo CPU", "answered"]
    for w, workload in enumerate(workloads):
        rounds: list[dict[str, load.Figures]] = []
        for round_no in range(args.rounds):
            base = load._users_base(w, round_no)
            results: dict[str, load.Figures] = {}
            for bot in bots:
                run: object = bot
                if workload == "burst":
                    results[bot.label] = await load.burst(run, base, args)  # type: ignore
                elif workload == "steady":
                    results[bot.label] = await load.steady(  # type: ignore
                        run, base, args, bot.world)  # type: ignore[attr-defined]
                else:
                    results[bot.label] = await load.mix(  # type: ignore
                        run, base, args, bot.world)  # type: ignore[attr-defined]
                await asyncio.sleep(0.5)
            rounds.append(results)
            title = (f"{workload}, round {round_no + 1}/{args.rounds} (load average "
                     f"{load.load_average()})")
            load._print_table(title, header + (["offered/s kept up"] if workload == "steady"
                                               else []),
                              load._rows(results, bots, workload,  # type: ignore[arg-type]
                                         workload != "burst"))
            for label, figures in results.items():
                if figures.sample:
                    print(f"  {label}: {figures.wrong} answered with something else, e.g. "
                          f"{figures.sample!r}")
        if args.rounds > 1:
            load._print_table(f"{workload}: median of {args.rounds} rounds", header,
                              load._summary(rounds, bots))  # type: ignore[arg-type]
        _print_scaling(rounds, bots)


def _print_scaling(rounds: list[dict[str, load.Figures]], bots: list[object]) -> None:
    """Two workers' updates/s over one's, per transport (the scaling the issue asks
    for: at least 1.6 when each worker has a core of its own)."""
    fleets = [b for b in bots if isinstance(b, Fleet)]
    for one in (f for f in fleets if f.workers == 1):
        for two in (f for f in fleets if f.workers == 2 and f.library == one.library):
            ratios = [r[two.label].rate / r[one.label].rate for r in rounds
                      if r.get(one.label) and r[one.label].rate]
            if ratios:
                ratios.sort()
                print(f"  {two.label} / {one.label}: updates/s x{ratios[len(ratios) // 2]:.2f}"
                      f" (median of {len(ratios)})", flush=True)


__all__ = ["Fleet", "add_arguments", "main"]
