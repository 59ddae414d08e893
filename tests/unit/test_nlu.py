"""What the parser makes of what shoppers type."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jieba
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.vocabulary import shipped_vocabulary
from nlu import INTENTS, Intent, Parser, Vocabulary, people_in
from nlu.evaluation import evaluate
from nlu.numbers import read_quantity, to_number
from nlu.text import MAX_CHARS, normalize
from nlu.timex import read_alone

DATA = Path(__file__).parents[1] / "data" / "nlu_eval.jsonl"
SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def parser() -> Parser:
    return Parser(shipped_vocabulary())


def parse(parser: Parser, text: str) -> Intent:
    return parser.parse(text, now=WEDNESDAY_NOON, tz="Asia/Shanghai")


def test_our_labelled_set_meets_the_targets(parser: Parser) -> None:
    records = [json.loads(line) for line in DATA.read_text("utf-8").splitlines() if line]
    assert len(records) >= 400
    report = evaluate(records, lambda r: parser.parse(r["text"], lang=r.get("lang"),
                                                      now=WEDNESDAY_NOON))
    assert report.intent_accuracy >= 0.95, report.confusions.most_common(5)
    assert report.slot_micro.f1 >= 0.92, report.errors[:5]


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("附近有什么火锅，人均100以内", "search_deals",
     {"category": "hotpot", "radius_m": 3000, "price_max": 100, "currency": "CNY"}),
    ("明晚7点两位 有位子吗", "book_table", {"time": "明晚7点", "party_size": 2}),
    ("cheap sushi near me under 50", "search_deals",
     {"category": "sushi", "radius_m": 3000, "price_max": 50}),
    ("关注海底捞", "follow", {"merchant": "海底捞"}),
    ("我的券", "my_codes", {}),
])
def test_the_issue_examples_are_understood(parser: Parser, text: str, intent: str,
                                           slots: dict[str, object]) -> None:
    result = parse(parser, text)
    assert result.name == intent
    for name, value in slots.items():
        assert result.get(name) == value, (name, result.values())


@pytest.mark.parametrize(("text", "low", "high", "currency"), [
    ("50到80块的烧烤", 50, 80, "CNY"),
    ("不超过两百的火锅", None, 200, "CNY"),
    ("一百五左右的日料", 120, 180, "CNY"),
    ("¥88的套餐", None, 88, "CNY"),
    ("sushi under $20", None, 20, "USD"),
    ("coffee for 20 bucks", None, 20, "USD"),
    ("steak between 50 and 80", 50, 80, "CNY"),
    ("１００块以内的奶茶！", None, 100, "CNY"),
    ("三千五以内的健身卡", None, 3500, "CNY"),
])
def test_prices_in_every_form(parser: Parser, text: str, low: float | None,
                              high: float | None, currency: str) -> None:
    result = parse(parser, text)
    assert result.get("price_min") == low
    assert result.get("price_max") == high
    assert result.get("currency") == currency


@pytest.mark.parametrize(("text", "metres"), [
    ("1公里内的咖啡", 1000), ("附近的奶茶", 3000), ("500米以内有火锅吗", 500),
    ("走路能到的面馆", 1000), ("coffee within 2 km", 2000), ("sushi within walking distance", 1000),
])
def test_radius_phrases(parser: Parser, text: str, metres: int) -> None:
    assert parse(parser, text).get("radius_m") == metres


@pytest.mark.parametrize(("text", "start", "end"), [
    ("今晚有什么火锅", "2026-11-25T17:00", "2026-11-25T22:00"),
    ("明天中午吃什么", "2026-11-26T11:00", "2026-11-26T14:00"),
    ("周末去哪唱K", "2026-11-28T00:00", "2026-11-30T00:00"),
    ("下周五晚上7点订位", "2026-12-04T19:00", "2026-12-04T20:00"),
    ("table for 2 tomorrow at 7pm", "2026-11-26T19:00", "2026-11-26T20:00"),
    ("karaoke this weekend", "2026-11-28T00:00", "2026-11-30T00:00"),
    ("hotpot tonight", "2026-11-25T17:00", "2026-11-25T22:00"),
])
def test_times_become_windows_in_the_users_timezone(parser: Parser, text: str, start: str,
                                                    end: str) -> None:
    window = parse(parser, text).window
    assert window is not None
    assert window.start.strftime("%Y-%m-%dT%H:%M") == start
    assert window.end.strftime("%Y-%m-%dT%H:%M") == end
    assert window.start.utcoffset() == SHANGHAI.utcoffset(window.start.replace(tzinfo=None))


def test_seven_oclock_after_it_has_passed_means_tomorrow_evening(parser: Parser) -> None:
    late = datetime(2026, 11, 25, 21, 30, tzinfo=SHANGHAI)
    window = parser.parse("7点两位", now=late).window
    assert window is not None and window.start == datetime(2026, 11, 26, 19, 0, tzinfo=SHANGHAI)


def test_the_same_words_resolve_in_a_new_york_users_zone(parser: Parser) -> None:
    window = parser.parse("tonight", now=WEDNESDAY_NOON, tz="America/New_York").window
    assert window is not None and str(window.start.tzinfo) == "America/New_York"
    assert window.start.hour == 17 and window.start.day == 24  # still Tuesday there


@pytest.mark.parametrize(("text", "size"), [
    ("两个人", 2), ("4位", 4), ("一家三口吃海鲜", 3), ("dinner for two", 2), ("table for 4", 4),
    ("我们六个人", 6), ("party of 8 on friday", 8), ("what's in the 2-person set", 2),
    ("a solo table tonight", 1),
])
def test_party_sizes(parser: Parser, text: str, size: int) -> None:
    assert parse(parser, text).get("party_size") == size


@pytest.mark.parametrize(("title", "people"), [
    ("【周末可用】双人精品火锅套餐", 2), ("Hotpot set for two, weekends too", 2),
    ("一人食火锅套餐", 1), ("Solo hotpot set", 1), ("四人欢聚火锅套餐", 4),
    ("Hotpot feast for four", 4), ("100元代金券", None), ("¥100 voucher", None),
    ("3公里内的火锅", None), ("", None), ("🍲" * 500, None), ("consolor set", None),
])
def test_the_people_a_deal_title_is_for(title: str, people: int | None) -> None:
    assert people_in(title) == people


@pytest.mark.parametrize(("text", "sort"), [
    ("附近最近的火锅", "nearest"), ("最便宜的奶茶", "cheapest"), ("评分最高的日料", "best_rated"),
    ("人气最旺的烧烤", "popular"), ("折扣最大的按摩", "biggest_discount"),
    ("cheapest coffee", "cheapest"), ("top rated sushi", "best_rated"),
])
def test_sort_wishes(parser: Parser, text: str, sort: str) -> None:
    assert parse(parser, text).get("sort") == sort


@pytest.mark.parametrize(("text", "discount"), [
    ("有五折的火锅吗", 0.5), ("八折的咖啡", 0.8), ("half price sushi", 0.5),
    ("30% off massage", 0.7), ("打折的电影票", "any"),
])
def test_discount_wishes(parser: Parser, text: str, discount: object) -> None:
    assert parse(parser, text).get("discount") == discount


@pytest.mark.parametrize(("text", "value"), [
    ("两百", 200), ("一百五", 150), ("三千五", 3500), ("十五", 15), ("二十", 20),
    ("一百零五", 105), ("twenty five", 25), ("1.5", 1.5),
])
def test_chinese_and_english_numerals(text: str, value: float) -> None:
    assert to_number(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("3", 3), ("３", 3), ("3份", 3), ("三份", 3), ("两份", 2), ("要2份", 2), ("我要十份", 10),
    ("3 pcs", 3), ("x3", 3), ("×2", 2), ("two please", 2), ("3份。", 3), ("0", 0),
    ("-1", -1), ("－2", -2), ("1.5", 1.5),
    ("3个人", None), ("火锅", None), ("3 people", None), ("奶茶3杯", None), ("", None),
])
def test_a_message_answering_how_many(text: str, value: float | None) -> None:
    assert read_quantity(text) == value


@pytest.mark.parametrize(("typo", "category"), [
    ("sushii near me", "sushi"), ("hotpott tonight", "hotpot"), ("karoake", "ktv"),
    ("coffe", "coffee"),
])
def test_common_typos_of_english_words_are_read_right(parser: Parser, typo: str,
                                                      category: str) -> None:
    assert parse(parser, typo).get("category") == category


def test_mixed_scripts_and_emoji(parser: Parser) -> None:
    assert parse(parser, "附近有没有sushi").get("category") == "sushi"
    assert parse(parser, "🍲火锅🔥").get("category") == "hotpot"
    booking = parse(parser, "Haidilao 明晚有位吗")
    assert booking.name == "book_table" and booking.get("merchant") == "Haidilao"


def test_unfollow_is_not_mistaken_for_follow_or_cancel(parser: Parser) -> None:
    result = parse(parser, "取消关注蜜雪冰城")
    assert result.name == "unfollow" and result.get("merchant") == "蜜雪冰城"
    assert result.get("merchant") == "蜜雪冰城"
    slot = next(s for s in result.slots if s.name == "merchant")
    assert slot.ref == "mixue"


def test_slot_spans_point_into_the_original_text(parser: Parser) -> None:
    text = "ＣＨＥＡＰ  sushii neer Wanda Plaza under ５０"
    result = parse(parser, text)
    for slot in result.slots:
        if slot.name != "keywords":
            assert text[slot.start:slot.end] == slot.text
    assert result.get("place") == "Wanda Plaza"


def test_a_new_merchant_is_known_as_soon_as_it_is_added() -> None:
    vocabulary = Vocabulary()
    parser = Parser(vocabulary)
    assert parser.parse("关注鲜芋仙甜品铺").get("merchant") != "鲜芋仙甜品铺"
    vocabulary.add_merchant("xianyuxian", ("鲜芋仙甜品铺",))
    result = parser.parse("关注鲜芋仙甜品铺")
    assert result.name == "follow" and result.get("merchant") == "鲜芋仙甜品铺"
    assert "鲜芋仙甜品铺" in jieba.lcut("我想去鲜芋仙甜品铺")  # segmentation keeps it whole


def test_a_word_may_start_with_any_character_but_not_inside_a_latin_word() -> None:
    vocabulary = Vocabulary()
    for word in ("^_^套餐", "]结束", "-鸡排", "7天", "'s bar", "bar"):
        vocabulary.add_dish(word)
    text = "买个^_^套餐和]结束和-鸡排, 7天, bob's bar, crowbar"
    found = [text[m.start:m.end] for m in vocabulary.find(text, [False] * len(text))]
    assert found == ["^_^套餐", "]结束", "-鸡排", "7天", "bar"]  # not 's bar, nor crow's bar
    vocabulary.add_dish("crowbar")  # a word added later is found by the next look
    found = [text[m.start:m.end] for m in vocabulary.find(text, [False] * len(text))]
    assert found[-1] == "crowbar"


def test_a_greeting_around_a_request_is_politeness(parser: Parser) -> None:
    assert parse(parser, "你好，附近有火锅吗").name == "search_deals"
    assert parse(parser, "thanks for the help").name == "thanks"


def test_normalizing_forgets_nothing_when_its_table_of_characters_is_emptied() -> None:
    text = "ＡＢＣ１２３，附近有什么火锅？😀\u3000Café"
    first = normalize(text)
    assert first == "abc123,附近有什么火锅? \u3000café".replace("\u3000", " ")
    many = "".join(chr(code) for code in range(0x4E00, 0x4E00 + 2 * 8192 + 100))  # fills it
    for start in range(0, len(many), MAX_CHARS):
        piece = many[start:start + MAX_CHARS]
        assert normalize(piece) == piece  # Chinese characters stay as they are
    assert normalize(text) == first


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_normalizing_goes_character_by_character(a: str, b: str) -> None:
    assert normalize(a + b) == normalize(a) + normalize(b)
    assert len(normalize(a)) == len(a)


def test_a_search_said_only_in_known_words_is_not_segmented(
        parser: Parser, monkeypatch: pytest.MonkeyPatch) -> None:
    segmented: list[str] = []
    tokenize = jieba.tokenize
    monkeypatch.setattr(jieba, "tokenize", lambda text, *args, **kwargs: (
        segmented.append(text), tokenize(text, *args, **kwargs))[1])
    # Every Chinese word is a slot or a cue: no keyword is left to look for.
    assert parse(parser, "火锅，人均100以内").get("keywords") is None
    assert parse(parser, "附近的火锅").get("keywords") is None
    assert segmented == []
    assert parse(parser, "找个地方吃生日蛋糕").get("keywords") == "生日"  # 生日 is left
    assert segmented == ["找个地方吃生日蛋糕"]


@pytest.mark.parametrize("text", [
    "", "   ", "x" * 10_000, "🍲🍣🍜", "\x00\x01\x02\x1b[31m", "مرحبا بالعالم", "שלום",
    "'; DROP TABLE deals; --", "<script>alert(1)</script>", "１２３４５６７８９０" * 50,
])
def test_nasty_input_is_an_intent_never_an_exception(parser: Parser, text: str) -> None:
    result = parse(parser, text)
    assert isinstance(result, Intent)
    assert 0 <= result.confidence <= 1


def test_wrong_types_are_unknown(parser: Parser) -> None:
    for value in (None, 42, b"bytes", ["list"]):
        assert parser.parse(value).name == "unknown"  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_at_all_parses(text: str) -> None:
    result = _PROPERTY_PARSER.parse(text, now=WEDNESDAY_NOON)
    assert isinstance(result, Intent)
    assert result.name in INTENTS
    for slot in result.slots:
        assert 0 <= slot.start <= slot.end <= len(text)


_PROPERTY_PARSER = Parser(shipped_vocabulary())


_SHANGHAI = ZoneInfo("Asia/Shanghai")
_WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=_SHANGHAI)


@pytest.mark.parametrize(("text", "meant"), [
    ("明天", date(2026, 11, 26)),
    ("下周一", date(2026, 11, 30)),
    ("next monday", date(2026, 11, 30)),
    ("下周一早上10点", datetime(2026, 11, 30, 10, 0, tzinfo=_SHANGHAI)),
    ("next monday 10am", datetime(2026, 11, 30, 10, 0, tzinfo=_SHANGHAI)),
    ("下周一 9点", datetime(2026, 11, 30, 9, 0, tzinfo=_SHANGHAI)),  # as said, not 21:00
    ("晚上9点", datetime(2026, 11, 25, 21, 0, tzinfo=_SHANGHAI)),
    ("until dec 31", date(2026, 12, 31)),
    ("Dec 31, 2027", date(2027, 12, 31)),  # the year said is kept
    ("31号", date(2026, 12, 31)),  # November has no 31st: the next month that does
    ("2月30日", None),  # no such day: not "today"
    ("feb 30", None),
    ("明年的某一天", None),
    ("明天的火锅", None),  # not a time alone
])
def test_a_time_said_alone_for_scheduling(text: str, meant: date | None) -> None:
    assert read_alone(text, _WEDNESDAY_NOON, _SHANGHAI) == meant


# -- the words of real users (issue 22): general readings the public corpora asked for ---


def values(intent: Intent, name: str) -> list[object]:
    return [s.value for s in intent.slots if s.name == name]


@pytest.mark.parametrize(("text", "dishes"), [
    ("想吃小米粥、白菜心🥣，推荐一家评分4.5分以上的", ["小米粥", "白菜心"]),
    ("想吃烤馒头和九转大肠，给我找个5分的", ["九转大肠"]),  # 馒头 is a known dish word
    ("推荐菜有京东肉饼 尖椒肉丝，人均100元", ["京东肉饼", "尖椒肉丝"]),
    ("还想找一家酒店周边的餐馆吃蟹腿、鲍鱼呢", ["蟹腿", "鲍鱼"]),
    ("请帮我找一家有炒年糕的餐馆。", ["炒年糕"]),
    ("想吃cheese和拌山野菜😋", ["拌山野菜"]),
])
def test_dishes_listed_after_a_verb_of_eating(parser: Parser, text: str,
                                              dishes: list[str]) -> None:
    result = parse(parser, text)
    found = [s.text for s in result.slots if s.name in ("dish", "category")]
    for dish in dishes:
        assert any(dish in f for f in found), (dish, found)
    assert not values(result, "merchant")  # "有炒年糕的餐馆" describes a shop, names none


@pytest.mark.parametrize("text", ["想吃什么都可以", "我想吃饭了", "有包间吗", "吃了吗？🙂"])
def test_eating_words_with_no_dish_name_none(parser: Parser, text: str) -> None:
    assert not values(parse(parser, text), "dish")


def test_the_shop_whose_surroundings_are_asked_about_is_a_merchant(parser: Parser) -> None:
    result = parse(parser, "庆云楼(什刹海店)的周边有哪些酒店？")
    assert result.name == "ask_attribute"
    assert values(result, "merchant") == ["庆云楼(什刹海店)"] and not values(result, "place")
    search = parse(parser, "在什刹海周边找一家火锅店")  # an anchor of a search stays a place
    assert search.name == "search_deals" and values(search, "place")


@pytest.mark.parametrize(("text", "size"), [
    ("Book a table for kirsten price, audra and I 🍷", 3),
    ("Book reservations at a restaurant with vickie and caitlin on February the second", 2),
    ("I need a table for me, angela and mercedes in Cimarron City", 3),
    ("a table for my step father and I", 2),
    ("book a cafe table for one that has internet access", 1),
])
def test_people_named_in_a_list_are_the_party(parser: Parser, text: str, size: int) -> None:
    assert parse(parser, text).get("party_size") == size


@pytest.mark.parametrize("text", [
    "can you choose one for me and let me know the food type?",
    "Today is my wedding anniversary and I want to book a table",
    "order a burger with fries and a coke",
])
def test_words_that_are_no_people_make_no_party(parser: Parser, text: str) -> None:
    assert parse(parser, text).get("party_size") is None


@pytest.mark.parametrize(("text", "day"), [
    ("I need a table for ten on april the eighteenth, 2030", date(2030, 4, 18)),
    ("Book a reservation on Mar. thirteenth, 2026", date(2026, 3, 13)),
    ("book a churrascaria in Macao on May the twenty-third", date(2027, 5, 23)),
    ("On 10/14/2026 I have two people to eat at a diner", date(2026, 10, 14)),
    ("the fifth of december works", date(2026, 12, 5)),
])
def test_dates_said_with_ordinal_words_or_slashes(parser: Parser, text: str, day: date) -> None:
    window = parse(parser, text).window
    assert window is not None and window.start.date() == day


def test_a_fraction_is_no_date(parser: Parser) -> None:
    assert parse(parser, "split 1/2 of it").get("time") is None


@pytest.mark.parametrize(("text", "place"), [
    ("book a restaurant for me, angela and mercedes in Cimarron City, Colorado",
     "Cimarron City, Colorado"),
    ("Please book a restaurant in Village Green, CA.", "Village Green, CA"),
    ("I'd like to eat at a restaurant far from Grantsburg", "Grantsburg"),
    ("I want to book a restaurant neighboring Livonia Av", "Livonia Av"),
    ("is there any chinese places in benton ar", "benton ar"),  # typed in lower case
    ("any good pizza in mg road 🍕", "mg road"),
])
def test_places_in_english(parser: Parser, text: str, place: str) -> None:
    assert values(parse(parser, text), "place") == [place]


@pytest.mark.parametrize("text", ["how many people live in vermillion",
                                  "what is the highest belt in karate"])
def test_a_lower_case_place_only_where_a_shop_is_wanted(parser: Parser, text: str) -> None:
    result = parse(parser, text)
    assert not values(result, "place") and result.name != "search_deals"


@pytest.mark.parametrize(("text", "merchant", "intent"), [
    ("order one pizza from pizza hut", "pizza hut", "buy"),
    ("i want to order a pizza from michael's pizza", "michael's pizza", "buy"),
    ("call pf chang's to order me egg foo young", "pf chang's", "buy"),
    ("closest chipotle", "chipotle", "search_deals"),
])
def test_a_shop_named_in_lower_case_around_an_order(parser: Parser, text: str, merchant: str,
                                                   intent: str) -> None:
    result = parse(parser, text)
    assert values(result, "merchant") == [merchant] and result.name == intent


def test_nearest_to_me_names_no_shop(parser: Parser) -> None:
    assert not values(parse(parser, "fried chicken closest to me"), "merchant")


def test_plurals_of_known_words_and_no_new_typos(parser: Parser) -> None:
    assert parse(parser, "give the list of theaters in the vicinity").get("category") == "cinema"
    assert parse(parser, "order two cheeseburgers 🍔").name == "buy"
    seats = parse(parser, "I'd like to get 4 seats at a restaurant.")
    assert ("seats", "eats") not in seats.corrections
    assert parse(parser, "tell me a joke").name == "unknown"  # no "coke" in it


@pytest.mark.parametrize(("text", "category"), [
    ("find me a pharmacy near here", "pharmacy"),
    ("附近有药店吗", "pharmacy"),
    ("where's the nearest supermarket", "supermarket"),
    ("near by grocery", "supermarket"),
    ("附近的超市", "supermarket"),
    ("24小时便利店在哪", "minimart"),
    ("tell me what clothing stores are within five miles of me", "clothing"),
    ("附近有服装店吗", "clothing"),
    ("any bookstores nearby", "books"),
    ("找个书店", "books"),
    ("附近有花店吗", "flowers"),
    ("i need to find a gift", "gifts"),
    ("礼品店推荐", "gifts"),
    ("a pet shop near me", "pet_shop"),
    ("附近的宠物店", "pet_shop"),
    ("can you find me a furniture store near me", "furniture"),
])
def test_kinds_of_shop_beyond_food_are_searched_by_their_category(
        parser: Parser, text: str, category: str) -> None:
    result = parse(parser, text)
    assert result.name == "search_deals", result.values()
    assert result.get("category") == category


def test_a_pet_is_still_an_amenity_of_a_cafe_not_a_pet_shop(parser: Parser) -> None:
    result = parse(parser, "能带宠物的咖啡馆")
    assert result.get("category") == "coffee" and result.get("keywords") == "宠物"


@pytest.mark.parametrize(("text", "meant"), [
    ("I refuse to cook, find me a restaurant", "cook"),  # not "book"
    ("how much weight should i lift", "lift"),  # not "gift"
    ("what were the final scores", "scores"),  # not "stores"
])
def test_shop_words_do_not_rewrite_everyday_english(parser: Parser, text: str,
                                                     meant: str) -> None:
    assert meant not in dict(parse(parser, text).corrections)


@pytest.mark.parametrize(("text", "metres"), [
    ("what shops are within ten miles", 16090),
    ("i need to find a gift what stores are within a one mile radius", 1609),
    ("what shops are round here", 3000),
])
def test_distances_are_a_radius_and_shops_a_kind_of_place(parser: Parser, text: str,
                                                          metres: int) -> None:
    result = parse(parser, text)
    assert result.name == "search_deals"
    assert result.get("radius_m") == metres
    assert "milk" not in result.values().values()


@pytest.mark.parametrize("text", [
    "Wanda hotpot place phone number?",
    "what's the phone of the hotpot place at Wanda",
    "万达那家火锅店电话多少",
])
def test_the_shop_a_kind_and_a_place_describe_is_asked_about(parser: Parser, text: str,
                                                            ) -> None:
    result = parse(parser, text)
    assert result.name == "ask_attribute" and not result.alternatives, result
    assert result.get("attribute") == "phone"
    assert result.get("category") == "hotpot" and result.get("place") is not None


@pytest.mark.parametrize(("text", "dishes"), [
    ("get me bacon and a beer", ["bacon", "beer"]),
    ("order a sprite and some fries", ["sprite", "fries"]),
    ("any place with good shrimp and cheap wine", ["shrimp", "wine"]),
    ("i'd like a mojito and some nachos", ["mojito", "nachos"]),
    ("我想喝啤酒", ["啤酒"]),
    ("来份培根和一瓶可乐", ["培根", "可乐"]),
])
def test_everyday_food_and_drink_are_what_the_shopper_wants(parser: Parser, text: str,
                                                           dishes: list[str]) -> None:
    result = parse(parser, text)
    assert values(result, "dish") == dishes, result.values()
    assert result.name in ("search_deals", "buy")


@pytest.mark.parametrize(("text", "word"), [
    ("tell me a joke", "joke"),  # not "coke"
    ("that's a wise choice", "wise"),  # not "wine"
    ("I've been there before", "been"),  # not "beef" or "beer"
    ("I can't bear the wait", "bear"),  # not "beer" or "near"
    ("where's the beef", "beef"),
    ("I had a dream about it", "dream"),  # not "cream"
])
def test_food_words_do_not_rewrite_everyday_english(parser: Parser, text: str,
                                                    word: str) -> None:
    assert word not in dict(parse(parser, text).corrections)


def test_a_food_word_inside_a_name_stays_the_name(parser: Parser) -> None:
    cheese = parse(parser, "book a table at The Cheese Factory for 3")
    assert values(cheese, "merchant") == ["The Cheese Factory"] and not values(cheese, "dish")
    beer_hall = parse(parser, "朋友订了在博璨德国啤酒餐厅吃饭")
    assert "啤酒" not in values(beer_hall, "dish")
    burger = parse(parser, "order a burger from Burger King")
    assert values(burger, "merchant") == ["Burger King"]


@pytest.mark.parametrize(("text", "place"), [
    ("any good tacos in mexico", "mexico"),
    ("best pizza in italy", "italy"),
    ("where can i eat sushi in japan", "japan"),
])
def test_a_country_is_a_place_not_a_typo_of_its_cuisine(parser: Parser, text: str,
                                                       place: str) -> None:
    result = parse(parser, text)
    assert result.get("place") == place, result.values()
    assert not result.corrections


def test_one_of_a_known_plural_is_that_food_not_a_typo(parser: Parser) -> None:
    result = parse(parser, "order a ten piece buffalo wing box")
    assert result.name == "buy"
    assert ("wing", "wings") in result.corrections and ("wing", "king") not in result.corrections


@pytest.mark.parametrize(("text", "category", "place"), [
    ("where is the pharmacy in springfield", "pharmacy", "springfield"),
    ("where's the supermarket", "supermarket", None),
    ("where are the bookstores in greenville", "books", "greenville"),
])
def test_where_a_kind_of_shop_is_searches_for_it(parser: Parser, text: str, category: str,
                                                 place: str | None) -> None:
    result = parse(parser, text)
    assert result.name == "search_deals", result.values()
    assert result.get("category") == category and result.get("place") == place


def test_where_the_shop_one_looks_at_is_still_a_question(parser: Parser) -> None:
    for text in ("where is the restaurant", "where is it", "where is the hotpot place at Wanda"):
        assert parse(parser, text).get("attribute") == "address", text


@pytest.mark.parametrize("text", [
    "what kind of stores are close to my neighborhood",
    "what type of shops are in my area",
])
def test_what_kind_of_shops_nearby_is_a_search_not_help(parser: Parser, text: str) -> None:
    result = parse(parser, text)
    assert result.name == "search_deals" and result.get("radius_m") == 3000, result.values()


def test_what_kind_of_things_the_bot_does_is_still_help(parser: Parser) -> None:
    assert parse(parser, "what kind of things can you do").name == "help"
    assert parse(parser, "what kind of traits do vampires have").name == "unknown"


def test_a_shopping_mall_is_a_kind_of_place_to_look_in(parser: Parser) -> None:
    result = parse(parser, "find a shopping mall in riverside")
    assert result.name == "search_deals"
    assert values(result, "venue") == ["shopping mall"] and result.get("place") == "riverside"


@pytest.mark.parametrize(("text", "word"), [
    ("what would you be able to do for me", "able"),  # not "table"
    ("the green curry place", "green"),  # not "greek"
    ("it's past nine, anything open", "past"),  # not "fast"
    ("what's near the palace", "palace"),  # not "place"
    ("let me hear the other options", "hear"),  # not "near"
])
def test_everyday_english_words_are_never_typos(parser: Parser, text: str, word: str) -> None:
    assert word not in dict(parse(parser, text).corrections)


def test_real_typos_are_still_corrected(parser: Parser) -> None:
    assert ("resturant", "restaurant") in parse(parser, "cheap resturant neer me").corrections
    assert parse(parser, "any sushii tonight").get("category") == "sushi"


def test_the_everyday_word_list_is_the_one_its_script_builds() -> None:
    from nlu.typos import english_words

    words = english_words()
    assert 20_000 < len(words) < 40_000
    assert {"able", "green", "palace", "america"} <= words
    assert not {"resturant", "sushii", "neer"} & words
    assert all(w.isascii() and w.isalpha() and w.islower() and len(w) >= 4 for w in words)


@pytest.mark.parametrize(("text", "place", "category"), [
    ("我在国贸，附近有什么火锅", "国贸", "hotpot"),
    ("I'm in Springfield, can you recommend a sushi place?", "Springfield", "sushi"),
    ("我人在望京，推荐个咖啡店", "望京", "coffee"),
])
def test_where_one_is_said_with_a_request_is_where_to_search(
        parser: Parser, text: str, place: str, category: str) -> None:
    result = parse(parser, text)
    assert result.name == "search_deals", result.values()
    assert result.get("place") == place and result.get("category") == category
    assert result.get("keywords") is None


@pytest.mark.parametrize(("text", "place"), [("我在国贸", "国贸"), ("我现在在三里屯", "三里屯")])
def test_where_one_is_said_alone_is_still_where_one_is(parser: Parser, text: str,
                                                       place: str) -> None:
    result = parse(parser, text)
    assert result.name == "set_location" and result.get("place") == place


def test_a_place_name_holding_li_is_no_distance(parser: Parser) -> None:
    assert parse(parser, "十里河附近的烤鸭").get("place") == "十里河"
    assert parse(parser, "三里以内的火锅").get("radius_m") == 1500


@pytest.mark.parametrize("text", [
    "what do people think of the spicy wings at wingstop",
    "any feedback about the dumplings at din tai fung",
    "what are critics saying about the new ramen bar",
    "has the corner bistro gotten good reviews",
])
def test_what_others_think_of_one_thing_is_a_question_about_it(parser: Parser, text: str,
                                                              ) -> None:
    result = parse(parser, text)
    assert result.name == "ask_attribute", result.values()
    assert result.get("attribute") == "rating"


@pytest.mark.parametrize("text", ["pizza places with good reviews",
                                  "show me reviews of my nearest food court"])
def test_good_reviews_of_places_around_is_still_a_search(parser: Parser, text: str) -> None:
    assert parse(parser, text).name == "search_deals"


@pytest.mark.parametrize("text", ["what do food critics say", "look for restaurants in town",
                                  "I'd like some food please"])
def test_words_before_food_are_no_cuisine(parser: Parser, text: str) -> None:
    assert not values(parse(parser, text), "dish")


def test_asking_for_help_to_find_food_is_a_search(parser: Parser) -> None:
    assert parse(parser, "could you help us to find a place for food").name == "search_deals"
    assert parse(parser, "I need help").name == "help"


@pytest.mark.parametrize(("text", "merchant"), [
    ("is Burger King open now", "Burger King"),
    ("Pizza Hut phone number", "Pizza Hut"),
    ("book a table at Thai Garden for 2", "Thai Garden"),
    ("what time does Noodle Palace close", "Noodle Palace"),
])
def test_a_kind_of_food_that_begins_a_shop_name_is_the_name(parser: Parser, text: str,
                                                            merchant: str) -> None:
    result = parse(parser, text)
    assert values(result, "merchant") == [merchant], result.values()
    assert result.get("category") is None and result.get("dish") is None


@pytest.mark.parametrize("text", ["I want Chinese Food", "any Sushi Bar nearby",
                                  "Find Cheap Pizza Near Me",
                                  "a table in French Polynesia for two"])
def test_capitals_of_a_kind_place_or_title_case_make_no_name(parser: Parser, text: str) -> None:
    assert not values(parse(parser, text), "merchant"), parse(parser, text).values()


def test_looking_for_the_named_shop_is_that_shop(parser: Parser) -> None:
    assert parse(parser, "I am looking for the Curry Garden.").name == "show_deal"


@pytest.mark.parametrize("text", ["how do i make pancakes at home",
                                  "how do you get coffee stains out of a shirt",
                                  "how to cook rice without a rice cooker"])
def test_a_how_to_of_another_world_is_out_of_scope(parser: Parser, text: str) -> None:
    result = parse(parser, text)
    assert result.name == "unknown" and result.out_of_scope, result.values()


@pytest.mark.parametrize(("text", "intent"), [
    ("how do I pay", "help"),
    ("how do i use a coupon", "help"),
    ("how do i", "help"),
    ("how can i find cheap sushi", "search_deals"),
    ("how can we get there", "ask_attribute"),
])
def test_a_how_to_of_this_bot_is_help_or_what_it_asks_for(parser: Parser, text: str,
                                                          intent: str) -> None:
    assert parse(parser, text).name == intent


@pytest.mark.parametrize("text", ["我不需要订酒店，帮我找个便宜的川菜馆",
                                  "I don't need a taxi, just find me a noodle place"])
def test_what_is_not_wanted_asks_for_nothing(parser: Parser, text: str) -> None:
    result = parse(parser, text)
    assert result.name == "search_deals", result.values()
    assert result.get("keywords") is None


def test_a_country_holding_mai_is_not_buying(parser: Parser) -> None:
    assert parse(parser, "我有几个牙买加朋友要来").name != "buy"
    assert parse(parser, "我要买这个").name == "buy"


def test_booking_a_restaurant_picks_one_first(parser: Parser) -> None:
    assert parse(parser, "我想订一家东边便宜的餐厅").name == "search_deals"


@pytest.mark.parametrize("text", ["你帮我选一个吧", "哪个都不喜欢", "换一家", "you pick one for me",
                                  "none of these, something else?"])
def test_leaving_the_choice_or_wanting_others_is_a_search(parser: Parser, text: str) -> None:
    assert parse(parser, text).name == "search_deals"


@pytest.mark.parametrize(("text", "refused"), [("我不想吃辣的，推荐个粤菜", "辣"),
                                               ("I don't want pizza, find me tacos", "pizza")])
def test_a_refused_food_is_not_searched_for(parser: Parser, text: str, refused: str) -> None:
    result = parse(parser, text)
    kinds = [str(v).lower() for v in values(result, "dish") + values(result, "category")]
    assert kinds and not any(refused in v for v in kinds), result.values()


def test_no_such_kind_is_still_asked_for(parser: Parser) -> None:
    result = parse(parser, "There are no Brazilian restaurants anywhere?")
    assert [str(v).lower() for v in values(result, "dish")] == ["brazilian"]
    assert parse(parser, "我不想错过预约，几点要到").name != "unknown"


@pytest.mark.parametrize("text", ["I have no preference on the type of food, something cheap",
                                  "I would prefer vegetarian food in the north",
                                  "the price range doesn't matter, any sushi place?"])
def test_a_preference_about_no_shop_is_what_to_search_by(parser: Parser, text: str) -> None:
    assert parse(parser, text).name == "search_deals", parse(parser, text).values()


@pytest.mark.parametrize("text", ["Can you find a place with outdoor seating?",
                                  "looking for somewhere with vegan options"])
def test_a_place_with_something_is_searched_for(parser: Parser, text: str) -> None:
    assert parse(parser, text).name == "search_deals"


@pytest.mark.parametrize(("text", "attribute"), [
    ("Do they make vegetarian meals?", "amenities"),
    ("Does the diner offer outdoor seating?", "amenities"),
    ("Is this an expensive restaurant?", "price"),
])
def test_yes_no_questions_about_the_place_ask_about_it(parser: Parser, text: str,
                                                       attribute: str) -> None:
    result = parse(parser, text)
    assert result.name == "ask_attribute" and result.get("attribute") == attribute


@pytest.mark.parametrize("text", ["Make my reservation for seven in the evening.",
                                  "I want my reservation to be made at 7:15 pm"])
def test_making_my_reservation_is_booking(parser: Parser, text: str) -> None:
    assert parse(parser, text).name == "book_table"
    assert parse(parser, "check my reservation").name == "my_codes"


def test_help_wanted_with_a_search_is_the_search(parser: Parser) -> None:
    assert parse(parser, "I'm looking for a noodle shop, can you help?").name == "search_deals"


@pytest.mark.parametrize("text", ["Are there vegan choices there?", "Is it vegetarian friendly?",
                                  "Can you tell me if this restaurant is reasonably priced?"])
def test_asking_what_the_place_offers_or_costs(parser: Parser, text: str) -> None:
    assert parse(parser, text).name == "ask_attribute", parse(parser, text).values()


def test_declining_then_asking_for_more_is_a_search(parser: Parser) -> None:
    assert parse(parser, "No thanks. Anything else nearby?").name == "search_deals"
    assert parse(parser, "no thanks").name == "cancel"


def test_not_wanting_to_cook_is_no_cancel(parser: Parser) -> None:
    assert parse(parser, "I don't want to cook tonight, find me a place to eat").name == \
        "search_deals"
    assert parse(parser, "I don't want it").name == "cancel"


def test_if_you_could_is_politeness_not_a_question(parser: Parser) -> None:
    assert parse(parser, "If you could, please make the reservation for 7 pm").name == \
        "book_table"


@pytest.mark.parametrize("text", ["随便", "换一家", "哪个都不喜欢", "you pick", "anything else?"])
def test_the_choice_left_open_searches_what_is_liked_most(parser: Parser, text: str) -> None:
    result = parse(parser, text)
    assert result.name == "search_deals" and result.get("sort") == "popular"
    assert result.get("keywords") is None


def test_a_question_about_the_shop_after_an_open_word_stays_one(parser: Parser) -> None:
    assert parse(parser, "行，换个口味试试，这个餐馆的评分是多少").name == "ask_attribute"


@pytest.mark.parametrize("text", ["怎么做红烧肉", "红烧肉的做法"])
def test_cooking_at_home_is_out_of_scope(parser: Parser, text: str) -> None:
    assert parse(parser, text).name == "unknown"


def test_not_wanting_a_food_is_no_cancel(parser: Parser) -> None:
    result = parse(parser, "I don't want pizza, find me noodles")
    assert result.name == "search_deals" and not result.alternatives


@pytest.mark.parametrize("text", ["好的，谢谢你的推荐。", "谢谢您的介绍，我没有别的问题了",
                                  "thanks for the recommendation",
                                  "这家离地铁站挺近的呢，谢谢你啊！"])
def test_thanks_for_what_the_bot_did_asks_for_nothing_new(parser: Parser, text: str) -> None:
    assert parse(parser, text).name == "thanks", parse(parser, text).values()


@pytest.mark.parametrize(("text", "intent"), [("推荐一家火锅，谢谢", "search_deals"),
                                              ("川菜馆，谢谢", "search_deals"),
                                              ("French food, thanks.", "search_deals"),
                                              ("不用了谢谢 算了", "cancel")])
def test_an_answer_or_a_request_with_thanks_keeps_its_intent(parser: Parser, text: str,
                                                             intent: str) -> None:
    assert parse(parser, text).name == intent
