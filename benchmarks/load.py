"""Whole bot processes under load, as users see them: updates/s, CPU per update, p50/p99.

The Bot API stand-in (`standins.BotApiStandin`, one per bot, each with its own token)
is served on 127.0.0.1 in this driver process, which plays the users. Each bot under
test is a subprocess long-polling it: `o2o run` (`python -m bot.cli run`) once per
transport (`--transports aiogram,ptb`) and database (`--databases sqlite,postgres`),
each on its own copy of the demo world (SQLite: a temporary file; PostgreSQL: a fresh
database `o2o_bench_load_<hex>` on the server of `--postgres-url`, dropped afterwards),
with its web server (the sandbox payment page) on a free port of 127.0.0.1; and beside
them a bare aiogram echo bot (`benchmarks/echo_bot.py`), the floor. The bots are pinned
to the last core, the driver to the first. Every process is started once, waited for
until it first asks for updates (printed as its start-up: spawn -> first getUpdates),
warmed up (5 searches and one story of its own), and reused by every round; rounds are
interleaved (echo, o2o aiogram, o2o ptb, echo, ...) so each ratio compares figures
taken a few seconds apart. Each round uses new users.
(The start-up is the measure of `o2o bench startup`, benchmarks/startup.py, which
starts and stops a bot per measure; here it is taken on the processes the rounds use.)

Workloads (`--workloads`):
- burst: `--updates` (1,000) "火锅" text searches from `--users` (200) users, all queued
  at once.
- steady: `--rate` (200) updates/s offered for `--seconds` (10): stories of the mix
  started at the rate that makes that many updates a second (`--steady-search`: single
  searches instead), reporting whether the bot kept up: every update answered and p99
  at most 1 s (a bot slower than the offered rate builds a queue, whose wait shows in
  p99 within seconds; handled/s alone cannot say, since the last stories' steps are
  answered after the offering ends).
- mix: one story per user (`--users` at once), each step waiting for the bot's answer as
  a person would: /start; a free-text search (火锅); a shared location (at a demo store);
  a result's button (the callback_data of the search reply's first result with no stock
  limit); Buy; quantity 1; paying the sandbox order (an HTTP POST to the page the order's
  Pay button links to, on the bot's web server) until the codes arrive; a staff member of
  the deal's merchant (one per story, added to the demo for the benchmark) sending
  `/start r_<code>` and pressing Redeem. The echo bot plays the same number of steps, a
  text each.

Measured per bot and round: updates handled (the pay step counts as one: the POST is
handled by the bot's process), updates/s = updates / (first enqueue -> last answer),
CPU per update = the bot process's utime+stime (/proc/<pid>/stat) over the round /
updates, latency per update from its enqueue to its answer. A search or echo's answer
is its one sendMessage (the k-th sendMessage in a chat answers the k-th update there);
a mix step's answer is the LAST call the step makes (e.g. a button press: both the
answerCallbackQuery and the message it shows; paying: the POST's response, the codes'
photo and the message after it; Redeem: the staff's confirmation and the shopper's
"used" message). Reported per workload: a table per round and the median over rounds,
with the ratio to the echo bot's updates/s in the same round ("x echo") and the ratio
of their CPU per update ("x echo CPU": echo's / the bot's, what "x echo" would be if
each had its core to itself; on a shared machine the throughput ratio also measures
who got the CPU).

An answer that is not what the step asked for (the error reply, say) counts as wrong
(and ends a story); the first one's text is printed, `--logs DIR` keeps the bots' logs.
Bounded: every wait has a timeout; Ctrl-C and SIGTERM end the run through the cleanup
(bots stopped, PostgreSQL databases dropped), and any child still running is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.engine import make_url

from benchmarks.workers import ScratchDatabases, scratch_databases, stop_process
from handlers.payloads import ShowDeal
from services.platform.database import Database
from standins import BotApiStandin
from standins.models import Call
from storage.models import Deal, DealStatus, Merchant, MerchantStaff, StaffRole, Store, User

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SEARCH = "火锅"
STEPS = ("start", "search", "location", "result", "buy", "quantity", "pay", "staff check",
         "staff redeem")
STAFF_IDS = 900_000_000  # the benchmark's staff members: far from the users' ids
REPLIES = frozenset({"sendMessage", "sendPhoto", "sendVenue", "sendLocation", "sendInvoice",
                     "sendDocument", "editMessageText", "editMessageCaption",
                     "editMessageReplyMarkup", "answerCallbackQuery"})
START_TIMEOUT = 240.0  # a loaded 2-core machine takes tens of seconds to import it all
_children: list[asyncio.subprocess.Process] = []  # killed on the way out if still running


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `o2o bench load`."""
    parser.add_argument("--transports", default="aiogram,ptb",
                        help="o2o run transports (aiogram,ptb)")
    parser.add_argument("--databases", default="sqlite,postgres",
                        help="databases (sqlite,postgres)")
    parser.add_argument("--workloads", default="burst,steady,mix",
                        help="burst,steady,mix")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--updates", type=int, default=1000, help="burst: searches queued")
    parser.add_argument("--users", type=int, default=200,
                        help="burst: users sending them; mix: stories at once")
    parser.add_argument("--rate", type=float, default=200.0, help="steady: updates/s offered")
    parser.add_argument("--seconds", type=float, default=10.0, help="steady: for how long")
    parser.add_argument("--steady-search", action="store_true",
                        help="steady: offer single searches instead of the mix's stories")
    parser.add_argument("--no-echo", action="store_true", help="leave the echo bot out")
    parser.add_argument("--postgres-url", default=os.environ.get("O2O_TEST_POSTGRES_URL",
                                                                 POSTGRES_URL))
    parser.add_argument("--logs", type=Path, metavar="DIR",
                        help="keep the bots' logs in DIR (default: a temporary folder)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run each o2o bot under cProfile (`o2o run --profile`) and keep "
                             "its statistics in DIR/<bot>.prof (start-up and warm-up "
                             "included; the profiler slows the bots: figures are not "
                             "comparable with an unprofiled run)")
    parser.add_argument("--step-timeout", type=float, default=120.0,
                        help="seconds one answer may take before it counts as lost")
    from benchmarks.load_webhook import add_arguments as webhook_arguments

    webhook_arguments(parser)  # --webhook: the same workloads by webhook, behind nginx


