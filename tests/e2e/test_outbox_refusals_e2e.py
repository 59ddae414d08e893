"""End to end: how the outbox sender takes Telegram's refusals, through the Bot API
stand-in and `o2o run` (aiogram and python-telegram-bot).

- A buyer who blocked the bot (403) before their codes went out: the row fails at once
  with the reason, and is never tried again.
- A flood wait (429) on the first send of the codes: the row waits Telegram's
  retry_after (not the shorter pause of a 5xx) and the codes arrive once.
(A 500 on the first send is in tests/test_outbox_e2e.py.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from services.platform.database import Database
from standins import BotApiStandin
from standins.users import FakeUser
from storage.models import Deal, OutboxMessage
from tests.e2e.test_outbox_e2e import ANN, _env, _order_status, _outbox, _seed, o2o_run
from tests.e2e.test_payments_e2e import button, free_port
from tests.e2e.test_telegram_e2e import TOKEN

pytestmark = pytest.mark.e2e
TRANSPORTS = ["aiogram", "ptb"]


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        yield server


@contextlib.asynccontextmanager
async def _ann_has_ordered(standin: BotApiStandin, tmp_path: Path,
                           transport: str) -> AsyncIterator[tuple[str, str]]:
    """`o2o run` on a fresh demo database, where Ann has just ordered: (the database's
    URL, the sandbox page to pay her order on)."""
    url = f"sqlite+aiosqlite:///{tmp_path}/e2e.db"
    port = free_port()
    env = _env(url, web_port=str(port), public_url=f"http://127.0.0.1:{port}")
    await _seed(env)
    ann = standin.user(ANN, first_name="Ann", language_code="zh")
    async with o2o_run(standin, env, transport):
        yield url, await _order_to_pay(ann, url)


async def _order_to_pay(ann: FakeUser, url: str) -> str:
    """Ann orders one skewer buffet in the chat; the sandbox page to pay it on."""
    db = Database(url)
    try:
        async with db.session() as session:
            deal_id = (await session.exec(select(Deal.id).where(Deal.key == "cw-single"))).one()
    finally:
        await db.dispose()
    await ann.send(f"/start deal_{deal_id}")
    card = await ann.wait_for(lambda m: any("🛒" in b["text"] for r in m.buttons for b in r))
    await ann.press(card, button(card, "🛒"))
    ask = await ann.wait_for(lambda m: "要买几份" in (m.text or ""), timeout=10)
    await ann.press(ask, "1")
    order = await ann.wait_for(lambda m: any(b.get("url") for r in m.buttons for b in r),
                               timeout=10)
    return next(b["url"] for r in order.buttons for b in r if b.get("url"))


async def _pay(pay_url: str) -> None:
    async with aiohttp.ClientSession() as http, http.post(pay_url) as paid:
        assert paid.status == 200


async def _error_of_the_codes_row(url: str) -> str | None:
    db = Database(url)
    try:
        async with db.session() as session:
            return (await session.exec(select(OutboxMessage.error).where(
                OutboxMessage.chat_id == ANN, OutboxMessage.kind == "codes"))).one()
    finally:
        await db.dispose()


def _sends_to(standin: BotApiStandin, chat_id: int) -> list[bool]:
    """Whether each message sent to the chat was taken, in order."""
    return [c.ok for c in standin.calls if c.method in ("sendMessage", "sendPhoto", "sendVenue")
            and c.params.get("chat_id") == chat_id]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_codes_owed_to_a_buyer_who_blocked_the_bot_fail_at_once_and_are_not_retried(
    standin: BotApiStandin, tmp_path: Path, transport: str,
) -> None:
    async with _ann_has_ordered(standin, tmp_path, transport) as (url, pay_url):
        taken_before = len(_sends_to(standin, ANN))
        standin.block(ANN)  # before paying: the codes cannot reach them
        await _pay(pay_url)
        await standin.wait_until(lambda: len(_sends_to(standin, ANN)) > taken_before, 30,
                                 "the first try of the codes")
        await asyncio.sleep(7)  # two more rounds of the sender: nothing is tried again
        assert _sends_to(standin, ANN)[taken_before:] == [False]  # one try, refused
    assert await _outbox(url) == [("codes", "failed", 1)]
    assert await _error_of_the_codes_row(url) == "blocked: Forbidden: bot was blocked by the user"
    assert await _order_status(url) == "paid"  # /mycodes has them, once they unblock


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_flood_wait_on_the_codes_waits_telegrams_retry_after_and_they_arrive_once(
    standin: BotApiStandin, tmp_path: Path, transport: str,
) -> None:
    async with _ann_has_ordered(standin, tmp_path, transport) as (url, pay_url):
        ann = standin.user(ANN)
        standin.inject_error("sendMessage", 429, "Too Many Requests: retry after 5",
                             retry_after=5, chat_id=ANN)
        await _pay(pay_url)
        await ann.wait_for(lambda m: "已支付" in (m.text or ""), timeout=30)
        await asyncio.sleep(4)
    refused = [c for c in standin.calls_to("sendMessage") if not c.ok]
    [codes] = [c for c in standin.calls_to("sendMessage")
               if c.ok and "已支付" in str(c.params.get("text"))]
    assert len(refused) == 1  # the 429 happened, and the codes still came once
    assert codes.at - refused[0].at >= 5  # not before Telegram said (a 5xx waits 3 s)
    assert sum(m.kind == "photo" for m in ann.messages) == 1
    assert await _outbox(url) == [("codes", "sent", 2)]
    assert await _order_status(url) == "fulfilled"
