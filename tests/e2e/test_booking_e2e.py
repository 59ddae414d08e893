"""End to end, table booking (订座): the real `o2o run` process on the demo world,
driven by HTTP updates through the Bot API stand-in (aiogram and python-telegram-bot).

- Ann types 明晚7点两位 海底捞: the Wanda one is full at seven (the demo fills it), so
  the nearest free starts are offered; she presses one and gets the confirmation (code,
  store) and the venue. /bookings, Cancel, Yes: cancelled; a second tap on Yes changes
  nothing.
- Bob books the seafood place on the pier, which asks a ¥50 deposit: a payment link,
  paid on the sandbox page over HTTP (twice: charged once), and the "deposit received"
  news in chat, once; `o2o ledger check` passes on the database afterwards.
- Cat books Haidilao Kuai'an, then blocks the bot: her reminder's outbox row is made due
  now (the stand-in has no clock to move; the process's clock is the real one), Telegram
  answers 403, and the row fails at once with the reason, is not tried again, and the
  table stays hers.
"""

from __future__ import annotations

import asyncio
import copy
import os
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import update
from sqlmodel import col, select

from services.platform.database import Database
from standins import BotApiStandin
from standins.models import SentMessage
from storage.models import Booking, OutboxMessage, User
from tests.e2e.test_payments_e2e import button, free_port
from tests.e2e.test_telegram_e2e import ROOT, TOKEN, running_bot

pytestmark = pytest.mark.e2e
ANN, BOB, CAT = 5401, 5402, 5403


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        yield server


@pytest.fixture(params=["aiogram", "ptb"])
async def shop(request: pytest.FixtureRequest, standin: BotApiStandin,
               tmp_path: Path) -> AsyncIterator[Path]:
    """The demo world served with the sandbox payment page on 127.0.0.1; yields its
    database."""
    port, db = free_port(), tmp_path / "booking.db"
    async with running_bot(standin, db, request.param, payment_provider="sandbox",
                           web_port=str(port), public_url=f"http://127.0.0.1:{port}"):
        yield db


def has(part: str) -> Callable[[SentMessage], bool]:
    """A predicate: the message's text or caption contains `part`."""
    return lambda m: part in (m.text or m.caption or "")


def with_button(part: str) -> Callable[[SentMessage], bool]:
    """A predicate: the message has a button whose label contains `part`."""
    return lambda m: any(part in b["text"] for row in m.buttons for b in row)


def dump(messages: list[SentMessage]) -> str:
    """The chat as text, for a failing assertion's message."""
    return "\n---\n".join(f"[{m.kind}] {m.text or m.caption or m.params}"
                          f" {m.button_texts()}" for m in messages)


async def bookings_of(db: Path, telegram_id: int) -> list[Booking]:
    """The shopper's bookings, oldest first."""
    database = Database(f"sqlite+aiosqlite:///{db}")
    try:
        async with database.session() as session:
            return list((await session.exec(
                select(Booking).join(User, col(User.id) == col(Booking.user_id))
                .where(User.telegram_id == telegram_id).order_by(col(Booking.id)))).all())
    finally:
        await database.dispose()


async def outbox_of(db: Path, telegram_id: int, kind: str) -> OutboxMessage:
    """The one message of `kind` owed to the chat."""
    database = Database(f"sqlite+aiosqlite:///{db}")
    try:
        async with database.session() as session:
            return (await session.exec(select(OutboxMessage).where(
                OutboxMessage.chat_id == telegram_id, OutboxMessage.kind == kind))).one()
    finally:
        await database.dispose()


async def make_due_now(db: Path, row_id: int) -> None:
    """Move an owed message's time to now: the two hours before a sitting, skipped."""
    database = Database(f"sqlite+aiosqlite:///{db}")
    try:
        async with database.begin() as conn:
            await conn.execute(update(OutboxMessage).where(col(OutboxMessage.id) == row_id)
                               .values(next_try_at=datetime.now(UTC)))
    finally:
        await database.dispose()