# --------------------------------------------------------------------------- stand-in


@dataclass
class Reply:
    """A call the bot made into a chat (or an answer to a button press in it)."""

    at: float  # perf_counter when the stand-in answered it
    method: str
    params: dict[str, Any]
    result: Any

    def data(self) -> list[str]:
        """The callback data of its inline buttons, in reading order."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or [] if isinstance(markup, dict) else []
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]

    def urls(self) -> list[str]:
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or [] if isinstance(markup, dict) else []
        return [b["url"] for row in rows for b in row if "url" in b]

    def has(self, prefix: str) -> bool:
        """Whether one of its buttons' data starts with `prefix` (e.g. "d:")."""
        return any(d.startswith(prefix) for d in self.data())


class LoadStandin(BotApiStandin):
    """The stand-in, keeping per chat the calls the bot made into it (with their times),
    and when the bot first asked for updates. Nothing else is recorded."""

    def __init__(self, token: str) -> None:
        super().__init__(token=token, record_calls=False, max_calls=10_000)
        self.replies: defaultdict[int, list[Reply]] = defaultdict(list)
        self.first_poll: float | None = None
        self.refused = 0
        self._query_chat: dict[str, int] = {}
        self._events: dict[int, asyncio.Event] = {}

    async def _m_getupdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if self.first_poll is None:
            self.first_poll = time.perf_counter()
        return await super()._m_getupdates(params, files)

    def _record(self, call: Call, ok: bool, outcome: Any, recorded: bool) -> None:
        super()._record(call, ok, outcome, recorded)
        if call.method not in REPLIES:
            return
        if not ok:
            self.refused += 1
            return
        if call.method == "answerCallbackQuery":
            chat = self._query_chat.pop(str(call.params.get("callback_query_id")), None)
        else:
            chat = call.params.get("chat_id")
        if not isinstance(chat, int):
            return
        self.replies[chat].append(Reply(time.perf_counter(), call.method, call.params, outcome))
        event = self._events.get(chat)
        if event is not None:
            event.set()

    async def press(self, chat: int, reply: Reply, data: str) -> tuple[str, float]:
        """The user of `chat` presses the button of `reply` whose callback data is `data`:
        the query's id and when it was queued."""
        message = self.message(chat, int(reply.result["message_id"]))
        if message is None:
            raise LookupError(f"no message {reply.result['message_id']} in chat {chat}")
        index = [b.get("callback_data") for row in message.buttons for b in row].index(data)
        at = time.perf_counter()
        update = await self.user(chat).press(message, index)
        query = str(update["callback_query"]["id"])
        self._query_chat[query] = chat
        return query, at

    async def wait_reply(self, chat: int, since: int, match: Callable[[Reply], bool],
                         timeout: float) -> Reply:
        """The first call into `chat` from index `since` on that `match`es (waits)."""
        deadline = time.perf_counter() + timeout
        event = self._events.setdefault(chat, asyncio.Event())
        seen = since
        while True:
            replies = self.replies[chat]
            for reply in replies[seen:]:
                if match(reply):
                    return reply
            seen = len(replies)
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no answer in chat {chat} within {timeout:.0f} s")
            event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), left)

    def answered(self, chat: int, method: str = "sendMessage") -> list[Reply]:
        """The calls of `method` into `chat`, oldest first."""
        return [r for r in self.replies[chat] if r.method == method]


