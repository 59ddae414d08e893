"""Coupons, told as stories on SQLite and PostgreSQL: an owner hands them out, shoppers
get them by following or claiming, checkout uses the best one, and every way back
(cancel, expiry, refund) returns it. Nothing gives a coupon twice or uses one twice."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from handlers.core import SendInvoice
from handlers.router import App
from services.catalog.deal_cards import Bilingual
from services.marketing.coupons.parsing import parse_coupon
from services.marketing.coupons.templates import (
    PricedDeal,
    create_template,
    floor_of,
    impact_on,
    set_welcome,
)
from services.marketing.coupons.terms import CouponTerms, discount_for
from services.marketing.coupons.wallet import claim, wallet
from services.merchants.admin import suspend_merchant
from services.orders.checkout import apply_payment, release_expired_holds, start_order
from services.orders.codes import codes_of_order
from services.orders.redemption import check_code, confirm
from services.orders.refunds import _void_and_record, ask_refund
from services.payments import PaymentNotice, Payments
from services.payments.sandbox import SandboxProvider
from services.payments.telegram import TelegramProvider
from services.platform.conversations import get_state
from services.platform.database import Database
from services.platform.users import demo_telegram_id, ensure_user
from storage.models import Coupon, CouponKind, CouponTemplate, Deal, Merchant, Order
from tests.conftest import STORY_NOW, Chat
from tests.helpers.checkout_world import build_world

NOW = STORY_NOW


def owner(app: App) -> Chat:
    return Chat(app, user_id=demo_telegram_id("haidilao-owner"), name="haidilao-owner")


async def user_id(app: App, telegram_id: int) -> int:
    return (await ensure_user(app.db, telegram_id)).id


async def haidilao_template(app: App, text: str, *, welcome: bool = False) -> int:
    """A coupon template of Haidilao's, made through the service as its owner would."""
    boss = await user_id(app, demo_telegram_id("haidilao-owner"))
    template_id = await create_template(app.db, boss, parse_coupon(text), NOW)
    assert isinstance(template_id, int), template_id
    if welcome:
        assert await set_welcome(app.db, boss, template_id) == "done"
    return template_id


async def give(app: App, chat: Chat, template_id: int) -> int:
    """Claim one coupon of the template for the person behind `chat`; its id."""
    me = await user_id(app, chat.sender.id)
    result = await claim(app.db, me, template_id, NOW, key=f"test:{template_id}:{me}",
                         source="claim")
    assert result.outcome == "claimed" and result.coupon is not None, result
    return result.coupon.id


async def coupon_status(db: Database, coupon_id: int) -> str:
    async with db.session() as session:
        coupon = await session.get(Coupon, coupon_id)
        assert coupon is not None
        return coupon.status


async def deal_id(db: Database, key: str) -> int:
    async with db.session() as session:
        return (await session.exec(select(Deal.id).where(Deal.key == key))).one()


async def latest_order(db: Database) -> Order:
    async with db.session() as session:
        return (await session.exec(select(Order).order_by(Order.id.desc()))).first()  # type: ignore[union-attr]


async def buy_duo(chat: Chat, quantity: int = 1) -> None:
    """Open the ¥168 hotpot-for-two card and buy."""
    await chat.say(f"/start deal_{await deal_id(chat.app.db, 'hdl-duo')}")
    await chat.press("🛒")
    await chat.press(str(quantity))


# ------------------------------------------------------------------ the owner


async def test_an_owner_hands_out_a_coupon_written_on_one_line(app: App) -> None:
    me = owner(app)
    await me.say("/coupon")
    assert "还没有优惠券" in me.texts
    await me.say("/coupon new 满100减20 | 7天 | 100张 | 每人1张")
    assert "满100减20" in me.texts and "领取后 7 天" in me.texts and "100" in me.texts
    await me.press("发布")
    assert "已发布「满100减20」" in me.texts
    assert "已领 0/100" in me.texts and "发放中" in me.texts
    async with app.db.session() as session:
        assert len((await session.exec(select(CouponTemplate))).all()) == 1


async def test_an_owner_is_walked_through_a_new_coupon_and_wrong_answers_are_asked_again(
    app: App,
) -> None:
    me = owner(app)
    await me.say("/coupon new")
    assert "券的内容是什么" in me.texts
    await me.say("满100减200")
    assert "减的金额要小于门槛" in me.texts and "券的内容是什么" in me.texts
    await me.say("8折最高减30")
    assert "多少天内有效" in me.texts
    await me.say("明天")
    assert "请写天数" in me.texts
    await me.press("7 天")
    await me.say("不限")
    await me.say("0")
    assert "每人限领要在 1 到 99 张之间" in me.texts
    await me.press("2")
    assert "8折，最高减30" in me.texts and "不限" in me.texts and "每人限领：2 张" in me.texts
    await me.press("发布")
    assert "已发布「8折，最高减30」" in me.texts
    async with app.db.session() as session:
        [template] = (await session.exec(select(CouponTemplate))).all()
    assert (template.kind, template.percent_off, template.cap) == ("percent_off", 20, 3000)
    assert (template.total_quantity, template.per_user_limit, template.valid_days) == (None, 2, 7)
    assert template.title_zh == "8折，最高减30" and template.title_en == "20% off (up to ¥30)"


