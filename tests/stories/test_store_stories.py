"""An approved owner adds a store step by step and edits it field by field; wrong answers
are asked again, and nobody else can change it."""

from __future__ import annotations

import math

import pytest
from sqlmodel import select

from handlers.core import SendText, SendVenue
from handlers.router import App
from services.merchants.stores import StoreChanges, update_store
from services.platform.users import demo_telegram_id, get_profile_by_telegram_id
from storage.models import Merchant, MerchantStatus, Store
from tests.conftest import Chat


def owner(app: App) -> Chat:
    return Chat(app, user_id=demo_telegram_id("haidilao-owner"), name="haidilao-owner")


async def test_an_owner_adds_a_store_by_sharing_its_location(app: App) -> None:
    me = owner(app)
    await me.say("/addstore")
    assert "门店名称" in me.texts
    await me.say("海底捞（罗星店）")
    await me.say("福州市马尾区罗星东路 99 号")
    assert "发送门店位置" in str(me.replies)
    await me.share_location(25.9961, 119.4530)
    assert "营业时间" in me.texts
    await me.say("每天营业")  # not the grammar
    assert "看不懂这个营业时间" in me.texts
    await me.say("１０：００－２２：００")  # full-width, as Chinese keyboards type it
    await me.say("0591-8888 1234")
    assert any(isinstance(r, SendVenue) for r in me.replies)
    assert "10:00-22:00" in me.texts and "罗星东路" in me.texts
    await me.press("保存门店")
    assert "已保存" in me.texts
    await me.say("/stores")
    assert "海底捞（罗星店）" in me.texts and "10:00-22:00" in me.texts


async def test_a_typed_place_the_gazetteer_knows_is_a_location(app: App) -> None:
    me = owner(app)
    await me.say("/addstore")
    await me.say("Haidilao Wanda")
    await me.say("Wanda Plaza, Mawei")
    await me.say("火星基地")
    assert "我不认识这个地点" in me.texts
    await me.say("万达广场")
    assert "营业时间" in me.texts
    await me.say("-")
    await me.say("-")
    await me.press("保存门店")
    assert "已保存" in me.texts


@pytest.mark.parametrize("lat,lon", [(math.nan, 119.4), (91.0, 0.0), (0.0, 0.0), (10.0, 181.0)])
async def test_impossible_coordinates_are_asked_again(app: App, lat: float, lon: float) -> None:
    me = owner(app)
    await me.say("/addstore")
    await me.say("Test store")
    await me.say("1 Test Road")
    await me.share_location(lat, lon)
    assert "坐标不可能存在" in me.texts


async def test_only_an_approved_owner_adds_stores_and_cancel_leaves(app: App) -> None:
    shopper = Chat(app, user_id=5501, name="Shopper")
    await shopper.say("/addstore")
    assert "只有商家店主" in shopper.texts
    await shopper.say("/stores")
    assert "只有商家店主" in shopper.texts
    me = owner(app)
    await me.say("/addstore")
    await me.say("x")
    assert "需要 2 到 60 个字" in me.texts
    await me.say("/cancel")
    await me.say("/stores")
    assert "已保存" not in me.texts


# ---------------------------------------------------------------- editing a store

KUAIAN = "海底捞（快安店）"


async def _edit_kuaian(me: Chat) -> int:
    """Open the Kuai'an store's edit menu from /stores; its id."""
    await me.say("/stores")
    assert any(KUAIAN in text for text in me.button_texts)
    await me.press(KUAIAN)
    assert "正在修改这家门店" in me.texts and KUAIAN in me.texts
    return int(next(b.data for b, _ in me.buttons if b.data and b.data.startswith("sed:"))
               .split(":")[1])


async def _stored(app: App, store_id: int) -> Store:
    async with app.db.session() as session:
        store = await session.get(Store, store_id)
    assert store is not None
    return store


