"""Bad input gets a clear, polite answer in the user's language and never raises."""

from __future__ import annotations

import pytest

from handlers.core import ButtonPress, Location, SendText, Text, Unsupported
from tests.conftest import Chat


async def test_an_unknown_command_gets_a_hint_and_the_menu(chat: Chat) -> None:
    await chat.say("/frobnicate now")
    assert "不认识这个命令" in chat.texts
    assert "🔍 搜索" in chat.button_texts


async def test_text_over_telegrams_limit_is_refused_politely(chat: Chat) -> None:
    await chat.send(Text("火" * 5000))
    assert "太长" in chat.texts


@pytest.mark.parametrize("kind", ["sticker", "voice", "document", "video", "mystery"])
async def test_unsupported_messages_are_explained(english_chat: Chat, kind: str) -> None:
    await english_chat.send(Unsupported(kind))
    assert "I can't read" in english_chat.texts


@pytest.mark.parametrize(
    "data",
    ["d:999999", "d:abc", "d:", "sp:1:0", "sp:x:y", "cat:nonsense", "zz:1", "", "lang:fr",
     "menu:nowhere", "f:999999", "d:1:999:0'; DROP TABLE deals;--"],
)
async def test_stale_or_forged_buttons_are_answered_not_crashed(chat: Chat, data: str) -> None:
    replies = await chat.send(ButtonPress(data, message_id=1, query_id="q"))
    texts = " ".join(r.text for r in replies if isinstance(r, SendText))
    assert texts  # always something to read
    assert "Traceback" not in texts


async def test_a_button_for_a_deal_that_is_gone_says_so(chat: Chat) -> None:
    await chat.send(ButtonPress("d:987654", message_id=1, query_id="q"))
    assert "下架" in chat.texts


@pytest.mark.parametrize(
    "text",
    ["'; DROP TABLE deals; --", "%", "_", "\\", "🍲🍲🍲", "   ", "\u202eمرحبا", "\x00\x01",
     "火锅hotpot🔥", "a" * 4096, "SELECT * FROM users WHERE 1=1"],
)
async def test_nasty_search_text_is_answered(chat: Chat, text: str) -> None:
    await chat.send(Text(text))
    assert chat.texts
    # The search still works afterwards: nothing was dropped or corrupted.
    await chat.say("火锅")
    assert "找到" in chat.texts


@pytest.mark.parametrize("lat,lon", [(91.0, 0.0), (0.0, 181.0), (float("nan"), 1.0),
                                     (float("inf"), 0.0)])
async def test_impossible_locations_are_refused(chat: Chat, lat: float, lon: float) -> None:
    await chat.send(Location(lat, lon))
    assert "不对" in chat.texts


async def test_a_percent_sign_does_not_match_everything(chat: Chat) -> None:
    await chat.say("%")
    assert "没太明白" in chat.texts and "找到" not in chat.texts
    await chat.say("%火锅%")
    assert "找到" in chat.texts and "量子" not in chat.texts
