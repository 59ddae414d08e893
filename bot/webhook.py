"""`o2o run --webhook`: Telegram posts updates to the bot's web server.

    POST <webhook_path>   one update (JSON), from Telegram (through the reverse proxy)

Every answer is honest about the update:
- 403 without the secret token (`X-Telegram-Bot-Api-Secret-Token`, compared in constant
  time), 400 for a body that is not an update;
- 200 only once the update is handled and its replies went out (or it was handled
  before, by any worker, and its replies went out or go out now): the
  libraries' own webhook handlers answer first and handle afterwards, so a worker that
  dies loses what it answered for; here Telegram keeps it and sends it again;
- 503 (with Retry-After) while another worker is handling the same update, while this
  one is starting or stopping, or when too many updates wait here: Telegram tries again.

Each update is taken in the update-id ledger (`services.platform.update_ids`: Redis when
configured, else the database) before it is handled, and marked done as soon as the
handler's writes are committed, before its replies go out; so a repeated delivery is
handled once whichever worker it reaches, also when the worker that handled it was
killed while replying. Only a worker killed between the handler's last commit and that
mark (one round trip) leaves the update to be handled again.

The mark keeps the turn's replies (`bot.transports.kept`: its messages, not the answers
to queries, which expire in seconds, nor outbox rows, which stay the outbox's) in the
same write, "unsent" under the worker's lease until they went out; then "sent" (Redis:
with the chat lock's release, in one script; the database: one UPDATE after the answer
is on its way). A worker killed while replying leaves them kept: Telegram, without its
200, delivers the update again, and the worker that takes it after the lease sends them
in the chat's turn, then answers 200 (whatever Telegram answers them: a user who
blocked the bot stops them, as in any turn; they are tried once more, never in a loop).
So a turn's replies go out at least once: twice only when a worker died between sending
them and marking them sent. Pushes stay at most once and codes on the outbox.

Within a worker the updates go through the same `Intake` as long polling (at most
`updates_in_flight` at once, the earliest first, one chat at a time); across workers one
chat's updates take turns by a Redis lock per chat, taken with the update in the ledger
(one script) when nothing of that chat is in hand here (so it is the chat's first in the
intake), else in its turn. So an update costs three Redis round trips of the ledger and
the lock: take and lock, the done-mark, "sent" and unlock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

import structlog
from aiohttp import web

from bot.config import ConfigError
from bot.runtime import Runtime
from bot.transports.common import HANDLED, deliver_all
from bot.transports.intake import (
    Intake,
    catch_stop_signals,
    chat_of,
    release_stop_signals,
    work,
)
from bot.transports.kept import keep, restore
from handlers.core import Reply
from services.platform.update_ids import (
    ChatTurns,
    DatabaseUpdateLedger,
    RedisUpdateLedger,
    Taken,
    Unsent,
    UpdateLedger,
)

log = structlog.get_logger("o2o.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BODY_MAX = 256 * 1024  # the web server's own limit; an update is a few kB
RETRY_AFTER = "1"

Parse = Callable[[dict[str, Any]], Any]
"""A webhook's JSON body as the library's Update."""
Handle = Callable[[Any], Awaitable[object]]
"""Handle one library Update (the transport's door for updates)."""
Register = Callable[[str, str, int, bool], Awaitable[object]]
"""setWebhook(url, secret_token, max_connections, drop_pending_updates)."""
Perform = Callable[[int, Reply], Awaitable[bool]]
"""Carry out one reply in a chat (the transport's, with its retries and send budgets)."""


@dataclass
class Taking:
    """An update taken in the ledger, waiting for (or in) an intake worker."""

    update_id: int
    update: Any
    chat: Hashable  # whose turn it takes (the intake's and the chat lock's key)
    done: asyncio.Future[None]  # resolved once handled and marked; failed: given back
    marked: bool = False  # marked done in the ledger (its handler's writes committed)
    unsent: bool = False  # its replies kept with the mark, not yet confirmed sent
    resend: tuple[int, list[Reply]] | None = None  # kept replies to send again (chat, them)
    lock: Any = None  # the chat's lock (`ChatTurns`), when taken with the update


class NotTaken(Exception):
    """The update could not be handled here now (no turn for its chat in time)."""


class Webhook:
    """The webhook endpoint of one worker: `add_routes` before the web server starts,
    then the transport calls `serve` (registers the webhook and runs until SIGTERM)."""

    def __init__(self, runtime: Runtime, bot_id: int) -> None:
        settings = runtime.settings
        if settings.webhook_secret is None:
            raise ConfigError("config error: O2O_WEBHOOK_SECRET: not set; `o2o run --webhook` "
                              "needs a secret token (1-256 of A-Z a-z 0-9 _ -)")
        if settings.web_port == 0:
            raise ConfigError("config error: web_port: 0 turns the web server off, and "
                              "`o2o run --webhook` is served by it; set O2O_WEB_PORT")
        self.runtime = runtime
        self.settings = settings
        self.bot_id = bot_id
        self._secret = settings.webhook_secret.get_secret_value().encode()
        self._redis: Any = None
        self.ledger: UpdateLedger
        self.turns: ChatTurns | None = None
        lease = settings.webhook_update_lease_seconds
        if settings.redis_url:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(settings.redis_url)
            self.ledger = RedisUpdateLedger(self._redis, settings.redis_prefix, bot_id, lease)
            self.turns = ChatTurns(self._redis, settings.redis_prefix, bot_id, lease,
                                   wait=max(1.0, lease / 2))
        else:
            self.ledger = DatabaseUpdateLedger(runtime.db, bot_id, lease)
        self.intake: Intake[Taking] = Intake()
        self._parse: Parse | None = None
        self._handle: Handle | None = None
        self._perform: Perform | None = None
        self._open = False  # taking updates (between registering and the stop)
        self._in_hand: dict[int, Taking] = {}  # taken here, not finished
        self._locks: set[Any] = set()  # chat locks held here
        self._chats: dict[Hashable, int] = {}  # updates of each chat in hand here

    def add_routes(self, app: web.Application) -> None:
        """Serve the webhook path on the bot's web app."""
        app.router.add_post(self.settings.webhook_path, self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        """One delivery of one update (see the module docstring for the answers)."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook call without the secret token refused",
                        peer=request.headers.get("X-Real-IP", request.remote))
            return web.json_response({"ok": False}, status=403)
        if not self._open or self._parse is None:
            return _busy("not serving")
        if request.content_length is not None and request.content_length > BODY_MAX:
            return web.json_response({"ok": False, "error": "too large"}, status=413)
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError, RecursionError):  # not JSON; nested too deep
            return web.json_response({"ok": False, "error": "not JSON"}, status=400)
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return web.json_response({"ok": False, "error": "no update_id"}, status=400)
        if self.intake.waiting >= self.settings.updates_waiting_max:
            return _busy("too many waiting")
        assert self._parse is not None
        try:
            update = self._parse(data)
        except Exception as exc:  # a shape the library refuses never gets better
            return await self._unreadable(update_id, exc)
        chat = chat_of(update)
        # The chat's lock is taken with the update (one round trip for both) when nothing
        # of this chat is in hand here, so this update is the chat's first in the intake;
        # later ones of the chat here take it in their turn. (Counted before the take:
        # two of one chat arriving together do not both try.)
        lock = (self.turns.lock(chat) if self.turns is not None and not self._chats.get(chat)
                else None)
        self._chats[chat] = self._chats.get(chat, 0) + 1
        try:
            taken = await self.ledger.take(update_id, lock)
        except Exception as exc:  # Redis or the database is away: Telegram tries again
            self._leave(chat)
            log.warning("update ledger unreachable", update_id=update_id, error=str(exc)[:200])
            return _busy("ledger unreachable")
        if taken is Taken.DONE:
            self._leave(chat)
            log.info("update delivered again; handled before", update_id=update_id)
            return web.json_response({"ok": True, "seen": True})
        if taken is Taken.BUSY:
            self._leave(chat)
            return _busy("in hand elsewhere")
        taking = Taking(update_id, update, chat, asyncio.get_running_loop().create_future())
        if isinstance(taken, Unsent):
            try:
                taking.resend = restore(taken.replies)
            except Exception as exc:  # kept by another version: nothing to send again
                self._leave(chat)
                log.warning("kept replies not readable; dropped", update_id=update_id,
                            error=str(exc)[:200])
                with contextlib.suppress(Exception):
                    await self.ledger.sent(update_id)
                return web.json_response({"ok": True, "seen": True})
            # A delivery again of an update handled (here or elsewhere) whose replies are
            # not known to have gone out (its worker died in between): they go out now,
            # in the chat's turn as the update's own would, then 200.
            taking.marked = taking.unsent = True
        elif lock is not None and ChatTurns.held(lock):
            taking.lock = lock
            self._locks.add(lock)  # extended by `_keep` while it waits and is handled
            if self._chats[chat] > 1:  # another of the chat came meanwhile: in its turn
                await self._let_go(taking)
        return await self._in_turn(taking)

    async def _unreadable(self, update_id: int, exc: Exception) -> web.Response:
        """An update the library cannot read: taken and marked done, answered 200."""
        try:
            taken = await self.ledger.take(update_id)
        except Exception as error:
            log.warning("update ledger unreachable", update_id=update_id,
                        error=str(error)[:200])
            return _busy("ledger unreachable")
        if taken is Taken.TAKEN:
            log.warning("update not understood; dropped", update_id=update_id,
                        error=str(exc)[:200])
            await self._finish(update_id)
        return web.json_response({"ok": True, "dropped": True})

    def _leave(self, chat: Hashable) -> None:
        """One update of `chat` fewer in hand here."""
        left = self._chats.get(chat, 1) - 1
        if left:
            self._chats[chat] = left
        else:
            self._chats.pop(chat, None)

    def _forget(self, taking: Taking) -> None:
        """The update is no longer in hand here."""
        if self._in_hand.pop(taking.update_id, None) is not None:
            self._leave(taking.chat)

    async def _let_go(self, taking: Taking) -> None:
        """Release the chat lock taken with the update, if it still holds it."""
        lock, taking.lock = taking.lock, None
        if lock is not None:
            self._locks.discard(lock)
            with contextlib.suppress(Exception):  # expired: the next holder has it
                await lock.release()

    async def _in_turn(self, taking: Taking) -> web.Response:
        """Queue a taken update for an intake worker; the answer once it is done."""
        # The lease is renewed (`_keep`) while the update waits here and while it is
        # handled and its replies go out; the intake's worker marks it done (or gives it
        # back), whatever becomes of this request, so an answer that never arrives cannot
        # leave it half taken.
        update_id, done = taking.update_id, taking.done
        self._in_hand[update_id] = taking
        self.intake.put(taking.chat, taking)
        try:
            await asyncio.shield(done)
        except Exception as exc:
            log.warning("update not handled; given back for a retry", update_id=update_id,
                        error=str(exc)[:200])
            return _busy("not handled", status=500)
        return web.json_response({"ok": True})

    async def _finish(self, update_id: int, replies: str | None = None) -> None:
        try:
            await self.ledger.finish(update_id, replies)
        except Exception as exc:  # handled: a retry finds it "taking" until the lease ends
            log.warning("update handled but not marked done", update_id=update_id,
                        error=str(exc)[:200])

    async def _keep(self) -> None:
        """Every third of the lease, renew the leases of the updates in hand here (not
        yet marked done, or their replies not yet confirmed sent) and the chat locks
        held here: one task for the worker rather
        than two for each update, which cost more than the renewals at any rate the
        updates come (most are done long before their first renewal)."""
        every = max(0.5, self.settings.webhook_update_lease_seconds / 3)
        while True:
            await asyncio.sleep(every)
            await asyncio.gather(*(self._renew(taking) for taking in list(self._in_hand.values())
                                   if not taking.marked or taking.unsent),
                                 *(self._extend(lock) for lock in list(self._locks)))

    async def _renew(self, taking: Taking) -> None:
        try:
            if (not await self.ledger.renew(taking.update_id)
                    and (not taking.marked or taking.unsent)):
                log.warning("update lease lost while handling", update_id=taking.update_id)
        except Exception as exc:
            log.warning("update lease not renewed", update_id=taking.update_id,
                        error=str(exc)[:200])

    async def _extend(self, lock: Any) -> None:
        if lock in self._locks:
            with contextlib.suppress(Exception):
                await lock.extend(self.settings.webhook_update_lease_seconds, replace_ttl=True)

    async def _work_one(self, item: Taking) -> None:
        """An intake worker's turn: the chat's turn across workers, the update, and its
        mark in the ledger: done as soon as the handler's writes are committed, before
        its replies go out (`HANDLED`), the replies kept with the mark; so a worker killed
        while replying is not followed by a second handling, and the next delivery sends
        what it kept. Given back when handling failed before the mark. Once the replies
        went out, the mark says so (`sent`): with the chat lock's release (Redis), else
        after the answer is on its way (the database)."""
        async def handled(chat_id: int, replies: list[Reply]) -> None:
            item.marked = True  # no renewal of the taking from here on
            kept = keep(chat_id, replies)
            item.unsent = kept is not None  # renewed until confirmed sent
            await self._finish(item.update_id, kept)

        marking = HANDLED.set(handled)
        try:
            if self.turns is None:
                await self._turn(item)
            else:
                await self._in_chat_turn(item)
        except BaseException as exc:
            if not item.marked:
                with contextlib.suppress(Exception):
                    await self.ledger.release(item.update_id)
            # Marked with replies kept and not all sent (a transport error): they stay
            # "unsent", so the delivery again (this one is answered 500) sends them.
            self._forget(item)
            if not item.done.done():
                item.done.set_exception(exc if isinstance(exc, Exception)
                                        else NotTaken(repr(exc)))
            if not isinstance(exc, Exception):
                raise
            return
        finally:
            HANDLED.reset(marking)
        if not item.marked:  # an update no handler took (a kind the bot ignores)
            item.marked = True
            await self._finish(item.update_id)
        if not item.done.done():
            item.done.set_result(None)  # the 200 goes out meanwhile
        if item.unsent:  # the database: one UPDATE after the answer, not before it
            await self._sent(item)
        self._forget(item)

    async def _turn(self, item: Taking) -> None:
        """Handle the update, or send its kept replies again (tried once more whatever
        Telegram answers: a user who blocked the bot stops them, as in any turn)."""
        if item.resend is None:
            assert self._handle is not None
            await self._handle(item.update)
            return
        assert self._perform is not None
        chat_id, replies = item.resend
        try:
            went = await deliver_all(chat_id, replies, self._perform)
        except Exception as exc:
            log.warning("kept replies not sent again", update_id=item.update_id,
                        error=str(exc)[:200])
            return
        log.info("update delivered again; its kept replies sent", update_id=item.update_id,
                 replies=len(replies), sent=went)

    async def _sent(self, item: Taking, chat_lock: Any = None) -> None:
        item.unsent = False
        try:
            await self.ledger.sent(item.update_id, chat_lock)
        except Exception as exc:  # a delivery again would send them again
            log.warning("replies sent but not marked so", update_id=item.update_id,
                        error=str(exc)[:200])

    async def _in_chat_turn(self, item: Taking) -> None:
        assert self.turns is not None
        lock, item.lock = item.lock, None  # taken with the update, or taken now
        if lock is None:
            lock = self.turns.lock(item.chat)
            if not await lock.acquire():
                raise NotTaken(f"chat {item.chat} busy elsewhere")
            self._locks.add(lock)  # extended by `_keep` while held
        went = False
        try:
            await self._turn(item)
            went = True
        finally:
            self._locks.discard(lock)
            if went and item.unsent:  # one script: "sent", and the lock released
                await self._sent(item, lock)
            else:
                with contextlib.suppress(Exception):  # expired: the next holder has it
                    await lock.release()

    async def serve(self, parse: Parse, handle: Handle, register: Register,
                    perform: Perform, stop: asyncio.Event | None = None) -> None:
        """Take updates with `parse` and `handle` (the transport's), send kept replies
        again with `perform`, register the webhook with `register`, and serve until
        SIGINT/SIGTERM (or `stop`); then refuse new deliveries (503: Telegram sends them
        again, to another worker) and finish the updates in hand, for at most
        `shutdown_grace_seconds`."""
        self._parse, self._handle, self._perform = parse, handle, perform
        stop = stop or asyncio.Event()
        handled_signals = catch_stop_signals(stop)
        workers = [asyncio.create_task(work(self.intake, self._work_one))
                   for _ in range(max(1, self.settings.updates_in_flight))]
        workers.append(asyncio.create_task(self._keep()))
        try:
            settings = self.settings
            assert settings.webhook_secret is not None
            self._open = True
            await register(settings.webhook_address(), settings.webhook_secret.get_secret_value(),
                           settings.webhook_max_connections,
                           settings.webhook_drop_pending_updates)
            log.info("webhook serving", url=settings.webhook_address(),
                     path=settings.webhook_path,
                     ledger="redis" if self.turns is not None else "database")
            await stop.wait()
            self._open = False
            try:
                await asyncio.wait_for(self._drained(), self.settings.shutdown_grace_seconds)
            except TimeoutError:
                log.warning("stopping with updates unfinished", in_hand=len(self._in_hand))
        finally:
            self._open = False
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await self._give_back_unfinished()
            release_stop_signals(handled_signals)

    async def _give_back_unfinished(self) -> None:
        """At the stop: what was taken and not handled goes back to the ledger (its
        deliveries answered 503), so Telegram's next try is handled by another worker
        at once rather than after the lease."""
        for taking in list(self._in_hand.values()):
            with contextlib.suppress(Exception):
                await self.ledger.release(taking.update_id)
            await self._let_go(taking)
            if not taking.done.done():
                taking.done.set_exception(NotTaken("stopping"))
        self._in_hand.clear()
        self._chats.clear()

    async def _drained(self) -> None:
        while self._in_hand:
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        """Close the ledger and the Redis connection."""
        await self.ledger.close()
        if self._redis is not None:
            await self._redis.aclose()


def _busy(reason: str, status: int = 503) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status,
                             headers={"Retry-After": RETRY_AFTER})


def bot_id_of(token: str) -> int:
    """The bot's id: the digits before the colon of its token."""
    return int(token.split(":", 1)[0])

