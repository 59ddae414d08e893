"""The owner's numbers, told as stories: `/stats`, `/export` and `/poster`, on orders
bought, paid, redeemed and refunded through the real services, on SQLite and PostgreSQL.

The story clock stands at 2026-11-25 04:00 UTC, which is noon in Shanghai (the owner's
time zone unless a story changes it): "the last 7 days" are 11-19 .. 11-25 there.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from PIL import Image
from sqlmodel import select

from handlers.core import Reply, SendDocument, SendPhoto, SendText
from handlers.router import App, Options
from services.catalog.deal_cards import Bilingual
from services.marketing.campaign_input import Schedule
from services.marketing.campaigns import CampaignDraft, create_campaign, get_campaign
from services.marketing.coupons.templates import create_template
from services.marketing.coupons.terms import CouponTerms
from services.marketing.follows import follow
from services.marketing.pushes.planning import plan_run, start_run
from services.marketing.pushes.sending import Outcome, claim_due, settle
from services.merchants.stats import merchant_stats, orders_csv, period_of, safe_cell
from services.orders.checkout import apply_payment, start_order
from services.orders.codes import codes_of_order
from services.orders.redemption import check_code, confirm
from services.orders.refunds import ask_refund
from services.payments import PaymentNotice
from services.pictures import charts
from services.pictures import poster as poster_service
from services.platform.database import Database
from storage.models import (
    CouponKind,
    Deal,
    DealStatus,
    Delivery,
    Follow,
    Merchant,
    MerchantStaff,
    MerchantStatus,
    Order,
    User,
)
from tests.conftest import STORY_NOW, Chat
from tests.helpers.checkout_world import World, build_world

NOW = STORY_NOW  # noon in Shanghai
TRICKY = 'Noodles, "big" bowl 🍜\nfor two'  # comma, quotes, emoji and a line break
FORMULA = "=cmd|' /C calc'!A0"
RIVAL_OWNER_TG = 7_100_001
PENDING_OWNER_TG = 7_100_002
EMPTY_OWNER_TG = 7_100_003


@pytest.fixture
async def world(db: Database) -> World:
    """The noodle shop of the checkout stories, with deals on sale for the last 90 days,
    two awkward titles, and three more owners: the rival's (with a deal of its own),
    a pending applicant's, and one of an approved merchant with nothing sold yet."""
    world = await build_world(db, buyers=4)
    async with db.transaction() as session:
        deals = (await session.exec(select(Deal))).all()
        for deal in deals:
            deal.valid_from = NOW - timedelta(days=90)
            if deal.id == world.deals["on_expiry"]:
                deal.title_en = deal.title_zh = TRICKY
            if deal.id == world.deals["final"]:
                deal.title_en = deal.title_zh = FORMULA
        owners = {tg: User(telegram_id=tg, first_name=f"owner{tg}", language_code="en")
                  for tg in (RIVAL_OWNER_TG, PENDING_OWNER_TG, EMPTY_OWNER_TG)}
        session.add_all(owners.values())
        await session.flush()
        rival = await session.get(Merchant, world.rival_id)
        assert rival is not None
        rival.owner_user_id = owners[RIVAL_OWNER_TG].id
        pending = Merchant(slug="pending-shop", name_en="Pending Shop", category="noodles",
                           status=MerchantStatus.PENDING,
                           owner_user_id=owners[PENDING_OWNER_TG].id)
        empty = Merchant(slug="empty-shop", name_en="Empty Shop", name_zh="空店",
                         category="noodles", status=MerchantStatus.APPROVED,
                         owner_user_id=owners[EMPTY_OWNER_TG].id)
        session.add_all([pending, empty])
        await session.flush()
        # Each owner has the `owner` staff row an application makes (who owns a merchant).
        for merchant_id, owner_tg in ((world.rival_id, RIVAL_OWNER_TG),
                                      (pending.id, PENDING_OWNER_TG),
                                      (empty.id, EMPTY_OWNER_TG)):
            session.add(MerchantStaff(merchant_id=merchant_id, user_id=owners[owner_tg].id,
                                      role="owner"))
        rival_deal = Deal(merchant_id=world.rival_id, title_en="Rival bowl", title_zh="对手面",
                          category="noodles", price=9900, original_price=12000,
                          currency="CNY", per_user_limit=5,
                          valid_from=NOW - timedelta(days=90),
                          valid_until=NOW + timedelta(days=30), status=DealStatus.ACTIVE)
        session.add(rival_deal)
        await session.flush()
    world.deals["rival"] = rival_deal.id or 0
    return world