# --------------------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpus() -> tuple[int, int] | None:
    """(the driver's core, the bots' core), or None on one core."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return (cpus[0], cpus[-1]) if len(cpus) > 1 else None


def _pin(pid: int, cpu: int) -> None:
    """Pin every thread of `pid` to `cpu` (threads started later inherit it)."""
    tasks = Path(f"/proc/{pid}/task")
    for tid in [int(t.name) for t in tasks.iterdir()] if tasks.exists() else [pid]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.sched_setaffinity(tid, {cpu})


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (from /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@dataclass
class Bot:
    """One bot process under test and its stand-in."""

    kind: str  # "echo" or "o2o"
    transport: str
    database: str
    url: str = ""  # the database (o2o)
    api: LoadStandin = field(init=False)
    proc: asyncio.subprocess.Process | None = None
    startup: float = 0.0
    web: str = ""
    log: Path | None = None
    world: World | None = None

    @property
    def label(self) -> str:
        return "echo" if self.kind == "echo" else f"o2o {self.transport} {self.database}"

    async def start(self, token: str, logs: Path, workdir: Path, cpu: int | None,
                    profile: Path | None = None) -> None:
        """Spawn the process in `workdir` (no config.toml of anyone's) and wait for its
        first getUpdates: its start-up, as `o2o bench startup` measures it, but taken on
        the process the rounds then use."""
        self.api = LoadStandin(token)
        await self.api.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        if self.kind == "echo":
            args = ["-m", "benchmarks.echo_bot", "--token", token,
                    "--api-base", self.api.base_url]
        else:
            port = _free_port()
            self.web = f"http://127.0.0.1:{port}"
            env.update(O2O_BOT_TOKEN=token, O2O_API_BASE=self.api.base_url,
                       O2O_TRANSPORT=self.transport, O2O_DATABASE_URL=self.url,
                       O2O_WEB_HOST="127.0.0.1", O2O_WEB_PORT=str(port),
                       O2O_PUBLIC_URL=self.web, O2O_SEED_DEMO_ON_EMPTY="false")
            args = ["-m", "bot.cli", "run"]
            if profile is not None:
                args += ["--profile", str(profile / f"{self.label.replace(' ', '-')}.prof")]
        self.log = logs / f"{self.label.replace(' ', '-')}.log"
        with self.log.open("wb") as out:
            spawned = time.perf_counter()
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, *args, cwd=workdir, env=env, stdin=asyncio.subprocess.DEVNULL,
                stdout=out, stderr=asyncio.subprocess.STDOUT)
        _children.append(self.proc)
        if cpu is not None:
            _pin(self.proc.pid, cpu)
        while self.api.first_poll is None:
            if self.proc.returncode is not None:
                raise RuntimeError(f"{self.label} exited ({self.proc.returncode}):\n"
                                   f"{self.log_tail()}")
            if time.perf_counter() - spawned > START_TIMEOUT:
                raise RuntimeError(f"{self.label} did not poll within {START_TIMEOUT:.0f} s:\n"
                                   f"{self.log_tail()}")
            await asyncio.sleep(0.02)
        self.startup = self.api.first_poll - spawned
        if cpu is not None:
            _pin(self.proc.pid, cpu)  # the threads it started meanwhile

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log else ""

    def cpu(self) -> float:
        assert self.proc is not None
        return cpu_seconds(self.proc.pid)

    async def stop(self) -> None:
        """SIGTERM, SIGKILL after 15 s; then the stand-in."""
        proc = self.proc
        if proc is not None:
            await stop_process(proc, 15)
        with contextlib.suppress(AttributeError):
            await self.api.stop()


# --------------------------------------------------------------------------- worlds


@dataclass
class World:
    """What the mix needs to know of a bot's demo world."""

    deal_merchant: dict[int, int]  # deals a story may buy -> their merchant
    staff: dict[int, list[int]]  # merchant -> its benchmark staff's telegram ids
    location: tuple[float, float]  # where the stories share their location


async def _python(*args: str, env: dict[str, str], timeout: float = 300) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    _children.append(proc)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"python {' '.join(args)} failed:\n{out.decode()[-3000:]}")