async def test_an_owner_renames_a_store_and_changes_its_hours(app: App) -> None:
    me = owner(app)
    store_id = await _edit_kuaian(me)
    assert any(isinstance(r, SendVenue) for r in me.replies)
    await me.press("名称")
    assert "新名称" in me.texts
    await me.say("海底捞（快安旗舰店）")
    assert "海底捞（快安旗舰店）" in me.texts and "正在修改" in me.texts  # the draft
    await me.say("随便写点")  # a text while buttons are expected
    assert "请用按钮选择" in me.texts
    await me.press("营业时间")
    await me.say("每天营业")
    assert "看不懂这个营业时间" in me.texts and "新的营业时间" in me.texts
    await me.say("１１：００－２１：３０")
    assert "11:00-21:30" in me.texts
    assert (await _stored(app, store_id)).name_zh == KUAIAN  # nothing saved yet
    await me.press("保存修改")
    assert "已更新" in me.texts and "11:00-21:30" in me.texts
    venue = next(r for r in me.replies if isinstance(r, SendVenue))
    assert venue.title == "海底捞（快安旗舰店）"
    await me.say("/stores")
    assert "海底捞（快安旗舰店）" in me.texts and "11:00-21:30" in me.texts
    assert KUAIAN not in me.texts and "海底捞（马尾万达店）" in me.texts
    stored = await _stored(app, store_id)
    # The old English name would now be wrong: English readers see the new name.
    assert stored.name_en is None and stored.phone == "0591-83681002"


async def test_moving_a_store_to_a_typed_place_moves_its_deals_in_search(app: App) -> None:
    shopper = Chat(app, user_id=5501, name="Shopper")
    await shopper.say("/near 长乐机场")
    assert "海底捞" not in shopper.texts
    me = owner(app)
    store_id = await _edit_kuaian(me)
    await me.press("位置")
    assert "门店现在在哪里" in me.texts and "发送门店位置" in str(me.replies)
    await me.say("火星基地")
    assert "我不认识这个地点" in me.texts and "门店现在在哪里" in me.texts
    await me.say("长乐机场")
    assert "已记下新位置" in me.texts
    assert any(isinstance(r, SendText) and r.remove_keyboard for r in me.replies)
    await me.press("保存修改")
    assert "已更新" in me.texts
    stored = await _stored(app, store_id)
    assert (stored.lat, stored.lon) == (25.935, 119.663)
    await shopper.say("/near 长乐机场")
    assert "海底捞火锅" in shopper.texts and "双人精品火锅套餐" in shopper.texts
    await shopper.say("/near 快安")  # the other Haidilao (Wanda) is 4 km from Kuai'an
    assert "海底捞" not in shopper.texts


async def test_moving_a_store_by_sharing_its_location(app: App) -> None:
    me = owner(app)
    await _edit_kuaian(me)
    await me.press("位置")
    await me.share_location(91.0, 119.3)
    assert "坐标不可能存在" in me.texts and "门店现在在哪里" in me.texts
    await me.share_location(26.1130, 119.3170)  # Fuzhou Railway Station
    await me.press("保存修改")
    venue = next(r for r in me.replies if isinstance(r, SendVenue))
    assert (venue.lat, venue.lon) == (26.1130, 119.3170) and venue.title == KUAIAN
    shopper = Chat(app, user_id=5501, name="Shopper")
    await shopper.share_location(26.1131, 119.3171)
    assert "海底捞火锅" in shopper.texts


async def test_a_bad_phone_is_asked_again_and_a_dash_removes_it(app: App) -> None:
    me = owner(app)
    store_id = await _edit_kuaian(me)
    await me.press("电话")
    await me.say("call me maybe")
    assert "这不像电话号码" in me.texts and "新电话" in me.texts
    await me.say("-")
    assert "📞" not in me.texts  # no phone: no phone line (was "📞 -")
    assert "🕒 11:00-23:00" in me.texts  # the rest of the line stays
    await me.press("保存修改")
    assert "已更新" in me.texts
    assert (await _stored(app, store_id)).phone is None