@pytest.fixture
def bot(db: Database, world: World) -> App:
    """The assistant with its clock stopped at NOW."""
    return App(db=db, options=Options(), clock=lambda: NOW)


def owner_chat(bot: App, world: World, lang: str = "en") -> Chat:
    return Chat(bot, user_id=world.telegram["owner"], name="owner", language_code=lang)


async def buy(db: Database, world: World, buyer: str, deal: str, quantity: int,
              at: datetime, pay: bool = True) -> tuple[int, list[str]]:
    """`buyer` orders `quantity` of `deal` at `at` and (unless told not to) pays at once;
    the order id and its codes."""
    started = await start_order(db, world.users[buyer], world.deals[deal], quantity, at)
    assert started.order is not None, started.reason
    if not pay:
        return started.order.id, []
    result = await apply_payment(db, PaymentNotice(
        "sandbox", started.order.id, started.order.total, "CNY",
        charge_id=f"ch_{started.order.id}"), at)
    assert result.outcome == "paid"
    return started.order.id, [c.code for c in await codes_of_order(db, started.order.id)]


async def redeem(db: Database, world: World, code: str, at: datetime) -> None:
    """Staff redeem `code` at the first store at `at`."""
    checked = await check_code(db, world.users["staff"], code, at)
    assert checked.outcome == "ok" and checked.request_id, checked.outcome
    done = await confirm(db, checked.request_id, world.users["staff"], world.store_ids[0], at)
    assert done.outcome == "redeemed"


async def follows(db: Database, world: World, who: str, at: datetime) -> None:
    async with db.transaction() as session:
        session.add(Follow(user_id=world.users[who], merchant_id=world.merchant_id,
                           source="poster", created_at=at))


async def set_timezone(db: Database, world: World, who: str, timezone: str) -> None:
    async with db.transaction() as session:
        user = await session.get(User, world.users[who])
        assert user is not None
        user.timezone = timezone


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies if isinstance(r, SendText))


def photos(replies: list[Reply]) -> list[SendPhoto]:
    return [r for r in replies if isinstance(r, SendPhoto)]


def documents(replies: list[Reply]) -> list[SendDocument]:
    return [r for r in replies if isinstance(r, SendDocument)]


def csv_rows(document: SendDocument) -> list[list[str]]:
    assert document.data.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM"
    return list(csv.reader(io.StringIO(document.data.decode("utf-8-sig"), newline="")))


# ------------------------------------------------------------------ /stats


async def test_an_owner_with_two_paid_orders_and_one_redemption_sees_exact_figures(
        db: Database, bot: App, world: World) -> None:
    _, codes = await buy(db, world, "buyer1", "limited", 2, NOW - timedelta(days=2))
    await buy(db, world, "buyer2", "final", 1, NOW - timedelta(hours=1))
    await buy(db, world, "buyer3", "limited", 1, NOW - timedelta(hours=2), pay=False)
    await buy(db, world, "buyer1", "rival", 1, NOW - timedelta(hours=3))  # not ours
    await redeem(db, world, codes[0], NOW - timedelta(days=1))
    await follows(db, world, "buyer1", NOW - timedelta(days=3))
    await follows(db, world, "buyer2", NOW - timedelta(days=10))  # before the 7 days

    replies = await owner_chat(bot, world).say("/stats")

    assert isinstance(replies[0], SendText)
    assert text_of(replies).splitlines() == [
        "📊 Noodle Lab · last 7 days",
        "2026-11-19 – 2026-11-25 (days in Asia/Shanghai)",
        "",
        "Paid orders: 2 · units: 3",
        "Revenue: ¥75",
        "Redemptions: 1 (codes used in these days)",
        # "has": one of them (the test said "have" before counts agreed with their verbs)
        "Redemption rate: 33% — 1 of the 3 codes from orders paid in these days has "
        "been redeemed so far",
        "New followers: 1",
        "",
        "Top deals by revenue:",
        "1. Bowl of noodles — ¥50 · 2 units",
        f"2. {FORMULA} — ¥25 · 1 unit",
    ]
    [chart] = photos(replies)
    assert replies[-1] is chart  # the chart comes after the text
    image = Image.open(io.BytesIO(chart.photo))  # type: ignore[arg-type]
    assert image.format == "PNG"
    assert 800 <= image.width <= 2000 and 400 <= image.height <= 1200
    assert image.width > image.height
    assert "2026-11-19" in chart.caption and "2026-11-25" in chart.caption


