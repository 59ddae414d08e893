"""A merchant's storefront, opened from a QR poster or a shared link (/start payloads)."""

from __future__ import annotations

import pytest

from handlers.links import deal_payload, shop_payload
from tests.conftest import Chat


async def test_scanning_a_posters_code_opens_the_merchants_mini_mall(chat: Chat) -> None:
    await chat.say(f"/start {shop_payload('haidilao')}")
    text = chat.texts
    assert text.startswith("🏪 海底捞火锅")
    assert "在售优惠" in text and "🏬 门店" in text
    assert "万达" in text and "快安" in text
    assert "已关注「海底捞火锅」" in text  # scanning the poster follows the merchant
    assert any(b.startswith("取消关注") for b in chat.button_texts)
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
    await chat.say("蜜雪冰城")  # the storefront, typed: not followed yet
    assert any(b.startswith("⭐ 关注") for b in chat.button_texts)
    await chat.press("⭐ 关注")
    await chat.say("/following")
    assert "蜜雪冰城" in chat.texts


async def test_scanning_a_storefront_link_follows_once(chat: Chat) -> None:
    await chat.say("/start shop_mixue")
    assert "已关注「蜜雪冰城」" in chat.texts
    await chat.say("/start shop_mixue")
    assert "已关注" not in chat.texts  # the second scan just opens the storefront
    await chat.say("/following")
    assert chat.texts.count("蜜雪冰城") == 1


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
    with pytest.raises(ValueError):
        shop_payload("Not A Slug")
    assert len(shop_payload("a" * 32, "ABCDEFGH")) <= 64
    assert deal_payload(12, "ABCDEFGH") == "deal_12_ABCDEFGH"


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
    url = first.buttons[0][0].url or ""
    assert url.startswith(f"https://t.me/o2o_test_bot?start=deal_{first.id}_")
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


async def test_a_shared_deal_link_brings_a_friend_who_is_recorded_as_referred(
    app, chat: Chat  # type: ignore[no-untyped-def]
) -> None:
    from sqlmodel import select

    from storage.models import User

    await chat.say("/start deal_1")
    await chat.press("分享")
    share = chat.texts
    assert "https://t.me/o2o_demo_bot?start=deal_1_" in share
    link = next(w for w in share.split() if w.startswith("https://t.me/o2o_demo_bot"))
    payload = link.split("start=", 1)[1]
    assert any(b.endswith("转发给朋友") for b in chat.button_texts)

    friend = Chat(app, user_id=777, name="Friend")
    await friend.say(f"/start {payload}")
    assert "有效期" in friend.texts  # the deal card
    old_timer = Chat(app, user_id=chat.sender.id)  # the sharer opening their own link
    await old_timer.say(f"/start {payload}")
    async with app.db.session() as session:
        users = {u.telegram_id: u for u in (await session.exec(select(User))).all()}
    assert users[777].referred_by_user_id == users[chat.sender.id].id
    assert users[chat.sender.id].referred_by_user_id is None


async def test_someone_who_was_here_before_the_link_is_not_counted_as_referred(
    app, chat: Chat  # type: ignore[no-untyped-def]
) -> None:
    from datetime import timedelta

    from services.marketing.referrals import Referral, record_referral, referral_code_of
    from tests.conftest import STORY_NOW

    await chat.say("/start")
    other = Chat(app, user_id=888, name="Old")
    await other.say("/start")
    code = await referral_code_of(app.db, (await _user_id(app, chat.sender.id)))
    later = STORY_NOW + timedelta(days=2)
    old = await _user_id(app, 888)
    assert await record_referral(app.db, old, code, later) == Referral.UNCHANGED
    assert await record_referral(app.db, old, "NOTACODE", STORY_NOW) == Referral.NO_CODE


async def _user_id(app, telegram_id: int) -> int:  # type: ignore[no-untyped-def]
    from services.platform.users import ensure_user

    return (await ensure_user(app.db, telegram_id)).id