async def test_a_double_tap_on_publish_makes_one_coupon(app: App) -> None:
    me = owner(app)
    await me.say("/coupon new 20 off 100 | 7 days")
    publish = me.buttons[0][0].data
    assert publish is not None
    await asyncio.gather(me.press_data(publish), me.press_data(publish))
    async with app.db.session() as session:
        assert len((await session.exec(select(CouponTemplate))).all()) == 1


async def templates_made(db: Database) -> int:
    async with db.session() as session:
        return len((await session.exec(select(CouponTemplate))).all())


async def test_a_coupon_worth_more_than_some_deals_is_made_only_after_a_second_yes(
    app: App,
) -> None:
    me = owner(app)
    await me.say("/coupon new 减200 | 7天")
    # Haidilao sells ¥88, ¥89, ¥168 and ¥358 deals: three of them would cost ¥0.01
    assert "一人食火锅套餐 ¥88 → ¥0.01 ⚠️" in me.texts
    assert "100元代金券 ¥89 → ¥0.01 ⚠️" in me.texts
    assert "四人欢聚火锅套餐 ¥358 → ¥158" in me.texts and "¥158 ⚠️" not in me.texts
    assert "用券后最低：¥0.01" in me.texts
    assert "3 个团购会低于底价（原价的 10%）" in me.texts
    await me.press("发布")
    assert "请再确认一次" in me.texts and "「无门槛减200」" in me.texts
    assert "确定发布" in " ".join(me.button_texts)
    assert await templates_made(app.db) == 0  # the first Publish made nothing
    await me.say("什么？")  # typing meanwhile asks the same question again
    assert "请再确认一次" in me.texts
    assert await templates_made(app.db) == 0
    await me.press("确定发布")
    assert "已发布「无门槛减200」" in me.texts
    assert await templates_made(app.db) == 1


async def test_second_thoughts_after_the_warning_make_nothing(app: App) -> None:
    me = owner(app)
    await me.say("/coupon new 95% off")  # 0.5折: the ¥88 set for ¥4.40
    assert "一人食火锅套餐 ¥88 → ¥4.40 ⚠️" in me.texts and "4 个团购会低于底价" in me.texts
    sure = "cpn:sure"
    await me.press_data(sure)  # a forged "sure" before the warning was confirmed
    assert await templates_made(app.db) == 0
    await me.say("嗯")  # the preview again
    assert "¥88 → ¥4.40 ⚠️" in me.texts
    await me.press("发布")
    await me.press("取消")
    assert "已取消" in me.texts
    await me.press_data(sure)  # the old confirm button
    assert await templates_made(app.db) == 0


async def test_the_guided_coupon_ends_in_the_same_warning_and_second_yes(
    english_chat: Chat,
) -> None:
    me = Chat(english_chat.app, user_id=demo_telegram_id("haidilao-owner"),
              name="haidilao-owner", language_code="en")
    await me.say("/coupon new")
    await me.say("160 off")
    await me.press("7 days")
    await me.press("Unlimited")
    await me.press("1")
    assert "Solo hotpot set: ¥88 → ¥0.01 ⚠️" in me.texts
    assert "Hotpot feast for four: ¥358 → ¥198" in me.texts
    assert "Lowest price with it: ¥0.01" in me.texts
    assert "3 deals would go below the floor (10% of the price)" in me.texts
    await me.press("Publish")
    assert "Please confirm once more" in me.texts
    assert await templates_made(me.app.db) == 0
    await me.press("Yes, publish")
    assert 'Published "¥160 off"' in me.texts
    assert await templates_made(me.app.db) == 1


async def test_coupons_that_leave_enough_of_every_price_are_published_at_once(
    app: App,
) -> None:
    me = owner(app)
    await me.say("/coupon new 8折")
    assert "一人食火锅套餐 ¥88 → ¥70.40" in me.texts and "⚠️" not in me.texts
    assert "用券后最低：¥70.40" in me.texts
    await me.press("发布")
    assert "已发布「8折」" in me.texts
    await me.say("/coupon new 送可乐一杯")
    assert "团购价不变" in me.texts and "⚠️" not in me.texts
    await me.press("发布")
    assert "已发布「赠可乐一杯」" in me.texts
    await me.say("/coupon new 满400减100")  # no deal of theirs reaches ¥400 in one order
    assert "达不到这张券的门槛" in me.texts and "⚠️" not in me.texts
    await me.press("发布")
    assert await templates_made(app.db) == 3


async def test_a_minimum_spend_is_judged_on_the_smallest_order_that_reaches_it(
    app: App,
) -> None:
    me = Chat(app, user_id=demo_telegram_id("mixue-owner"), name="mixue-owner")
    await me.say("/coupon new 满18减17")  # two ¥9 sundaes for ¥1
    assert "圣代2个 ×2 ¥18 → ¥1 ⚠️" in me.texts
    assert "冰鲜柠檬水2杯 ×3 ¥21 → ¥4" in me.texts and "¥4 ⚠️" not in me.texts
    assert "珍珠奶茶+冰淇淋套餐 ×2 ¥18 → ¥1 ⚠️" in me.texts
    assert "摇摇奶昔3杯 ×2 ¥30 → ¥13" in me.texts and "¥13 ⚠️" not in me.texts