async def test_the_figures_are_split_by_local_day_for_the_chart(db: Database, bot: App,
                                                               world: World) -> None:
    _, codes = await buy(db, world, "buyer1", "limited", 2, NOW - timedelta(days=2))
    await buy(db, world, "buyer2", "final", 1, NOW - timedelta(hours=1))
    await redeem(db, world, codes[0], NOW - timedelta(days=1))

    figures = await merchant_stats(db, world.merchant_id,
                                   period_of(7, NOW, "Asia/Shanghai"))

    assert [d.day for d in figures.daily] == [date(2026, 11, d) for d in range(19, 26)]
    by_day = {d.day.day: (d.orders, d.units, d.revenue, d.redemptions) for d in figures.daily}
    assert by_day[23] == (1, 2, {"CNY": 5000}, 0)
    assert by_day[24] == (0, 0, {}, 1)
    assert by_day[25] == (1, 1, {"CNY": 2500}, 0)
    assert all(by_day[d] == (0, 0, {}, 0) for d in (19, 20, 21, 22))
    assert figures.revenue == {"CNY": 7500} and figures.main_currency == "CNY"


async def test_an_order_eight_days_ago_is_in_30d_but_not_in_7d(db: Database, bot: App,
                                                               world: World) -> None:
    await buy(db, world, "buyer1", "limited", 1, NOW - timedelta(days=8))
    await buy(db, world, "buyer2", "limited", 3, NOW - timedelta(days=1))
    owner = owner_chat(bot, world)

    week = text_of(await owner.say("/stats 7d"))
    assert "Paid orders: 1 · units: 3" in week and "Revenue: ¥75" in week
    for words in ("/stats 30d", "/stats 30", "/stats 30天", "/stats ３０天", "/stats 30 D"):
        month = await owner.say(words)
        assert "last 30 days" in text_of(month), words
        assert "2026-10-27 – 2026-11-25" in text_of(month)
        assert "Paid orders: 2 · units: 4" in text_of(month), words
        assert "Revenue: ¥100" in text_of(month)
        assert "1. Bowl of noodles — ¥100 · 4 units" in text_of(month)
        assert len(photos(month)) == 1
    for words in ("/stats 7", "/stats 7天", "/stats 7D"):
        assert "Paid orders: 1 · units: 3" in text_of(await owner.say(words)), words


async def test_the_days_begin_at_midnight_in_the_owners_time_zone(db: Database, bot: App,
                                                                  world: World) -> None:
    # 2026-11-18 16:30 UTC is 00:30 on the 19th in Shanghai: the first of the 7 days.
    await buy(db, world, "buyer1", "limited", 1, datetime.fromisoformat("2026-11-18T16:30Z"))
    # 15:30 UTC is 23:30 on the 18th in Shanghai: outside, though under 7 x 24 h ago.
    await buy(db, world, "buyer2", "limited", 2, datetime.fromisoformat("2026-11-18T15:30Z"))
    owner = owner_chat(bot, world)

    shanghai = text_of(await owner.say("/stats"))
    assert "Paid orders: 1 · units: 1" in shanghai
    figures = await merchant_stats(db, world.merchant_id, period_of(7, NOW, "Asia/Shanghai"))
    assert figures.daily[0].day == date(2026, 11, 19) and figures.daily[0].orders == 1

    await set_timezone(db, world, "owner", "UTC")  # for them both orders are on the 18th
    in_utc = text_of(await owner.say("/stats"))
    assert "2026-11-19 – 2026-11-25 (days in UTC)" in in_utc
    assert "Paid orders: 0 · units: 0" in in_utc

    await set_timezone(db, world, "owner", "America/Los_Angeles")  # 04:00 UTC: 20:00 on 24th
    la = text_of(await owner.say("/stats"))
    assert "2026-11-18 – 2026-11-24 (days in America/Los_Angeles)" in la
    assert "Paid orders: 2 · units: 3" in la


async def test_redemptions_count_the_days_they_happen_and_the_rate_the_codes_bought_then(
        db: Database, bot: App, world: World) -> None:
    _, old_codes = await buy(db, world, "buyer1", "limited", 1, NOW - timedelta(days=10))
    await redeem(db, world, old_codes[0], NOW - timedelta(days=1))

    text = text_of(await owner_chat(bot, world).say("/stats"))

    assert "Paid orders: 0 · units: 0" in text
    assert "Redemptions: 1 (codes used in these days)" in text
    assert "Redemption rate: - (no codes from orders paid in these days)" in text
    assert "Top deals" not in text