async def seed_world(url: str, staff_per_merchant: int) -> World:
    """`o2o seed demo` into `url`, then `staff_per_merchant` staff members for each
    hotpot merchant (the stories buy hotpot deals without a stock limit)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    env.update(O2O_DATABASE_URL=url, PYTHONPATH=str(ROOT))
    await _python("-m", "bot.cli", "seed", "demo", env=env)
    db = Database(url)
    try:
        async with db.transaction() as session:
            deals = (await session.exec(  # type: ignore[call-overload]
                select(Deal.id, Deal.merchant_id).join(
                    Merchant, Merchant.id == Deal.merchant_id).where(  # type: ignore[arg-type]
                    Merchant.category == "hotpot", Deal.stock.is_(None),  # type: ignore[union-attr]
                    Deal.group_size.is_(None),  # type: ignore[union-attr]
                    Deal.status == DealStatus.ACTIVE))).all()
            merchants = sorted({m for _, m in deals})
            store = (await session.exec(  # type: ignore[call-overload]
                select(Store.lat, Store.lon).where(
                    Store.merchant_id == merchants[0]).order_by(Store.id))).first()
            staff: dict[int, list[int]] = {}
            for n, merchant in enumerate(merchants):
                ids = [STAFF_IDS + n * 100_000 + k for k in range(staff_per_merchant)]
                users = [User(telegram_id=i, first_name=f"staff{k}") for k, i in enumerate(ids)]
                session.add_all(users)
                await session.flush()
                session.add_all([MerchantStaff(merchant_id=merchant, user_id=u.id,
                                               role=StaffRole.STAFF) for u in users])
                staff[merchant] = ids
    finally:
        await db.dispose()
    return World(dict(deals), staff, (float(store[0]), float(store[1])))


# --------------------------------------------------------------------------- figures


@dataclass
class Figures:
    """One bot's round of one workload."""

    updates: int = 0  # updates sent (steps, for the mix)
    answered: int = 0
    wrong: int = 0  # answered, but not with what was asked for
    first: float = 0.0  # first enqueue
    last: float = 0.0  # last answer
    cpu: float = 0.0  # seconds of the bot's CPU over the round
    latency: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    offered: float = 0.0  # steady: updates/s offered
    failed: dict[str, int] = field(default_factory=dict)  # mix: stories lost, by step
    sample: str = ""  # the first wrong answer's text

    @property
    def rate(self) -> float:
        span = self.last - self.first
        return self.answered / span if span > 0 else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.answered if self.answered else 0.0

    def all_latencies(self) -> list[float]:
        return [x for values in self.latency.values() for x in values]

    @property
    def kept_up(self) -> bool:
        """Every update answered, none waiting a second: a bot that falls behind the
        offered rate builds a queue, and the queue's wait shows in p99 within seconds."""
        return self.answered == self.updates and percentile(self.all_latencies(), 0.99) <= 1.0


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, nearest rank; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


# --------------------------------------------------------------------------- workloads


def _users_base(workload: int, round_no: int) -> int:
    """The first user id of a workload's round: new users every round (the same ids for
    every bot of the round: each bot has its own stand-in and database)."""
    return 10_000_000 * (workload + 1) + 100_000 * round_no


def _search_ok(bot: Bot, text: str) -> Callable[[Reply], bool]:
    if bot.kind == "echo":
        return lambda r: r.params.get("text") == text
    return lambda r: r.has("d:")


async def _wait_all(bot: Bot, chats: dict[int, list[float]], timeout: float,
                    done: asyncio.Event | None = None) -> None:
    """Until every chat has as many sendMessages as updates it was sent (or timeout)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if done is not None and not done.is_set():
            await asyncio.sleep(0.01)
            continue
        if all(len(bot.api.answered(c)) >= len(sent) for c, sent in chats.items()):
            return
        await asyncio.sleep(0.01)


def _tally(bot: Bot, chats: dict[int, list[float]], figures: Figures, text: str) -> None:
    """Match each chat's k-th sendMessage to its k-th update."""
    ok = _search_ok(bot, text)
    figures.first = min(t for sent in chats.values() for t in sent)
    for chat, sent in chats.items():
        answers = bot.api.answered(chat)
        for at, reply in zip(sent, answers, strict=False):
            figures.answered += 1
            if not ok(reply):
                figures.wrong += 1
                figures.sample = figures.sample or str(reply.params.get("text"))[:80]
            figures.latency["search" if bot.kind == "o2o" else "echo"].append(reply.at - at)
            figures.last = max(figures.last, reply.at)


