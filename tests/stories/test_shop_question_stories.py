"""A shopper asks about one shop or deal in their own words: its hours, its phone, what
a set holds, its other branches; the answer comes from the database in one message,
with the buttons of what it is about. What we do not hold is said, with the phone."""

from __future__ import annotations

from sqlmodel import col, select

from handlers.core import SendText
from handlers.router import App
from storage.models import Deal
from tests.conftest import Chat


def one_message(chat: Chat) -> SendText:
    [reply] = [r for r in chat.replies if isinstance(r, SendText)]
    return reply


async def test_a_named_shops_closing_time(chat: Chat) -> None:
    await chat.say("海底捞几点关门")
    answer = one_message(chat)
    assert "营业时间" in answer.text
    assert "10:00-02:00" in answer.text and "11:00-23:00" in answer.text  # both stores
    assert any("关注" in b for b in chat.button_texts)
    assert any("全部团购" in b for b in chat.button_texts)


async def test_the_hotpot_shop_at_wanda_by_place_and_kind(chat: Chat) -> None:
    await chat.say("万达那家火锅店电话多少")
    text = one_message(chat).text
    assert "海底捞" in text and "电话" in text
    assert "0591-83681001" in text  # the store at Wanda
    assert "0591-83681002" not in text  # not its other branch: the place narrows the shop


async def test_a_named_shop_at_a_place_is_its_store_there(chat: Chat) -> None:
    await chat.say("海底捞电话多少")
    both = one_message(chat).text
    assert "0591-83681001" in both and "0591-83681002" in both  # no place: every store
    await chat.say("万达的海底捞电话多少？😋")
    text = one_message(chat).text
    assert "0591-83681001" in text and "0591-83681002" not in text
    await chat.say("海底捞还有别的分店吗")  # its branches: the place narrows nothing
    assert "共 2 家门店" in one_message(chat).text


async def test_wifi_is_not_something_we_know_so_the_phone_is_offered(english_chat: Chat,
                                                                    ) -> None:
    await english_chat.say("does Luckin have wifi")
    text = one_message(english_chat).text
    assert "wifi" in text and "Luckin Coffee" in text
    assert "0591-83686050" in text  # ask the shop
    await english_chat.press("All its deals")
    assert "Coconut latte" in english_chat.texts


async def test_whats_in_the_set_just_looked_at(english_chat: Chat) -> None:
    await english_chat.say("hotpot")
    await english_chat.press("Hotpot set for two")
    await english_chat.say("what's in the 2-person set")
    text = one_message(english_chat).text
    assert "Hotpot set for two" in text
    assert "shrimp paste, tripe" in text  # the deal's own description
    assert any("Buy" in b for b in english_chat.button_texts)
    await english_chat.say("how long is it valid, and is it refundable?")
    text = one_message(english_chat).text
    assert "Valid" in text and "Refund anytime" in text


async def test_a_doubtful_question_is_asked_back_and_answered(english_chat: Chat) -> None:
    await english_chat.say("hotpot")
    await english_chat.press("Hotpot set for two")
    await english_chat.say("how long is it valid? can I get a refund?")  # or a refund?
    assert "Just to be sure" in english_chat.texts
    await english_chat.press("Ask about the store")
    text = one_message(english_chat).text
    assert "Hotpot set for two" in text and "Valid 2026-11-25" in text


async def test_other_branches_of_the_shop_looked_at(chat: Chat) -> None:
    await chat.say("海底捞")  # its storefront
    await chat.say("还有别的分店吗")
    text = one_message(chat).text
    assert "共 2 家门店" in text
    assert "万达广场4层" in text and "快安商业中心2层" in text


async def test_a_follow_up_question_is_about_the_shop_just_asked_about(chat: Chat) -> None:
    await chat.say("海底捞几点关门")
    await chat.say("还有别的分店吗")
    text = one_message(chat).text
    assert "共 2 家门店" in text and "万达广场4层" in text
    await chat.say("万达那家火锅店电话多少")  # by place and kind: the same shop again
    await chat.say("评分多少？")
    assert "海底捞" in one_message(chat).text


