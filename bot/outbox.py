"""The one sender of owed messages (outbox rows, `services.platform.outbox`).

It renders each due row in its recipient's language (`handlers.owed`), takes it
(pending -> sending, committed just before it leaves), sends it through the transport,
and marks it: sent; back to pending when nothing went out and Telegram did not take it
(a 5xx or the network: after a growing pause; a flood wait, 429: after its retry_after);
failed at once when Telegram refused it for good (403: the user blocked the bot, who is
marked unreachable as a push would; or another 400), when only part went out, or when
it kept failing. The codes of a paid order, once sent, fulfil the order.

It runs when something owed may be waiting: right after a payment (inline, so the buyer
gets the codes at once), woken after every handled update (`wake`), and each
housekeeping round (`bot.jobs`), which also finds rows a crash left `sending` and marks
them in doubt before anything is sent (`services.platform.outbox.recover_in_doubt`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog

import handlers.app  # noqa: F401  (every flow module registers its owed-message renderers)
from bot.runtime import NotDelivered, Runtime
from handlers.owed import render
from services.marketing.push_settings import set_reachable
from services.orders.checkout import mark_delivered
from services.platform.outbox import (
    Owed,
    due,
    get_owed,
    mark_failed,
    mark_sent,
    owed_written,
    retry_later,
    take,
)

log = structlog.get_logger("o2o.outbox")


async def send_owed(runtime: Runtime, keys: list[str] | None = None) -> int:
    """Send the due owed messages (all, or those of `keys`); returns how many went out.
    Nothing is taken while there is no transport to send through."""
    if runtime.outbox is None:
        return 0
    sent = 0
    while True:
        batch = await due(runtime.db, runtime.app.clock(), keys=keys)
        for owed in batch:
            sent += await _send_one(runtime, owed)
        if len(batch) < 50 or keys is not None:
            return sent


async def _send_one(runtime: Runtime, row: Owed) -> int:
    # Rendering's reads (an order, its codes, the buyer...) share one pooled connection,
    # as a chat turn's do (`Database.holding_reads`). Only reads: a write would wait for
    # SQLite's writer turn while holding it, and payments (the sandbox page) are not
    # bounded as turns are, so enough of them could hold every connection.
    async with runtime.db.holding_reads():
        replies = await render(runtime.app, row.chat_id, row.kind, row.params)
    owed = await take(runtime.db, row, runtime.outbox_taker)
    if owed is None:
        return 0  # another sender took it
    if not replies:
        await mark_failed(runtime.db, owed.id, "nothing to say")
        return 0
    try:
        went = await runtime.send(owed.chat_id, replies)
    except NotDelivered as refused:
        await _refused(runtime, owed, refused)
        return 0
    except Exception as exc:  # an answer the transport's policy does not know (a 5xx)
        log.warning("owed message not sent", row=owed.id, error=str(exc)[:200])
        went = 0
    await settle_owed(runtime, owed, "sent" if went == len(replies) else
                      "unsent" if went == 0 else "partly")
    return int(went == len(replies))


# How a refusal reads in a row's `error`.
_REFUSALS = {"forbidden": "blocked", "retry_after": "flood wait", "bad_request": "refused"}


async def _refused(runtime: Runtime, owed: Owed, refused: NotDelivered) -> None:
    """Record a row Telegram refused: tried again after a flood wait, failed otherwise
    (a blocked chat or a bad request would refuse it again; part of it arrived)."""
    db, now = runtime.db, runtime.app.clock()
    reason = f"{_REFUSALS.get(refused.kind, refused.kind)}: {refused.reason}"
    if refused.went:
        await mark_failed(db, owed.id, f"partly delivered, then {reason}")
    elif refused.kind == "retry_after":
        await retry_later(db, owed, now, reason,
                          wait=timedelta(seconds=max(refused.retry_after, 1.0)))
    else:
        await mark_failed(db, owed.id, reason)
        if refused.kind == "forbidden":
            await set_reachable(db, owed.chat_id, False, now)
    log.info("owed message refused", row=owed.id, kind=owed.kind, refusal=refused.kind,
             went=refused.went)


async def settle_owed(runtime: Runtime, owed: Owed, how: str) -> None:
    """Record how sending an owed row went: "sent", "unsent" (tried again later) or
    "partly" (failed: sending it again would repeat what arrived)."""
    db, now = runtime.db, runtime.app.clock()
    if how == "sent":
        await mark_sent(db, owed.id, now)
        if owed.kind == "codes":
            await mark_delivered(db, int(owed.params["order_id"]), now)
    elif how == "unsent":
        await retry_later(db, owed, now, "not delivered")
    else:
        await mark_failed(db, owed.id, "partly delivered")
    log.info("owed message", row=owed.id, kind=owed.kind, outcome=how)


async def settle_owed_row(runtime: Runtime, row_id: int, how: str) -> None:
    """`settle_owed` for a row known by its id (a handler's `Delivered` marker)."""
    owed = await get_owed(runtime.db, row_id)
    if owed is not None:
        await settle_owed(runtime, owed, how)


def owed_settler(runtime: Runtime) -> Callable[[int, str], Awaitable[None]]:
    """What a transport calls for a handler's `Delivered` marker (see `deliver_all`)."""
    async def settled(row_id: int, how: str) -> None:
        await settle_owed_row(runtime, row_id, how)
    return settled


class OutboxSender:
    """The background loop: sends what is owed whenever woken, and every `interval` s
    (a retry falls due a few seconds after a failed try; the query is one index probe)."""

    def __init__(self, runtime: Runtime, interval: float = 3.0) -> None:
        self.runtime = runtime
        self.interval = interval
        self.woken = asyncio.Event()
        self.stopping = asyncio.Event()

    def wake(self) -> None:
        """Something may be owed now (a handler's transaction committed)."""
        self.woken.set()

    async def run(self) -> None:
        """Send until stopped; an error is logged and the loop goes on. A wake starts a
        round only when this process wrote owed rows since the last one began
        (`owed_written`): every handled update wakes the sender, and most owe nobody
        anything, so their rounds would read the due rows for nothing. Rows written
        elsewhere (another worker) and retries falling due are found every `interval`."""
        while not self.stopping.is_set():
            self.woken.clear()
            seen = owed_written()
            try:
                await send_owed(self.runtime)
            except Exception:
                log.exception("outbox round failed")
            await self._next_round(seen)

    async def _next_round(self, seen: int) -> None:
        """Wait for new owed rows (a wake after `owed_written` moved past `seen`), the
        stop, or the interval, whichever comes first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.interval
        while (left := deadline - loop.time()) > 0:
            try:
                await asyncio.wait_for(self.woken.wait(), left)
            except TimeoutError:
                return
            self.woken.clear()
            if self.stopping.is_set() or owed_written() != seen:
                return


def wake(runtime: Runtime) -> None:
    """Wake the runtime's outbox sender, if one runs."""
    sender = runtime.owed_sender
    if isinstance(sender, OutboxSender):
        sender.wake()