async def test_an_amount_off_worth_every_deal_with_no_minimum_is_refused(app: App) -> None:
    me = owner(app)
    await me.say("/coupon new 减400 | 7天")
    assert "「无门槛减400」抵得上你每个团购的全价" in me.texts
    assert "四人欢聚火锅套餐 ¥358" in me.texts and "格式：/coupon new" in me.texts
    assert "发布" not in " ".join(me.button_texts)
    await me.say("/coupon new")
    await me.say("减358")  # the dearest deal for ¥0.01 is no better
    assert "抵得上你每个团购的全价" in me.texts and "券的内容是什么" in me.texts
    await me.say("满400减358")  # with a minimum spend it is the owner's call
    assert "多少天内有效" in me.texts
    await me.say("/cancel")
    boss = await user_id(app, demo_telegram_id("haidilao-owner"))
    assert await create_template(app.db, boss, parse_coupon("减400"), NOW) == "too_big"
    assert await templates_made(app.db) == 0


async def test_the_floor_is_a_setting_and_nothing_free_ever_passes_quietly(app: App) -> None:
    strict = App(db=app.db, options=replace(app.options, coupon_floor_percent=90),
                 clock=app.clock)
    me = owner(strict)
    await me.say("/coupon new 8折")
    assert "4 个团购会低于底价（原价的 90%）" in me.texts
    lenient = App(db=app.db, options=replace(app.options, coupon_floor_percent=0),
                  clock=app.clock)
    me = owner(lenient)
    await me.say("/coupon new 减87")
    assert "⚠️" not in me.texts  # ¥88 -> ¥1 is allowed by a 0% floor
    await me.say("/coupon new 减88")
    assert "一人食火锅套餐 ¥88 → ¥0.01 ⚠️" in me.texts  # but never for nothing
    await me.press("发布")
    assert "请再确认一次" in me.texts and await templates_made(app.db) == 0


def test_the_floor_is_rounded_up_and_at_least_one_minor_unit() -> None:
    assert floor_of(8800, 10) == 880 and floor_of(999, 10) == 100
    assert floor_of(8800, 0) == 1 and floor_of(1, 50) == 1
    deal = PricedDeal(1, Bilingual("套餐", "Set"), 1000, per_user_limit=1)
    percent = CouponTerms(CouponKind.PERCENT_OFF, percent_off=90)
    [effect] = impact_on(percent, [deal], 10).effects
    assert (effect.before, effect.after, effect.floor, effect.below_floor) == (
        1000, 100, 100, False)
    [effect] = impact_on(percent, [deal], 11).effects
    assert effect.below_floor
    assert impact_on(CouponTerms(CouponKind.AMOUNT_OFF, amount_off=100, min_spend=1001),
                     [deal], 10).effects == ()  # one per person never reaches ¥10.01


@pytest.mark.parametrize("typed,answer", [
    ("满0减100", "「满0」没有意义"),
    ("满100减200", "减的金额要小于门槛"),
    ("🎉🎉🎉", "看不懂这张券"),
    ("'; DROP TABLE coupon_templates; --", "看不懂这张券"),
    ("x" * 10_000, "太长了"),
    ("8.55折", "看不懂这张券"),
    ("100% off", "1% 到 99%"),
    ("满100减20 | 明年", "看不懂「明年」"),
    ("满100减20 | 999天", "有效天数要在 1 到 366 天之间"),
    ("满100减20 | 0张", "张数要在 1 到 1000000 之间"),
    ("送🍺", "请写清楚送什么"),
])
async def test_nasty_coupons_get_a_clear_answer_and_make_nothing(
    app: App, typed: str, answer: str,
) -> None:
    me = owner(app)
    await me.say(f"/coupon new {typed}")
    assert answer in me.texts
    assert "格式：/coupon new" in me.texts
    await me.say("/coupon")
    assert "还没有优惠券" in me.texts


async def test_an_empty_answer_in_the_guided_form_is_asked_again(app: App) -> None:
    me = owner(app)
    await me.say("/coupon new")
    await me.say("   ")
    assert "没有收到内容" in me.texts and "券的内容是什么" in me.texts


async def test_only_an_approved_owner_may_hand_out_coupons(app: App) -> None:
    shopper = Chat(app, user_id=5601, name="Shopper")
    await shopper.say("/coupon")
    assert "只有通过审核的商家店主" in shopper.texts
    await shopper.say("/coupon new 满100减20")
    assert "只有通过审核的商家店主" in shopper.texts
    template_id = await haidilao_template(app, "满100减20")
    await shopper.press_data(f"cpt:{template_id}:end")
    assert "只有通过审核的商家店主" in shopper.texts
    rival = Chat(app, user_id=demo_telegram_id("mixue-owner"), name="mixue-owner")
    await rival.press_data(f"cpt:{template_id}:end")  # another merchant's owner
    assert "按钮已经失效" in rival.texts
    async with app.db.session() as session:
        template = await session.get(CouponTemplate, template_id)
        assert template is not None and template.status == "active"


async def suspend_haidilao(app: App) -> None:
    async with app.db.session() as session:
        merchant_id = (await session.exec(select(Merchant.id).where(
            Merchant.slug == "haidilao"))).one()
    assert (await suspend_merchant(app.db, merchant_id)).outcome == "done"


async def test_an_owner_suspended_mid_coupon_is_told_so_and_nothing_is_made(app: App) -> None:
    me = owner(app)
    await me.say("/coupon new")
    await me.say("满100减20")
    assert "有效" in me.texts  # the next question: how many days
    await suspend_haidilao(app)
    await me.say("7天")
    assert "你的商家已被暂停，暂时不能发放或修改优惠券" in me.texts
    assert await get_state(app.db, me.sender.id, me.sender.id, NOW) is None
    assert await templates_made(app.db) == 0