async def test_refunded_codes_come_off_the_revenue(db: Database, bot: App,
                                                   world: World) -> None:
    refunded, _ = await buy(db, world, "buyer1", "limited", 2, NOW - timedelta(days=1))
    await buy(db, world, "buyer2", "limited", 1, NOW - timedelta(days=1))
    asked = await ask_refund(db, world.users["buyer1"], refunded, NOW)
    assert asked.outcome == "started" and asked.amount == 5000

    text = text_of(await owner_chat(bot, world).say("/stats"))

    assert "Paid orders: 2 · units: 3" in text
    assert "Revenue: ¥25 (net of ¥50 refunded)" in text
    assert "Redemption rate: 0% — 0 of the 3 codes" in text
    assert "1. Bowl of noodles — ¥25 · 3 units" in text


async def test_a_chinese_speaking_owner_reads_chinese_figures_and_chart(
        db: Database, bot: App, world: World) -> None:
    _, codes = await buy(db, world, "buyer1", "limited", 2, NOW - timedelta(days=2))
    await redeem(db, world, codes[1], NOW)

    replies = await owner_chat(bot, world, "zh").say("/stats 7天")

    text = text_of(replies)
    assert text.startswith("📊 面条实验室 · 近 7 天\n2026-11-19 至 2026-11-25")
    assert "已付款订单：1 笔 · 共 2 份" in text
    assert "营业额：¥50" in text
    assert "核销率：50% —— 这几天付款的订单共发出 2 张券码，至今已核销 1 张" in text
    assert "1. Bowl of noodles —— ¥50 · 2 份" in text
    [chart] = photos(replies)
    assert Image.open(io.BytesIO(chart.photo)).size == (1200, 600)  # type: ignore[arg-type]


def test_chinese_chart_labels_are_drawn_in_a_cjk_font_or_else_in_english(
        caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder) -> None:
    chinese = charts.ChartLabels("面条实验室 · 近 7 天", "营业额（CNY）", "核销数")
    english = charts.ChartLabels("Noodle Lab · last 7 days", "Revenue (CNY)", "Redemptions")
    days = [date(2026, 11, 19) + timedelta(days=n) for n in range(7)]
    installed, _ = poster_service.font_candidates(None)
    if installed:  # CI installs fonts-wqy-microhei
        plan = charts.plan_chart(chinese, english, installed)
        assert plan == charts.ChartPlan(chinese, plan.font, fell_back=False)
        assert not poster_service.missing_glyphs(chinese.all(), plan.font)
    with caplog.at_level(logging.WARNING, logger="services.pictures.charts"):
        plan = charts.plan_chart(chinese, english, [])  # a machine without CJK fonts
    assert plan == charts.ChartPlan(english, charts.default_font(), fell_back=True)
    assert "no font draws the chart labels" in caplog.text
    png = charts.daily_chart(days, [0, 2500, 0, 0, 0, 0, 990], [0, 1, 0, 0, 2, 0, 0],
                             "CNY", plan.labels, plan.font)
    assert Image.open(io.BytesIO(png)).size == (1200, 600)
    # No font at all draws this fallback: what cannot be drawn is left out, never boxes.
    plan = charts.plan_chart(chinese, charts.ChartLabels("面条 Lab", "Revenue", "Redemptions"),
                             [])
    assert plan.labels.title == "Lab" and plan.fell_back
    assert not [w for w in recwarn if "Glyph" in str(w.message)]
    with pytest.raises(ValueError):
        charts.daily_chart(days, [1] * 7, [0] * 7, None, english)


async def test_an_owner_on_a_server_without_chinese_fonts_is_told_the_chart_is_in_english(
        db: Database, bot: App, world: World, recwarn: pytest.WarningsRecorder) -> None:
    await buy(db, world, "buyer1", "limited", 2, NOW - timedelta(days=2))
    bot.options = replace(bot.options, font_dirs=())  # no CJK font anywhere

    replies = await owner_chat(bot, world, "zh").say("/stats")

    [chart] = photos(replies)
    assert chart.caption.splitlines()[-1] == (
        "ℹ️ 图表是英文的：服务器上没有能写中文的字体。请运营方安装一个（fonts-wqy-microhei）。")
    assert not [w for w in recwarn if "Glyph" in str(w.message)]  # matplotlib kept quiet
    if poster_service.font_candidates(None)[0]:  # with the font: Chinese, no notice
        bot.options = replace(bot.options, font_dirs=poster_service.FONT_DIRS)
        [chart] = photos(await owner_chat(bot, world, "zh").say("/stats"))
        assert "ℹ️" not in chart.caption


