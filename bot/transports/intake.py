"""Updates in: a bounded number handled at once, in arrival order, one chat at a time.

aiogram and python-telegram-bot start a task for every update they fetch, with no
bound: under a burst every update is in flight at once, each gets a sliver of the
CPU, and all of them finish at about the same time, late. Here a fixed set of workers
takes updates from one queue instead:

- at most `in_flight` updates are being handled at any moment;
- the earliest update whose chat is free goes first, so early updates are answered
  early and the rest wait their turn;
- updates of one chat are handled one at a time, in order, so two messages of one
  user never race on their conversation state;
- long polling fetches more only while fewer than `waiting_max` updates wait, so a
  burst stays on Telegram's side (where it is safe) instead of in this process's memory.

The transports feed it from their own polling loop (`poll`); a webhook endpoint can
`put` into it the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import signal
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

import structlog

log = structlog.get_logger("o2o.telegram")

Item = TypeVar("Item")


class Intake(Generic[Item]):
    """The queue of updates waiting to be handled (see the module docstring).

    `put(key, item)` adds an update of chat `key`; a worker `take`s the earliest one
    whose chat is not being handled and calls `done(key)` when it has finished.
    """

    def __init__(self) -> None:
        self._order = itertools.count()
        self._queues: dict[Hashable, deque[tuple[int, Item]]] = {}  # per chat, in order
        self._heads: list[tuple[int, Hashable]] = []  # free chats' first items, by arrival
        self._busy: set[Hashable] = set()  # chats being handled now
        self._takers: deque[asyncio.Future[None]] = deque()  # idle workers
        self._changed = asyncio.Event()  # something was taken or finished
        self.waiting = 0  # items put and not yet taken

    @property
    def in_hand(self) -> int:
        """How many updates are being handled now."""
        return len(self._busy)

    def put(self, key: Hashable, item: Item) -> None:
        """Queue an update of chat `key`, behind everything that came before it."""
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
        order = next(self._order)
        queue.append((order, item))
        self.waiting += 1
        if len(queue) == 1 and key not in self._busy:
            heapq.heappush(self._heads, (order, key))
            self._wake_one()

    async def take(self) -> tuple[Hashable, Item]:
        """The earliest update whose chat is free (waiting until there is one); its chat
        counts as busy until `done`."""
        while not self._heads:
            taker = asyncio.get_running_loop().create_future()
            self._takers.append(taker)
            try:
                await taker
            finally:
                with contextlib.suppress(ValueError):
                    self._takers.remove(taker)
        _, key = heapq.heappop(self._heads)
        queue = self._queues[key]
        _, item = queue.popleft()
        if not queue:
            del self._queues[key]
        self._busy.add(key)
        self.waiting -= 1
        self._changed.set()
        return key, item

    def done(self, key: Hashable) -> None:
        """The update taken for chat `key` is finished: the chat's next one may go."""
        self._busy.discard(key)
        queue = self._queues.get(key)
        if queue:
            heapq.heappush(self._heads, (queue[0][0], key))
            self._wake_one()
        self._changed.set()

    async def changed(self) -> None:
        """Wait until an update is taken or finished."""
        self._changed.clear()
        await self._changed.wait()

    async def settled(self) -> None:
        """Wait until nothing waits and nothing is in hand."""
        while self.waiting or self._busy:
            await self.changed()

    def _wake_one(self) -> None:
        while self._takers:
            taker = self._takers.popleft()
            if not taker.done():
                taker.set_result(None)
                return


async def work(intake: Intake[Item], handle: Callable[[Item], Awaitable[object]]) -> None:
    """One worker: take, handle, finish, forever (until cancelled). A failure is logged
    and never stops the worker."""
    while True:
        key, item = await intake.take()
        try:
            await handle(item)
        except Exception:
            log.exception("update failed")
        finally:
            intake.done(key)


Fetch = Callable[[int | None], Awaitable[Sequence[Any]]]
"""getUpdates from `offset` (None: from the first unconfirmed), long polling."""


async def poll(
    fetch: Fetch,
    chat_of: Callable[[Any], Hashable],
    handle: Callable[[Any], Awaitable[object]],
    *,
    in_flight: int,
    waiting_max: int,
    drain_seconds: float = 10.0,
    stop: asyncio.Event | None = None,
) -> None:
    """Long-poll with `fetch` and handle each update with `handle` through an `Intake`
    of `in_flight` workers, until SIGINT/SIGTERM (or `stop`); then finish what was
    fetched (for at most `drain_seconds`) before returning.

    An update is confirmed to Telegram (by asking for the next offset) once it is in
    the intake, as the libraries' own polling does.
    """
    stop = stop or asyncio.Event()
    handled_signals = catch_stop_signals(stop)
    intake: Intake[Any] = Intake()
    workers = [asyncio.create_task(work(intake, handle)) for _ in range(max(1, in_flight))]
    offset: int | None = None
    backoff = 0.0
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            while intake.waiting >= waiting_max and not stop.is_set():
                await _first(intake.changed(), stopping)
            if stop.is_set():
                break
            fetching = asyncio.create_task(fetch(offset))
            await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not fetching.done():
                fetching.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetching
                break
            try:
                updates = fetching.result()
            except Exception as exc:
                backoff = min(5.0, backoff * 2 or 0.5)
                log.warning("getUpdates failed; trying again", error=str(exc)[:200],
                            retry_in=backoff)
                await _first(asyncio.sleep(backoff), stopping)
                continue
            backoff = 0.0
            for update in updates:
                offset = update.update_id + 1
                intake.put(chat_of(update), update)
        try:
            await asyncio.wait_for(intake.settled(), drain_seconds)
        except TimeoutError:
            log.warning("stopping with updates unfinished", waiting=intake.waiting,
                        in_hand=intake.in_hand)
    finally:
        stopping.cancel()
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, stopping, return_exceptions=True)
        release_stop_signals(handled_signals)


def catch_stop_signals(stop: asyncio.Event) -> list[int]:
    """From now on SIGINT and SIGTERM set `stop` (where this loop can take signals: the
    main thread on Unix); the signals caught, for `release_stop_signals`."""
    loop = asyncio.get_running_loop()
    caught = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            caught.append(sig)
    return caught


def release_stop_signals(caught: list[int]) -> None:
    """Give the signals `catch_stop_signals` caught back to their default handling."""
    loop = asyncio.get_running_loop()
    for sig in caught:
        loop.remove_signal_handler(sig)


async def _first(awaitable: Awaitable[object], stopping: asyncio.Task[Any]) -> None:
    """Wait for `awaitable` or for the stop signal, whichever comes first."""
    task = asyncio.ensure_future(awaitable)
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def chat_of(update: Any) -> Hashable:
    """The chat an update belongs to (aiogram's and python-telegram-bot's Update alike):
    its message's chat, else its sender; an update with neither is its own."""
    for name in ("message", "edited_message", "channel_post", "edited_channel_post",
                 "business_message", "my_chat_member", "chat_member", "chat_join_request"):
        event = getattr(update, name, None)
        if event is not None and getattr(event, "chat", None) is not None:
            return event.chat.id
    query = getattr(update, "callback_query", None)
    if query is not None:
        message = getattr(query, "message", None)
        chat = getattr(message, "chat", None) if message is not None else None
        return chat.id if chat is not None else query.from_user.id
    for name in ("inline_query", "chosen_inline_result", "pre_checkout_query",
                 "shipping_query", "poll_answer"):
        event = getattr(update, name, None)
        user = getattr(event, "from_user", None) or getattr(event, "user", None)
        if user is not None:
            return user.id
    return ("update", update.update_id)
