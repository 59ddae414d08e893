"""End to end by webhook: a turn's replies reach the user even when the worker that
handled the update is SIGKILLed after marking it done and before they went out.

The done-mark in the update-id ledger keeps the turn's replies ("unsent") until they
went out. Telegram (the stand-in) never got its 200, so it delivers the update again,
to the next worker; that one finds the replies kept, sends them, and answers 200. The
window is made exact by the stand-in holding the chat's sendMessage until the kill.
Each case runs with both ledgers: the database (SQLite, aiogram) and Redis (PTB).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.webhook import bot_id_of
from services.platform.database import Database
from standins import BotApiStandin
from standins.server import ApiError
from storage.models import UpdateSeen
from tests.e2e.test_telegram_e2e import TOKEN, seed_demo_file
from tests.e2e.test_webhook_e2e import by_data
from tests.helpers.webhooks import (
    REDIS_URL,
    forget_redis_keys,
    free_port,
    post_update,
    redis_prefix,
    start_worker,
    until_serving,
    webhook_workers,
    worker_env,
)

pytestmark = pytest.mark.e2e
HELP = "Here's what I can do"


class HoldingChatStandin(BotApiStandin):
    """The stand-in, holding every sendMessage to `held_chat` until `let_go` is set; a
    held call is then never carried out (its worker is dead by then: nothing reached
    the chat). Telegram's redelivery of an unanswered update is quickened."""

    def __init__(self, token: str) -> None:
        super().__init__(token=token)
        self.webhook_retry_base, self.webhook_retry_max = 0.2, 1.0
        self.held_chat: int | None = None
        self.holding = 0
        self.let_go = asyncio.Event()

    async def _m_sendmessage(self, params: dict[str, Any],
                             files: dict[str, bytes]) -> Any:
        if str(params.get("chat_id")) == str(self.held_chat) and not self.let_go.is_set():
            self.holding += 1
            self._notify()
            await self.let_go.wait()
            raise ApiError(502, "Bad Gateway: the caller is gone")
        return await super()._m_sendmessage(params, files)


class World:
    """One demo database, the ledger the workers use, and how to read an update's mark."""

    def __init__(self, tmp_path: Path, ledger: str) -> None:
        self.db_path = tmp_path / "webhook.db"
        self.ledger = ledger
        self.prefix = redis_prefix()
        self.settings = {"webhook_update_lease_seconds": "2"}
        if ledger == "redis":
            self.settings.update(redis_url=REDIS_URL, redis_prefix=self.prefix)

    def env_of(self, port: int) -> dict[str, str]:
        return worker_env(TOKEN, f"sqlite+aiosqlite:///{self.db_path}", port,
                          f"http://127.0.0.1:{port}", **self.settings)

    async def mark(self, update_id: int) -> str:
        """The update's mark in the ledger: "taking", "unsent", "done" (or "")."""
        if self.ledger == "redis":
            import redis.asyncio as aioredis

            client = aioredis.from_url(REDIS_URL)
            try:
                value = await client.get(f"{self.prefix}:upd:{bot_id_of(TOKEN)}:{update_id}")
            finally:
                await client.aclose()
            return (value or b"").decode().split(":", 1)[0]
        db = Database(f"sqlite+aiosqlite:///{self.db_path}")
        try:
            async with db.reading() as conn:
                return str((await conn.execute(select(UpdateSeen.state).where(
                    UpdateSeen.update_id == update_id))).scalar() or "")
        finally:
            await db.dispose()


