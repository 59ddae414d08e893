"""Each Telegram update handled once across webhook workers, one chat at a time.

Telegram sends an update again when its webhook's answer is not 2xx (or does not come),
and behind a load balancer the retry may reach another worker than the first try. So
a worker *takes* an update id before handling it:

- `take` marks it "taking" with a short lease (`lease` seconds) that the taker renews
  while it works (`renew`). Another delivery of the same id meanwhile is "busy": its
  answer is not 2xx, so Telegram tries again later.
- `finish` marks it "done" for a day (update ids may repeat after a week with no updates,
  so nothing relies on their order): every later delivery is answered 200 unhandled.
- A worker that dies while handling stops renewing; its lease runs out and the next
  retry takes the update and handles it. A handler that failed `release`s it at once.

Two ledgers keep the marks: Redis (`SET upd:<bot>:<id> NX EX`, when the deployment has
Redis) and the database (table `update_ledger`, the embedded default). `ChatTurns`
keeps one chat's updates one at a time across workers (a Redis lock per chat with a
timeout, renewed with the lease); without Redis the workers' own queue does that within
one process.
"""

from __future__ import annotations

import secrets
import time
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.db import Database
from storage.models import UpdateSeen

DONE_FOR = 24 * 3600  # seconds a handled update id is remembered


class Taken(StrEnum):
    """What `take` found: the update is this worker's to handle now ("taken"), was
    handled already ("done"), or another worker is handling it ("busy")."""

    TAKEN = "taken"
    DONE = "done"
    BUSY = "busy"


class UpdateLedger(Protocol):
    """Which updates were taken and handled (see the module docstring)."""

    async def take(self, update_id: int) -> Taken:
        """Take the update for this worker, or say who has it."""
        ...

    async def renew(self, update_id: int) -> bool:
        """Extend this worker's lease on a taken update; False when it lost it."""
        ...

    async def finish(self, update_id: int) -> None:
        """The update was handled: remembered as done for a day."""
        ...

    async def release(self, update_id: int) -> None:
        """Give a taken update back (its handling failed): the next delivery takes it."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisUpdateLedger:
    """The ledger in Redis: `<prefix>:upd:<bot>:<update_id>` holds "taking:<token>" for
    the lease, then "done" for a day."""

    def __init__(self, redis: Any, prefix: str, bot_id: int, lease: int) -> None:
        self.redis = redis
        self.key = f"{prefix}:upd:{bot_id}:"
        self.lease = lease
        self._tokens: dict[int, str] = {}
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def take(self, update_id: int) -> Taken:
        """SET NX with the lease; else "done" or "busy" as the key says."""
        token = "taking:" + secrets.token_hex(8)
        key = self.key + str(update_id)
        for _ in range(3):  # the holder's lease may end between SET and GET
            if await self.redis.set(key, token, nx=True, ex=self.lease):
                self._tokens[update_id] = token
                return Taken.TAKEN
            held = await self.redis.get(key)
            if held is not None:
                return Taken.DONE if _text(held) == "done" else Taken.BUSY
        return Taken.BUSY

    async def renew(self, update_id: int) -> bool:
        token = self._tokens.get(update_id)
        if token is None:
            return False
        return bool(await self._renew(keys=[self.key + str(update_id)],
                                      args=[token, self.lease]))

    async def finish(self, update_id: int) -> None:
        self._tokens.pop(update_id, None)
        await self.redis.set(self.key + str(update_id), "done", ex=DONE_FOR)

    async def release(self, update_id: int) -> None:
        token = self._tokens.pop(update_id, None)
        if token is not None:
            await self._release(keys=[self.key + str(update_id)], args=[token])

    async def close(self) -> None:
        """The Redis client is the caller's."""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


_LEDGER = UpdateSeen.__table__  # type: ignore[attr-defined]
PRUNE_EVERY = 500  # takes between two deletions of day-old rows


