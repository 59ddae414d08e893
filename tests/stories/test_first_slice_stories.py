"""The first slice of the conversation, told as shoppers' stories (on both databases)."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from handlers.core import AnswerButton, EditText, SendText
from handlers.router import App
from storage.models import User
from tests.conftest import Chat


async def test_a_new_shopper_is_greeted_in_chinese_with_the_main_menu(chat: Chat) -> None:
    await chat.say("/start")
    assert "你好" in chat.texts
    assert "📍 附近优惠" in chat.button_texts
    assert any("我的券码" in b for b in chat.button_texts)


async def test_an_english_speaker_is_greeted_in_english(english_chat: Chat) -> None:
    await english_chat.say("/start")
    assert "Hi Ben" in english_chat.texts
    assert "📍 Deals nearby" in english_chat.button_texts


async def test_typing_huoguo_lists_hotpot_deals_with_yuan_prices(chat: Chat) -> None:
    await chat.say("火锅")
    text = chat.texts
    assert "火锅" in text and "¥" in text
    assert text.startswith("找到")
    # Five results per page, each with its own button, then a next-page button.
    deal_buttons = [b for b in chat.button_texts if b[0].isdigit()]
    assert 1 <= len(deal_buttons) <= 5


async def test_typing_hotpot_in_english_finds_the_same_deals(
    chat: Chat, english_chat: Chat
) -> None:
    await chat.say("火锅")
    zh_total = chat.texts.split("个")[0]
    await english_chat.say("hotpot")
    assert english_chat.texts.startswith(zh_total.replace("找到 ", "").strip() + " deals")


async def test_pressing_a_result_shows_the_deal_card(chat: Chat) -> None:
    await chat.say("火锅")
    await chat.press(1)
    card = chat.texts
    assert "原价" in card and "有效期" in card and "适用门店" in card
    assert "¥" in card
    assert any(b.startswith("⭐ 关注") for b in chat.button_texts)


async def test_next_page_edits_the_results_message(chat: Chat) -> None:
    await chat.say("火锅")  # seven deals: two pages of five
    first = chat.texts
    assert "（第 1/2 页）" in first and "1. " in first and "6. " not in first
    await chat.press("下一页")
    [edit] = [r for r in chat.replies if isinstance(r, EditText)]
    assert "（第 2/2 页）" in edit.text
    assert "6. " in edit.text and "7. " in edit.text and "1. " not in edit.text


async def test_a_search_that_finds_nothing_says_so_and_offers_categories(chat: Chat) -> None:
    await chat.say("量子计算机维修")
    assert "没有找到" in chat.texts
    assert any("火锅" in b for b in chat.button_texts)


async def test_category_button_searches_that_category(english_chat: Chat) -> None:
    await english_chat.say("/search")
    await english_chat.press("Milk tea")
    assert "Milk tea" in english_chat.texts and "deals" in english_chat.texts


async def test_following_a_store_from_a_deal_card_shows_in_following(chat: Chat) -> None:
    await chat.say("奶茶")
    await chat.press(1)
    await chat.press("关注")
    assert "已关注" in chat.texts
    await chat.press("关注")
    assert "已经关注" in chat.texts
    await chat.say("/following")
    assert "1 家" in chat.texts
    await chat.press("取消关注")
    assert "已取消关注" in chat.texts


async def test_a_shopper_switches_to_english_in_settings(chat: Chat) -> None:
    await chat.say("/settings")
    await chat.press("English")
    assert "English" in chat.texts
    await chat.say("/help")
    assert "Here's what I can do" in chat.texts


async def test_my_codes_is_empty_for_a_new_shopper(chat: Chat) -> None:
    await chat.say("/mycodes")
    assert "还没有券码" in chat.texts


async def test_sharing_a_location_is_remembered_roughly(chat: Chat) -> None:
    await chat.share_location(26.001234, 119.451234)
    assert "100 米" in chat.texts


async def test_button_presses_are_always_answered(chat: Chat) -> None:
    await chat.say("/start")
    replies = await chat.press("搜索")
    assert isinstance(replies[0], AnswerButton)
    assert any(isinstance(r, SendText) for r in replies)


async def test_sharing_a_location_lists_what_is_nearest_first_with_distances(chat: Chat) -> None:
    await chat.share_location(26.0, 119.45)
    first_page = chat.texts
    assert "3.0 km" in first_page and "距你" in first_page
    await chat.say("火锅")
    distances = [line.rsplit("距你 ", 1)[1] for line in chat.texts.splitlines() if "距你" in line]
    metres = [float(d.split()[0]) * (1000 if d.endswith("km") else 1) for d in distances]
    assert metres and metres == sorted(metres)  # all hotpot, so nearest first


async def test_a_location_far_from_any_store_offers_to_look_farther(chat: Chat) -> None:
    await chat.share_location(25.5, 119.9)  # out at sea, east of Fuzhou
    assert "没有" in chat.texts
    assert "🔭 看看更远的" in chat.button_texts
    await chat.press("看看更远的")
    assert "9.0 km" in chat.texts


async def test_a_live_location_moving_along_updates_quietly(chat: Chat) -> None:
    from handlers.core import Location

    await chat.send(Location(26.0, 119.45, live=True))
    assert "距你" in chat.texts
    replies = await chat.send(Location(26.01, 119.44, live=True, update=True))
    assert replies == []
    await chat.say("火锅")
    assert "距你" in chat.texts  # the moved position is what searches use


async def test_a_location_from_yesterday_is_offered_not_used_silently(app, chat: Chat) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from tests.conftest import STORY_NOW

    await chat.share_location(26.0, 119.45)
    app.clock = lambda: STORY_NOW + timedelta(hours=20)
    await chat.say("火锅")
    assert "距你" not in chat.texts
    assert chat.button_texts[0] == "📍 用上次的位置（20 小时前）"
    await chat.press(1)
    assert "距你" in chat.texts and "3.0 km 内" in chat.texts


async def test_the_shopper_can_reorder_results_cheapest_first(chat: Chat) -> None:
    await chat.say("火锅")
    assert "最近" not in chat.button_texts  # no location, so no "nearest"
    await chat.press("最便宜")
    prices = [int(line.split("¥")[1].split("（")[0].replace(",", ""))
              for line in chat.texts.splitlines() if line.startswith("¥")]
    assert prices == sorted(prices) and len(prices) == 5
    assert "✓ 最便宜" in chat.button_texts


async def test_at_noon_open_now_hides_the_skewer_place_that_opens_at_four(chat: Chat) -> None:
    await chat.say("火锅")
    assert "串串" in chat.texts
    await chat.press("只看营业中")
    assert "串串" not in chat.texts and "海底捞" in chat.texts
    await chat.press("显示全部")
    assert "串串" in chat.texts


async def test_at_three_in_the_morning_nothing_hotpot_is_open(app, chat: Chat) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from tests.conftest import STORY_NOW

    app.clock = lambda: STORY_NOW + timedelta(hours=15)  # 03:00 in Fuzhou
    await chat.say("火锅")
    await chat.press(1)
    assert "休息中" in chat.texts  # the card says the stores are closed
    await chat.say("火锅")
    await chat.press("只看营业中")
    assert "现在没有营业中" in chat.texts


async def test_nothing_found_nearby_offers_the_categories_that_are_nearby(chat: Chat) -> None:
    await chat.share_location(25.9933, 119.4428)  # Wanda Plaza
    await chat.say("量子计算机")
    assert "附近有这些分类的优惠" in chat.texts
    assert any(b.startswith("🍲 火锅 (") for b in chat.button_texts)
    assert chat.button_texts[0] == "🔭 看看更远的"
    await chat.press("火锅 (")
    assert "「🍲 火锅」" in chat.texts and "距你" in chat.texts


async def test_new_shoppers_whose_first_messages_arrive_together_get_every_answer(
    app: App,
) -> None:
    # The bot is busy: regulars are chatting at the same time.
    regulars = [Chat(app, user_id=5000 + n, name=f"R{n}") for n in range(20)]
    await asyncio.gather(*(regular.say("/start") for regular in regulars))
    # Telegram delivers a burst (a double tap, a forwarded album) as separate updates,
    # handled at the same time, before the shopper exists in the database.
    for telegram_id, name in ((4242, "Dai"), (4343, "Eva"), (4444, "Fan")):
        taps = [Chat(app, user_id=telegram_id, name=name) for _ in range(20)]
        await asyncio.gather(*(tap.say("/start") for tap in taps),
                             *(regular.say("/help") for regular in regulars))

        answers = [tap.texts for tap in taps]
        assert all(f"{name}，你好" in answer for answer in answers), answers
        async with app.db.session() as session:
            rows = (await session.exec(select(User).where(User.telegram_id == telegram_id))).all()
        assert [row.first_name for row in rows] == [name]
