"""The platform admin at work: totals after real orders, applications approved from the
pending list, a merchant suspended (its deals vanish from search and checkout, its sold
codes still redeem) and restored, forged buttons refused, merchants found by name."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import func, select

from bot.config import load_settings
from bot.runtime import Runtime
from bot.web import pay_with_sandbox
from handlers.app import build_router
from handlers.core import AnswerButton, Notify
from handlers.router import App, Options
from services.merchants.admin import restore_merchant, suspend_merchant
from services.merchants.applications import Application, apply
from services.orders.checkout import apply_payment, start_order
from services.orders.codes import codes_of_order
from services.orders.redemption import check_code, confirm
from services.orders.refunds import ask_refund
from services.payments import PaymentNotice
from services.payments.sandbox import SandboxProvider
from services.platform.database import Database
from services.platform.users import demo_telegram_id
from storage.models import Deal, DealStatus, DealStore, Merchant, RedemptionCode
from tests.conftest import STORY_NOW, Chat
from tests.helpers.checkout_world import World, build_world

ADMIN = 9_000_001
NOW = STORY_NOW  # 2026-11-25 04:00 UTC = 12:00 in Shanghai


@pytest.fixture
def admin_app(app: App) -> App:
    """The demo world with one platform admin."""
    app.options = replace(app.options, admin_ids=(ADMIN,))
    return app


def admin_chat(app: App, lang: str = "zh", user_id: int = ADMIN) -> Chat:
    return Chat(app, user_id=user_id, name="Admin", language_code=lang)


async def deal_id(db: Database, key: str) -> int:
    async with db.session() as session:
        return (await session.exec(select(Deal.id).where(Deal.key == key))).one()


async def merchant_status(db: Database, slug: str) -> str:
    async with db.session() as session:
        return (await session.exec(select(Merchant.status).where(Merchant.slug == slug))).one()


async def merchant_id(db: Database, slug: str) -> int:
    async with db.session() as session:
        return (await session.exec(select(Merchant.id).where(Merchant.slug == slug))).one()


def notifies(replies: list[object]) -> list[Notify]:
    return [r for r in replies if isinstance(r, Notify)]


def button_data(chat: Chat, label: str) -> str:
    matches = [b.data for b, _ in chat.buttons if label in b.text and b.data]
    assert matches, f"no button with {label!r} in {chat.button_texts}"
    return matches[0]


# ------------------------------------------------------------------ totals


async def pay_at(db: Database, world: World, buyer: str, deal: int, quantity: int,
                 when: object) -> int:
    """A real order, paid through the checkout at `when`; returns the order id."""
    started = await start_order(db, world.users[buyer], deal, quantity, when)  # type: ignore[arg-type]
    assert started.order is not None, started.reason
    notice = PaymentNotice("sandbox", started.order.id, started.order.total,
                           started.order.currency, charge_id=f"ch_{started.order.id}")
    assert (await apply_payment(db, notice, when)).outcome == "paid"  # type: ignore[arg-type]
    return started.order.id


async def test_the_admin_sees_exact_totals_after_real_orders(db: Database) -> None:
    world = await build_world(db, buyers=3)
    async with db.transaction() as session:  # a deal priced in dollars as well
        dollars = Deal(merchant_id=world.merchant_id, title_en="Noodles in dollars",
                       category="noodles", price=500, original_price=800, currency="USD",
                       per_user_limit=5, valid_from=NOW - timedelta(days=30),
                       valid_until=NOW + timedelta(days=30), status=DealStatus.ACTIVE)
        session.add(dollars)
        await session.flush()
        session.add(DealStore(deal_id=dollars.id, store_id=world.store_ids[0]))
    assert dollars.id is not None
    deals = world.deals
    first = await pay_at(db, world, "buyer1", deals["limited"], 2, NOW - timedelta(hours=1))
    # 20:00 UTC yesterday is 04:00 today in Shanghai: today for this admin.
    await pay_at(db, world, "buyer2", deals["on_expiry"], 1, NOW - timedelta(hours=8))
    await pay_at(db, world, "buyer3", deals["final"], 1, NOW - timedelta(days=3))
    await pay_at(db, world, "buyer3", deals["on_expiry"], 1, NOW - timedelta(days=20))
    await pay_at(db, world, "buyer2", dollars.id, 1, NOW - timedelta(days=2))
    held = await start_order(db, world.users["buyer2"], deals["limited"], 1, NOW)
    assert held.order is not None  # started, never paid: not counted
    codes = await codes_of_order(db, first)
    checked = await check_code(db, world.users["staff"], codes[0].code, NOW)
    assert checked.request_id is not None
    done = await confirm(db, checked.request_id, world.users["staff"], world.store_ids[0], NOW)
    assert done.outcome == "redeemed"
    refund = await ask_refund(db, world.users["buyer1"], first, NOW)  # the other code
    assert refund.outcome == "started" and refund.amount == 2500
    await apply(db, world.users["nobody"], Application("Soup Place", "noodles", "12345678", ""),
                NOW)

    app = App(db=db, options=Options(admin_ids=(ADMIN,)), clock=lambda: NOW)
    admin = admin_chat(app, "en")
    await admin.say("/admin")
    lines = admin.texts.splitlines()
    assert lines[0] == "📊 Platform totals · 2026-11-25 12:00 (Asia/Shanghai)"
    for expected in (
        "👥 Users: 9",  # the world's eight people and the admin
        "🏪 Merchants: 2 approved · 1 pending · 0 suspended · 0 rejected",
        "🏷 Deals on sale: 6",
        "Today: 2 · ¥75",
        "Last 7 days: 4 · ¥100 + $5",
        "All time: 5 · ¥125 + $5",
        "🎫 Codes redeemed: today 1 · last 7 days 1 · all time 1",
        "⏳ Refunds not completed yet: 1",
    ):
        assert expected in lines, (expected, lines)
    refunds = lines[lines.index("↩️ Refunds") + 1:][:3]
    assert refunds == ["Today: 1 · ¥25", "Last 7 days: 1 · ¥25", "All time: 1 · ¥25"]
    assert admin.button_texts[:2] == ["📝 Pending applications (1)", "🏪 Merchants"]

    # An admin whose day runs on UTC: the 04:00-Shanghai payment was yesterday.
    utc_app = App(db=db, options=Options(admin_ids=(ADMIN + 1,), default_timezone="UTC"),
                  clock=lambda: NOW)
    utc_admin = admin_chat(utc_app, "en", user_id=ADMIN + 1)
    await utc_admin.say("/admin")
    assert "Today: 1 · ¥50" in utc_admin.texts.splitlines()
    assert "👥 Users: 10" in utc_admin.texts

    await admin.press("🏪 Merchants")
    assert "Noodle Lab · ✅ approved · 6 on sale · 5 paid orders" in admin.texts
    assert "Soup Place · ⏳ pending · not selling · 0 paid orders" in admin.texts
    await admin.press("Noodle Lab")
    page = admin.texts
    for expected in ("🏪 Noodle Lab / 面条实验室", "✅ approved", "👤 Owner: owner · id 7000001",
                     "🏬 Stores: 2", "🏷 Deals on sale: 6 of 6",
                     "💰 Paid orders: 5 · ¥125 + $5", "🎫 Codes redeemed: 1"):
        assert expected in page, (expected, page)


async def test_with_nothing_yet_every_screen_says_so(db: Database) -> None:
    app = App(db=db, options=Options(admin_ids=(ADMIN,)), clock=lambda: NOW)
    admin = admin_chat(app, "en")
    await admin.say("/admin")
    assert "👥 Users: 1" in admin.texts and "Today: none" in admin.texts
    assert "Refunds not completed" not in admin.texts
    await admin.press("Pending applications (0)")
    assert "No applications are waiting for review." in admin.texts
    await admin.press("Admin home")
    assert "📊 Platform totals" in admin.texts
    await admin.press("🏪 Merchants")
    assert "No merchants yet." in admin.texts


# ------------------------------------------------------------------ applications


async def apply_in_chat(app: App, user_id: int, name: str) -> None:
    owner = Chat(app, user_id=user_id, name=name)
    await owner.say("/merchant")
    await owner.say(name)
    await owner.press(1)
    await owner.say("+86 591 8888 6666")
    await owner.say("手工现做。")
    await owner.press("✅")


async def test_the_admin_works_through_the_pending_list(admin_app: App) -> None:
    admin_app.options = replace(admin_app.options, page_size=2)
    for n, name in enumerate(("阿明鱼丸店", "Bo's Noodles", "小林拌面"), start=1):
        await apply_in_chat(admin_app, 4100 + n, name)
    admin = admin_chat(admin_app)
    await admin.say("/admin")
    assert "待审核 3" in admin.texts
    await admin.press("待审核申请（3）")
    assert "待审核申请：3 个（第 1/2 页）" in admin.texts
    assert "1. 🏪 阿明鱼丸店" in admin.texts and "2. 🏪 Bo's Noodles" in admin.texts
    assert "小林拌面" not in admin.texts and "8888" in admin.texts
    assert admin.button_texts[:2] == ["✅ 通过 1", "❌ 拒绝 1"]
    await admin.press("下一页")
    assert "3. 🏪 小林拌面" in admin.texts and "第 2/2 页" in admin.texts
    await admin.press("上一页")
    replies = await admin.press("✅ 通过 1")  # the merchant flow's own decision
    assert "已通过「阿明鱼丸店」" in admin.texts
    [told] = notifies(replies)
    assert told.chat_id == 4101 and "已通过审核" in told.replies[0].text  # type: ignore[union-attr]
    await admin.press("✅ 通过 1")  # the old list again: decided once
    assert "已经处理过" in admin.texts and not notifies(admin.replies)
    await admin.say("/admin pending")
    assert "待审核申请：2 个" in admin.texts and "阿明鱼丸店" not in admin.texts
    await admin.press("❌ 拒绝 1")
    assert "已拒绝「Bo's Noodles」" in admin.texts
    await admin.say("/admin pending")
    await admin.press("✅ 通过 1")
    await admin.say("/admin")
    await admin.press("待审核申请（0）")
    assert "没有等待审核的申请" in admin.texts
    await admin.say("/admin find 阿明")
    assert "阿明鱼丸店 · ✅ 已通过" in admin.texts



# ------------------------------------------------------------------ suspend and restore


async def buy_and_pay_in_chat(shopper: Chat, key: str) -> str:
    """Buy one unit in chat and pay on the sandbox page; returns the code."""
    await shopper.say(f"/start deal_{await deal_id(shopper.app.db, key)}")
    await shopper.press("🛒")
    url = next(b.url for b, _ in shopper.buttons if b.url)
    token = SandboxProvider.token_in(shopper.app.payments.get("sandbox"), url)  # type: ignore[arg-type]
    runtime = Runtime(settings=load_settings(None, web_port=0), db=shopper.app.db,
                      app=shopper.app, router=build_router())
    runtime.outbox = None
    assert (await pay_with_sandbox(runtime, token or ""))[0] == "paid"
    async with shopper.app.db.session() as session:
        return (await session.exec(
            select(RedemptionCode.code).where(RedemptionCode.deal_id == await deal_id(
                shopper.app.db, key)))).one()


async def test_suspending_hides_the_deals_but_sold_codes_still_redeem(admin_app: App,
                                                                     chat: Chat) -> None:
    code = await buy_and_pay_in_chat(chat, "hdl-four")
    await chat.say("火锅")
    assert "海底捞" in chat.texts

    admin = admin_chat(admin_app)
    await admin.say("/admin find 海底捞")
    assert "海底捞火锅 · ✅ 已通过 · 在售 4 个 · 已支付 1 单" in admin.texts
    await admin.press("海底捞火锅")
    assert "🏷 在售团购：4 / 4" in admin.texts
    await admin.press("⛔ 暂停")
    assert "确定暂停「海底捞火锅」吗" in admin.texts and "已售出的券码仍可到店核销" in admin.texts
    confirm_data = button_data(admin, "确定暂停")
    replies = await admin.press("确定暂停")
    assert "已暂停「海底捞火锅」" in admin.texts and "⛔ 已暂停" in admin.texts
    assert "暂停期间下架的团购：4 / 4" in admin.texts
    assert any(isinstance(r, AnswerButton) and "已暂停" in r.text for r in replies)
    [told] = notifies(replies)
    assert told.chat_id == demo_telegram_id("haidilao-owner")
    assert "已被平台暂停" in told.replies[0].text  # type: ignore[union-attr]
    assert await merchant_status(admin_app.db, "haidilao") == "suspended"

    again = await admin.press_data(confirm_data)  # a double tap, or the old message
    assert "已经是暂停状态" in admin.texts and not notifies(again)

    await chat.say("火锅")
    assert "海底捞" not in chat.texts
    await chat.say(f"/start deal_{await deal_id(admin_app.db, 'hdl-duo')}")
    assert not any("🛒" in label for label in chat.button_texts)  # no Buy on the card
    await chat.press_data(f"b:{await deal_id(admin_app.db, 'hdl-duo')}")  # an old Buy button
    assert "这个优惠已无法购买" in chat.texts
    await chat.press_data(f"bq:{await deal_id(admin_app.db, 'hdl-duo')}:1")  # straight to order
    assert "这个优惠已无法购买" in chat.texts
    owner = Chat(admin_app, user_id=demo_telegram_id("haidilao-owner"), name="haidilao-owner")
    await owner.say("/merchant")
    assert "已被暂停" in owner.texts

    staff = Chat(admin_app, user_id=demo_telegram_id("haidilao-staff"), name="haidilao-staff")
    await staff.say(f"/redeem {code}")
    assert "券码有效" in staff.texts
    await staff.press(1)
    assert "核销成功" in staff.texts  # what was sold before still counts at the counter

    await admin.say("/admin find haidilao")
    await admin.press("海底捞火锅")
    restore = button_data(admin, "♻️ 恢复")
    replies = await admin.press("♻️ 恢复")
    assert "已恢复「海底捞火锅」" in admin.texts and "在售团购：4 / 4" in admin.texts
    [told] = notifies(replies)
    assert "重新上架" in told.replies[0].text  # type: ignore[union-attr]
    again = await admin.press_data(restore)
    assert "已经恢复了" in admin.texts and not notifies(again)
    assert await merchant_status(admin_app.db, "haidilao") == "approved"

    await chat.say("火锅")
    assert "海底捞" in chat.texts
    await chat.press_data(f"b:{await deal_id(admin_app.db, 'hdl-duo')}")
    assert "要买几份" in chat.texts


async def test_a_suspended_owner_is_told_so_and_sees_the_deals_hidden(admin_app: App) -> None:
    admin = admin_chat(admin_app)
    await admin.say("/admin find 海底捞")
    await admin.press("海底捞火锅")
    await admin.press("⛔ 暂停")
    await admin.press("确定暂停")
    owner = Chat(admin_app, user_id=demo_telegram_id("haidilao-owner"), name="haidilao-owner")
    for command in ("/stats", "/export", "/poster", "/addstore", "/newdeal", "/coupon",
                    "/campaign", "/import"):
        await owner.say(command)
        assert "已被暂停" in owner.texts, command
        assert "通过后" not in owner.texts, command  # not "once your application is approved"
        if command == "/coupon":  # its own words, not the deals' ("不能修改团购")
            assert "优惠券" in owner.texts and "团购" not in owner.texts
    await owner.say("/stores")
    await owner.press(1)  # edit a store
    assert "已被暂停" in owner.texts and "不是你的门店" not in owner.texts

    await owner.say("/deals")
    assert "已被平台暂停" in owner.texts and "顾客看不到" in owner.texts
    assert "🟢" not in owner.texts and owner.texts.count("🚫") == 5  # the note and 4 deals
    await owner.press(1)
    assert "🚫" in owner.texts and "🟢" not in owner.texts and "顾客看不到" in owner.texts
    assert owner.button_texts == ["我的团购"]  # nothing here can be changed while suspended

    await admin.say("/admin find 海底捞")
    await admin.press("海底捞火锅")
    await admin.press("♻️ 恢复")
    await owner.say("/deals")
    assert owner.texts.count("🟢") == 4 and "🚫" not in owner.texts
    await owner.say("/stats")
    assert "已被暂停" not in owner.texts


async def test_a_suspended_owner_reading_english_is_told_so(admin_app: App) -> None:
    owner = Chat(admin_app, user_id=demo_telegram_id("mixue-owner"), name="mixue-owner",
                 language_code="en")
    await owner.say("/start")
    assert (await suspend_merchant(admin_app.db, await merchant_id(admin_app.db, "mixue"))
            ).outcome == "done"
    await owner.say("/stats")
    assert "suspended" in owner.texts and "once your merchant application" not in owner.texts
    await owner.say("/addstore")
    assert "suspended" in owner.texts and "once your merchant application" not in owner.texts
    await owner.say("/deals")
    assert "suspended by the platform" in owner.texts and "🟢" not in owner.texts


async def test_the_owner_is_told_in_their_own_language(admin_app: App) -> None:
    owner = Chat(admin_app, user_id=demo_telegram_id("mixue-owner"), name="mixue-owner",
                 language_code="en")
    await owner.say("/start")  # Telegram tells us the owner reads English
    admin = admin_chat(admin_app)
    shop = await merchant_id(admin_app.db, "mixue")
    await admin.press_data(f"pas:{shop}:0")
    await admin.press("取消")  # second thoughts: back to the page, nothing changed
    assert "✅ 已通过" in admin.texts and "⛔ 暂停" in admin.button_texts
    assert await merchant_status(admin_app.db, "mixue") == "approved"
    await admin.press("⛔ 暂停")
    replies = await admin.press("确定暂停")
    [told] = notifies(replies)
    assert "has been suspended by the platform" in told.replies[0].text  # type: ignore[union-attr]


async def test_only_an_approved_merchant_can_be_suspended(admin_app: App) -> None:
    await apply_in_chat(admin_app, 4201, "小王面馆")
    admin = admin_chat(admin_app)
    await admin.say("/admin find 小王")
    await admin.press("小王面馆")
    assert "⏳ 待审核" in admin.texts
    assert "✅ 通过" in admin.button_texts and "⛔ 暂停" not in admin.button_texts
    async with admin_app.db.session() as session:
        pending = (await session.exec(select(Merchant.id).where(
            Merchant.name_zh == "小王面馆"))).one()
    for data in (f"pas:{pending}:0", f"pac:{pending}:0"):
        replies = await admin.press_data(data)
        assert "只有已通过的商家可以暂停" in admin.texts and not notifies(replies)
    await admin.press_data(f"par:{pending}:0")
    assert "只有已暂停的商家可以恢复" in admin.texts
    async with admin_app.db.session() as session:
        assert (await session.get(Merchant, pending)).status == "pending"  # type: ignore[union-attr]


async def test_admins_pressing_at_the_same_moment_change_it_once(admin_app: App) -> None:
    shop = await merchant_id(admin_app.db, "haidilao")
    suspended = await asyncio.gather(*(suspend_merchant(admin_app.db, shop) for _ in range(4)))
    assert sorted(r.outcome for r in suspended) == ["already"] * 3 + ["done"]
    restored = await asyncio.gather(*(restore_merchant(admin_app.db, shop) for _ in range(4)))
    assert sorted(r.outcome for r in restored) == ["already"] * 3 + ["done"]
    assert (await suspend_merchant(admin_app.db, 99_999_999)).outcome == "missing"


# ------------------------------------------------------------------ who may


async def test_people_who_are_not_admins_are_refused_whatever_they_press(admin_app: App) -> None:
    shop = await merchant_id(admin_app.db, "haidilao")
    shopper = Chat(admin_app, user_id=5001, name="Shopper")
    owner = Chat(admin_app, user_id=demo_telegram_id("haidilao-owner"), name="haidilao-owner")
    for who in (shopper, owner):
        await who.say("/admin")
        assert who.texts == "只有平台管理员可以这样做。"
        for data in ("pah", "pap:0", "pam:0", f"pav:{shop}:0", f"pas:{shop}:0",
                     f"pac:{shop}:0", f"par:{shop}:0"):
            replies = await who.press_data(data)
            assert who.texts == "只有平台管理员可以这样做。", data
            assert not notifies(replies)
        # Data no admin button carries is a stale button, whoever presses it.
        replies = await who.press_data("pac:x:y")
        assert "这个按钮已经失效了" in who.texts and not notifies(replies)
    assert await merchant_status(admin_app.db, "haidilao") == "approved"
    no_admins = App(db=admin_app.db, options=Options(), clock=lambda: NOW)
    nobody = admin_chat(no_admins)
    await nobody.say("/admin")
    assert "只有平台管理员" in nobody.texts  # no admins configured: nobody is one


@pytest.mark.parametrize("data", ["pac", "pac:", "pac:abc:0", "pac:-1:0", "pac:1.5:0",
                                  "pav:99999999:0", "pas:99999999:0", "par:99999999:0",
                                  "pap:x", "pam:", "pac:" + "9" * 13 + ":0"])
async def test_forged_or_broken_buttons_get_the_stale_answer(admin_app: App, data: str) -> None:
    admin = admin_chat(admin_app)
    replies = await admin.press_data(data)
    assert "这个按钮已经失效了" in admin.texts and not notifies(replies)
    async with admin_app.db.session() as session:
        suspended = (await session.exec(select(func.count()).select_from(Merchant).where(
            Merchant.status == "suspended"))).one()
    assert suspended == 0


async def test_merchant_pages_turn_and_a_forged_far_page_shows_the_last(admin_app: App) -> None:
    admin = admin_chat(admin_app, "en")
    await admin.say("/admin merchants")
    async with admin_app.db.session() as session:
        total = (await session.exec(select(func.count()).select_from(Merchant))).one()
    pages = -(-total // admin_app.options.page_size)
    assert f"🏪 Merchants: {total} (page 1 of {pages})" in admin.texts
    assert len([b for b in admin.button_texts if b[0].isdigit()]) == admin_app.options.page_size
    await admin.press("Next ▶")
    assert f"(page 2 of {pages})" in admin.texts and "6. " in admin.texts
    await admin.press_data("pam:999999")
    assert f"(page {pages} of {pages})" in admin.texts and "Next ▶" not in admin.button_texts


# ------------------------------------------------------------------ finding


@pytest.mark.parametrize("words", [
    "'; DROP TABLE merchants; --",
    "haidilao' OR '1'='1",
    "%",
    "_",
    "\\",
    "🍜🍜🍜",
    "x" * 500,
])
async def test_finding_with_strange_text_is_harmless(admin_app: App, words: str) -> None:
    admin = admin_chat(admin_app, "en")
    await admin.say(f"/admin find {words}")
    assert "No merchant's name contains" in admin.texts
    await admin.say("/admin")
    assert "🏪 Merchants: " in admin.texts  # the table is still there
    async with admin_app.db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Merchant))).one() > 10


@pytest.mark.parametrize("words", ["HAIDILAO", "hotpot HAIDI", "🍜 海底捞", "海底", "/admin"])
async def test_finding_by_name_in_either_language(admin_app: App, words: str) -> None:
    admin = admin_chat(admin_app, "en")
    await admin.say(f"/admin find {words}" if words != "/admin" else "/admin haidilao")
    assert "Haidilao Hotpot · ✅ approved" in admin.texts
    assert "Haidilao Hotpot" in admin.button_texts[0]


async def test_a_name_with_an_emoji_is_found_by_the_emoji(admin_app: App) -> None:
    await apply_in_chat(admin_app, 4301, "🍜 Noodle Bar")
    admin = admin_chat(admin_app, "en")
    await admin.say("/admin find 🍜")
    assert "🍜 Noodle Bar · ⏳ pending" in admin.texts
    await admin.say("/admin find")
    assert "Send /admin find and part of a merchant's name" in admin.texts
