"""Telegram's sending limits, shared by every worker, and per-user flood control.

Telegram's limits are per bot, not per process: about 30 messages a second over all
chats, one a second to a private chat (a short burst passes), 20 a minute to a group.
With Redis configured every worker and the push sender reserve each message from one
set of budgets there (`RedisLimiter`: one Lua script, atomic); without it a process
reserves from its own (`LocalLimiter`), the embedded default's one process.

A budget is a GCRA ("generic cell rate algorithm", a token bucket kept as one number):
each key holds the theoretical arrival time `tat` of its next message; a message may go
at `tat - burst`, and going moves `tat` on by the key's interval. Reserving several
keys at once (the bot's and the chat's) finds the first moment all of them allow and
books the message at that moment in each, so nothing is booked that is not sent and no
message waits in a retry loop: every sender is told how long to sleep, in arrival order.
A 429 from Telegram pauses every key (`pause`): all workers wait out `retry_after`.

Flood control (`FloodGuard`) is the same reservation on a key per user: a user who sends
more than `flood_burst` messages at once is answered at `flood_rate` a second, none of
their messages dropped, and told once (a minute) to slow down, in their language (the
one saved in their settings, else their Telegram app's).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from handlers.core import (
    ButtonPress,
    Command,
    Document,
    Location,
    Photo,
    Reply,
    SendText,
    Text,
)
from handlers.i18n import Translator, normalize_language
from handlers.router import Next, Request

log = structlog.get_logger("o2o.limits")

TOLD_EVERY = 60.0  # seconds: a flooding user is told to slow down at most this often
WARN_EVERY = 10.0  # seconds between log lines saying Redis is away


@dataclass(frozen=True)
class Budget:
    """One key's limit: a message every `interval` seconds after a burst of `burst`."""

    key: str
    interval: float
    burst: int = 1

    @property
    def tolerance(self) -> float:
        """How far ahead of the steady pace a message may go (the burst's worth)."""
        return (max(self.burst, 1) - 1) * self.interval


def reserve_at(tats: Sequence[float], budgets: Sequence[Budget], now: float,
               paused_until: float = 0.0) -> tuple[float, list[float]]:
    """GCRA over several keys: the moment a message may go (>= now) and each key's new
    `tat`. The Lua script in `RedisLimiter` is this function, in Redis."""
    at = max(now, paused_until)
    current = [max(tat, now) for tat in tats]
    for tat, budget in zip(current, budgets, strict=True):
        at = max(at, tat - budget.tolerance)
    return at, [max(tat, at) + budget.interval
                for tat, budget in zip(current, budgets, strict=True)]


class Limiter(Protocol):
    """Where budgets are kept: this process, or Redis for all workers."""

    async def reserve(self, budgets: Sequence[Budget]) -> float:
        """Book one message in every budget; the seconds to wait before it may go."""

    async def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing may go for `seconds` (every key, every worker)."""

    async def first_time(self, key: str, seconds: float) -> bool:
        """True once per `seconds` for `key` (tell someone something at most that often)."""


class LocalLimiter:
    """Budgets kept in this process (no Redis: the embedded default)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self.clock = clock
        self._tats: dict[str, float] = {}
        self._paused_until = 0.0
        self._told: dict[str, float] = {}

    async def reserve(self, budgets: Sequence[Budget]) -> float:
        now = self.clock()
        if len(self._tats) > 100_000:  # forget keys whose budget is full again
            self._tats = {k: v for k, v in self._tats.items() if v > now}
        at, tats = reserve_at([self._tats.get(b.key, now) for b in budgets], budgets,
                              now, self._paused_until)
        for budget, tat in zip(budgets, tats, strict=True):
            self._tats[budget.key] = tat
        return at - now

    async def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def first_time(self, key: str, seconds: float) -> bool:
        now = self.clock()
        if self._told.get(key, -1e18) + seconds > now:
            return False
        if len(self._told) > 100_000:
            self._told = {k: v for k, v in self._told.items() if v + seconds > now}
        self._told[key] = now
        return True


# KEYS[1]: the pause key; KEYS[2..]: budgets. ARGV: per budget, interval and tolerance
# (microseconds). Times are Redis's own clock (TIME), the same for every worker.
# Returns the microseconds to wait. This is `reserve_at`.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local at = now
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused > at then at = paused end
local tats = {}
for i = 2, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  tats[i] = tat
  local allowed = tat - tonumber(ARGV[2 * i - 2])
  if allowed > at then at = allowed end
end
for i = 2, #KEYS do
  local tat = tats[i]
  if tat < at then tat = at end
  tat = tat + tonumber(ARGV[2 * i - 3])
  redis.call('SET', KEYS[i], string.format('%.0f', tat),
             'PX', math.floor((tat - now) / 1000) + 1000)
end
return math.floor(at - now)
"""

# KEYS[1]: the pause key; ARGV[1]: microseconds to pause from now.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untill = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untill > current then
  redis.call('SET', KEYS[1], string.format('%.0f', untill),
             'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1000)
end
return 1
"""

_MICRO = 1_000_000