@pytest.mark.parametrize("words", ["/stats 14d", "/stats all", "/stats abc", "/stats 7d 30d",
                                   "/stats -7", "/stats 7.5"])
async def test_a_period_we_do_not_offer_gets_the_usage(db: Database, bot: App, world: World,
                                                       words: str) -> None:
    replies = await owner_chat(bot, world).say(words)
    assert replies == [SendText(
        "Usage: /stats 7d or /stats 30d — the last 7 or 30 days, today included "
        "(7d when left out).")]


async def test_an_owner_who_has_sold_nothing_yet_hears_so_without_a_chart(
        db: Database, bot: App, world: World) -> None:
    owner = Chat(bot, user_id=EMPTY_OWNER_TG, name="empty", language_code="en")

    replies = await owner.say("/stats")
    assert photos(replies) == []
    text = text_of(replies)
    assert text.startswith("📊 Empty Shop · last 7 days")
    assert "Paid orders: 0 · units: 0" in text and "Revenue: 0" in text
    assert "No orders were paid and no codes were redeemed in these days." in text

    exported = await owner.say("/export all")
    assert exported == [SendText("No orders in this period (all time), so there is nothing "
                                 "to export.")]
    assert text_of(await owner.say("/export")) == (
        "No orders in this period (2026-10-27 – 2026-11-25), so there is nothing to export.")


# ------------------------------------------------------------------ /stats: campaign results


PUSH_CAP = 2  # pushes a person may get a day (the platform's default)


async def push_campaign(db: Database, world: World, at: datetime, *, template_id: int | None = None,
                        deal: str | None = None) -> tuple[int, list[int]]:
    """The owner pushes a coupon (or deal) to all followers at `at`, and every push goes
    out at once: planned, handed to the sender, sent. The run and its deliveries."""
    draft = CampaignDraft(schedule=Schedule("once", at), audience="all", template_id=template_id,
                          deal_id=world.deals[deal] if deal else None)
    campaign_id = await create_campaign(db, world.users["owner"], draft, at, PUSH_CAP,
                                        report_chat_id=world.telegram["owner"])
    campaign = await get_campaign(db, campaign_id)
    assert campaign is not None
    run = await start_run(db, campaign, at, at)
    await plan_run(db, run.run_id, at, PUSH_CAP)
    due = await claim_due(db, at, 100)
    await settle(db, [Outcome(d.id, "sent") for d in due], at)
    return run.run_id, [d.id for d in due]


async def press_claim(bot: App, world: World, who: str, delivery_id: int) -> None:
    """`who` presses Claim on the push they got."""
    chat = Chat(bot, user_id=world.telegram[who], name=who, language_code="en")
    await chat.press_data(f"pc:{delivery_id}")
    assert "in your wallet" in chat.texts, chat.texts


async def three_followers_claim_twice_and_one_visits(db: Database, bot: App,
                                                     world: World) -> None:
    """Yesterday at noon the owner pushed "¥5 off ¥20+" to three followers; today two
    claim it and one of them buys a bowl with it and has the code redeemed."""
    for buyer in ("buyer1", "buyer2", "buyer3"):
        await follow(db, world.users[buyer], world.merchant_id, NOW - timedelta(days=2))
    yesterday = NOW - timedelta(days=1)
    coupon = await create_template(
        db, world.users["owner"],
        CouponTerms(CouponKind.AMOUNT_OFF, amount_off=500, min_spend=2000), yesterday,
        title=Bilingual("满20减5", "¥5 off ¥20+"))
    assert isinstance(coupon, int), coupon
    _, deliveries = await push_campaign(db, world, yesterday, template_id=coupon)
    assert len(deliveries) == 3
    users_of = {await _user_of_delivery(db, d): d for d in deliveries}
    await press_claim(bot, world, "buyer1", users_of[world.users["buyer1"]])
    await press_claim(bot, world, "buyer2", users_of[world.users["buyer2"]])
    order, codes = await buy(db, world, "buyer1", "limited", 1, NOW)
    assert await _discount_of(db, order) == 500  # the pushed coupon was used
    await redeem(db, world, codes[0], NOW)


async def _user_of_delivery(db: Database, delivery_id: int) -> int:
    async with db.session() as session:
        delivery = await session.get(Delivery, delivery_id)
    assert delivery is not None
    return delivery.user_id


async def _discount_of(db: Database, order_id: int) -> int:
    async with db.session() as session:
        order = await session.get(Order, order_id)
    assert order is not None
    return order.discount


