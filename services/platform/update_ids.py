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
Redis) and the database (table `update_ledger`, the embedded default). In Redis the
"sent" mark goes with the chat lock's release, in one script (no round trip of its own),
and a fresh take may take the chat's lock in the same script: a webhook turn's round
trips are two before its handler (take and lock in one; the done-mark) and one after
(sent and unlock), not four. `ChatTurns`
keeps one chat's updates one at a time across workers (a Redis lock per chat with a
timeout, renewed with the lease); without Redis the workers' own queue does that within
one process.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import and_, case, delete, select, update
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


@dataclass(frozen=True)
class Unsent:
    """What `take` found too: the update was handled, and its replies (kept by `finish`)
    are not known to have gone out; their taker is gone, so this worker holds them now
    (renewed as a taking is), is to send them and mark them `sent`."""

    replies: str


class UpdateLedger(Protocol):
    """Which updates were taken and handled (see the module docstring)."""

    async def take(self, update_id: int, chat_lock: Any = None) -> Taken | Unsent:
        """Take the update for this worker, or say who has it (or its unsent replies).
        Redis: a fresh take also acquires `chat_lock` (an unacquired `ChatTurns` lock)
        when the chat is free, in the same round trip (`ChatTurns.held` tells)."""
        ...

    async def renew(self, update_id: int) -> bool:
        """Extend this worker's lease on a taken update (or on its unsent replies);
        False when it lost it."""
        ...

    async def finish(self, update_id: int, replies: str | None = None) -> None:
        """The update was handled: remembered as done for a day; with `replies`, those
        are kept with the mark, "unsent" under this worker's lease until `sent`."""
        ...

    async def sent(self, update_id: int, chat_lock: Any = None) -> None:
        """The replies kept by `finish` (or taken as `Unsent`) went out: plain "done"
        from here. Redis: `chat_lock`, a held `ChatTurns` lock, is released with it."""
        ...

    async def release(self, update_id: int) -> None:
        """Give a taken update back (its handling failed): the next delivery takes it."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


# Values of `<prefix>:upd:<bot>:<id>`: "taking:<token>" (the lease is the key's expiry),
# "done", or "unsent:<token>:<lease end, ms, 15 digits>:<replies>" (a day's expiry; the
# lease in the value). A token is 16 hex digits, so the fields sit at fixed places.
_TAKE_AGAIN = """
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'taking:' .. ARGV[1], 'EX', ARGV[3])
  return {'taken'}
end
if v == 'done' then return {'done'} end
if string.sub(v, 1, 7) == 'unsent:' and tonumber(string.sub(v, 25, 39)) < tonumber(ARGV[2]) then
  local replies = string.sub(v, 41)
  local ends = string.format('%015d', tonumber(ARGV[2]) + 1000 * tonumber(ARGV[3]))
  redis.call('SET', KEYS[1], 'unsent:' .. ARGV[1] .. ':' .. ends .. ':' .. replies, 'KEEPTTL')
  return {'unsent', replies}
end
return {'busy'}
"""
_TAKE_LOCKING = """
if redis.call('SET', KEYS[1], 'taking:' .. ARGV[1], 'NX', 'EX', ARGV[2]) then
  if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return 2 end
  return 1
end
return 0
"""
_RENEW = """
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v == 'taking:' .. ARGV[1] then
  return redis.call('EXPIRE', KEYS[1], ARGV[2])
end
local mine = 'unsent:' .. ARGV[1] .. ':'
if string.sub(v, 1, 24) == mine then
  local ends = string.format('%015d', tonumber(ARGV[3]) + 1000 * tonumber(ARGV[2]))
  redis.call('SET', KEYS[1], mine .. ends .. string.sub(v, 40), 'KEEPTTL')
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
_SENT = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 24) == 'unsent:' .. ARGV[1] .. ':' then
  redis.call('SET', KEYS[1], 'done', 'KEEPTTL')
end
if #KEYS > 1 and redis.call('GET', KEYS[2]) == ARGV[2] then
  redis.call('DEL', KEYS[2])