async def test_saving_without_changes_or_cancelling_changes_nothing(app: App) -> None:
    me = owner(app)
    store_id = await _edit_kuaian(me)
    await me.press("保存修改")
    assert "没有任何修改" in me.texts
    await _edit_kuaian(me)
    await me.press("名称")
    await me.say("Renamed store")
    await me.press("取消")
    assert "门店没有改动" in me.texts
    assert (await _stored(app, store_id)).name_zh == KUAIAN


# Another merchant's owner is told the store is not theirs; anyone who owns no merchant
# is told, before any store is looked at, that only owners manage stores.
REFUSED_AS = {"chuanwei-chuanchuan-owner": "这不是你的门店", "haidilao-staff": "只有商家店主",
              "shopper": "只有商家店主"}


@pytest.mark.parametrize("who", list(REFUSED_AS))
async def test_a_forged_edit_button_is_refused_and_nothing_changes(app: App, who: str) -> None:
    me = owner(app)
    store_id = await _edit_kuaian(me)
    before = (await _stored(app, store_id)).model_dump()
    someone = Chat(app, user_id=5501 if who == "shopper" else demo_telegram_id(who), name=who)
    for data in (f"se:{store_id}", f"sef:{store_id}:name", f"sed:{store_id}"):
        await someone.press_data(data)
        assert REFUSED_AS[who] in someone.texts, data
        assert "海底捞" not in someone.texts, data
        assert not any(getattr(r, "buttons", ()) for r in someone.replies), data  # no menu
    await someone.say("Hijacked store")  # not in any store flow
    assert (await _stored(app, store_id)).model_dump() == before
    for data in ("se:abc", "se:", "sef:1:colour", "sed:-1"):
        await someone.press_data(data)
        assert "按钮已经失效" in someone.texts, data


async def test_the_save_itself_checks_ownership(app: App) -> None:
    """Even past the buttons, the update only touches the caller's own store."""
    me = owner(app)
    store_id = await _edit_kuaian(me)
    before = (await _stored(app, store_id)).model_dump()
    for who in ("chuanwei-chuanchuan-owner", "haidilao-staff"):
        profile = await get_profile_by_telegram_id(app.db, demo_telegram_id(who))
        assert profile is not None
        changes = StoreChanges(name="Hijacked", location=(26.0, 119.0))
        assert await update_store(app.db, profile.id, store_id, changes) is None
    assert (await _stored(app, store_id)).model_dump() == before
    mine = await get_profile_by_telegram_id(app.db, demo_telegram_id("haidilao-owner"))
    assert mine is not None
    assert await update_store(app.db, mine.id, 10**9, StoreChanges(name="Ghost")) is None
    with pytest.raises(ValueError):
        await update_store(app.db, mine.id, store_id, StoreChanges(location=(math.nan, 1.0)))


async def test_an_owner_who_loses_the_merchant_mid_edit_is_refused(app: App) -> None:
    me = owner(app)
    store_id = await _edit_kuaian(me)
    await me.press("名称")
    await me.say("Still mine?")
    async with app.db.transaction() as session:
        store = await session.get(Store, store_id)
        assert store is not None
        merchant = await session.get(Merchant, store.merchant_id)
        assert merchant is not None
        merchant.status = MerchantStatus.SUSPENDED
    await me.press("保存修改")
    assert "你的商家已被暂停" in me.texts  # the reason, not "this is not your store"
    assert (await _stored(app, store_id)).name_zh == KUAIAN


async def test_stale_edit_buttons_after_the_store_flow_ended(app: App) -> None:
    me = owner(app)
    store_id = await _edit_kuaian(me)
    await me.press("营业时间")
    await me.say("-")
    await me.press("保存修改")
    assert "已更新" in me.texts
    old_menu = me.buttons
    await me.press("名称")  # a button of the menu the save closed
    assert "按钮已经失效" in me.texts
    me.buttons = old_menu
    await me.press("保存修改")
    assert "按钮已经失效" in me.texts
    await _edit_kuaian(me)
    await me.press("名称")
    await me.say("/cancel")
    await me.say("Renamed after cancel")
    await me.press_data(f"sed:{store_id}")
    assert "按钮已经失效" in me.texts
    stored = await _stored(app, store_id)
    assert stored.name_zh == KUAIAN and stored.opening_hours == ""