async def test_a_coupon_previewed_before_a_suspension_cannot_be_published_after(
    app: App,
) -> None:
    me = owner(app)
    await me.say("/coupon new 满200减30 | 7天")
    assert any("发布" in label for label in me.button_texts)
    await suspend_haidilao(app)
    await me.press("发布")
    assert "你的商家已被暂停，暂时不能发放或修改优惠券" in me.texts
    assert await templates_made(app.db) == 0


@pytest.mark.parametrize("data", [
    "cc:", "cc:abc", "cc:1'; DROP TABLE coupons;--", "cc:-1", "cpt:1", "cpt:1:drop",
    "cpt:x:end", "cpt:1:end:2", "cpn:", "cpn:d:x", "cpn:what",
])
async def test_coupon_buttons_that_do_not_unpack_are_stale_for_shopper_and_owner_alike(
    app: App, data: str,
) -> None:
    template_id = await haidilao_template(app, "满100减20")
    for who in (Chat(app, user_id=5602, name="Shopper"), owner(app)):
        await who.press_data(data)
        assert "按钮已经失效" in who.texts, (who.sender.id, data)
    async with app.db.session() as session:
        template = await session.get(CouponTemplate, template_id)
        assert template is not None and (template.status, template.claimed) == ("active", 0)


async def test_a_paused_coupon_cannot_be_claimed_until_it_is_resumed(app: App, chat: Chat) -> None:
    template_id = await haidilao_template(app, "满100减20 | 7天 | 10张")
    me = owner(app)
    await me.say("/coupon")
    await me.press("暂停")
    assert "已暂停" in me.texts and "▶ 恢复" in " ".join(me.button_texts)
    await chat.press_data(f"cc:{template_id}")
    assert "停止发放" in chat.texts
    await me.press("恢复")
    await chat.press_data(f"cc:{template_id}")
    assert "已领取「满100减20」" in chat.texts
    await me.press("结束")
    assert "已结束" in me.texts
    await me.press_data(f"cpt:{template_id}:resume")
    assert "不能这样操作" in me.texts
    await chat.say("/coupons")
    assert "满100减20" in chat.texts  # a claimed coupon outlives its template


# ------------------------------------------------------------------ following and claiming


async def test_a_follower_scanning_a_poster_gets_the_welcome_coupon_once(
    app: App, chat: Chat,
) -> None:
    await haidilao_template(app, "满100减20 | 7天", welcome=True)
    await chat.say("/start shop_haidilao")
    assert "已关注「海底捞火锅」" in chat.texts
    assert "关注礼「满100减20」已放入你的券包，有效期至 2026-12-02" in chat.texts
    await chat.press("取消关注")
    assert "已取消关注" in chat.texts
    await chat.say("/start shop_haidilao")
    assert "已关注「海底捞火锅」" in chat.texts and "关注礼" not in chat.texts
    await chat.say("/coupons")
    assert chat.texts.count("满100减20") == 1
    assert "海底捞火锅：满100减20 · 有效期至 2026-12-02" in chat.texts
    await chat.press("海底捞")
    assert chat.texts.startswith("🏪 海底捞火锅")


async def test_following_from_a_deal_card_or_by_typing_also_gives_the_welcome_coupon(
    app: App, english_chat: Chat,
) -> None:
    await haidilao_template(app, "满100减20 | 7天", welcome=True)
    await english_chat.say(f"/start deal_{await deal_id(app.db, 'hdl-duo')}")
    await english_chat.press("Follow")
    assert 'Welcome coupon "¥20 off ¥100+" is in your wallet' in english_chat.texts
    typist = Chat(app, user_id=4404, name="Typist")
    await typist.say("关注海底捞")
    assert "关注礼「满100减20」" in typist.texts
    await typist.say("关注海底捞")
    assert "关注礼" not in typist.texts and "已经关注" in typist.texts


async def test_the_welcome_gift_moves_to_the_template_the_owner_picks(app: App) -> None:
    first = await haidilao_template(app, "满100减20", welcome=True)
    second = await haidilao_template(app, "8折最高减30", welcome=True)
    async with app.db.session() as session:
        welcome = {t.id: t.welcome for t in (await session.exec(select(CouponTemplate))).all()}
    assert welcome == {first: False, second: True}


async def test_a_shopper_claims_a_coupon_on_the_storefront_within_the_limit(
    app: App, chat: Chat,
) -> None:
    await haidilao_template(app, "8折最高减30 | 7天 | 100张 | 每人2张")
    await chat.say("海底捞")  # the storefront, typed
    assert "可领的券" in chat.texts and "8折，最高减30" in chat.texts and "剩 100 张" in chat.texts
    await chat.press("领取")
    assert "已领取「8折，最高减30」" in chat.texts
    await chat.say("海底捞")
    await chat.press("领取")
    await chat.say("海底捞")
    await chat.press("领取")
    assert "领满了" in chat.texts
    async with app.db.session() as session:
        assert len((await session.exec(select(Coupon))).all()) == 2