end
return 0
"""


class RedisUpdateLedger:
    """The ledger in Redis: `<prefix>:upd:<bot>:<update_id>` holds "taking:<token>" for
    the lease, then "done" (or "unsent:..." with the replies, see `finish`) for a day."""

    def __init__(self, redis: Any, prefix: str, bot_id: int, lease: int) -> None:
        self.redis = redis
        self.key = f"{prefix}:upd:{bot_id}:"
        self.lease = lease
        self._tokens: dict[int, str] = {}
        self._take_again = redis.register_script(_TAKE_AGAIN)
        self._take_locking = redis.register_script(_TAKE_LOCKING)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._sent = redis.register_script(_SENT)

    async def take(self, update_id: int, chat_lock: Any = None) -> Taken | Unsent:
        """SET NX with the lease (one round trip, the usual case; with `chat_lock`, a
        script that also takes the chat's lock when it is free, as redis-py's `Lock`
        would: SET NX PX of a token it then holds); else one script says "done" or
        "busy", or takes it when the key is gone by now or holds replies whose lease ran
        out (`Unsent`)."""
        token = secrets.token_hex(8)
        key = self.key + str(update_id)
        if chat_lock is None:
            fresh = await self.redis.set(key, "taking:" + token, nx=True, ex=self.lease)
        else:
            lock_token = uuid.uuid4().hex.encode()
            fresh = await self._take_locking(
                keys=[key, chat_lock.name],
                args=[token, self.lease, lock_token, int(chat_lock.timeout * 1000)])
            if fresh == 2:
                chat_lock.local.token = lock_token  # held: `extend`, `release` work
        if fresh:
            self._tokens[update_id] = token
            return Taken.TAKEN
        found = await self._take_again(keys=[key], args=[token, _now_ms(), self.lease])
        state = _text(found[0])
        if state == "taken":
            self._tokens[update_id] = token
            return Taken.TAKEN
        if state == "unsent":
            self._tokens[update_id] = token
            return Unsent(_text(found[1]))
        return Taken.DONE if state == "done" else Taken.BUSY

    async def renew(self, update_id: int) -> bool:
        token = self._tokens.get(update_id)
        if token is None:
            return False
        return bool(await self._renew(keys=[self.key + str(update_id)],
                                      args=[token, self.lease, _now_ms()]))

    async def finish(self, update_id: int, replies: str | None = None) -> None:
        """One SET: "done", or "unsent" with the replies under this worker's lease."""
        key = self.key + str(update_id)
        if replies is None:
            self._tokens.pop(update_id, None)
            await self.redis.set(key, "done", ex=DONE_FOR)
            return
        token = self._tokens.setdefault(update_id, secrets.token_hex(8))
        await self.redis.set(key, f"unsent:{token}:{_now_ms() + self.lease * 1000:015d}:"
                                  f"{replies}", ex=DONE_FOR)

    async def sent(self, update_id: int, chat_lock: Any = None) -> None:
        """"done" if the replies are still this worker's; and the chat lock (redis-py's
        `Lock`, held) released, in the same script."""
        token = self._tokens.pop(update_id, "")
        keys, args = [self.key + str(update_id)], [token]
        lock_token = getattr(chat_lock.local, "token", None) if chat_lock is not None else None
        if lock_token is not None:
            keys.append(chat_lock.name)
            args.append(lock_token)
            chat_lock.local.token = None  # as redis-py's own release does
        if token or lock_token is not None:
            await self._sent(keys=keys, args=args)

    async def release(self, update_id: int) -> None:
        token = self._tokens.pop(update_id, None)
        if token is not None:
            await self._release(keys=[self.key + str(update_id)], args=["taking:" + token])

    async def close(self) -> None:
        """The Redis client is the caller's."""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


_LEDGER = UpdateSeen.__table__  # type: ignore[attr-defined]
PRUNE_EVERY = 500  # takes between two deletions of day-old rows


