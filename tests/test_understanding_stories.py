"""Stories of people typing what they want instead of commands."""

from __future__ import annotations

from handlers.core import Location
from tests.conftest import Chat

MAWEI = Location(26.0, 119.45)


async def test_hotpot_nearby_under_100_finds_only_hotpot_within_budget(chat: Chat) -> None:
    await chat.send(MAWEI)
    await chat.say("附近有什么火锅，人均100以内")
    texts = chat.texts
    assert "火锅" in texts and "km" in texts
    prices = [int(p) for p in __import__("re").findall(r"^¥(\d+)", texts, flags=8)]
    assert prices and all(p <= 100 for p in prices)


async def test_cheapest_milk_tea_nearby_comes_cheapest_first(chat: Chat) -> None:
    await chat.send(MAWEI)
    await chat.say("附近最便宜的奶茶")
    prices = [int(p) for p in __import__("re").findall(r"^¥(\d+)", chat.texts, flags=8)]
    assert prices == sorted(prices) and len(prices) >= 2


async def test_a_follower_follows_and_unfollows_by_name(chat: Chat) -> None:
    await chat.say("关注海底捞")
    assert "已关注" in chat.texts or "关注成功" in chat.texts or "关注" in chat.texts
    await chat.say("/following")
    assert "海底捞" in chat.texts
    await chat.say("取消关注海底捞")
    await chat.say("/following")
    assert "海底捞" not in chat.texts


async def test_an_unknown_store_name_is_said_plainly(chat: Chat) -> None:
    await chat.say("关注")
    assert "关注哪家店" in chat.texts


async def test_my_coupons_opens_the_codes(chat: Chat) -> None:
    await chat.say("我的券")
    assert "券" in chat.texts


async def test_saying_where_you_are_searches_around_that_place(chat: Chat) -> None:
    await chat.say("我在万达")
    assert "马尾万达广场" in chat.texts


async def test_a_doubtful_message_gets_a_question_never_a_guess(chat: Chat) -> None:
    await chat.say("海底捞 明晚")
    assert "想确认一下" in chat.texts
    labels = [b.text for b, _ in chat.buttons]
    assert any("订位" in label for label in labels) and any("团购" in label for label in labels)
    await chat.press("团购")
    assert "海底捞" in chat.texts and "适用门店" not in chat.texts  # the storefront
    await chat.press(1)  # the question's buttons are gone: a stale press is answered politely


async def test_typing_again_instead_of_choosing_starts_over(chat: Chat) -> None:
    await chat.say("海底捞 明晚")
    await chat.say("奶茶")
    assert "奶茶" in chat.texts and "想确认一下" not in chat.texts


async def test_weather_is_out_of_scope_and_said_so(chat: Chat) -> None:
    await chat.say("今天天气怎么样")
    assert "没太明白" in chat.texts


async def test_an_absurd_radius_is_capped_with_a_note(chat: Chat) -> None:
    await chat.send(MAWEI)
    await chat.say("5000公里内的火锅")
    assert "50 公里" in chat.texts


async def test_thanks_and_bye_get_a_friendly_word(chat: Chat) -> None:
    await chat.say("谢谢")
    assert "不客气" in chat.texts
    await chat.say("再见")
    assert "再见" in chat.texts


async def test_english_typos_still_find_sushi(english_chat: Chat) -> None:
    await english_chat.say("cheap sushii neer me")
    assert "sushi" in english_chat.texts.lower()


async def test_a_table_booking_is_answered_honestly(chat: Chat) -> None:
    await chat.say("明晚7点两位 有位子吗")
    assert "订位" in chat.texts