async def test_an_owner_sees_how_their_coupon_push_did_in_stats(db: Database, bot: App,
                                                                 world: World) -> None:
    await three_followers_claim_twice_and_one_visits(db, bot, world)

    lines = text_of(await owner_chat(bot, world).say("/stats")).splitlines()

    start = lines.index("📣 Pushes that started in these days:")
    assert lines[start - 1] == ""
    assert lines[start + 1:] == [
        "1. ¥5 off ¥20+ · 2026-11-24 12:00 — sent 3 · claimed 2 · redeemed 1",
        "Total of 1 run: sent 3 · claimed 2 · redeemed 1",
    ]


async def test_a_chinese_owner_reads_the_push_results_in_chinese(db: Database, bot: App,
                                                                  world: World) -> None:
    await three_followers_claim_twice_and_one_visits(db, bot, world)

    text = text_of(await owner_chat(bot, world, "zh").say("/stats 30天"))

    assert ("📣 这几天开始的推送：\n"
            "1. 满20减5 · 2026-11-24 12:00 —— 已发送 3 · 已领取 2 · 已到店使用 1\n"
            "合计 1 轮：已发送 3 · 已领取 2 · 已到店使用 1") in text


async def test_push_results_follow_the_owners_time_zone_and_period(db: Database, bot: App,
                                                                   world: World) -> None:
    await three_followers_claim_twice_and_one_visits(db, bot, world)
    await set_timezone(db, world, "owner", "America/Los_Angeles")  # 2026-11-23 20:00 there

    text = text_of(await owner_chat(bot, world).say("/stats"))

    assert "1. ¥5 off ¥20+ · 2026-11-23 20:00 — sent 3 · claimed 2 · redeemed 1" in text
    figures = await merchant_stats(db, world.merchant_id,
                                   period_of(7, NOW + timedelta(days=7), "Asia/Shanghai"))
    assert figures.campaign_runs == () and figures.campaign_totals is None  # a week later


async def test_the_newest_five_runs_are_listed_and_all_are_in_the_total(
        db: Database, bot: App, world: World) -> None:
    await follow(db, world.users["buyer1"], world.merchant_id, NOW - timedelta(days=20))
    coupon = await create_template(db, world.users["owner"], CouponTerms(
        CouponKind.FREE_ITEM, item="Iced tea"), NOW - timedelta(days=20))
    assert isinstance(coupon, int)
    for days_ago in (9, 6, 5, 4, 3):  # the push cap allows one a day for this follower
        await push_campaign(db, world, NOW - timedelta(days=days_ago), template_id=coupon)
    await push_campaign(db, world, NOW - timedelta(days=2), deal="limited")
    await push_campaign(db, world, NOW - timedelta(days=40), deal="limited")  # not in 30 days

    month = text_of(await owner_chat(bot, world).say("/stats 30d")).splitlines()

    start = month.index("📣 Pushes that started in these days:")
    assert month[start + 1:] == [
        "1. Bowl of noodles · 2026-11-23 12:00 — sent 1 · claimed 0 · redeemed 0",
        "2. Push #5 · 2026-11-22 12:00 — sent 1 · claimed 0 · redeemed 0",
        "3. Push #4 · 2026-11-21 12:00 — sent 1 · claimed 0 · redeemed 0",
        "4. Push #3 · 2026-11-20 12:00 — sent 1 · claimed 0 · redeemed 0",
        "5. Push #2 · 2026-11-19 12:00 — sent 1 · claimed 0 · redeemed 0",
        "… and 1 earlier run (counted in the total)",
        "Total of 6 runs: sent 6 · claimed 0 · redeemed 0",
    ]
    week = text_of(await owner_chat(bot, world).say("/stats"))
    assert "Total of 5 runs: sent 5" in week and "earlier" not in week


async def test_a_bought_pushed_deal_counts_as_redeemed(db: Database, bot: App,
                                                       world: World) -> None:
    for buyer in ("buyer1", "buyer2"):
        await follow(db, world.users[buyer], world.merchant_id, NOW - timedelta(days=3))
    await push_campaign(db, world, NOW - timedelta(days=1), deal="final")
    await buy(db, world, "buyer2", "final", 1, NOW)  # bought after the push
    await buy(db, world, "buyer3", "final", 1, NOW)  # not pushed to: not counted

    text = text_of(await owner_chat(bot, world).say("/stats"))

    assert f"1. {FORMULA} · 2026-11-24 12:00 — sent 2 · claimed 0 · redeemed 1" in text