class DatabaseUpdateLedger:
    """The ledger in the database (table `update_ledger`), for deployments without
    Redis: taking is one INSERT ... ON CONFLICT DO UPDATE that succeeds only on a new
    row or on a "taking" row whose lease ran out."""

    def __init__(self, db: Database, bot_id: int, lease: int) -> None:
        self.db = db
        self.bot_id = bot_id
        self.lease_ms = lease * 1000
        self._tokens: dict[int, str] = {}
        self._takes = 0
        dialect_insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
        fresh = dialect_insert(_LEDGER)
        self._take = fresh.on_conflict_do_update(
            index_elements=["bot_id", "update_id"],
            set_={"state": "taking", "holder": fresh.excluded.holder,
                  "until_ms": fresh.excluded.until_ms},
            where=and_(_LEDGER.c.state == "taking",
                       _LEDGER.c.until_ms < fresh.excluded.until_ms - self.lease_ms),
        ).returning(_LEDGER.c.holder)

    def _row(self, update_id: int) -> Any:
        return and_(_LEDGER.c.bot_id == self.bot_id, _LEDGER.c.update_id == update_id)

    async def take(self, update_id: int) -> Taken:
        token = secrets.token_hex(8)
        now = _now_ms()
        self._takes += 1
        if self._takes % PRUNE_EVERY == 0:
            await self.prune(now)
        async with self.db.single() as conn:
            holder = (await conn.execute(self._take, {
                "bot_id": self.bot_id, "update_id": update_id, "state": "taking",
                "holder": token, "until_ms": now + self.lease_ms})).scalar()
        if holder == token:
            self._tokens[update_id] = token
            return Taken.TAKEN
        async with self.db.reading() as conn:
            state = (await conn.execute(select(_LEDGER.c.state).where(
                self._row(update_id)))).scalar()
        return Taken.DONE if state == "done" else Taken.BUSY

    async def renew(self, update_id: int) -> bool:
        token = self._tokens.get(update_id)
        if token is None:
            return False
        async with self.db.single() as conn:
            result = await conn.execute(update(_LEDGER).where(
                self._row(update_id), _LEDGER.c.holder == token,
                _LEDGER.c.state == "taking").values(until_ms=_now_ms() + self.lease_ms))
        return bool(result.rowcount)

    async def finish(self, update_id: int) -> None:
        self._tokens.pop(update_id, None)
        async with self.db.single() as conn:
            await conn.execute(update(_LEDGER).where(self._row(update_id)).values(
                state="done", until_ms=_now_ms()))

    async def release(self, update_id: int) -> None:
        token = self._tokens.pop(update_id, None)
        if token is None:
            return
        async with self.db.single() as conn:
            await conn.execute(delete(_LEDGER).where(
                self._row(update_id), _LEDGER.c.holder == token,
                _LEDGER.c.state == "taking"))

    async def prune(self, now_ms: int | None = None) -> int:
        """Forget updates handled more than a day ago; how many were forgotten."""
        cutoff = (now_ms or _now_ms()) - DONE_FOR * 1000
        async with self.db.single() as conn:
            result = await conn.execute(delete(_LEDGER).where(
                _LEDGER.c.bot_id == self.bot_id, _LEDGER.c.state == "done",
                _LEDGER.c.until_ms < cutoff))
        return int(result.rowcount or 0)

    async def close(self) -> None:
        """The database is the caller's."""


def _now_ms() -> int:
    return int(time.time() * 1000)


class ChatTurns:
    """One chat's updates one at a time across workers: a Redis lock per chat
    (`<prefix>:chat:<bot>:<chat>`), held with a timeout of `lease` seconds that the
    holder extends while it works, so a dead worker's lock frees itself."""

    def __init__(self, redis: Any, prefix: str, bot_id: int, lease: int,
                 wait: float) -> None:
        self.redis = redis
        self.key = f"{prefix}:chat:{bot_id}:"
        self.lease = lease
        self.wait = wait

    def lock(self, chat: object) -> Any:
        """An unacquired lock of `chat` (redis-py's `Lock`): `await lock.acquire()`
        waits at most `wait` seconds and says whether it got it; `extend`, `release`."""
        return self.redis.lock(self.key + str(chat), timeout=self.lease, sleep=0.01,
                               blocking_timeout=self.wait)