async def test_a_double_tap_on_claim_gives_one_coupon(app: App, chat: Chat) -> None:
    template_id = await haidilao_template(app, "满100减20 | 7天 | 100张 | 每人3张")
    await chat.say("海底捞")
    assert [b.data for b, _ in chat.buttons if "领取" in b.text] == [f"cc:{template_id}"]
    await asyncio.gather(*(chat.press("领取") for _ in range(2)))
    await chat.press("领取")  # and once more, a while later, on the same storefront
    assert "已经领过了" in chat.texts
    me = await user_id(app, chat.sender.id)
    async with app.db.session() as session:
        mine = (await session.exec(select(Coupon).where(Coupon.user_id == me))).all()
    assert len(mine) == 1
    await chat.say("海底捞")  # a fresh storefront: the next coupon, within the limit
    await chat.press("领取")
    async with app.db.session() as session:
        mine = (await session.exec(select(Coupon).where(Coupon.user_id == me))).all()
    assert len(mine) == 2


async def test_fifty_people_race_for_the_last_ten_coupons(db: Database) -> None:
    world = await build_world(db, buyers=50)
    terms = CouponTerms(CouponKind.AMOUNT_OFF, amount_off=500, min_spend=2000,
                        total_quantity=12)
    template_id = await create_template(db, world.users["owner"], terms, NOW)
    assert isinstance(template_id, int)
    for early in ("staff", "nobody"):  # two are gone already: ten are left
        assert (await claim(db, world.users[early], template_id, NOW, key=f"early:{early}",
                            source="claim")).outcome == "claimed"
    results = await asyncio.gather(*(
        claim(db, world.users[f"buyer{i}"], template_id, NOW, key=f"race:{i}", source="claim")
        for i in range(1, 51)))
    outcomes = [r.outcome for r in results]
    assert outcomes.count("claimed") == 10 and outcomes.count("gone") == 40
    async with db.session() as session:
        template = await session.get(CouponTemplate, template_id)
        assert template is not None
        assert (template.claimed, template.status) == (12, "exhausted")
        assert len((await session.exec(select(Coupon))).all()) == 12


async def test_the_same_claim_key_at_once_gives_one_coupon(db: Database) -> None:
    world = await build_world(db, buyers=1)
    terms = CouponTerms(CouponKind.AMOUNT_OFF, amount_off=500, per_user_limit=5)
    template_id = await create_template(db, world.users["owner"], terms, NOW)
    assert isinstance(template_id, int)
    results = await asyncio.gather(*(
        claim(db, world.users["buyer1"], template_id, NOW, key="tap:1", source="claim")
        for _ in range(5)))
    assert sorted(r.outcome for r in results) == ["already"] * 4 + ["claimed"]
    assert len({r.coupon.id for r in results if r.coupon}) == 1


async def test_a_claim_after_the_templates_last_day_is_refused(db: Database) -> None:
    world = await build_world(db, buyers=1)
    template_id = await create_template(db, world.users["owner"], CouponTerms(
        CouponKind.FREE_ITEM, item="可乐"), NOW)
    assert isinstance(template_id, int)
    async with db.transaction() as session:
        await session.exec(update(CouponTemplate).where(  # type: ignore[call-overload]
            CouponTemplate.id == template_id).values(valid_until=NOW))
    result = await claim(db, world.users["buyer1"], template_id, NOW, key="late",
                         source="claim")
    assert result.outcome == "expired"


# ------------------------------------------------------------------ at checkout


async def test_a_coupon_makes_the_168_deal_148_and_the_summary_says_so(
    app: App, chat: Chat,
) -> None:
    coupon_id = await give(app, chat, await haidilao_template(app, "满100减20 | 7天"))
    await buy_duo(chat)
    assert "1 × ¥168 = ¥168" in chat.texts
    assert "已用券「满100减20」：-¥20，实付 ¥148" in chat.texts
    assert any("支付 ¥148" in b for b in chat.button_texts)
    order = await latest_order(app.db)
    assert (order.total, order.discount, order.coupon_id) == (14800, 2000, coupon_id)
    assert await coupon_status(app.db, coupon_id) == "held"
    await chat.say("/coupons")
    assert "已用于待支付的订单" in chat.texts


async def test_the_shopper_changes_coupon_and_then_uses_none(app: App, chat: Chat) -> None:
    small = await give(app, chat, await haidilao_template(app, "减10 | 30天"))
    big = await give(app, chat, await haidilao_template(app, "满100减20 | 7天"))
    await buy_duo(chat)
    assert "实付 ¥148" in chat.texts  # the best one first
    first = await latest_order(app.db)
    await chat.press("换券")
    assert "给这笔订单（¥168）选一张券" in chat.texts
    assert chat.button_texts == ["✅ 满100减20", "无门槛减10（省 ¥10）", "不用券"]
    await chat.press("无门槛减10")
    assert "已用券「无门槛减10」：-¥10，实付 ¥158" in chat.texts
    assert (await coupon_status(app.db, big), await coupon_status(app.db, small)) == (
        "available", "held")
    await chat.press("换券")
    await chat.press("不用券")
    assert "已用券" not in chat.texts and any("支付 ¥168" in b for b in chat.button_texts)
    assert {await coupon_status(app.db, c) for c in (small, big)} == {"available"}
    await chat.press_data(f"chc:{first.id}:{big}")  # the first order's old button
    assert "已无法取消" in chat.texts
    async with app.db.session() as session:
        statuses = [o.status for o in (await session.exec(select(Order).order_by(Order.id))).all()]
    assert statuses == ["cancelled", "cancelled", "pending"]