async def test_owners_without_pushes_see_no_push_section(db: Database, bot: App,
                                                         world: World) -> None:
    await three_followers_claim_twice_and_one_visits(db, bot, world)
    rival = Chat(bot, user_id=RIVAL_OWNER_TG, name="rival", language_code="en")
    empty = Chat(bot, user_id=EMPTY_OWNER_TG, name="empty", language_code="zh")

    assert "📣" not in text_of(await rival.say("/stats 30d"))
    assert "📣" not in text_of(await empty.say("/stats"))
    assert "推送" not in text_of(await empty.say("/stats"))


# ------------------------------------------------------------------ /export


async def test_the_export_lists_every_order_and_parses_back(db: Database, bot: App,
                                                            world: World) -> None:
    paid_at = datetime.fromisoformat("2026-11-24T02:05:09Z")  # 10:05:09 in Shanghai
    tricky, codes = await buy(db, world, "buyer1", "on_expiry", 2, paid_at)
    await redeem(db, world, codes[0], NOW)
    formula, _ = await buy(db, world, "buyer2", "final", 1, NOW - timedelta(hours=1))
    unpaid, _ = await buy(db, world, "buyer3", "limited", 3, NOW - timedelta(minutes=5),
                          pay=False)
    await buy(db, world, "buyer1", "rival", 1, NOW)  # another merchant's

    replies = await owner_chat(bot, world).say("/export")

    [document] = documents(replies)
    assert document.filename == "orders-noodle-lab-30d.csv"
    assert document.caption == "📄 3 orders · 2026-10-27 – 2026-11-25 · times in Asia/Shanghai"
    rows = csv_rows(document)
    assert rows[0] == ["Order", "Created", "Paid", "Deal", "Quantity", "Amount", "Refunded",
                       "Currency", "Status", "Codes issued", "Codes redeemed"]
    assert rows[1:] == [
        [str(tricky), "2026-11-24 10:05:09", "2026-11-24 10:05:09", TRICKY, "2", "50.00",
         "0.00", "CNY", "paid", "2", "1"],
        [str(formula), "2026-11-25 11:00:00", "2026-11-25 11:00:00", "'" + FORMULA, "1",
         "25.00", "0.00", "CNY", "paid", "1", "0"],
        [str(unpaid), "2026-11-25 11:55:00", "", "Bowl of noodles", "3", "75.00", "0.00",
         "CNY", "pending", "0", "0"],
    ]


async def test_the_export_period_follows_the_argument(db: Database, bot: App,
                                                      world: World) -> None:
    eight, _ = await buy(db, world, "buyer1", "limited", 1, NOW - timedelta(days=8))
    forty, _ = await buy(db, world, "buyer2", "limited", 1, NOW - timedelta(days=40))
    today, _ = await buy(db, world, "buyer3", "final", 1, NOW)
    owner = owner_chat(bot, world)

    def ids(replies: list[Reply]) -> list[str]:
        [document] = documents(replies)
        return [row[0] for row in csv_rows(document)[1:]]

    assert ids(await owner.say("/export 7d")) == [str(today)]
    assert ids(await owner.say("/export")) == [str(eight), str(today)]
    assert ids(await owner.say("/export 30天")) == [str(eight), str(today)]
    everything = await owner.say("/export all")
    assert ids(everything) == [str(forty), str(eight), str(today)]
    assert documents(everything)[0].filename == "orders-noodle-lab-all.csv"
    assert "all time" in documents(everything)[0].caption
    assert ids(await owner.say("/export 全部")) == [str(forty), str(eight), str(today)]
    assert text_of(await owner.say("/export 90d")).startswith("Usage: /export 7d, /export 30d")


async def test_a_chinese_owner_gets_chinese_columns_and_statuses(db: Database, bot: App,
                                                                  world: World) -> None:
    await buy(db, world, "buyer1", "limited", 1, NOW - timedelta(days=1))

    [document] = documents(await owner_chat(bot, world, "zh").say("/export 7天"))

    rows = csv_rows(document)
    assert rows[0][:4] == ["订单号", "下单时间", "付款时间", "优惠"]
    assert rows[1][8] == "已付款"


def test_cells_a_spreadsheet_would_run_get_an_apostrophe() -> None:
    assert [safe_cell(v) for v in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "a=b", 5, None)] == [
        "'=1+1", "'+1", "'-2", "'@SUM(A1)", "'\tx", "a=b", "5", ""]
    with pytest.raises(ValueError):
        orders_csv([], ["just one column"], "UTC", "en")


