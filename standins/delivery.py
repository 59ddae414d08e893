"""Webhook delivery for the Bot API stand-in, as Telegram does it.

Once `setWebhook` names a URL, every update is POSTed to it as JSON, with the secret
token in `X-Telegram-Bot-Api-Secret-Token`, over at most `max_connections` connections
at once. An answer that is not 2xx, a refused connection or no answer within `timeout`
seconds is an error: the update is sent again later, after a back-off that doubles
from `retry_base` up to `retry_max` seconds, until it is taken (Telegram gives up
"after a reasonable amount of attempts": here `give_up_after`). Until then it counts in
`pending_update_count`. Updates of kinds left out of `allowed_updates` are not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Attempt:
    """One POST of one update: its answer's status (0: no answer) and when."""

    update_id: int
    status: int
    at: float
    error: str = ""


class WebhookDelivery:
    """Sends updates to a webhook until each is taken (see the module docstring)."""

    def __init__(self, url: str, secret: str | None, *, max_connections: int = 40,
                 allowed: list[str] | None = None, notify: Callable[[], None] = lambda: None,
                 timeout: float = 10.0, retry_base: float = 0.25, retry_max: float = 4.0,
                 give_up_after: int = 60) -> None:
        self.url = url
        self.secret = secret
        self.max_connections = max_connections
        self.allowed = allowed or None
        self.timeout = timeout
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.give_up_after = give_up_after
        self.pending: dict[int, dict[str, Any]] = {}  # sent or due, not taken yet
        self.attempts: list[Attempt] = []
        self.tries: dict[int, int] = {}
        self.given_up: list[int] = []
        self.last_error: tuple[float, str] | None = None
        self._notify = notify
        self._due: list[tuple[float, int, int]] = []  # (when, order, update_id)
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._senders: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None

    def wants(self, update: dict[str, Any]) -> bool:
        """Whether the update's kind is one the webhook asked for."""
        return self.allowed is None or any(k in self.allowed for k in update
                                           if k != "update_id")

    def start(self) -> None:
        """Open the connections' session and start the senders."""
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.max_connections),
            timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._senders = [asyncio.create_task(self._send_forever())
                         for _ in range(self.max_connections)]

    def add(self, update: dict[str, Any]) -> None:
        """Send this update (now, and again until it is taken)."""
        if not self.wants(update):
            return
        self.pending[update["update_id"]] = update
        self._schedule(update["update_id"], time.monotonic())

    def _schedule(self, update_id: int, when: float) -> None:
        heapq.heappush(self._due, (when, next(self._order), update_id))
        self._wake.set()

    async def stop(self) -> list[dict[str, Any]]:
        """Stop sending; the updates not taken yet, oldest first."""
        for sender in self._senders:
            sender.cancel()
        await asyncio.gather(*self._senders, return_exceptions=True)
        self._senders = []
        if self._session is not None:
            await self._session.close()
            self._session = None
        return [self.pending[k] for k in sorted(self.pending)]

    async def _next(self) -> int:
        while True:
            if self._due:
                when = self._due[0][0]
                wait = when - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(self._due)[2]
            else:
                wait = 3600.0
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def _send_forever(self) -> None:
        while True:
            update_id = await self._next()
            update = self.pending.get(update_id)
            if update is not None:
                await self._send(update_id, update)

    async def _send(self, update_id: int, update: dict[str, Any]) -> None:
        assert self._session is not None
        headers = {SECRET_HEADER: self.secret} if self.secret else {}
        status, error = 0, ""
        try:
            async with self._session.post(self.url, json=update, headers=headers) as answer:
                status = answer.status
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {answer.reason}"
                await answer.read()
        except TimeoutError:
            error = "Read timeout expired"
        except (aiohttp.ClientError, OSError) as exc:  # refused, reset, cut short
            error = f"Connection refused: {type(exc).__name__}"
        self.attempts.append(Attempt(update_id, status, time.time(), error))
        if not error:
            self.pending.pop(update_id, None)
            self._notify()
            return
        self.last_error = (time.time(), error)
        tries = self.tries[update_id] = self.tries.get(update_id, 0) + 1
        if tries >= self.give_up_after:
            self.pending.pop(update_id, None)
            self.given_up.append(update_id)
            self._notify()
            return
        backoff = min(self.retry_max, self.retry_base * 2 ** (tries - 1))
        self._schedule(update_id, time.monotonic() + backoff)
        self._notify()

    def taken(self, update_id: int) -> bool:
        """Whether the webhook took the update (answered 2xx)."""
        return any(a.update_id == update_id and 200 <= a.status < 300 for a in self.attempts)