async def burst(bot: Bot, base: int, args: argparse.Namespace) -> Figures:
    """`--updates` searches from `--users` users, all queued at once."""
    figures = Figures(updates=args.updates)
    chats: dict[int, list[float]] = {}
    users = [bot.api.user(base + i, first_name=f"u{i}", language_code="zh")
             for i in range(args.users)]
    cpu = bot.cpu()
    for n in range(args.updates):
        user = users[n % len(users)]
        chats.setdefault(user.id, []).append(time.perf_counter())
        await user.send(SEARCH)
    await _wait_all(bot, chats, 60 + 0.2 * args.updates)
    figures.cpu = bot.cpu() - cpu
    _tally(bot, chats, figures, SEARCH)
    return figures


async def _offer(rate: float, count: int, start: Callable[[int], Awaitable[None]]) -> None:
    """Call `start(i)` for i in range(count), the i-th at i / rate s from now."""
    began = time.perf_counter()
    sent = 0
    while sent < count:
        due = min(count, int((time.perf_counter() - began) * rate) + 1)
        while sent < due:
            await start(sent)
            sent += 1
        await asyncio.sleep(max(0.0, began + sent / rate - time.perf_counter()))


async def steady(bot: Bot, base: int, args: argparse.Namespace, world: World | None) -> Figures:
    """`--rate` updates/s for `--seconds`: stories of the mix (or single searches)."""
    if not args.steady_search:
        stories = max(1, round(args.rate * args.seconds / len(STEPS)))
        figures = Figures(updates=stories * len(STEPS), offered=args.rate)
        cpu = bot.cpu()
        tasks: list[asyncio.Task[None]] = []

        async def start(i: int) -> None:
            tasks.append(asyncio.create_task(_story(bot, base + i, i, world, figures, args)))

        figures.first = time.perf_counter()
        await _offer(args.rate / len(STEPS), stories, start)
        await asyncio.gather(*tasks)
        figures.cpu = bot.cpu() - cpu
        return figures
    count = round(args.rate * args.seconds)
    figures = Figures(updates=count, offered=args.rate)
    users = [bot.api.user(base + i, first_name=f"u{i}", language_code="zh")
             for i in range(min(args.users, count))]
    chats: dict[int, list[float]] = {}
    done = asyncio.Event()
    cpu = bot.cpu()

    async def send(i: int) -> None:
        user = users[i % len(users)]
        chats.setdefault(user.id, []).append(time.perf_counter())
        await user.send(SEARCH)

    async def offer() -> None:
        await _offer(args.rate, count, send)
        done.set()

    offering = asyncio.create_task(offer())
    await _wait_all(bot, chats, args.seconds + 60 + 0.2 * count, done)
    await offering
    figures.cpu = bot.cpu() - cpu
    _tally(bot, chats, figures, SEARCH)
    return figures


async def mix(bot: Bot, base: int, args: argparse.Namespace, world: World | None) -> Figures:
    """One story per user, `--users` stories at once."""
    figures = Figures(updates=args.users * len(STEPS))
    cpu = bot.cpu()
    figures.first = time.perf_counter()
    await asyncio.gather(*(_story(bot, base + i, i, world, figures, args)
                           for i in range(args.users)))
    figures.cpu = bot.cpu() - cpu
    return figures