async def test_a_percent_coupon_respects_its_cap(app: App, chat: Chat) -> None:
    await give(app, chat, await haidilao_template(app, "8折最高减30"))
    await buy_duo(chat)  # 20% of ¥168 is ¥33.60: capped at ¥30
    assert "已用券「8折，最高减30」：-¥30，实付 ¥138" in chat.texts


async def test_a_used_coupon_is_gone_from_the_wallet(app: App, chat: Chat) -> None:
    coupon_id = await give(app, chat, await haidilao_template(app, "满100减20 | 7天"))
    await buy_duo(chat)
    order = await latest_order(app.db)
    paid = await apply_payment(app.db, PaymentNotice("sandbox", order.id, 14800, "CNY",
                                                     charge_id="ch_coupon"), NOW)
    assert paid.outcome == "paid" and paid.order is not None and paid.order.discount == 2000
    assert await coupon_status(app.db, coupon_id) == "used"
    await chat.say("/coupons")
    assert "券包还是空的" in chat.texts


async def test_an_expired_pending_order_gives_the_coupon_back(app: App, chat: Chat) -> None:
    coupon_id = await give(app, chat, await haidilao_template(app, "满100减20 | 7天"))
    await buy_duo(chat)
    assert await coupon_status(app.db, coupon_id) == "held"
    assert await release_expired_holds(app.db, NOW + timedelta(minutes=16)) == 1
    assert await coupon_status(app.db, coupon_id) == "available"
    await buy_duo(chat)
    assert "实付 ¥148" in chat.texts  # and it is used on the next order


async def test_a_cancelled_order_gives_the_coupon_back(app: App, chat: Chat) -> None:
    coupon_id = await give(app, chat, await haidilao_template(app, "满100减20 | 7天"))
    await buy_duo(chat)
    await chat.press("取消订单")
    assert "订单已取消" in chat.texts
    assert await coupon_status(app.db, coupon_id) == "available"


async def test_a_full_refund_returns_the_coupon_and_a_late_one_does_not(
    app: App, chat: Chat,
) -> None:
    me = await user_id(app, chat.sender.id)
    template_id = await haidilao_template(app, "满100减20 | 7天 | 每人2张")
    deal = await deal_id(app.db, "hdl-duo")
    for attempt, when in enumerate((NOW, NOW + timedelta(days=8))):
        coupon_id = (await claim(app.db, me, template_id, NOW, key=f"r:{attempt}",
                                 source="claim")).coupon.id  # type: ignore[union-attr]
        started = await start_order(app.db, me, deal, 2, NOW, coupon_id=coupon_id)
        assert started.order is not None and started.order.total == 2 * 16800 - 2000
        await apply_payment(app.db, PaymentNotice("sandbox", started.order.id, 31600, "CNY",
                                                  charge_id=f"ch_r{attempt}"), NOW)
        asked = await ask_refund(app.db, me, started.order.id, when)
        assert asked.outcome == "started" and asked.amount == 31600  # what was paid
        back = "available" if when < NOW + timedelta(days=7) else "expired"
        assert await coupon_status(app.db, coupon_id) == back


async def test_partial_refunds_add_up_to_what_was_paid(db: Database) -> None:
    world = await build_world(db, buyers=1)
    terms = CouponTerms(CouponKind.AMOUNT_OFF, amount_off=1001, min_spend=5000)
    template_id = await create_template(db, world.users["owner"], terms, NOW)
    assert isinstance(template_id, int)
    buyer = world.users["buyer1"]
    await claim(db, buyer, template_id, NOW, key="p", source="claim")
    started = await start_order(db, buyer, world.deals["limited"], 3, NOW)  # 3 x ¥25
    assert started.order is not None and started.order.total == 7500 - 1001
    await apply_payment(db, PaymentNotice("sandbox", started.order.id, 6499, "CNY",
                                          charge_id="ch_p"), NOW)
    codes = await codes_of_order(db, started.order.id)
    refunded = []
    for code in codes:
        async with db.transaction() as session:
            order = await session.get(Order, started.order.id)
            assert order is not None
            refund = await _void_and_record(db, session, order, [code.id], "shopper", NOW)
            assert refund is not None
            refunded.append(refund.amount)
    assert refunded == [2166, 2166, 2167] and sum(refunded) == 6499


async def test_a_refund_after_one_code_was_redeemed_keeps_the_coupon_used(db: Database) -> None:
    world = await build_world(db, buyers=1)
    terms = CouponTerms(CouponKind.AMOUNT_OFF, amount_off=1000, min_spend=5000)
    template_id = await create_template(db, world.users["owner"], terms, NOW)
    assert isinstance(template_id, int)
    buyer = world.users["buyer1"]
    coupon = (await claim(db, buyer, template_id, NOW, key="k", source="claim")).coupon
    assert coupon is not None
    started = await start_order(db, buyer, world.deals["limited"], 3, NOW)
    assert started.order is not None and started.order.total == 6500
    await apply_payment(db, PaymentNotice("sandbox", started.order.id, 6500, "CNY",
                                          charge_id="ch_k"), NOW)
    [first, *_] = await codes_of_order(db, started.order.id)
    checked = await check_code(db, world.users["staff"], first.code, NOW)
    assert checked.request_id is not None
    await confirm(db, checked.request_id, world.users["staff"], world.store_ids[0], NOW)
    asked = await ask_refund(db, buyer, started.order.id, NOW)
    assert asked.outcome == "started" and asked.amount == 6500 * 2 // 3  # the paid share
    assert await coupon_status(db, coupon.id) == "used"