@pytest.fixture(params=[("aiogram", "database"), ("ptb", "redis")],
                ids=["aiogram-database", "ptb-redis"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    transport, ledger = request.param
    world = World(tmp_path, ledger)
    world.transport = transport  # type: ignore[attr-defined]
    await seed_demo_file(world.db_path, {"O2O_BOT_TOKEN": TOKEN})
    try:
        yield world
    finally:
        await forget_redis_keys(world.prefix)


async def _killed_after_the_mark(standin: HoldingChatStandin, world: World, tmp_path: Path,
                                 user_id: int, text: str) -> dict[str, Any]:
    """A worker takes `text` from the user, handles it, marks it done with its replies,
    and is SIGKILLed while the stand-in holds the first of them; returns the update."""
    transport = world.transport  # type: ignore[attr-defined]
    standin.held_chat = user_id
    dying = await start_worker(standin, world.env_of(free_port()), transport,
                               tmp_path / "dying.log")
    await until_serving(dying)
    await standin.wait_until(lambda: bool(standin.calls_to("setWebhook")), 60,
                             "the first worker registering the webhook")
    user = standin.user(user_id)
    update = await user.send(text)
    await standin.wait_until(lambda: standin.holding >= 1, 60, "a reply in hand")
    assert await world.mark(update["update_id"]) == "unsent"  # done, replies not sent
    dying.proc.kill()
    assert await dying.proc.wait() == -9
    standin.let_go.set()  # the held call dies with its worker: nothing was sent
    return update


async def _delivered_again(standin: BotApiStandin, world: World, tmp_path: Path,
                           update: dict[str, Any],
                           check: Callable[[list[Any]], None]) -> None:
    """The next worker registers the webhook; the stand-in sends the update to it again
    (busy while the dead one's lease lasts) until it is answered 200."""
    (tmp_path / "next").mkdir()
    transport = world.transport  # type: ignore[attr-defined]
    async with webhook_workers(standin, 1, transport, tmp_path / "next",
                               world.env_of) as workers:
        delivery = standin.delivery
        assert delivery is not None
        await standin.wait_until(lambda: update["update_id"] not in delivery.pending, 60,
                                 "the update taken again")
        assert [a.status for a in delivery.attempts
                if a.update_id == update["update_id"]][-1] == 200
        await asyncio.sleep(1.0)  # anything arriving late would show as a second reply
        check(workers)
        assert await world.mark(update["update_id"]) == "done"
        # Telegram's odd repeat after that: answered as handled, nothing sent again.
        status, body = await post_update(workers[0].url, update)
        assert status == 200 and body.get("seen") is True


async def test_a_worker_killed_before_its_replies_went_out_leaves_them_to_the_next(
    world: World, tmp_path: Path,
) -> None:
    async with HoldingChatStandin(TOKEN) as standin:
        dan = standin.user(6501, first_name="Dan 🍲", language_code="en")
        update = await _killed_after_the_mark(standin, world, tmp_path, dan.id, "/help")
        assert dan.messages == []

        def once(workers: list[Any]) -> None:
            assert len(dan.messages) == 1 and HELP in (dan.messages[0].text or "")
            assert "kept replies sent" in workers[0].log_text()

        await _delivered_again(standin, world, tmp_path, update, once)
        await asyncio.sleep(0.5)
        assert len(dan.messages) == 1  # once: not handled again, not sent twice


async def test_kept_replies_to_a_user_who_blocked_the_bot_meanwhile_are_not_tried_forever(
    world: World, tmp_path: Path,
) -> None:
    async with HoldingChatStandin(TOKEN) as standin:
        eve = standin.user(6502, first_name="Eve", language_code="zh")
        update = await _killed_after_the_mark(standin, world, tmp_path, eve.id, "火锅")
        standin.block(eve.id)  # 403 from now on

        def refused(workers: list[Any]) -> None:
            assert eve.messages == []
            sends = [c for c in standin.calls_to("sendMessage")
                     if str(c.params.get("chat_id")) == str(eve.id)]
            assert len(sends) == 2  # the held one, and the one try again: refused, done

        await _delivered_again(standin, world, tmp_path, update, refused)


async def test_on_a_clean_run_each_reply_goes_out_once_and_nothing_is_kept(
    world: World, tmp_path: Path,
) -> None:
    async with HoldingChatStandin(TOKEN) as standin:
        standin.let_go.set()
        ann = standin.user(6503, first_name="Ann", language_code="en")
        transport = world.transport  # type: ignore[attr-defined]
        async with webhook_workers(standin, 1, transport, tmp_path, world.env_of):
            sent = [await ann.send("/help"), await ann.send("hotpot 🍲")]
            await ann.wait_for(lambda m: HELP in (m.text or ""), 30)
            results = await ann.wait_for(lambda m: any(
                str(b.get("callback_data", "")).startswith("d:") for r in m.buttons for b in r), 30)
            before = len(ann.messages)
            pressed = await ann.press(results, by_data(results, "d:"))  # a deal's card
            await standin.wait_until(lambda: len(ann.messages) > before, 30, "the card")
            assert standin.delivery is not None
            delivery = standin.delivery
            await standin.wait_until(lambda: not delivery.pending, 30, "nothing pending")
            await asyncio.sleep(1.0)
            for update in (*sent, pressed):
                assert await world.mark(update["update_id"]) == "done"
        texts = [m.text or m.kind for m in ann.messages]
        assert len(texts) == len(set(texts)), texts  # no reply twice
        assert sum(HELP in t for t in texts) == 1
        assert all(a.status == 200 for a in delivery.attempts)
