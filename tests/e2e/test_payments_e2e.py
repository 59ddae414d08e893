"""End to end with Telegram Payments: the real `o2o run` process against the Bot API
stand-in: Buy -> invoice -> pre_checkout_query -> successful_payment (sent twice) ->
codes with QR -> staff scan and redeem -> the shopper is asked to rate; /healthz."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from services.platform.users import demo_telegram_id
from standins import BotApiStandin
from tests.e2e.test_telegram_e2e import TOKEN, running_bot

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        yield server


@pytest.fixture(params=["aiogram", "ptb"])
async def shop(request: pytest.FixtureRequest, standin: BotApiStandin,
               tmp_path: Path) -> AsyncIterator[tuple[Path, int]]:
    """The demo shop served with Telegram Payments; yields its database and web port."""
    port, db = free_port(), tmp_path / "pay.db"
    async with running_bot(standin, db, request.param, payment_provider="telegram",
                           web_port=str(port)):
        yield db, port


def deal_id(db: Path, key: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("select id from deals where key = ?", (key,)).fetchone()[0])


def button(message: object, part: str) -> str:
    for row in message.buttons:  # type: ignore[attr-defined]
        for b in row:
            if part in b["text"]:
                return str(b["text"])
    raise AssertionError(f"no {part!r} button")


async def test_buy_pay_by_invoice_redeem_and_rate_through_telegram(
    standin: BotApiStandin, shop: tuple[Path, int],
) -> None:
    db, port = shop
    ann = standin.user(5101, first_name="Ann", language_code="en")
    await ann.send(f"/start deal_{deal_id(db, 'hdl-four')}")
    card = await ann.wait_for(lambda m: any("Buy" in b["text"] for r in m.buttons for b in r))
    await ann.press(card, button(card, "Buy"))
    invoice = await ann.wait_for(lambda m: m.kind == "invoice", timeout=10)
    payload = invoice.params["payload"]
    amount = sum(int(p["amount"]) for p in invoice.params["prices"])
    assert invoice.params["currency"] == "CNY" and amount == 35800

    await ann.pre_checkout(payload, amount, "CNY")
    answer = await standin.wait_for_call("answerPreCheckoutQuery", timeout=10)
    assert str(answer.params["ok"]).lower() == "true"
    await ann.pre_checkout(payload, amount - 100, "CNY")  # a changed amount is refused
    refused = await standin.wait_for_call(
        "answerPreCheckoutQuery", lambda c: str(c.params["ok"]).lower() == "false", timeout=10)
    assert "price changed" in refused.params["error_message"]

    await ann.successful_payment(payload, amount, "CNY", "tg-charge-1")
    photo = await ann.wait_for(lambda m: m.kind == "photo", timeout=10)
    code = (photo.caption or "").splitlines()[0].removeprefix("🎫 ").replace("-", "")
    assert len(code) == 12
    await ann.successful_payment(payload, amount, "CNY", "tg-charge-1")  # Telegram resends
    await asyncio.sleep(1.5)
    assert sum(m.kind == "photo" for m in ann.messages) == 1  # one set of codes

    staff = standin.user(demo_telegram_id("haidilao-staff"), first_name="haidilao-staff",
                         language_code="en")
    await staff.send(f"/start r_{code}")
    check = await staff.wait_for(lambda m: "Valid code" in (m.text or ""), timeout=10)
    await staff.press(check, button(check, "Redeem at"))
    await staff.wait_for(lambda m: "Redeemed" in (m.text or ""), timeout=10)
    rate = await ann.wait_for(lambda m: "How was your visit" in (m.text or ""), timeout=10)
    await ann.press(rate, button(rate, "⭐⭐⭐⭐⭐"))
    await ann.wait_for(lambda m: "Thanks for rating" in (m.text or ""), timeout=10)
    await staff.send(f"/redeem {code}")
    await staff.wait_for(lambda m: "already been used" in (m.text or ""), timeout=10)

    async with (aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/healthz") as health):
        assert health.status == 200 and (await health.json())["ok"] is True