class DatabaseUpdateLedger:
    """The ledger in the database (table `update_ledger`), for deployments without
    Redis: taking is one INSERT ... ON CONFLICT DO UPDATE that succeeds only on a new
    row, or on a "taking" or "unsent" row whose lease ran out (an "unsent" one stays
    "unsent", with its replies, for the new holder to send)."""

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
            set_={"state": case((_LEDGER.c.state == "unsent", "unsent"), else_="taking"),
                  "holder": fresh.excluded.holder, "until_ms": fresh.excluded.until_ms},
            where=and_(_LEDGER.c.state.in_(("taking", "unsent")),
                       _LEDGER.c.until_ms < fresh.excluded.until_ms - self.lease_ms),
        ).returning(_LEDGER.c.holder, _LEDGER.c.state, _LEDGER.c.replies)

    def _row(self, update_id: int) -> Any:
        return and_(_LEDGER.c.bot_id == self.bot_id, _LEDGER.c.update_id == update_id)

    async def take(self, update_id: int, chat_lock: Any = None) -> Taken | Unsent:
        """One INSERT ... ON CONFLICT DO UPDATE (no chat lock without Redis)."""
        token = secrets.token_hex(8)
        now = _now_ms()
        self._takes += 1
        if self._takes % PRUNE_EVERY == 0:
            await self.prune(now)
        async with self.db.single() as conn:
            row = (await conn.execute(self._take, {
                "bot_id": self.bot_id, "update_id": update_id, "state": "taking",
                "holder": token, "until_ms": now + self.lease_ms})).first()
        if row is not None and row.holder == token:
            self._tokens[update_id] = token
            return Unsent(row.replies or "") if row.state == "unsent" else Taken.TAKEN
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
                _LEDGER.c.state.in_(("taking", "unsent"))).values(
                    until_ms=_now_ms() + self.lease_ms))
        return bool(result.rowcount)

    async def finish(self, update_id: int, replies: str | None = None) -> None:
        """One UPDATE of the row: "done", or "unsent" with the replies, under this
        worker's lease."""
        now = _now_ms()
        if replies is None:
            self._tokens.pop(update_id, None)
            values: dict[str, Any] = {"state": "done", "until_ms": now}
        else:
            values = {"state": "unsent", "replies": replies, "until_ms": now + self.lease_ms}
        async with self.db.single() as conn:
            await conn.execute(update(_LEDGER).where(self._row(update_id)).values(**values))

    async def sent(self, update_id: int, chat_lock: Any = None) -> None:
        """"done" (the replies forgotten) if they are still this worker's; no chat lock
        without Redis."""
        token = self._tokens.pop(update_id, None)
        if token is None:
            return
        async with self.db.single() as conn:
            await conn.execute(update(_LEDGER).where(
                self._row(update_id), _LEDGER.c.holder == token,
                _LEDGER.c.state == "unsent").values(state="done", replies=None,
                                                    until_ms=_now_ms()))

    async def release(self, update_id: int) -> None:
        token = self._tokens.pop(update_id, None)
        if token is None:
            return
        async with self.db.single() as conn:
            await conn.execute(delete(_LEDGER).where(
                self._row(update_id), _LEDGER.c.holder == token,
                _LEDGER.c.state == "taking"))

    async def prune(self, now_ms: int | None = None) -> int:
        """Forget updates handled more than a day ago (also replies kept that long: their
        update is not delivered again); how many were forgotten."""
        cutoff = (now_ms or _now_ms()) - DONE_FOR * 1000
        async with self.db.single() as conn:
            result = await conn.execute(delete(_LEDGER).where(
                _LEDGER.c.bot_id == self.bot_id, _LEDGER.c.state.in_(("done", "unsent")),
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

    @staticmethod
    def held(lock: Any) -> bool:
        """Whether this worker holds `lock` (acquired, or taken with an update)."""
        return getattr(lock.local, "token", None) is not None

    def lock(self, chat: object) -> Any:
        """An unacquired lock of `chat` (redis-py's `Lock`): `await lock.acquire()`
        waits at most `wait` seconds and says whether it got it; `extend`, `release`."""
        return self.redis.lock(self.key + str(chat), timeout=self.lease, sleep=0.01,
                               blocking_timeout=self.wait)