async def _story(bot: Bot, uid: int, index: int, world: World | None, figures: Figures,
                 args: argparse.Namespace) -> None:
    """One user's story (see the module's docstring); its steps' latencies go into
    `figures`; a step that is not answered in time ends the story (counted as failed)."""
    api = bot.api
    user = api.user(uid, first_name=f"u{index}", language_code="zh")
    timeout = args.step_timeout
    step = "start"

    async def answer(chat: int, since: int, match: Callable[[Reply], bool]) -> Reply:
        return await _answer(api, chat, since, match, timeout)

    def done(at: float, *replies: Reply) -> None:
        last = max(r.at for r in replies)
        figures.latency[step].append(last - at)
        figures.answered += 1
        figures.last = max(figures.last, last)

    try:
        if bot.kind == "echo":
            for step in STEPS:
                since, at = len(api.replies[uid]), time.perf_counter()
                await user.send(step)
                done(at, await answer(uid, since, lambda r, s=step: r.params.get("text") == s))
            return
        assert world is not None
        since, at = len(api.replies[uid]), time.perf_counter()
        await user.send("/start")
        done(at, await answer(uid, since, lambda r: r.has("menu:")))

        step = "search"
        since, at = len(api.replies[uid]), time.perf_counter()
        await user.send(SEARCH)
        results = await answer(uid, since, lambda r: r.has("d:"))
        done(at, results)

        step = "location"
        since, at = len(api.replies[uid]), time.perf_counter()
        await user.send_location(*world.location)
        done(at, await answer(uid, since, lambda r: r.method == "sendMessage"))

        step = "result"
        data = next(d for d in results.data() if d.startswith("d:")
                    and (s := ShowDeal.unpack(d)) is not None and s.deal_id in world.deal_merchant)
        deal = ShowDeal.unpack(data)
        assert deal is not None
        card, answered = await _press(api, uid, results, data, lambda r: r.has("b:"), timeout)
        done(answered[0], card, answered[1])

        step = "buy"
        buy = next(d for d in card.data() if d.startswith("b:"))
        ask, answered = await _press(api, uid, card, buy, lambda r: r.has("bq:"), timeout)
        done(answered[0], ask, answered[1])

        step = "quantity"
        one = next(d for d in ask.data() if d.startswith("bq:") and d.endswith(":1"))
        order, answered = await _press(api, uid, ask, one, lambda r: bool(r.urls()), timeout)
        done(answered[0], order, answered[1])

        step = "pay"
        since, at = len(api.replies[uid]), time.perf_counter()
        async with aiohttp.ClientSession() as http, http.post(order.urls()[0]) as page:
            if page.status != 200:
                raise LookupError(f"the payment page answered {page.status}")
            paid = time.perf_counter()
        photo = await api.wait_reply(uid, since, lambda r: r.method == "sendPhoto", timeout)
        after = api.replies[uid].index(photo)
        codes = await api.wait_reply(uid, after, lambda r: r.has("menu:codes"), timeout)
        figures.latency[step].append(max(paid, codes.at) - at)
        figures.answered += 1
        figures.last = max(figures.last, paid, codes.at)
        code = str(photo.params.get("caption", "")).splitlines()[0]
        code = code.removeprefix("🎫 ").replace("-", "")

        step = "staff check"
        merchant = world.deal_merchant[deal.deal_id]
        staff_id = world.staff[merchant][index % len(world.staff[merchant])]
        staff = api.user(staff_id, first_name="staff", language_code="zh")
        since, at = len(api.replies[staff_id]), time.perf_counter()
        await staff.send(f"/start r_{code}")
        check = await answer(staff_id, since, lambda r: r.has("rc:"))
        done(at, check)

        step = "staff redeem"
        redeem = next(d for d in check.data() if d.startswith("rc:"))
        shopper_since = len(api.replies[uid])
        confirmed, answered = await _press(api, staff_id, check, redeem,
                                           lambda r: r.has("ru:"), timeout)
        used = await answer(uid, shopper_since, lambda r: r.has("rt:"))
        done(answered[0], confirmed, answered[1], used)
    except WrongAnswer as exc:
        figures.wrong += 1
        figures.failed[step] = figures.failed.get(step, 0) + 1
        figures.sample = figures.sample or str(exc)[:80]
    except (TimeoutError, LookupError, StopIteration, ValueError, aiohttp.ClientError) as exc:
        figures.failed[step] = figures.failed.get(step, 0) + 1
        if sum(figures.failed.values()) == 1:
            print(f"    {bot.label}: a story stopped at {step!r}: {exc!r}", flush=True)


class WrongAnswer(Exception):
    """The bot answered a step with something else (its text is the message)."""


async def _answer(api: LoadStandin, chat: int, since: int, match: Callable[[Reply], bool],
                  timeout: float) -> Reply:
    """The first sendMessage into `chat` from index `since` on, which must `match`."""
    reply = await api.wait_reply(chat, since, lambda r: r.method == "sendMessage", timeout)
    if not match(reply):
        raise WrongAnswer(str(reply.params.get("text")))
    return reply


async def _press(api: LoadStandin, chat: int, reply: Reply, data: str,
                 match: Callable[[Reply], bool], timeout: float
                 ) -> tuple[Reply, tuple[float, Reply]]:
    """Press a button; the message it shows (its first sendMessage, which must `match`),
    and (when it was pressed, the answerCallbackQuery)."""
    since = len(api.replies[chat])
    query, at = await api.press(chat, reply, data)
    shown = await _answer(api, chat, since, match, timeout)
    answered = await api.wait_reply(
        chat, since, lambda r: r.method == "answerCallbackQuery"
        and str(r.params.get("callback_query_id")) == query, timeout)
    return shown, (at, answered)


