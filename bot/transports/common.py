"""What every Telegram transport shares, whichever library it uses."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import structlog

from bot import metrics
from bot.outbox import owed_settler, wake
from bot.runtime import NotDelivered, Outbox, Pusher, PushOutcome, Runtime
from bot.scale.limits import flood_wait, pace
from bot.transports.push_lane import LaneRefused
from handlers.core import (
    Delivered,
    EditText,
    Incoming,
    Notify,
    Reply,
    SendText,
)
from handlers.i18n import load_catalogs
from handlers.router import dispatch
from services.payments.telegram import StarRefunder, TelegramProvider

log = structlog.get_logger("o2o.telegram")

# How often a reply is retried after a flood wait (429) or a network error.
MAX_RETRIES = 3


@dataclass(frozen=True)
class Failure:
    """A Telegram error, as the retry policy needs to know it (library-independent)."""

    kind: str  # "retry_after", "forbidden", "bad_request" or "network"
    message: str = ""
    retry_after: float = 0.0


def failure_of(exc: Exception,
               classify: Callable[[Exception], Failure | None]) -> Failure | None:
    """The library's exception (`classify`) or the push lane's refusal as a `Failure`;
    None for anything else (a bug: raised on)."""
    if isinstance(exc, LaneRefused):
        outcome = exc.outcome
        return Failure(outcome.kind, outcome.error, outcome.retry_after)
    return classify(exc)


async def deliver(
    chat_id: int,
    reply: Reply,
    send_once: Callable[[int, Reply], Awaitable[object]],
    classify: Callable[[Exception], Failure | None],
    *,
    owed: bool = False,
) -> bool:
    """Carry out one reply under the one retry policy of every transport.

    Flood waits (429) are slept off and retried; network errors are retried with a short
    back-off; a user who blocked the bot (403) stops this chat's remaining replies; a
    refused edit of a vanished message becomes a new message; "not modified" is success;
    other bad requests are logged and skipped. Returns False when the chat's remaining
    replies should not be sent.

    For an `owed` message (an outbox row) a 403, a 429 or another bad request raises
    `NotDelivered` instead: its sender decides (fail the row, or try it again after the
    flood wait) rather than this loop sleeping or the row counting as sent.
    """
    for attempt in range(MAX_RETRIES + 1):
        await pace(chat_id)  # Telegram's limits, shared by all workers (with Redis)
        try:
            await send_once(chat_id, reply)
            metrics.api_call(reply, None)
            return True
        except Exception as exc:
            failure = failure_of(exc, classify)
            if failure is None:
                raise
            metrics.api_call(reply, failure.kind)
            last = attempt == MAX_RETRIES
            if owed and failure.kind in ("retry_after", "forbidden"):
                raise NotDelivered(failure.kind, failure.message,
                                   failure.retry_after) from exc
            if failure.kind == "retry_after":
                if last:
                    log.warning("flood wait persists; reply dropped", chat=chat_id)
                    return False
                log.warning("flood wait", retry_after=failure.retry_after, chat=chat_id)
                await flood_wait(failure.retry_after)  # every worker waits
            elif failure.kind == "forbidden":
                log.info("user unreachable", chat=chat_id, reason=failure.message)
                return False
            elif failure.kind == "network":
                if last:
                    log.error("network error; reply dropped", chat=chat_id,
                              error=failure.message)
                    return False
                await asyncio.sleep(0.5 * (attempt + 1))
            else:
                # Telegram's texts differ in case between libraries' renderings.
                text = failure.message.lower()
                if "message is not modified" in text:
                    return True
                if isinstance(reply, EditText) and "message to edit not found" in text:
                    reply = SendText(reply.text, buttons=reply.buttons)
                    continue
                if owed:
                    raise NotDelivered("bad_request", failure.message) from exc
                log.warning("telegram refused a reply", chat=chat_id, error=failure.message,
                            reply=type(reply).__name__)
                return True
    return False


OwedSettler = Callable[[int, str], Awaitable[None]]
"""(outbox row id, "sent" | "unsent" | "partly") -> records how a handler's owed replies went."""


async def deliver_all(
    chat_id: int, replies: list[Reply], perform: Callable[[int, Reply], Awaitable[bool]],
    owed: OwedSettler | None = None,
) -> int:
    """Carry out a handler's replies in order; `Notify` goes to its own chat.

    Stops this chat's replies when `perform` says so (the user blocked the bot); a
    notified chat that fails does not stop them. A `Delivered` marker reports to `owed`
    whether the messages it covers all went out ("sent"), none did ("unsent") or some
    did ("partly"). Returns how many replies were carried out.
    """
    sent = 0
    went: list[bool] = []  # each message so far: carried out or not
    stopped = False
    for reply in replies:
        if isinstance(reply, Delivered):
            covered = went[len(went) - reply.messages:] if reply.messages else []
            if owed is not None:
                await owed(reply.outbox_id, "sent" if all(covered) else
                           "partly" if any(covered) else "unsent")
            continue
        if isinstance(reply, Notify):
            failed = stopped  # after this chat stopped, nothing more goes out
            for other in reply.replies:
                failed = failed or not await perform(reply.chat_id, other)
                went.append(not failed)
            sent += not stopped
            continue
        if stopped or not await perform(chat_id, reply):
            stopped = True
            went.append(False)
            continue
        went.append(True)
        sent += 1
    return sent