async def ledger_check(db: Path) -> str:
    """`o2o ledger check` on the database: its output (it must exit 0)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    env.update(O2O_BOT_TOKEN=TOKEN, PYTHONPATH=str(ROOT))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "ledger", "check", "--db", str(db), cwd=ROOT,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, (out + err).decode()[-2000:]
    return out.decode()


def reminders_to(standin: BotApiStandin, chat_id: int) -> list[bool]:
    """Whether each booking reminder sent to the chat was taken, in order."""
    return [c.ok for c in standin.calls if c.method == "sendMessage"
            and c.params.get("chat_id") == chat_id
            and "提醒：你的订座快到时间了" in str(c.params.get("text", ""))]


async def test_a_couple_books_tomorrow_at_seven_gets_the_nearest_time_and_cancels_it(
        standin: BotApiStandin, shop: Path) -> None:
    ann = standin.user(ANN, first_name="Ann", language_code="zh")
    await ann.send("明晚7点两位 海底捞")
    full = await ann.wait_for(has("已订满"), timeout=20)  # the demo fills Wanda at seven
    assert "最近的空位时间" in (full.text or ""), dump(ann.messages)
    assert "19:00" not in full.button_texts() and "21:00" in full.button_texts()
    await ann.press(full, "21:00")
    done = await ann.wait_for(has("订好了"), timeout=15)
    text = done.text or ""
    assert "海底捞（马尾万达店）" in text and "订座码" in text and "明天 21:00" in text, text
    venue = await ann.wait_for(lambda m: m.kind == "venue", timeout=10)
    assert "海底捞" in venue.params["title"]
    [mine] = await bookings_of(shop, ANN)
    assert mine.status == "confirmed" and mine.party == 2 and mine.code in text

    await ann.send("/bookings")
    listing = await ann.wait_for(has("你的预订（1）"), timeout=15)
    assert mine.code in (listing.text or "") and "已确认" in (listing.text or "")
    await ann.press(listing, button(listing, "取消1"))
    ask = await ann.wait_for(has("确定取消这个预订吗"), timeout=15)
    stale = copy.deepcopy(ask)  # as the chat showed it before the press
    await ann.press(ask, button(ask, "确定取消"))
    await ann.wait_for(has(f"预订 {mine.code} 已取消"), timeout=15)
    [mine] = await bookings_of(shop, ANN)
    assert mine.status == "cancelled"
    await ann.press(stale, button(stale, "确定取消"))  # a second tap changes nothing
    await ann.wait_for(has("没有可取消的"), timeout=15)
    assert [b.status for b in await bookings_of(shop, ANN)] == ["cancelled"]


async def test_a_deposit_is_paid_on_the_sandbox_page_and_the_books_hold(
        standin: BotApiStandin, shop: Path) -> None:
    bob = standin.user(BOB, first_name="Bob", language_code="zh")
    await bob.send("明晚7点订4位 马尾海鲜")
    ask = await bob.wait_for(with_button("确认"), timeout=20)
    await bob.press(ask, button(ask, "确认"))
    link = await bob.wait_for(lambda m: any(b.get("url") for r in m.buttons for b in r),
                              timeout=15)
    assert "¥50" in (link.text or ""), link.text
    [held] = await bookings_of(shop, BOB)
    assert held.status == "held" and held.deposit == 5000
    url = next(b["url"] for r in link.buttons for b in r if b.get("url"))
    assert url.startswith("http://127.0.0.1:")
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as page:
            assert page.status == 200 and held.code in await page.text()
        async with http.post(url) as paid:
            assert paid.status == 200
        async with http.post(url) as again:  # a second press on the page pays nothing
            assert again.status == 200
    news = await bob.wait_for(has("已收到定金"), timeout=20)
    assert "¥50" in (news.text or "") and held.code in (news.text or ""), news.text
    await asyncio.sleep(1.5)
    assert sum("已收到定金" in (m.text or "") for m in bob.messages) == 1
    [paid_booking] = await bookings_of(shop, BOB)
    assert paid_booking.status == "confirmed" and paid_booking.deposit_paid_at is not None
    assert (await ledger_check(shop)).startswith("ok:")


async def test_a_reminder_to_a_shopper_who_blocked_the_bot_fails_once_with_the_reason(
        standin: BotApiStandin, shop: Path) -> None:
    cat = standin.user(CAT, first_name="Cat", language_code="zh")
    await cat.send("明晚7点两位 海底捞快安")
    ask = await cat.wait_for(with_button("确认"), timeout=20)
    await cat.press(ask, button(ask, "确认"))
    done = await cat.wait_for(has("订好了"), timeout=15)
    assert "海底捞（快安店）" in (done.text or "") and "明天 19:00" in (done.text or "")
    row = await outbox_of(shop, CAT, "booking_reminder")
    assert row.status == "pending" and row.next_try_at > datetime.now(UTC)
    standin.block(CAT)
    await make_due_now(shop, row.id or 0)
    await standin.wait_until(lambda: reminders_to(standin, CAT), 20, "the reminder's first try")
    await asyncio.sleep(5)  # more rounds of the sender: it is not tried again
    # Only the reminder counts: a last message of the booking itself may still have been
    # on its way when the shopper blocked the bot.
    assert reminders_to(standin, CAT) == [False]
    row = await outbox_of(shop, CAT, "booking_reminder")
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.error == "blocked: Forbidden: bot was blocked by the user"
    [mine] = await bookings_of(shop, CAT)
    assert mine.status == "confirmed"  # the table stays booked