async def warm_up(bot: Bot, args: argparse.Namespace, staff_index: int) -> None:
    """A few searches and one whole story before any round, from users of their own, so
    no round pays for what a process does once (loading the parser's dictionary,
    compiling statements, opening connections)."""
    figures = Figures()
    await burst(bot, 9_000_000, argparse.Namespace(**{**vars(args), "updates": 5, "users": 5}))
    await _story(bot, 9_100_000, staff_index, bot.world, figures, args)
    if figures.failed:
        raise RuntimeError(f"{bot.label}: the warm-up story failed at {figures.failed}:\n"
                           f"{bot.log_tail()}")


# --------------------------------------------------------------------------- the run


WORKLOADS = ("burst", "steady", "mix")


def _rows(results: dict[str, Figures], bots: list[Bot], workload: str,
          by_step: bool) -> list[list[str]]:
    echo = results.get("echo")
    rows = []
    for bot in bots:
        figures = results.get(bot.label)
        if figures is None:
            continue
        values = figures.all_latencies()
        other = echo is not None and bot.kind != "echo"
        ratio = f"{figures.rate / echo.rate:.3f}" if other and echo.rate else ""
        cpu_ratio = f"{echo.cpu_ms / figures.cpu_ms:.3f}" if other and figures.cpu_ms else ""
        row = [bot.kind, bot.transport, bot.database, f"{figures.rate:,.0f}",
               f"{figures.cpu_ms:.2f}", _ms(percentile(values, 0.5)),
               _ms(percentile(values, 0.99)), ratio, cpu_ratio,
               f"{figures.answered}/{figures.updates}"]
        if workload == "steady":
            row.append(f"{figures.offered:,.0f} {'yes' if figures.kept_up else 'NO'}")
        if figures.wrong or figures.failed:
            row.append(f"wrong {figures.wrong}, lost {figures.failed}")
        rows.append(row)
        if by_step and bot.kind == "o2o":
            for step in STEPS:
                steps = figures.latency.get(step, [])
                if not steps:
                    continue
                rows.append(["", f"  {step}", "", "", "", _ms(percentile(steps, 0.5)),
                             _ms(percentile(steps, 0.99)), "", "", str(len(steps))])
    return rows


def _print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    print(f"\n{title}")
    widths = [max(len(str(r[i])) if i < len(r) else 0 for r in [header, *rows])
              for i in range(max(len(r) for r in [header, *rows]))]
    for row in [header, *rows]:
        print("  " + "  ".join(str(c).ljust(widths[i]) for i, c in enumerate(row)).rstrip())


def _summary(rounds: list[dict[str, Figures]], bots: list[Bot]) -> list[list[str]]:
    rows = []
    for bot in bots:
        runs = [r[bot.label] for r in rounds if bot.label in r]
        if not runs:
            continue
        ratios = [r[bot.label].rate / r["echo"].rate for r in rounds
                  if bot.label in r and "echo" in r and r["echo"].rate]
        cpu_ratios = [r["echo"].cpu_ms / r[bot.label].cpu_ms for r in rounds
                      if bot.label in r and "echo" in r and r[bot.label].cpu_ms]
        rows.append([
            bot.kind, bot.transport, bot.database,
            f"{statistics.median(f.rate for f in runs):,.0f}",
            f"{statistics.median(f.cpu_ms for f in runs):.2f}",
            _ms(statistics.median(percentile(f.all_latencies(), 0.5) for f in runs)),
            _ms(statistics.median(percentile(f.all_latencies(), 0.99) for f in runs)),
            f"{statistics.median(ratios):.3f}" if ratios and bot.kind != "echo" else "",
            f"{statistics.median(cpu_ratios):.3f}" if cpu_ratios and bot.kind != "echo"
            else "",
            f"{sum(f.answered for f in runs)}/{sum(f.updates for f in runs)}"])
    return rows


