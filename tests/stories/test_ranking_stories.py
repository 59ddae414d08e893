"""The default order: relevance, distance when located, then a documented personal blend."""

from __future__ import annotations

import re
from datetime import timedelta

from services.catalog.ranking import NO_TASTE, Taste, record_event, taste_of
from services.catalog.search import SearchQuery, find_deals
from services.platform.database import Database
from tests.conftest import STORY_NOW, Chat


async def test_a_shopper_who_keeps_looking_at_hotpot_sees_hotpot_first_and_why(
    chat: Chat,
) -> None:
    await chat.say("双人")  # a word many categories share
    before = chat.texts
    assert "你常选" not in before
    for _ in range(2):
        await chat.say("火锅")
        await chat.press(1)
        await chat.press(2)  # back to the results
    await chat.say("火锅")
    await chat.press(3)
    await chat.say("双人")
    after = chat.texts
    assert "✨ 你常选🍲 火锅" in after
    first_result = after.splitlines()[2]
    assert "火锅" in first_result or "串串" in first_result


async def test_taste_counts_buys_three_times_and_forgets_after_ninety_days(
    demo_db: Database,
) -> None:
    from services.platform.users import ensure_user

    user = await ensure_user(demo_db, 4242)
    await record_event(demo_db, user.id, "view", category="coffee", now=STORY_NOW)
    await record_event(demo_db, user.id, "buy", category="sushi", now=STORY_NOW)
    await record_event(demo_db, user.id, "view", category="ktv",
                       now=STORY_NOW - timedelta(days=91))
    taste = await taste_of(demo_db, user.id, STORY_NOW)
    assert taste.total == 4
    assert taste.shares == {"coffee": 0.25, "sushi": 0.75}
    assert taste.favourite == "sushi"


async def test_the_same_query_always_gives_the_same_order(demo_db: Database) -> None:
    query = SearchQuery(text="套餐")
    first = [d.id for d in await find_deals(demo_db, query, STORY_NOW)]
    again = [d.id for d in await find_deals(demo_db, query, STORY_NOW)]
    assert first == again and len(first) > 5


async def test_liking_a_category_only_ever_moves_its_deals_up(demo_db: Database) -> None:
    query = SearchQuery()  # everything: all equally relevant, so the blend decides
    plain = [d.id for d in await find_deals(demo_db, query, STORY_NOW, NO_TASTE)]
    deals = await find_deals(demo_db, query, STORY_NOW, Taste({"ktv": 1.0}, 10))
    liking = [d.id for d in deals]
    assert sorted(plain) == sorted(liking)
    ktv = [d.id for d in deals if d.category == "ktv"]
    assert ktv
    assert all(liking.index(i) <= plain.index(i) for i in ktv)
    assert any(liking.index(i) < plain.index(i) for i in ktv)


def _results(texts: str) -> list[tuple[str, str]]:
    """(title, shop) of each result line ("1. 串串香单人畅吃 — 蜀味串串香")."""
    return re.findall(r"^\d+\. (.+?) — (.+)$", texts, flags=re.MULTILINE)


async def test_a_dish_word_ranks_the_deals_that_name_it_above_the_rest_of_its_category(
    chat: Chat, english_chat: Chat,
) -> None:
    await chat.say("串串")  # a kind of hotpot: the hotpot deals, the skewer ones first
    found = _results(chat.texts)
    assert len(found) == 5 and "7 个" in chat.texts
    assert {shop for _, shop in found[:2]} == {"蜀味串串香"}
    assert {shop for _, shop in found[2:]} == {"海底捞火锅"}
    await chat.say("串串香")  # the deal's title and the shop's name say it
    assert _results(chat.texts)[0] == ("串串香单人畅吃", "蜀味串串香")
    await english_chat.say("latte")  # coffee, the lattes first
    titles = [title for title, _ in _results(english_chat.texts)]
    assert len(titles) == 4 and set(titles[:2]) == {"Coconut latte", "Tea-coffee latte"}


async def test_the_category_name_itself_favours_no_shop_that_repeats_it(chat: Chat) -> None:
    await chat.press_data("cat:hotpot")
    by_button = _results(chat.texts)
    await chat.say("火锅")  # every hotpot deal is 火锅: the usual order
    assert _results(chat.texts) == by_button
