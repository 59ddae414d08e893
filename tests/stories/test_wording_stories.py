"""What shoppers and merchants read: counts that agree with their nouns, button labels
that end at a word, headings, store details, the demo's rules and distances that agree
with the radius they are listed under."""

from __future__ import annotations

import re

from handlers.core import SendText
from handlers.router import App
from services.platform.users import demo_telegram_id
from tests.conftest import Chat


def owner(app: App, slug: str = "haidilao", language: str = "zh") -> Chat:
    return Chat(app, user_id=demo_telegram_id(f"{slug}-owner"), name=f"{slug}-owner",
                language_code=language)


def _metres(distance: str) -> float:
    number, unit = distance.split()
    return float(number) * (1000 if unit == "km" else 1)


async def test_no_coffee_within_1_km_is_never_above_coffee_shown_1_km_away(
        english_chat: Chat) -> None:
    await english_chat.share_location(26.0, 119.45)
    await english_chat.say("coffee within 1 km")
    assert 'No "☕ Coffee" deals within 1.0 km' in english_chat.texts
    await english_chat.press("farther")
    distances = re.findall(r"📍 ([\d.]+ k?m) away", english_chat.texts)
    assert distances and all(_metres(d) > 1000 for d in distances), distances


async def test_one_deal_and_one_coupon_kind_are_singular_in_english(english_chat: Chat,
                                                                    app: App) -> None:
    await english_chat.say("lemonade")
    assert english_chat.texts.startswith('1 deal for "lemonade" (page 1 of 1):')
    boss = owner(app, language="en")
    await boss.say("/coupon new 20 off 100 | 1 days | 100 | 1 per person")
    assert "Good for: 1 day after claiming" in boss.texts
    await boss.press("Publish")
    assert "🎟 Your coupons (1 kind):" in boss.texts and "good 1 day ·" in boss.texts
    await boss.say("/coupon new 10 off 50 | 2 days | 100 | 1 per person")
    await boss.press("Publish")
    assert "🎟 Your coupons (2 kinds):" in boss.texts and "good 2 days ·" in boss.texts


async def test_a_long_title_on_a_button_ends_at_a_word(english_chat: Chat) -> None:
    await english_chat.say("hotpot")
    labels = english_chat.button_texts
    assert "1. Hotpot set for two… ¥168" in labels  # was "…for two, weekend… ¥168"
    assert "5. All-you-can-eat skewers for… ¥49" in labels  # not "...skewers fo… ¥49"


async def test_the_deals_list_buttons_name_the_deals(app: App) -> None:
    boss = owner(app, language="en")
    await boss.say("/deals")
    labels = boss.button_texts
    assert "1. Solo hotpot set" in labels and "2. ¥100 voucher" in labels
    assert "4. Hotpot set for two…" in labels  # the title cut at a word, as in search
    assert "left no limit" in boss.texts and "Unlimited" not in boss.texts
    await boss.press("Solo hotpot set")
    assert "Solo hotpot set" in boss.texts  # the deal's own page


async def test_browsing_everything_nearby_says_how_many_not_for_all(chat: Chat,
                                                                    english_chat: Chat) -> None:
    await chat.share_location(26.0, 119.45)
    heading = chat.texts.splitlines()[2]
    assert re.fullmatch(r"3\.0 km 内全部 \d+ 个优惠（第 1/\d+ 页）：", heading), heading
    assert "「全部」" not in chat.texts
    await english_chat.share_location(26.0, 119.45)
    heading = english_chat.texts.splitlines()[2]
    assert re.fullmatch(r"\d+ deals within 3\.0 km \(page 1 of \d+\):", heading), heading
    assert '"all"' not in english_chat.texts


async def test_a_new_store_without_a_phone_shows_no_phone_line(app: App) -> None:
    boss = owner(app, language="en")
    await boss.say("/addstore")
    for answer in ("Haidilao (Station)", "1 Station Road, Fuzhou"):
        await boss.say(answer)
    await boss.share_location(26.05, 119.31)
    await boss.say("10:00-22:00")
    await boss.say("-")  # no phone
    summary = next(r.text for r in boss.replies if isinstance(r, SendText))
    assert summary.splitlines()[-1] == "🕒 10:00-22:00" and "📞" not in summary


async def test_the_weekend_deal_of_the_demo_says_weekends_in_its_rules(chat: Chat) -> None:
    await chat.say("火锅")
    await chat.press("周末可用")
    rules = next(line for line in chat.texts.splitlines() if line.startswith("📋"))
    assert "周末" in rules


def test_labels_are_cut_between_words_or_characters_never_inside_one() -> None:
    from handlers.format import short_label

    assert short_label("Senior stylist cut & blow-dry", 29) == "Senior stylist cut & blow-dry"
    assert short_label("Senior stylist cut & blow-dry", 24) == "Senior stylist cut…"
    assert short_label("【周末可用】双人精品火锅套餐加送甜品饮料", 12) == "【周末可用】双人精品火…"
    assert short_label("Supercalifragilistic", 8) == "Superca…"  # one long word: by letter
    assert short_label("👨‍👩‍👧 family set", 6) == "👨‍👩‍👧…"  # the family emoji kept whole
    assert short_label("e\u0301e\u0301e\u0301e\u0301", 3) == "e\u0301…"  # é kept whole


def test_no_demo_deal_title_promises_days_its_rules_deny() -> None:
    from services.demo.demo_data import DEALS

    for deal in DEALS:
        title, rules = deal.title_zh, deal.usage_rules_zh
        if "周末" in title:
            assert "周末" in rules or "周六" in rules, (deal.key, rules)
        if "工作日" in title:
            assert "周一至周五" in rules, (deal.key, rules)
