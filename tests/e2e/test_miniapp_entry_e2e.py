"""The Mini App's ways in, through Telegram (the real `o2o run` against the Bot API
stand-in, with each library): the bot's menu button is its commands by default; a
shopper who scans a merchant's poster gets that shop's Mini App as their chat's menu
button, back to the default once they follow nobody; the deal card opens the deal in
the shop. Served over https only, as Telegram requires."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from standins import BotApiStandin
from tests.e2e.test_telegram_e2e import TOKEN, running_bot

pytestmark = pytest.mark.e2e

PUBLIC = "https://shop.example.test"


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        yield server


@pytest.fixture(params=["aiogram", "ptb"])
async def bot(request: pytest.FixtureRequest, standin: BotApiStandin,
              tmp_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    async with running_bot(standin, tmp_path / "e2e.db", request.param,
                           public_url=PUBLIC) as proc:
        yield proc


async def test_the_menu_button_opens_the_shop_of_the_poster_the_shopper_scanned(
        standin: BotApiStandin, bot: asyncio.subprocess.Process) -> None:
    # At start-up, beside the command menu: the bot's default menu button, its commands.
    await standin.wait_for_call("setChatMenuButton", lambda c: "chat_id" not in c.params, 30)
    assert standin.menu_buttons[None] == {"type": "commands"}

    ivy = standin.user(5101, first_name="Ivy", language_code="en")
    await ivy.send("/start shop_mixue")  # the QR poster at the counter
    front = await ivy.wait_reply(timeout=20)
    [[opens], *_] = front.reply_markup["inline_keyboard"]
    assert opens == {"text": "🛍 Open the shop",
                     "web_app": {"url": f"{PUBLIC}/app/shop/mixue"}}
    await standin.wait_for_call("setChatMenuButton",
                                lambda c: c.params.get("chat_id") == ivy.id, 20)
    assert standin.menu_buttons[ivy.id] == {
        "type": "web_app", "text": "🛍 Shop", "web_app": {"url": f"{PUBLIC}/app/shop/mixue"}}

    # The deal card: "open in the shop" opens that deal's detail view.
    await ivy.press(front, 1)
    card = await ivy.wait_for(lambda m: "🛍 Open in the shop" in m.button_texts(), timeout=20)
    [opens_deal] = [b for row in card.reply_markup["inline_keyboard"] for b in row
                    if "web_app" in b]
    assert opens_deal["text"] == "🛍 Open in the shop"
    assert opens_deal["web_app"]["url"].startswith(f"{PUBLIC}/app/shop/mixue?deal=")

    # Unfollowing the only merchant: the chat's menu button is the bot's default again.
    calls = len(standin.calls_to("setChatMenuButton"))
    await ivy.press(front, "Unfollow")
    await standin.wait_until(lambda: len(standin.calls_to("setChatMenuButton")) > calls, 20)
    assert ivy.id not in standin.menu_buttons
    assert standin.calls_to("setChatMenuButton")[-1].params["menu_button"] == {
        "type": "default"}