# ------------------------------------------------------------------ /poster


async def test_the_owner_gets_the_storefront_poster_to_see_and_to_print(
        db: Database, bot: App, world: World) -> None:
    replies = await owner_chat(bot, world, "zh").say("/poster")

    [photo] = photos(replies)
    [document] = documents(replies)
    link = "https://t.me/o2o_demo_bot?start=shop_noodle-lab"
    assert link in photo.caption
    assert document.data == photo.photo and document.filename == "poster-noodle-lab.png"
    image = Image.open(io.BytesIO(document.data))
    assert image.size == (poster_service.WIDTH, poster_service.HEIGHT)
    assert image.info["URL"] == link
    expected = "zh" if poster_service.system_cjk_fonts() else "en"
    assert image.info["Language"] == expected
    if expected == "zh":
        assert image.info["Title"] == "面条实验室"
        assert "ℹ️" not in photo.caption


async def test_an_owner_on_a_server_without_chinese_fonts_is_told_the_poster_is_in_english(
        db: Database, bot: App, world: World) -> None:
    async with db.transaction() as session:  # a shop known by its Chinese name only
        merchant = await session.get(Merchant, world.merchant_id)
        assert merchant is not None
        merchant.name_en = None
    bot.options = replace(bot.options, font_dirs=())  # no CJK font anywhere

    replies = await owner_chat(bot, world, "zh").say("/poster")

    [photo] = photos(replies)
    assert photo.caption.splitlines()[-1] == (
        "ℹ️ 海报是英文的，店名写作“noodle-lab”：服务器上没有能写中文的字体。"
        "请运营方安装一个（fonts-wqy-microhei）后再生成中文海报。")
    image = Image.open(io.BytesIO(photo.photo))  # type: ignore[arg-type]
    assert image.info["Language"] == "en" and image.info["Title"] == "noodle-lab"


# ------------------------------------------------------------------ who may see


@pytest.mark.parametrize("command", ["/stats", "/export", "/poster", "/stats 30d"])
async def test_shoppers_and_staff_are_refused(db: Database, bot: App, world: World,
                                              command: str) -> None:
    await buy(db, world, "buyer1", "limited", 1, NOW - timedelta(days=1))
    for who in ("buyer1", "staff", "nobody"):
        chat = Chat(bot, user_id=world.telegram[who], name=who, language_code="en")
        replies = await chat.say(command)
        assert replies == [SendText(
            "Only a merchant's owner can see its numbers, exports and poster.")], who


@pytest.mark.parametrize("command", ["/stats", "/export all", "/poster"])
async def test_an_owner_whose_merchant_is_not_approved_is_told_so(
        db: Database, bot: App, world: World, command: str) -> None:
    chat = Chat(bot, user_id=PENDING_OWNER_TG, name="pending", language_code="en")
    assert await chat.say(command) == [SendText(
        "Numbers, exports and the poster are available once your merchant application is "
        "approved.")]


async def test_another_merchants_owner_sees_only_their_own(db: Database, bot: App,
                                                           world: World) -> None:
    await buy(db, world, "buyer1", "limited", 2, NOW - timedelta(days=1))
    rival_order, _ = await buy(db, world, "buyer2", "rival", 1, NOW - timedelta(days=1))
    rival = Chat(bot, user_id=RIVAL_OWNER_TG, name="rival", language_code="en")

    text = text_of(await rival.say("/stats"))
    assert text.startswith("📊 Rival · last 7 days")
    assert "Paid orders: 1 · units: 1" in text and "Revenue: ¥99" in text
    assert "Bowl of noodles" not in text and "1. Rival bowl — ¥99 · 1 unit" in text

    [document] = documents(await rival.say("/export"))
    assert [row[0] for row in csv_rows(document)[1:]] == [str(rival_order)]
    [photo] = photos(await rival.say("/poster"))
    assert "shop_rival" in photo.caption


async def test_a_suspended_merchants_owner_is_refused_on_the_next_call(
        db: Database, bot: App, world: World) -> None:
    owner = owner_chat(bot, world)
    assert photos(await owner.say("/poster"))
    async with db.transaction() as session:
        shop = await session.get(Merchant, world.merchant_id)
        assert shop is not None
        shop.status = MerchantStatus.SUSPENDED
    # told why: suspended (it had said "once your merchant application is approved")
    for command in ("/stats", "/export", "/poster"):
        assert text_of(await owner.say(command)).startswith(
            "Your merchant has been suspended by the platform"), command