async def test_emoji_sql_looking_and_huge_answers(app: App) -> None:
    me = owner(app)
    store_id = await _edit_kuaian(me)
    await me.press("名称")
    await me.say("🍲🌶🍲")
    assert "需要 2 到 60 个字" in me.texts
    await me.say("海" * 61)
    assert "需要 2 到 60 个字" in me.texts
    await me.say("x" * 5000)  # over Telegram's limit: answered, nothing stored
    assert "消息太长" in me.texts
    sql = "Hotpot 🍲'); DROP TABLE stores;--"
    await me.say(sql)
    await me.press("地址")
    await me.say("路" * 201)
    assert "需要 4 到 200 个字" in me.texts
    await me.say("  1  Robert'); DELETE FROM deals;--  Road ")
    await me.press("保存修改")
    assert "已更新" in me.texts
    stored = await _stored(app, store_id)
    assert stored.name_en == sql and stored.name_zh is None
    assert stored.address_en == "1 Robert'); DELETE FROM deals;-- Road"
    await me.say("/stores")
    assert sql in me.texts and "海底捞（马尾万达店）" in me.texts
    shopper = Chat(app, user_id=5501, name="Shopper")
    await shopper.say("/near 快安")
    assert "海底捞火锅" in shopper.texts  # deals and links intact


async def _suspend(app: App, slug: str) -> None:
    async with app.db.transaction() as session:
        merchant = (await session.exec(select(Merchant).where(Merchant.slug == slug))).one()
        merchant.status = MerchantStatus.SUSPENDED


async def test_an_owner_suspended_while_adding_a_store_is_told_why_and_the_flow_ends(
    app: App,
) -> None:
    me = owner(app)
    await me.say("/addstore")
    await me.say("海底捞（罗星店）")
    assert "地址" in me.texts
    await _suspend(app, "haidilao")
    await me.say("福州市马尾区罗星东路 99 号")  # the next answer: the role is checked again
    assert "你的商家已被暂停" in me.texts and "位置" not in me.texts
    await me.say("福州市马尾区罗星东路 99 号")  # no longer in the flow: not an answer
    assert "你的商家已被暂停" not in me.texts and "发送门店位置" not in str(me.replies)
    await me.press_data("sts")
    assert "你的商家已被暂停" in me.texts
    async with app.db.session() as session:
        assert (await session.exec(select(Store).where(
            Store.name_zh == "海底捞（罗星店）"))).first() is None


async def test_a_suspended_owner_still_lists_the_stores_but_cannot_change_them(
    app: App,
) -> None:
    await _suspend(app, "haidilao")
    me = owner(app)
    await me.say("/stores")
    assert KUAIAN in me.texts and "海底捞（马尾万达店）" in me.texts
    await me.press(KUAIAN)
    assert "你的商家已被暂停" in me.texts and "正在修改" not in me.texts
    await me.say("/addstore")
    assert "你的商家已被暂停" in me.texts and "门店名称" not in me.texts


async def test_an_old_cancel_button_of_another_flow_leaves_the_new_store_alone(
    app: App,
) -> None:
    me = owner(app)
    await me.say("/addstore")
    await me.say("海底捞（罗星店）")
    for old_cancel in ("mx", "sex:1"):  # the application's, a store edit's
        await me.press_data(old_cancel)
        assert "按钮已经失效" in me.texts, old_cancel
    await me.say("福州市马尾区罗星东路 99 号")
    assert "发送门店位置" in str(me.replies)  # still adding the store
    await me.press_data("stx")
    assert me.texts == "已取消，没有添加门店。"
    await me.press_data("stx")  # twice: nothing left to cancel
    assert "按钮已经失效" in me.texts
