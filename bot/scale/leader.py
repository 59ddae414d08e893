"""Exactly one scheduler: housekeeping, campaign timers and the push sender run in one
worker at a time, elected through PostgreSQL.

APScheduler's job store must never be shared by two schedulers, and two push senders
would pace Telegram's budget twice; so every worker runs `SchedulerRole`, and only the
one holding the role starts the jobs (`bot.jobs.start_jobs`).

- Election: a session advisory lock, `pg_try_advisory_lock`, taken on a connection of
  its own, opened with asyncpg directly and never pooled: a session lock belongs to the
  connection, and a pool (or PgBouncer in transaction mode) would hand it to someone
  else or keep it after release. The lock's key is the schema's, so two assistants in
  one database (the tests) each have their own.
- When the leader dies its connection closes and PostgreSQL releases the lock at once;
  the others try every `RETRY_EVERY` seconds, so one takes over within a few seconds
  (well inside 10). A leader checks its connection every `CHECK_EVERY` seconds and
  stops its jobs as soon as the connection is gone.
- Fencing: the new leader adds one to `scheduler_leader.epoch` and keeps the number in
  `Runtime.scheduler_epoch`; claiming pushes and starting a campaign run check it in
  their transaction (`services.platform.fencing`), so a deposed leader that has not
  noticed yet writes nothing. Pushes the old leader had already claimed are `sending`:
  the new leader's start marks them in doubt, never to be sent again (at most once).
- Owed messages (the outbox) are sent by every worker, each its own turns': the same
  connection holds a second session lock, (`TAKER_LOCK`, `Runtime.outbox_taker`), the
  id this process records on each row it takes. A new leader puts in doubt only the
  `sending` rows whose taker's lock is gone (`services.platform.outbox.recover_in_doubt`),
  never those of a follower still sending them.
- SQLite is one process: the role is simply held (no epoch).

A worker without the role still sends what its own turns owed (`bot.outbox`): taking an
owed row is a conditional update, so any number of senders share the outbox safely.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import structlog

from bot import metrics
from bot.outbox import OutboxSender
from bot.runtime import Runtime
from services.platform.outbox import TAKER_LOCK

log = structlog.get_logger("o2o.leader")

LOCK_CLASS = 0x4F324F  # the advisory lock's first key ("O2O"); the second: the schema's
RETRY_EVERY = 2.0  # seconds between a follower's tries
CHECK_EVERY = 2.0  # seconds between the leader's checks of its connection

_TAKE = "SELECT pg_try_advisory_lock($1, hashtext(current_schema()))"
_ALIVE = "SELECT pg_advisory_lock($1, $2)"  # this process's outbox taker: alive
_BUMP = ("UPDATE scheduler_leader SET epoch = epoch + 1, holder = $1, "
         "since = (now() AT TIME ZONE 'utc') WHERE id = 1 RETURNING epoch")

Starter = Callable[[Runtime], Awaitable[Any]]
"""Starts the scheduler's jobs for a runtime; returns something with `async stop()`."""


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SchedulerRole:
    """Holds the scheduler role when it can, and runs the jobs while it does."""

    def __init__(self, runtime: Runtime, start: Starter | None = None, *,
                 retry_every: float = RETRY_EVERY, check_every: float = CHECK_EVERY) -> None:
        self.runtime = runtime
        self.start = start or _start_jobs
        self.retry_every = retry_every
        self.check_every = check_every
        self.holder = _holder()
        self.is_leader = False
        self.epoch: int | None = None
        self.terms = 0  # how many times this process took the role
        self.connection: asyncpg.Connection | None = None  # the lock's, while it is open
        self._follower_outbox: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self._decided = asyncio.Event()  # the first election is over (led or followed)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: lead when elected, follow otherwise (see the module docstring)."""
        if self.runtime.db.dialect != "postgresql":
            await self._lead_alone(stop)
            return
        try:
            while not stop.is_set():
                try:
                    await self._term(stop)
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError,
                        TimeoutError) as exc:
                    self._decided.set()
                    log.warning("scheduler election: database unreachable; trying again",
                                error=str(exc)[:200], retry_in=self.retry_every)
                    await _wait(stop, self.retry_every)
        finally:
            await self._stop_following()

    async def decided(self, timeout: float = 60.0) -> None:
        """Wait until the first election is over: this process leads (its jobs
        started) or follows, or the database did not answer. `o2o run` waits for it
        before serving, so a stop right after start-up finds the jobs started."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._decided.wait(), timeout)

    async def wait_until(self, leading: bool, timeout: float) -> None:
        """Wait until this process does (or does not) hold the role (tests)."""
        async def reached() -> None:
            while self.is_leader != leading:
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(reached(), timeout)

    async def _lead_alone(self, stop: asyncio.Event) -> None:
        try:
            jobs = await self.start(self.runtime)
        finally:
            self._decided.set()
        self._set_leader(True, None)
        try:
            await stop.wait()
        finally:
            self._set_leader(False, None)
            await jobs.stop()

    async def _term(self, stop: asyncio.Event) -> None:
        """One connection's life: try for the lock, then lead until it is lost."""
        conn = self.connection = await self._connect()
        jobs: Any = None
        try:
            # Alive for as long as this connection is: the rows this process takes to
            # send are its own until then. Its sender starts only once that is so.
            await asyncio.wait_for(conn.execute(_ALIVE, TAKER_LOCK,
                                                self.runtime.outbox_taker), 10)
            self._follow()
            while not await conn.fetchval(_TAKE, LOCK_CLASS):
                self._decided.set()  # following
                if await _wait(stop, self.retry_every):
                    return
            epoch = int(await conn.fetchval(_BUMP, self.holder))
            await self._stop_following()
            self.runtime.scheduler_epoch = epoch
            self.terms += 1
            log.info("scheduler role taken", epoch=epoch, holder=self.holder)
            try:
                jobs = await self.start(self.runtime)
            finally:
                self._decided.set()
            self._set_leader(True, epoch)
            while not await _wait(stop, self.check_every):
                await asyncio.wait_for(conn.fetchval("SELECT 1"), self.check_every)
        finally:
            was_leader = self.is_leader or jobs is not None
            self.runtime.scheduler_epoch = None
            self._set_leader(False, None)
            if jobs is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(jobs.stop(), 30)
            if was_leader:  # a warning only when it was lost, not at a stop
                (log.info if stop.is_set() else log.warning)(
                    "scheduler role given up", stopping=stop.is_set())
            self.connection = None
            if conn.is_closed():
                pass
            elif stop.is_set():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), 5)  # releases the lock
            else:
                conn.terminate()

    async def _connect(self) -> asyncpg.Connection:
        db = self.runtime.db
        dsn = db.engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False)
        settings = {"application_name": "o2o-scheduler"}
        if db.schema:
            settings["search_path"] = db.schema
        return await asyncio.wait_for(asyncpg.connect(dsn, server_settings=settings), 10)

    def _set_leader(self, leading: bool, epoch: int | None) -> None:
        self.is_leader = leading
        self.epoch = epoch
        metrics.LEADER.set(1 if leading else 0)
        metrics.EPOCH.set(epoch or 0)
        self._changed.set()

    def _follow(self) -> None:
        """A follower still sends what its own turns owed (woken after each update)."""
        if self._follower_outbox is None:
            sender = self.runtime.owed_sender = OutboxSender(self.runtime)
            self._follower_outbox = asyncio.create_task(sender.run(), name="outbox-follower")

    async def _stop_following(self) -> None:
        task, self._follower_outbox = self._follower_outbox, None
        sender = self.runtime.owed_sender
        if task is None or not isinstance(sender, OutboxSender):
            return
        sender.stopping.set()
        sender.wake()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)


async def _start_jobs(runtime: Runtime) -> Any:
    from bot.jobs import start_jobs  # the scheduler's modules load only where it runs

    return await start_jobs(runtime)


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` or until `stop`; True when stopped."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
