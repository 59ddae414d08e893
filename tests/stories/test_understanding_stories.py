"""Stories of people typing what they want instead of commands."""

from __future__ import annotations

import re

from sqlmodel import col, select

from handlers.app import build_router
from handlers.core import Location, SendText
from handlers.router import App
from nlu.types import INTENTS
from services.platform.users import demo_telegram_id
from storage.models import Deal
from tests.conftest import Chat

MAWEI = Location(26.0, 119.45)
WANDA = Location(25.9935, 119.4430)  # by the Wanda Plaza stores


def test_every_intent_the_parser_knows_is_acted_on_by_one_flow() -> None:
    """The intent table: each reading the parser can give (but "unknown") has the one
    flow that declared it; nothing is left to an if-chain."""
    intents = [r.key for r in build_router().routes() if r.kind == "intent"]
    assert sorted(intents) == sorted(set(INTENTS) - {"unknown"})


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
    assert "已关注！" in chat.texts
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
    await chat.say("樱花寿司打折吗")  # its deals on sale, or a search for sushi on sale
    assert "想确认一下" in chat.texts
    labels = [b.text for b, _ in chat.buttons]
    assert any("找优惠" in label for label in labels) and any("团购" in label for label in labels)
    await chat.press("团购")
    assert "樱花寿司" in chat.texts and "适用门店" not in chat.texts  # the storefront
    await chat.press(1)  # the question's buttons are gone: a stale press is answered politely


async def test_typing_again_instead_of_choosing_starts_over(chat: Chat) -> None:
    await chat.say("樱花寿司打折吗")
    assert "想确认一下" in chat.texts
    await chat.say("奶茶")
    assert "奶茶" in chat.texts and "想确认一下" not in chat.texts


async def test_a_file_sent_instead_of_choosing_is_taken_as_a_file_by_whoever_may_send_it(
    app: App,
) -> None:
    """The question waits for a button; a file sent instead goes where files go, with
    that route's role checked: a shopper's file is not read, an owner's CSV of deals is
    imported. Either way the question is over."""
    deals = "标题,价格,原价,数量,截止日期,门店\n鸳鸯锅双人餐,99,158,20,2026-12-20,\n".encode()
    shopper = Chat(app)
    await shopper.say("樱花寿司打折吗")
    assert "想确认一下" in shopper.texts
    await shopper.send_file("deals.csv", deals)
    assert "暂时还看不懂文件" in shopper.texts
    owner = Chat(app, user_id=demo_telegram_id("haidilao-owner"), name="haidilao-owner")
    await owner.say("樱花寿司打折吗")
    assert "想确认一下" in owner.texts
    [storefront] = [b.data for b, _ in owner.buttons if "团购" in b.text]
    await owner.send_file("deals.csv", deals)
    assert "已导入 1 个团购" in owner.texts
    async with app.db.session() as session:
        imported = (await session.exec(select(Deal).where(col(Deal.title_zh) == "鸳鸯锅双人餐")
                                       )).all()
    assert len(imported) == 1
    assert storefront is not None
    await owner.press_data(storefront)  # the question's button, pressed after it ended
    assert "按钮已经失效" in owner.texts


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


async def test_a_table_booking_goes_to_the_booking_flow(chat: Chat) -> None:
    await chat.say("明晚7点两位 有位子吗")  # tests/stories/test_booking_chat_stories.py
    assert "订座" in chat.texts or "哪家店" in chat.texts


# -- asking for the stores one follows (issue 14, item 6) ------------------------------


async def test_asking_for_my_follows_in_words_lists_them(chat: Chat) -> None:
    await chat.say("我的关注")
    assert "还没有关注任何商家" in chat.texts
    await chat.say("关注海底捞")  # naming a store still follows it
    assert "已关注" in chat.texts
    for asked in ("我的关注", "我关注的店", "我关注了哪些店", "看看我关注的商家"):
        await chat.say(asked)
        assert "你关注的商家（1 家）" in chat.texts and "海底捞" in chat.texts, asked
        assert "关注哪家店" not in chat.texts, asked
        assert "取消关注 海底捞火锅" in chat.button_texts, asked


async def test_asking_for_my_follows_in_english_lists_them(english_chat: Chat) -> None:
    await english_chat.say("follow Haidilao")
    assert "Following!" in english_chat.texts
    for asked in ("following", "my follows", "show my follows", "shops I follow",
                  "which stores do I follow?"):
        await english_chat.say(asked)
        assert "Stores you follow (1)" in english_chat.texts, asked
        assert "Haidilao" in english_chat.texts, asked


# -- nearness asked for without a location (issue 14, item 13) -------------------------


def _location_asks(chat: Chat) -> list[str]:
    """The texts of replies that carry the share-location keyboard button."""
    return [r.text for r in chat.replies if isinstance(r, SendText)
            and any(k.request_location for row in r.keyboard for k in row)]