async def deliver_owed(
    chat_id: int,
    replies: list[Reply],
    send_once: Callable[[int, Reply], Awaitable[object]],
    classify: Callable[[Exception], Failure | None],
) -> int:
    """Carry out the replies of an owed message (a transport's `send`, the outbox
    sender's way out); returns how many went out. A refusal (see `deliver` with
    `owed`) is raised as `NotDelivered`, saying how many replies had gone out before."""
    went = 0

    async def perform(chat: int, reply: Reply) -> bool:
        nonlocal went
        done = await deliver(chat, reply, send_once, classify, owed=True)
        went += done
        return done

    try:
        return await deliver_all(chat_id, replies, perform)
    except NotDelivered as refused:
        raise NotDelivered(refused.kind, refused.reason, refused.retry_after,
                           went) from refused
    except Exception as exc:  # a 5xx: retried later as a whole, unless part went out
        if went:
            raise NotDelivered("error", str(exc)[:200], went=went) from exc
        raise


async def push_once(
    chat_id: int,
    reply: Reply,
    send_once: Callable[[int, Reply], Awaitable[int | None]],
    classify: Callable[[Exception], Failure | None],
) -> PushOutcome:
    """Try one push once and say what Telegram answered, in the push sender's terms."""
    try:
        message_id = await send_once(chat_id, reply)
    except Exception as exc:
        failure = failure_of(exc, classify)
        if failure is None:
            raise
        return PushOutcome(failure.kind, retry_after=failure.retry_after, error=failure.message)
    return PushOutcome("sent", message_id=message_id)


# Set by the webhook for the turn of an update it took (`bot.webhook`): awaited with the
# chat and the handler's replies once its writes are committed and before the replies go
# out, to mark the update done there, keeping the replies with the mark. A worker killed
# after that point never has the update handled again; the next worker sends the replies
# it kept (at least once: twice only if it died between sending and confirming).
HANDLED: ContextVar[Callable[[int, list[Reply]], Awaitable[None]] | None] = ContextVar(
    "handled", default=None)


async def handle_update(runtime: Runtime, incoming: Incoming,
                        perform: Callable[[int, Reply], Awaitable[bool]],
                        update_id: int | None = None) -> None:
    """Dispatch one event, carry out its replies with `perform`, and log one line,
    "update handled", with who sent what kind of event and how it went."""
    started = time.perf_counter()
    kind = type(incoming.event).__name__
    update_id = incoming.update_id if update_id is None else update_id
    # Every log line of the turn carries the update id, and the user's internal id once
    # the dispatch has loaded the user (`load_user_and_state` binds it).
    turn: dict[str, Any] = {"user_id": None}
    if update_id is not None:  # else the transport bound it (aiogram: `feed`)
        turn["update_id"] = update_id
    with structlog.contextvars.bound_contextvars(**turn):
        try:
            replies = await dispatch(runtime.app, runtime.router, incoming)
            handled = HANDLED.get()
            if handled is not None:
                await handled(incoming.chat_id, replies)
            sent = await deliver_all(incoming.chat_id, replies, perform,
                                     owed_settler(runtime))
        except BaseException:
            metrics.UPDATES.labels(kind, "error").inc()
            raise
        took = time.perf_counter() - started
        # Not `event=`: structlog takes the message itself as `event`.
        log.info("update handled", user=incoming.sender.id, kind=kind,
                 replies=len(replies), sent=sent, ms=round(took * 1000, 1))
    wake(runtime)  # whatever this turn's transaction owed someone else
    metrics.UPDATES.labels(kind, "ok").inc()
    metrics.UPDATE_SECONDS.labels(kind).observe(took)


def attach(runtime: Runtime, send: Outbox, refund_stars: StarRefunder, push: Pusher) -> None:
    """Make a transport the runtime's way to users: the web server and the jobs send
    through `send`, campaign pushes through `push`, and Telegram Stars are refunded
    through `refund_stars`."""
    runtime.outbox = send
    runtime.pusher = push
    telegram = runtime.app.payments.get("telegram")
    if isinstance(telegram, TelegramProvider):
        telegram.star_refunder = refund_stars


async def publish_menu(*registers: Callable[[], Awaitable[object]]) -> None:
    """Publish the command menu (setMyCommands) and the default menu button, logging a
    failure: the bot serves without them, and the next start publishes them again. The
    catalogs the menu is written from are read in a thread first, so the first
    getUpdates goes out meanwhile."""
    await asyncio.to_thread(load_catalogs)
    for register in registers:
        try:
            await register()
        except Exception as exc:
            log.warning("command menu not published", error=str(exc)[:200])


WARM_UP_AFTER_SECONDS = 0.5  # the first getUpdates (or setWebhook) is on its way by then


async def warm_up(runtime: Runtime) -> None:
    """Build the parser while nobody talks yet (`App.warm`), once the first getUpdates
    is on its way (jieba's dictionary, even in a thread, would slow that call down);
    logging a failure: the first text builds it then."""
    try:
        await asyncio.sleep(WARM_UP_AFTER_SECONDS)
        await runtime.app.warm()
    except Exception as exc:
        log.warning("parser not built at start", error=str(exc)[:200])


def start_in_background(runtime: Runtime,
                        *registers: Callable[[], Awaitable[object]]) -> asyncio.Future[Any]:
    """The start-up work nobody waits for, beside the first getUpdates (or the webhook's
    registration): the command menu published (`registers`; its task first, so it goes
    out with the first getUpdates as before) and the parser built."""
    menu = asyncio.create_task(publish_menu(*registers))
    return asyncio.gather(menu, asyncio.create_task(warm_up(runtime)))


async def finish(task: asyncio.Future[Any]) -> None:
    """Wait a little for a start-up task still running at the stop, then cancel it."""
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(task, 5)