async def test_a_payment_after_the_hold_ran_out_keeps_the_coupon_only_if_it_is_still_free(
    app: App, chat: Chat,
) -> None:
    me = await user_id(app, chat.sender.id)
    coupon_id = await give(app, chat, await haidilao_template(app, "满100减20 | 7天"))
    duo = await deal_id(app.db, "hdl-duo")
    late = NOW + timedelta(minutes=20)
    first = (await start_order(app.db, me, duo, 1, NOW)).order
    assert first is not None and first.coupon_id == coupon_id
    await release_expired_holds(app.db, late)
    paid = await apply_payment(app.db, PaymentNotice("sandbox", first.id, 14800, "CNY",
                                                     charge_id="ch_late1"), late)
    assert paid.outcome == "paid" and await coupon_status(app.db, coupon_id) == "used"
    second_coupon = await give(app, Chat(app, user_id=chat.sender.id),
                               await haidilao_template(app, "满100减30 | 7天"))
    second = (await start_order(app.db, me, duo, 1, late)).order
    assert second is not None and second.coupon_id == second_coupon
    later = late + timedelta(minutes=20)
    await release_expired_holds(app.db, later)
    third = (await start_order(app.db, me, duo, 1, later)).order  # takes the coupon back
    assert third is not None and third.coupon_id == second_coupon
    refused = await apply_payment(app.db, PaymentNotice("sandbox", second.id, 13800, "CNY",
                                                        charge_id="ch_late2"), later)
    assert refused.outcome == "refund" and refused.reason == "late_payment"
    assert await coupon_status(app.db, second_coupon) == "held"  # still the third order's


async def test_two_orders_at_once_never_hold_one_coupon(app: App, chat: Chat) -> None:
    coupon_id = await give(app, chat, await haidilao_template(app, "满100减20 | 7天"))
    me = await user_id(app, chat.sender.id)
    duo, four = await deal_id(app.db, "hdl-duo"), await deal_id(app.db, "hdl-four")
    started = await asyncio.gather(start_order(app.db, me, duo, 1, NOW),
                                   start_order(app.db, me, four, 1, NOW))
    orders = [s.order for s in started]
    assert all(orders)
    assert sorted(o.coupon_id or 0 for o in orders if o) == [0, coupon_id]
    explicit = await start_order(app.db, me, duo, 1, NOW, coupon_id=coupon_id)
    assert explicit.reason == "coupon_unavailable"


# ------------------------------------------------------------------ at the counter


def haidilao_staff(app: App, language_code: str = "zh") -> Chat:
    return Chat(app, user_id=demo_telegram_id("haidilao-staff"), name="haidilao-staff",
                language_code=language_code)


async def pay_latest_order(app: App) -> list[str]:
    """The shopper's newest order is paid (sandbox); its codes."""
    order = await latest_order(app.db)
    paid = await apply_payment(app.db, PaymentNotice("sandbox", order.id, order.total, "CNY",
                                                     charge_id=f"ch_{order.id}"), NOW)
    assert paid.outcome == "paid"
    return [c.code for c in await codes_of_order(app.db, order.id)]


FREE_COLA = "🎁 本单赠品：可乐 ×1 —— 请一并交给顾客。"


async def test_staff_scanning_a_code_bought_with_a_free_cola_coupon_see_the_cola(
    app: App, chat: Chat,
) -> None:
    coupon_id = await give(app, chat, await haidilao_template(app, "送可乐"))
    await buy_duo(chat)
    order = await latest_order(app.db)
    assert (order.coupon_id, order.discount, order.total) == (coupon_id, 0, 16800)
    [code] = await pay_latest_order(app)
    staff = haidilao_staff(app)

    await staff.say(f"/start r_{code}")  # what scanning the QR does
    assert "券码有效" in staff.texts and FREE_COLA in staff.texts
    await staff.press(1)  # Confirm at the store
    assert "核销成功" in staff.texts and FREE_COLA in staff.texts  # repeated, to hand over

    await staff.say(f"/redeem {code}")  # scanned again: used, and no second cola
    assert "已经使用过" in staff.texts and "赠品" not in staff.texts


async def test_english_speaking_staff_read_the_free_item_in_english(app: App) -> None:
    shopper = Chat(app, user_id=6610, name="Cal", language_code="en")
    await give(app, shopper, await haidilao_template(app, "free cola"))
    await buy_duo(shopper)
    [code] = await pay_latest_order(app)
    staff = haidilao_staff(app, "en")

    await staff.say(f"/redeem {code}")
    assert "Free item with this order: cola ×1" in staff.texts


async def test_orders_without_a_free_item_coupon_show_no_free_item(app: App, chat: Chat) -> None:
    await buy_duo(chat)  # no coupon at all
    [plain] = await pay_latest_order(app)
    saver = Chat(app, user_id=6611, name="Dee")
    await give(app, saver, await haidilao_template(app, "满100减20 | 7天"))
    await buy_duo(saver)  # money off: already in the price
    assert (await latest_order(app.db)).discount == 2000
    [money_off] = await pay_latest_order(app)
    staff = haidilao_staff(app)
    for code in (plain, money_off):
        await staff.say(f"/redeem {code}")
        assert "券码有效" in staff.texts and "赠品" not in staff.texts
        await staff.press(1)
        assert "核销成功" in staff.texts and "赠品" not in staff.texts


