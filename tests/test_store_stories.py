"""An approved owner adds a store step by step; wrong answers are asked again."""

from __future__ import annotations

import math

import pytest

from handlers.core import SendVenue
from handlers.router import App
from services.users import demo_telegram_id
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