async def _main(args: argparse.Namespace) -> int:
    if args.webhook:
        from benchmarks.load_webhook import main as by_webhook

        return await by_webhook(args)
    transports = [t for t in args.transports.split(",") if t]
    databases = [d for d in args.databases.split(",") if d]
    workloads = [w for w in args.workloads.split(",") if w]
    for name, values, known in (("transport", transports, ("aiogram", "ptb")),
                                ("database", databases, ("sqlite", "postgres")),
                                ("workload", workloads, WORKLOADS)):
        unknown = set(values) - set(known)
        if unknown:
            print(f"unknown {name}: {', '.join(sorted(unknown))}")
            return 2
    # SIGTERM (`timeout`, a CI runner) ends the run as Ctrl-C does: through the cleanup
    # below, which stops the bots and drops the PostgreSQL databases.
    main = asyncio.current_task()
    assert main is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
    cpus = _cpus()
    if cpus is not None:
        os.sched_setaffinity(0, {cpus[0]})
    print(f"o2o bench load: {platform.node()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; driver on CPU {cpus[0] if cpus else '-'}, bots on "
          f"CPU {cpus[1] if cpus else '-'}; load average {load_average()}", flush=True)
    staff = max(args.users, math.ceil(args.rate * args.seconds / len(STEPS))) + 1
    bots: list[Bot] = [] if args.no_echo else [Bot("echo", "aiogram", "-")]
    with tempfile.TemporaryDirectory(prefix="o2o-bench-load-") as folder:
        tmp = Path(folder)
        async with contextlib.AsyncExitStack() as stack:
            urls: dict[str, str] = {}
            if "sqlite" in databases:
                urls["sqlite"] = f"sqlite+aiosqlite:///{tmp / 'sqlite.db'}"
            scratch: ScratchDatabases | None = None
            if "postgres" in databases:
                scratch = await stack.enter_async_context(
                    scratch_databases(args.postgres_url, "o2o_bench_load"))
                urls["postgres"] = await scratch.make("seed")
            for database in databases:
                began = time.perf_counter()
                world = await seed_world(urls[database], staff)
                copies = await _copies(database, urls[database], transports, tmp, scratch)
                for transport, url in zip(transports, copies, strict=True):
                    bots.append(Bot("o2o", transport, database, url=url, world=world))
                print(f"  demo world on {database}: {time.perf_counter() - began:.1f} s "
                      f"(with {staff} staff members per hotpot merchant)", flush=True)
            stack.push_async_callback(_stop_all, bots)
            for n, bot in enumerate(bots):
                for folder in (args.logs, args.profile):
                    if folder:
                        folder.mkdir(parents=True, exist_ok=True)
                await bot.start(f"{700_000 + n}:LOAD-{bot.kind}", args.logs or tmp, tmp,
                                cpus[1] if cpus else None,
                                args.profile.resolve() if args.profile else None)
                print(f"  start-up {bot.label}: {bot.startup:.2f} s (spawn -> first "
                      f"getUpdates); load average {load_average()}", flush=True)
                await warm_up(bot, args, staff - 1)
            for w, workload in enumerate(workloads):
                rounds: list[dict[str, Figures]] = []
                for round_no in range(args.rounds):
                    base = _users_base(w, round_no)
                    results: dict[str, Figures] = {}
                    for bot in bots:
                        if workload == "burst":
                            results[bot.label] = await burst(bot, base, args)
                        elif workload == "steady":
                            results[bot.label] = await steady(bot, base, args, bot.world)
                        else:
                            results[bot.label] = await mix(bot, base, args, bot.world)
                        await asyncio.sleep(0.5)  # let the bot's after-work settle
                    rounds.append(results)
                    header = ["bot", "transport", "database", "updates/s", "CPU ms/update",
                              "p50", "p99", "x echo", "x echo CPU", "answered"]
                    if workload == "steady":
                        header.append("offered/s kept up")
                    _print_table(f"{workload}, round {round_no + 1}/{args.rounds} "
                                 f"(load average {load_average()})", header,
                                 _rows(results, bots, workload, workload != "burst"))
                    for label, figures in results.items():
                        if figures.sample:
                            print(f"  {label}: {figures.wrong} answered with something "
                                  f"else, e.g. {figures.sample!r} (its log says why: --logs DIR)")
                if args.rounds > 1:
                    _print_table(f"{workload}: median of {args.rounds} rounds",
                                 ["bot", "transport", "database", "updates/s",
                                  "CPU ms/update", "p50", "p99", "x echo", "x echo CPU",
                                  "answered"],
                                 _summary(rounds, bots))
            print(f"\nload average {load_average()}")
    return 0


async def _stop_all(bots: list[Bot]) -> None:
    """Stop every bot at once (each may take seconds to close its connections)."""
    await asyncio.gather(*(bot.stop() for bot in bots), return_exceptions=True)


async def _copies(database: str, url: str, transports: list[str], tmp: Path,
                  scratch: ScratchDatabases | None) -> list[str]:
    """One copy of the seeded world per transport (the seed itself for the first)."""
    if database == "sqlite":
        copies = [url]
        source = Path(make_url(url).database or "")
        for transport in transports[1:]:
            target = tmp / f"sqlite-{transport}.db"
            shutil.copyfile(source, target)
            copies.append(f"sqlite+aiosqlite:///{target}")
        return copies
    assert scratch is not None
    return [url, *[await scratch.make(transport, template="seed")
                   for transport in transports[1:]]]


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; every child is killed on the way out, Ctrl-C included."""
    try:
        return asyncio.run(_main(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        # Only children never reaped: a reaped child's pid may belong to another process.
        for proc in _children:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)