async def test_a_question_about_nothing_looked_at_asks_which_shop(chat: Chat) -> None:
    await chat.say("评分多少？")
    assert "哪家店" in one_message(chat).text


async def test_a_rating_with_a_value_is_a_search_not_a_question(chat: Chat) -> None:
    await chat.say("找一家评分4.5分以上的火锅")
    assert "哪家店" not in chat.texts and "海底捞" in chat.texts


async def test_nasty_questions_do_not_break_the_answer(chat: Chat) -> None:
    for text in ("'; DROP TABLE merchants; -- 电话多少", "电话" * 500, "🍲🍲 几点关门？？",
                 "海底捞 phone number 几点关门"):
        await chat.say(text)
        assert chat.replies
    await chat.say("海底捞 phone number 几点关门")
    text = one_message(chat).text
    assert "0591-83681001" in text and "10:00-02:00" in text  # both attributes, one message


async def test_the_set_described_is_picked_from_the_shop_looked_at(english_chat: Chat) -> None:
    await english_chat.say("haidilao")  # its storefront: four deals
    await english_chat.say("what's in the 2-person set")
    text = one_message(english_chat).text
    assert "Hotpot set for two" in text and "shrimp paste, tripe" in text
    assert "Hotpot feast for four" not in text  # not every deal listed
    await english_chat.say("how long is it valid, and is it refundable?")  # "it": that set
    text = one_message(english_chat).text
    assert "Hotpot set for two" in text and "Refund anytime" in text
    await english_chat.say("what comes in the solo set")
    assert "Solo hotpot set" in one_message(english_chat).text


async def test_a_set_described_in_chinese_is_picked_too(chat: Chat) -> None:
    await chat.say("海底捞")
    await chat.say("双人套餐里有什么")
    text = one_message(chat).text
    assert "双人精品火锅套餐" in text and "四人欢聚火锅套餐" not in text


async def test_a_set_the_shop_does_not_have_lists_its_deals(english_chat: Chat) -> None:
    await english_chat.say("does Luckin have wifi")
    await english_chat.say("what's in the 2-person set")  # Luckin sells no set for two
    text = one_message(english_chat).text
    assert "Luckin Coffee" in text and "Coconut latte" in text and "Any two coffees" in text


async def test_the_hotpot_place_at_wanda_asked_in_english(english_chat: Chat) -> None:
    for asked in ("Wanda hotpot place phone number?",
                  "what's the phone of the hotpot place at Wanda"):
        await english_chat.say(asked)
        text = one_message(english_chat).text  # the answer, not a question back
        assert "Haidilao" in text and "0591-83681001" in text, asked
        assert "0591-83681002" not in text, asked  # the store at Wanda only


async def test_a_question_naming_the_shop_is_about_the_shop_not_a_deal_titled_with_it(
    app: App, chat: Chat,
) -> None:
    async with app.db.session() as session:  # one deal's title repeats the shop's name
        deal = (await session.exec(select(Deal).where(col(Deal.title_zh) == "100元代金券"))
                ).first()
        assert deal is not None
        deal.title_zh = "海底捞100元代金券"
        session.add(deal)
        await session.commit()
    await chat.say("海底捞几点关门")
    text = one_message(chat).text
    assert text.startswith("🏪 海底捞火锅") and "营业时间" in text
    assert "海底捞100元代金券" not in text.splitlines()[0]


async def test_a_shop_we_do_not_know_is_not_the_one_looked_at_last(english_chat: Chat) -> None:
    await english_chat.say("Haidilao opening hours")
    assert "10:00-02:00" in one_message(english_chat).text
    await english_chat.say("Is Burger King open now?")
    text = one_message(english_chat).text
    assert "Burger King" in text and "10:00-02:00" not in text  # not Haidilao's hours
