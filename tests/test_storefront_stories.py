"""A merchant's storefront, opened from a QR poster or a shared link (/start payloads)."""

from __future__ import annotations

import pytest

from handlers.start import shop_payload
from tests.conftest import Chat


async def test_scanning_a_posters_code_opens_the_merchants_mini_mall(chat: Chat) -> None:
    await chat.say(f"/start {shop_payload('haidilao')}")
    text = chat.texts
    assert text.startswith("🏪 海底捞火锅")
    assert "在售优惠" in text and "🏬 门店" in text
    assert "万达" in text and "快安" in text
    assert any(b.startswith("⭐ 关注") for b in chat.button_texts)
    await chat.press(1)
    assert "有效期" in chat.texts  # the first deal's card


async def test_a_storefront_shows_distances_once_the_shopper_shared_a_location(
    chat: Chat,
) -> None:
    await chat.share_location(25.9933, 119.4428)  # at Wanda Plaza
    await chat.say("/start shop_haidilao")
    lines = [line for line in chat.texts.splitlines() if line.startswith("• ")]
    assert "距你" in lines[0] and "m" in lines[0]
    assert "万达" in lines[0]  # the nearer store first


async def test_following_from_the_storefront(chat: Chat) -> None:
    await chat.say("/start shop_mixue")
    await chat.press("关注")
    await chat.say("/following")
    assert "蜜雪冰城" in chat.texts


async def test_a_shared_deal_link_opens_the_deal_card(english_chat: Chat) -> None:
    await english_chat.say("/start deal_1")
    assert "Valid" in english_chat.texts and "was ¥" in english_chat.texts


@pytest.mark.parametrize(
    "payload",
    ["shop_nobody-here", "deal_999999", "shop_", "x" * 65, "shop_UPPER", "shop_a;drop",
     "%%bad", "r_", "deal_12abc", "🍲"],
)
async def test_a_bad_or_stale_link_lands_on_the_main_menu_with_a_note(
    chat: Chat, payload: str
) -> None:
    await chat.say(f"/start {payload}")
    assert chat.texts.startswith("这个链接已失效")
    assert "📍 附近优惠" in chat.button_texts


def test_payloads_fit_telegrams_rule() -> None:
    payload = shop_payload("a" * 32)
    assert len(payload) <= 64
    with pytest.raises(AssertionError):
        shop_payload("Not A Slug")


async def test_typing_the_bots_name_and_hotpot_in_any_chat_offers_hotpot_deals(
    app, chat: Chat  # type: ignore[no-untyped-def]
) -> None:
    from dataclasses import replace

    from handlers.core import AnswerInline, InlineQuery

    app.options = replace(app.options, bot_username="o2o_test_bot")
    replies = await chat.send(InlineQuery("iq1", "火锅"))
    answer = replies[0]
    assert isinstance(answer, AnswerInline) and answer.query_id == "iq1"
    assert 1 <= len(answer.results) <= 20
    first = answer.results[0]
    assert "¥" in first.description
    assert first.buttons[0][0].url == f"https://t.me/o2o_test_bot?start=deal_{first.id}"
    everything = await chat.send(InlineQuery("iq2", ""))
    assert everything[0].next_offset == "20"  # type: ignore[union-attr]
    page2 = await chat.send(InlineQuery("iq3", "", offset="20"))
    assert {r.id for r in page2[0].results}.isdisjoint(  # type: ignore[union-attr]
        {r.id for r in everything[0].results})  # type: ignore[union-attr]


async def test_forget_deletes_the_location_and_says_so(chat: Chat) -> None:
    await chat.say("/forget")
    assert "没有保存" in chat.texts
    await chat.share_location(26.0, 119.45)
    await chat.say("/forget")
    assert "已删除" in chat.texts
    await chat.say("火锅")
    assert "距你" not in chat.texts  # no distances once forgotten