async def test_nearby_hotpot_without_a_location_shows_all_and_asks_for_it(chat: Chat) -> None:
    await chat.say("附近有什么火锅")
    assert "串串香单人畅吃" in chat.texts and "距你" not in chat.texts  # found everywhere
    asks = _location_asks(chat)
    assert len(asks) == 1 and "还没按距离" in asks[0]
    await chat.send(MAWEI)  # the location arrives: the same search, by distance
    texts = chat.texts
    assert "3.0 km 内的「🍲 火锅」" in texts and "距你" in texts
    assert "托尼造型" not in texts  # not everything nearby: the hotpot asked for
    assert not _location_asks(chat)


async def test_coffee_within_1km_without_a_location_asks_then_searches_within_1km(
    english_chat: Chat,
) -> None:
    await english_chat.say("coffee within 1km")
    assert "Luckin" in english_chat.texts
    asks = _location_asks(english_chat)
    assert len(asks) == 1 and "not by distance" in asks[0]
    await english_chat.send(WANDA)
    texts = english_chat.texts
    assert re.search(r"within 1(\.0)? km", texts) and "Coffee" in texts and "away" in texts
    assert "Luckin" in texts and "Shipyard" not in texts  # farther than 1 km


async def test_a_search_without_nearby_words_does_not_ask_for_a_location(chat: Chat) -> None:
    await chat.say("火锅")
    assert "串串香单人畅吃" in chat.texts and not _location_asks(chat)
    await chat.send(MAWEI)  # no search waits for it: what is nearby, everything
    assert "3.0 km 内全部 74 个优惠" in chat.texts


async def test_with_a_fresh_location_nearby_is_not_asked_again(chat: Chat) -> None:
    await chat.send(MAWEI)
    await chat.say("附近有什么火锅")
    assert "距你" in chat.texts and not _location_asks(chat)


# -- the deal card and the doubtful-message question (issue 14, item 17) ---------------


async def test_a_follower_sees_unfollow_on_the_deal_card_not_follow(chat: Chat) -> None:
    await chat.say("海底捞")
    await chat.press("100元代金券")
    assert "⭐ 关注 海底捞火锅" in chat.button_texts
    await chat.press("⭐ 关注")
    await chat.say("海底捞")
    await chat.press("100元代金券")
    assert "取消关注 海底捞火锅" in chat.button_texts
    assert not any("⭐ 关注" in label for label in chat.button_texts)
    await chat.press("取消关注")
    assert "已取消关注" in chat.texts


async def test_a_doubtful_message_offers_a_table_or_the_deals(
    chat: Chat, english_chat: Chat,
) -> None:
    await chat.say("海底捞 明晚")  # a table there, or its deals
    assert "想确认一下" in chat.texts
    assert any("订位" in label for label in chat.button_texts)
    await chat.press("团购")
    assert "🏪 海底捞火锅" in chat.texts  # the storefront
    await chat.say("今晚想撸串")  # a search, or a table: asked
    if "想确认一下" in chat.texts:
        await chat.press("找优惠")
    assert "烧烤" in chat.texts
    await english_chat.say("haidilao tomorrow night")
    assert english_chat.texts


# -- kinds of shop beyond food (issue 22) -------------------------------------------------


async def _a_pharmacy_deal_goes_on_sale(app: App) -> None:
    """The demo's 100元代金券 becomes a pharmacy's deal."""
    async with app.db.session() as session:
        deal = (await session.exec(select(Deal).where(col(Deal.title_zh) == "100元代金券"))
                ).first()
        assert deal is not None
        deal.category = "pharmacy"
        session.add(deal)
        await session.commit()


async def test_a_pharmacy_nearby_is_a_search_that_says_plainly_none_sells_here_yet(
    app: App, chat: Chat, english_chat: Chat,
) -> None:
    await chat.say("附近有药店吗")
    assert "附近还没有「💊 药店」的优惠" in chat.texts and "出了点问题" not in chat.texts
    assert "🍲 火锅" in chat.button_texts  # the kinds that do have deals...
    assert "💊 药店" not in chat.button_texts  # ...and not the empty ones
    assert not _location_asks(chat)  # nothing anywhere: a location finds nothing nearer
    await english_chat.say("find me a pharmacy near here")
    assert 'No "💊 Pharmacy" deals nearby yet' in english_chat.texts
    assert "🍲 Hotpot" in english_chat.button_texts
    await _a_pharmacy_deal_goes_on_sale(app)
    await chat.say("附近有药店吗")
    assert "找到 1 个「💊 药店」优惠" in chat.texts and "100元代金券" in chat.texts


async def test_the_menus_offer_only_kinds_of_shop_that_have_deals(app: App, chat: Chat,
                                                                   ) -> None:
    await chat.say("/search")
    assert "🍲 火锅" in chat.button_texts and "💊 药店" not in chat.button_texts
    await chat.say("😶‍🌫️'; DROP TABLE deals;--")  # not understood: the menu of kinds again
    assert "🍲 火锅" in chat.button_texts and "💊 药店" not in chat.button_texts
    await _a_pharmacy_deal_goes_on_sale(app)
    await chat.say("/search")
    assert "💊 药店" in chat.button_texts