class RedisLimiter:
    """Budgets kept in Redis, shared by every worker and the push sender. Keys start
    with `prefix`; a key lives only as long as its budget is not full again."""

    def __init__(self, redis: Any, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._pause_key = f"{prefix}:send:paused"
        self._reserve = redis.register_script(_RESERVE)
        self._pause = redis.register_script(_PAUSE)

    async def reserve(self, budgets: Sequence[Budget]) -> float:
        args: list[int] = []
        for budget in budgets:
            args += [round(budget.interval * _MICRO), round(budget.tolerance * _MICRO)]
        keys = [self._pause_key, *(f"{self.prefix}:{b.key}" for b in budgets)]
        waited = await self._reserve(keys=keys, args=args)
        return int(waited) / _MICRO

    async def pause(self, seconds: float) -> None:
        await self._pause(keys=[self._pause_key], args=[round(seconds * _MICRO)])

    async def first_time(self, key: str, seconds: float) -> bool:
        return bool(await self.redis.set(f"{self.prefix}:{key}", b"1", nx=True,
                                         px=max(1, round(seconds * 1000))))


class SendBudget:
    """Telegram's sending limits for one bot: `take(chat)` before each message."""

    def __init__(self, limiter: Limiter, *, rate: float, per_chat: float,
                 chat_burst: int, group_per_minute: int) -> None:
        self.limiter = limiter
        self.bot = Budget("send:bot", 1 / rate, max(1, round(rate)))
        self.chat_interval = 1 / per_chat
        self.chat_burst = chat_burst
        self.group_interval = 60 / group_per_minute
        self.waited = 0.0  # seconds this process slept for the budget (metrics, tests)
        self.fallback = LocalLimiter()  # while Redis does not answer: this process's
        self._warned_at = -WARN_EVERY

    def budgets(self, chat_id: int) -> tuple[Budget, Budget]:
        """The bot's budget and the chat's (a group's when the chat id is negative)."""
        if chat_id < 0:
            return self.bot, Budget(f"send:chat:{chat_id}", self.group_interval,
                                    min(self.chat_burst, 3))
        return self.bot, Budget(f"send:chat:{chat_id}", self.chat_interval, self.chat_burst)

    async def take(self, chat_id: int) -> float:
        """Wait until one message to `chat_id` may go; the seconds waited."""
        budgets = self.budgets(chat_id)
        try:
            wait = await self.limiter.reserve(budgets)
        except Exception as exc:  # Redis restarting: pace this process alone meanwhile
            if time.monotonic() - self._warned_at > WARN_EVERY:
                self._warned_at = time.monotonic()
                log.warning("shared send budget unavailable; pacing this process alone",
                            error=str(exc)[:200])
            wait = await self.fallback.reserve(budgets)
        if wait > 0:
            self.waited += wait
            await asyncio.sleep(wait)
        return wait

    async def flood_wait(self, seconds: float) -> None:
        """Telegram answered 429: pause all sending (every worker) for `seconds`."""
        await self.limiter.pause(seconds)


_installed: SendBudget | None = None


def install(budget: SendBudget | None) -> None:
    """Make `budget` this process's (one bot per process): every reply and owed
    message (`bot.transports.common.deliver`) and every push take from it."""
    global _installed
    _installed = budget


def installed() -> SendBudget | None:
    """This process's send budget, if one is installed."""
    return _installed


async def pace(chat_id: int) -> None:
    """Wait for the installed budget (nothing to do without one)."""
    if _installed is not None:
        await _installed.take(chat_id)


async def flood_wait(seconds: float) -> None:
    """Telegram's 429 with `retry_after`: pause the installed budget (all workers), then
    sleep it off here."""
    if _installed is not None:
        try:
            await _installed.flood_wait(seconds)
        except Exception as exc:  # Redis away: this process still waits
            log.warning("could not share a flood wait", error=str(exc)[:200])
    await asyncio.sleep(seconds)


# Events a person sends by hand, which flood control slows; payments, pre-checkout
# queries (answered within 10 s or the payment fails) and the like are never slowed.
_SLOWED = (Text, Command, ButtonPress, Location, Photo, Document)


class FloodGuard:
    """An `App` middleware: a user's messages beyond `burst` at once are handled at
    `rate` a second; none is dropped, and the user is told once to slow down."""

    def __init__(self, limiter: Limiter, *, burst: int, rate: float,
                 default_language: str = "zh") -> None:
        self.limiter = limiter
        self.burst = burst
        self.interval = 1 / rate
        self.default_language = default_language
        self.slowed = 0  # turns this process held back (metrics, tests)

    async def __call__(self, req: Request, call_next: Next) -> list[Reply]:
        incoming = req.incoming
        if not isinstance(incoming.event, _SLOWED):
            return await call_next(req)
        user = incoming.sender.id
        try:
            wait = await self.limiter.reserve([Budget(f"flood:{user}", self.interval,
                                                      self.burst)])
            tell = wait > 0 and await self.limiter.first_time(f"flood:told:{user}",
                                                               TOLD_EVERY)
        except Exception as exc:  # Redis away: serve the user unthrottled
            log.warning("flood control unavailable", error=str(exc)[:200])
            return await call_next(req)
        if wait <= 0:
            return await call_next(req)
        self.slowed += 1
        if tell:
            log.info("user slowed down", seconds=round(wait, 2))
        await asyncio.sleep(wait)
        replies = await call_next(req)
        if not tell:
            return replies
        # The language the user chose in our settings (known once the chain below
        # loaded them), else their Telegram app's.
        lang = req.lang or normalize_language(incoming.sender.language_code,
                                              default=self.default_language)
        notice = SendText(Translator(lang)("flood-slow-down"))
        return [notice, *replies]