async def test_one_free_cola_per_order_whichever_of_its_codes_comes_first(
    app: App, chat: Chat,
) -> None:
    await give(app, chat, await haidilao_template(app, "送可乐"))
    await buy_duo(chat, quantity=2)  # one coupon, two codes
    first, second = await pay_latest_order(app)
    staff = haidilao_staff(app)

    await staff.say(f"/redeem {second}")
    assert FREE_COLA in staff.texts  # either code may come first: both show it until then
    await staff.say(f"/redeem {first}")
    assert FREE_COLA in staff.texts
    await staff.press(1)
    assert "核销成功" in staff.texts and FREE_COLA in staff.texts
    [undo] = [b.data for b, _ in staff.buttons if b.data and "↩" in b.text]
    await staff.say(f"/redeem {second}")  # the cola went with the first code
    assert "券码有效" in staff.texts and "赠品" not in staff.texts
    await staff.press_data(undo or "")  # ... unless that redemption was a mis-scan, undone
    assert "已撤销" in staff.texts
    await staff.say(f"/redeem {second}")
    assert FREE_COLA in staff.texts


async def test_a_telegram_invoice_carries_the_discounted_total(app: App) -> None:
    app.payments = Payments("telegram", {"telegram": TelegramProvider(),
                                         "sandbox": SandboxProvider("http://127.0.0.1:8080")})
    chat = Chat(app, user_id=5005, name="Cai", language_code="en")
    await give(app, chat, await haidilao_template(app, "满100减20 | 7天"))
    await buy_duo(chat)
    [invoice] = [r for r in chat.replies if isinstance(r, SendInvoice)]
    assert invoice.amount == 14800
    assert 'Coupon "¥20 off ¥100+": -¥20, you pay ¥148' in chat.texts


async def test_a_coupon_of_another_shop_or_below_its_minimum_is_not_used(
    app: App, chat: Chat,
) -> None:
    await give(app, chat, await haidilao_template(app, "满200减50 | 7天"))
    await buy_duo(chat)  # ¥168 is below ¥200
    assert "已用券" not in chat.texts and "换券" not in " ".join(chat.button_texts)


def test_discounts_never_bring_an_order_to_zero() -> None:
    amount = CouponTerms(CouponKind.AMOUNT_OFF, amount_off=5000)
    percent = CouponTerms(CouponKind.PERCENT_OFF, percent_off=99)
    free = CouponTerms(CouponKind.FREE_ITEM, item="可乐", min_spend=1000)
    assert discount_for(amount, 3000) == 2999
    assert discount_for(percent, 100) == 99
    assert discount_for(percent, 1) == 0
    assert discount_for(free, 5000) == 0 and discount_for(free, 500) == 0
    assert discount_for(CouponTerms(CouponKind.AMOUNT_OFF, amount_off=2000, min_spend=10000),
                        9999) == 0


# ------------------------------------------------------------------ forged buttons


@pytest.mark.parametrize("data", [
    "cc:", "cc:abc", "cc:999999", "cc:1", "cc:1'; DROP TABLE coupons;--", "ch:", "ch:x", "ch:99999",
    "chc:1", "chc:1:x", "chc:99999:0", "cpt:1", "cpt:1:drop", "cpt:x:end", "cpn:ok",
    "cpn:d:9999", "sf:", "sf:UPPER", "sf:a;drop", "sf:nobody-here",
])
async def test_forged_coupon_buttons_get_a_polite_answer_and_change_nothing(
    app: App, chat: Chat, data: str,
) -> None:
    await haidilao_template(app, "满100减20", welcome=True)  # a welcome one: never claimable
    await chat.press_data(data)
    assert chat.texts
    assert "出了点问题" not in chat.texts
    assert await wallet(app.db, await user_id(app, chat.sender.id), NOW) == []


async def test_someone_elses_order_cannot_have_its_coupon_changed(app: App, chat: Chat) -> None:
    coupon_id = await give(app, chat, await haidilao_template(app, "满100减20 | 7天"))
    await buy_duo(chat)
    order = await latest_order(app.db)
    thief = Chat(app, user_id=6606, name="Thief")
    await thief.press_data(f"ch:{order.id}")
    assert "已无法取消" in thief.texts
    await thief.press_data(f"chc:{order.id}:0")
    assert "已无法取消" in thief.texts
    assert await coupon_status(app.db, coupon_id) == "held"
    assert (await latest_order(app.db)).status == "pending"


async def test_the_wallet_is_empty_at_first_and_says_how_to_fill_it(english_chat: Chat) -> None:
    await english_chat.say("/coupons")
    assert "Your wallet is empty" in english_chat.texts


async def test_the_wallet_drops_coupons_past_their_last_day(app: App, chat: Chat) -> None:
    coupon_id = await give(app, chat, await haidilao_template(app, "满100减20 | 7天"))
    me = await user_id(app, chat.sender.id)
    assert [c.id for c in await wallet(app.db, me, NOW + timedelta(days=6))] == [coupon_id]
    assert await wallet(app.db, me, NOW + timedelta(days=7, seconds=1)) == []
    assert await coupon_status(app.db, coupon_id) == "expired"
