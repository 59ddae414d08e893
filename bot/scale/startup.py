"""Start-up and wiring of a worker's shared parts: wait for the servers, connect Redis,
install the send budget and flood control.

A worker started beside its database (docker compose, systemd after a reboot) may come
up first: it waits for PostgreSQL and Redis with a growing pause (0.5 s doubling to
5 s), one log line per try, up to `startup_wait_seconds`; then it stops with one clear
line. SQLite needs no wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog

from bot import metrics
from bot.config import ConfigError, Settings
from bot.runtime import Runtime
from bot.scale.limits import (
    FloodGuard,
    Limiter,
    LocalLimiter,
    RedisLimiter,
    SendBudget,
    install,
)

log = structlog.get_logger("o2o.startup")

FIRST_PAUSE = 0.5
LONGEST_PAUSE = 5.0
TRY_TIMEOUT = 5.0


async def wait_for(what: str, check: Callable[[], Awaitable[object]], within: float) -> int:
    """Call `check` until it succeeds, pausing 0.5 s, 1 s, 2 s ... (at most 5 s) between
    tries, for at most `within` seconds; returns the number of tries. Raises ConfigError
    (one line) when it never answered."""
    deadline = time.monotonic() + within
    attempt = 0
    while True:
        attempt += 1
        try:
            await asyncio.wait_for(check(), TRY_TIMEOUT)
        except Exception as exc:
            left = deadline - time.monotonic()
            reason = f"{type(exc).__name__}: {exc}"[:200]
            if left <= 0:
                raise ConfigError(f"start-up: {what} did not answer within {within:g} s "
                                  f"({attempt} tries; last: {reason})") from None
            pause = min(LONGEST_PAUSE, FIRST_PAUSE * 2 ** (attempt - 1), left)
            log.warning(f"waiting for {what}", attempt=attempt, error=reason,
                        retry_in=round(pause, 1))
            await asyncio.sleep(pause)
            continue
        if attempt > 1:
            log.info(f"{what} answers", attempt=attempt)
        return attempt


async def wait_for_database(url: str, within: float) -> int:
    """Wait until PostgreSQL at `url` takes a connection (SQLite: at once)."""
    if not url.startswith("postgresql"):
        return 1
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def check() -> None:
        conn = await asyncpg.connect(dsn, timeout=TRY_TIMEOUT)
        await conn.close()

    return await wait_for("the database", check, within)


def connect_redis(url: str) -> Any:
    """A Redis client (redis-py, asyncio) that reconnects by itself after a restart."""
    from redis.asyncio import Redis

    return Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0,
                          health_check_interval=10, retry_on_timeout=True)


@dataclass
class Shared:
    """A worker's shared parts: its Redis client (None without), limiter and budget."""

    redis: Any
    limiter: Limiter
    budget: SendBudget | None

    async def close(self) -> None:
        """Uninstall the budget and close the Redis connections."""
        install(None)
        if self.redis is not None:
            await self.redis.aclose()


async def wait_for_servers(settings: Settings) -> Any:
    """Wait for the database and Redis (see the module docstring); the Redis client,
    or None without Redis."""
    await wait_for_database(settings.database_url, settings.startup_wait_seconds)
    if not settings.redis_url:
        return None
    redis = connect_redis(settings.redis_url)
    try:
        await wait_for("Redis", redis.ping, settings.startup_wait_seconds)
    except BaseException:
        await redis.aclose()
        raise
    return redis


def share(runtime: Runtime, redis: Any) -> Shared:
    """Wire a started runtime for running beside other workers: with Redis, the shared
    send budget (installed for every reply, owed message and push) and flood control
    over Redis; without, flood control in this process and today's pacing. The database
    pool is reported in `/metrics`."""
    settings = runtime.settings
    limiter: Limiter = (RedisLimiter(redis, settings.redis_prefix) if redis is not None
                        else LocalLimiter())
    budget = None
    if redis is not None:
        budget = SendBudget(limiter, rate=settings.send_rate,
                            per_chat=settings.send_rate_per_chat,
                            chat_burst=settings.send_burst_per_chat,
                            group_per_minute=settings.send_per_group_per_minute)
        install(budget)
    if settings.flood_burst > 0:
        guard = FloodGuard(limiter, burst=settings.flood_burst, rate=settings.flood_rate,
                           default_language=settings.default_language)
        runtime.app.middlewares = (*runtime.app.middlewares, guard)
    metrics.watch_pool(runtime.db.engine)
    runtime.redis = redis
    return Shared(redis, limiter, budget)
