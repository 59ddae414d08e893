"""The NLU reads group-buy words (拼团, N人团, group buy, team deal) as a search filter,
and "my group buys" as the shopper's own groups; plain 团购 stays every deal."""

from __future__ import annotations

import pytest

from handlers.vocabulary import shipped_vocabulary
from nlu import Parser

PARSER = Parser(shipped_vocabulary())  # the categories, dishes and places we ship


@pytest.mark.parametrize("text", [
    "拼团", "拼团的火锅", "有什么拼团", "附近有什么拼团", "有没有3人团的奶茶", "三人团火锅",
    "想拼团", "我要开团", "一起团购火锅", "有拼团吗", "🍲 拼团 😀",
    "group buy", "group buy hotpot", "any group buys?", "group deals near me", "team deal",
    "any team deals for milk tea", "gruop buy",
])
def test_group_words_ask_for_group_deals(text: str) -> None:
    intent = PARSER.parse(text)
    assert intent.name == "search_deals", (text, intent)
    assert intent.get("group") is True
    assert "拼团" not in intent.all("keywords") and "group" not in intent.all("keywords")


def test_the_rest_of_the_search_is_still_read() -> None:
    intent = PARSER.parse("附近拼团的火锅 100以内")
    assert intent.get("group") is True and intent.get("category") == "hotpot"
    assert intent.get("radius_m") == 3000 and intent.get("price_max") == 100
    assert PARSER.parse("group buy hotpot under 100").get("category") == "hotpot"


@pytest.mark.parametrize("text", ["火锅团购", "有什么团购", "查看我的团购码", "买团购",
                                  "hotpot deals", "buy the hotpot", "groupon voucher"])
def test_plain_tuangou_and_other_words_are_every_deal(text: str) -> None:
    assert PARSER.parse(text).get("group") is None


@pytest.mark.parametrize("text", ["我的拼团", "我参加的拼团", "拼团进度", "我开的团",
                                  "成团了吗", "my groups", "my group buys",
                                  "did my group fill"])
def test_my_groups(text: str) -> None:
    assert PARSER.parse(text).name == "my_groups", text


def test_nonsense_and_injection_never_raise() -> None:
    for text in ("拼团'; DROP TABLE deals; --", "group buy" * 200, "拼" * 5000, "团", "g_1",
                 "\x00拼团\u200d", ""):
        PARSER.parse(text)
