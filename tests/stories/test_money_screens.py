"""Money on screen (issue 16): a referrer's /earnings, /withdraw and /team, an owner's
/payouts, /commission and monthly statement, and the admins' payables, payouts,
withdrawals, fees and refunds after use.

The money is made the way it is made for real: orders started and paid with a payment
notice (`start_order`, `apply_payment`), codes checked and confirmed by 海底捞's staff
(`check_code`, `confirm`), commissions released after the refund window
(`release_due`). 海底捞's 【周末可用】双人精品火锅套餐 costs ¥168; with the platform's
fee of 5% and 海底捞's commissions of 5% / 3% / 2%, a sale to Friend (brought by Ann)
gives Ann ¥8.40 at level 1, the platform ¥8.40 and 海底捞 ¥151.20.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from handlers.core import Notify, SendDocument, SendText
from handlers.router import App
from services.ledger.sales import release_due
from services.ledger.statements import earnings, merchant_money
from services.orders.checkout import apply_payment, start_order
from services.orders.codes import codes_of_order
from services.orders.redemption import check_code, confirm
from services.payments import PaymentNotice
from services.platform.users import demo_telegram_id, ensure_user, get_profile_by_telegram_id
from storage.models import Deal, Merchant, Payout
from tests.conftest import STORY_NOW, Chat

NOW = STORY_NOW  # 2026-11-25 12:00 in Fuzhou
ANN, FRIEND, FRIENDS_FRIEND, STRANGER, ADMIN = 6_100_001, 6_100_002, 6_100_003, 6_100_004, 6_100_005
OWNER, STAFF = demo_telegram_id("haidilao-owner"), demo_telegram_id("haidilao-staff")
LUCKIN_OWNER = demo_telegram_id("luckin-owner")
AFTER_THE_WINDOW = timedelta(days=8)  # the refund window is 7 days


# ------------------------------------------------------------------ the scene


def at(app: App, moment: datetime) -> None:
    """The assistant's clock moves to `moment`."""
    app.clock = lambda: moment


async def ids(app: App) -> tuple[int, int]:
    """(海底捞's merchant id, its ¥168 set's deal id)."""
    async with app.db.session() as session:
        merchant = (await session.exec(select(Merchant.id).where(
            Merchant.slug == "haidilao"))).one()
        deal = (await session.exec(select(Deal.id).where(Deal.key == "hdl-duo"))).one()
    return merchant, deal


async def buys(app: App, telegram_id: int, when: datetime = NOW) -> tuple[int, str]:
    """This person buys one ¥168 set and pays: (order id, its code)."""
    buyer = await get_profile_by_telegram_id(app.db, telegram_id) or await ensure_user(
        app.db, telegram_id, first_name="Buyer", now=when)
    _, deal = await ids(app)
    started = await start_order(app.db, buyer.id, deal, 1, when)
    assert started.order is not None, started.reason
    order = started.order
    paid = await apply_payment(app.db, PaymentNotice("sandbox", order.id, order.total,
                                                     order.currency, f"ch_{order.id}"), when)
    assert paid.outcome == "paid"
    [code] = await codes_of_order(app.db, order.id)
    return order.id, code.code


async def redeems(app: App, code: str, when: datetime) -> None:
    """海底捞's staff checks the code at the counter and confirms it."""
    staff = await get_profile_by_telegram_id(app.db, STAFF)
    assert staff is not None
    checked = await check_code(app.db, staff.id, code, when)
    assert checked.outcome == "ok" and checked.request_id is not None
    done = await confirm(app.db, checked.request_id, staff.id, checked.stores[0].id, when)
    assert done.outcome == "redeemed"


async def invites(referrer: Chat, newcomer: Chat) -> None:
    """The newcomer opens the referrer's invitation link from /team."""
    await referrer.say("/team")
    link = re.search(r"https://t\.me/\S+", referrer.texts)
    assert link is not None
    await newcomer.say(f"/start {link.group(0).split('start=', 1)[1]}")


async def rates_set(app: App) -> Chat:
    """海底捞's owner sets commissions of 5%, 3% and 2%, for the ¥168 set too (the demo
    gives it rates of its own)."""
    owner = Chat(app, user_id=OWNER, name="haidilao-owner")
    await owner.say("/commission 5 3 2")
    assert "一级 5% · 二级 3% · 三级 2%（合计 10%）" in owner.texts
    _, duo = await ids(app)
    await owner.say(f"/commission {duo} default")
    assert "恢复按默认推荐佣金（一级 5% · 二级 3% · 三级 2%（合计 10%））" in owner.texts
    return owner


def an_admin(app: App) -> Chat:
    app.options = replace(app.options, admin_ids=(ADMIN,))
    return Chat(app, user_id=ADMIN, name="Admin")


def buttons_now(chat: Chat) -> list[str]:
    """The labels of the buttons under the latest replies (none: an empty list)."""
    return [b.text for r in chat.replies for row in getattr(r, "buttons", ()) for b in row]


async def payouts_of(app: App) -> list[Payout]:
    async with app.db.session() as session:
        return list((await session.exec(select(Payout).order_by(col(Payout.id)))).all())


# ------------------------------------------------------------------ referrers


async def test_a_referrers_earnings_after_a_friends_purchase_show_pending_at_the_rate(
    app: App,
) -> None:
    await rates_set(app)
    ann, friend = Chat(app, user_id=ANN, name="Ann"), Chat(app, user_id=FRIEND, name="Friend")
    await invites(ann, friend)
    assert "你好" in friend.texts  # an invitation alone opens the main menu
    await buys(app, FRIEND)

    await ann.say("/earnings")
    text = ann.texts
    assert "可提现：¥0" in text
    assert "待结算：¥8.40" in text  # 5% of ¥168, not redeemed yet
    assert "一级（你直接邀请的朋友）：¥8.40" in text
    assert "+¥8.40 佣金入账（第 1 级" in text
    assert buttons_now(ann) == []  # nothing to withdraw yet

    friends_friend = Chat(app, user_id=FRIENDS_FRIEND, name="Friend's friend")
    await invites(friend, friends_friend)
    await buys(app, FRIENDS_FRIEND)
    await ann.say("/earnings")
    assert "二级（朋友邀请的人）：¥5.04" in ann.texts  # 3% of ¥168, one level further
    assert "待结算：¥13.44" in ann.texts


async def test_team_counts_people_at_each_level_and_names_nobody(app: App) -> None:
    ann, friend = Chat(app, user_id=ANN, name="Ann"), Chat(app, user_id=FRIEND, name="Friend")
    await invites(ann, friend)
    await invites(friend, Chat(app, user_id=FRIENDS_FRIEND, name="Zoe"))
    await invites(ann, Chat(app, user_id=STRANGER, name="Max"))

    await ann.say("/team")
    text = ann.texts
    assert "一级（你直接邀请的朋友）：2 人" in text
    assert "二级（朋友邀请的人）：1 人" in text
    assert "三级：0 人" in text
    assert not any(name in text for name in ("Friend", "Zoe", "Max"))
    assert "https://t.me/o2o_demo_bot?start=ref_" in text
    assert any("转发" in b for b in buttons_now(ann))


async def test_someone_already_here_hears_the_link_changes_nothing(app: App) -> None:
    ann, old_timer = Chat(app, user_id=ANN, name="Ann"), Chat(app, user_id=FRIEND, name="Old")
    await old_timer.say("/start")
    at(app, NOW + timedelta(days=1))
    await invites(ann, old_timer)
    assert "你之前已经来过了" in old_timer.texts and "你好" in old_timer.texts
    await ann.say("/team")
    assert "一级（你直接邀请的朋友）：0 人" in ann.texts
    await invites(ann, ann)  # one's own link: nothing extra
    assert "来过" not in ann.texts


async def test_a_withdrawal_over_what_is_available_is_refused_with_the_figure(app: App) -> None:
    await rates_set(app)
    ann, friend = Chat(app, user_id=ANN, name="Ann"), Chat(app, user_id=FRIEND, name="Friend")
    await invites(ann, friend)
    _, code = await buys(app, FRIEND)
    await ann.say("/withdraw 5")
    assert "现在没有可提现的佣金（可提现 ¥0）" in ann.texts

    await redeems(app, code, NOW + timedelta(hours=2))
    at(app, NOW + AFTER_THE_WINDOW)
    assert await release_due(app.db, app.clock()) == 1
    await ann.say("/earnings")
    assert "可提现：¥8.40" in ann.texts and "退款期已过，转为可提现" in ann.texts
    assert buttons_now(ann) == ["💸 提现 ¥8.40"]

    await ann.say("/withdraw 100")
    assert "可提现只有 ¥8.40，不能提现 ¥100。" in ann.texts
    assert await payouts_of(app) == []

    await ann.say("/withdraw 5")
    assert "确认提现 ¥5？" in ann.texts and "提现后剩余可提现：¥3.40" in ann.texts
    confirm_data = next(b.data for b, _ in ann.buttons if "确认提现" in b.text)
    await ann.press("确认提现")
    assert "已申请提现 ¥5" in ann.texts and "剩余可提现：¥3.40" in ann.texts
    assert "提现中：¥5" in ann.texts
    assert confirm_data is not None
    await ann.press_data(confirm_data)  # the same confirmation, tapped again
    assert "可提现金额已经变了（现在 ¥3.40）" in ann.texts
    assert [p.amount for p in await payouts_of(app)] == [500]

    await ann.press("💸 提现 ¥3.40")  # the rest, with the button
    await ann.press("确认提现 ¥3.40")
    mine = await earnings(app.db, (await get_profile_by_telegram_id(app.db, ANN)).id)
    assert (mine.available, mine.in_transit) == (0, 840)


async def test_earnings_in_english(app: App) -> None:
    await rates_set(app)
    ann = Chat(app, user_id=ANN, name="Ann", language_code="en")
    await invites(ann, Chat(app, user_id=FRIEND, name="Friend"))
    await buys(app, FRIEND)
    await ann.say("/earnings")
    assert "Pending: ¥8.40" in ann.texts and "Level 1 (friends you invited): ¥8.40" in ann.texts
    assert "+¥8.40 accrued (level 1" in ann.texts
    await ann.say("/team")
    assert "Level 1 (friends you invited): 1 person" in ann.texts


# ------------------------------------------------------------------ merchants


async def test_payouts_figures_add_up_to_the_merchants_share_of_what_was_paid(
    app: App,
) -> None:
    owner = await rates_set(app)
    ann, friend = Chat(app, user_id=ANN, name="Ann"), Chat(app, user_id=FRIEND, name="Friend")
    await invites(ann, friend)
    _, code = await buys(app, FRIEND)  # 海底捞's share: 168 - 8.40 fee - 8.40 to Ann
    await buys(app, STRANGER)  # nobody brought the stranger: 168 - 8.40 fee
    await redeems(app, code, NOW + timedelta(hours=1))
    admin = an_admin(app)
    merchant, _ = await ids(app)
    await admin.say(f"/admin pay {merchant} 100 BANK-001")
    assert "已记录向「海底捞火锅」打款 ¥100" in admin.texts

    await owner.say("/payouts")
    text = owner.texts
    assert "可结算：¥51.20" in text  # 151.20 redeemed, 100 paid out
    assert "待核销：¥159.60" in text  # the stranger's code
    assert "已打款：¥100" in text
    assert "合计：¥310.80" in text
    assert Decimal("51.20") + Decimal("159.60") + Decimal("100") == Decimal("310.80")
    share = (16800 - 840 - 840) + (16800 - 840)  # what was paid, less fees and commissions
    assert (await merchant_money(app.db, merchant)).share == share == 31080
    assert "参考号 BANK-001" in text and "核销 · 订单 #" in text and "售出 · 订单 #" in text


def _statement(document: SendDocument) -> list[list[str]]:
    return list(csv.reader(io.StringIO(document.data.decode("utf-8-sig"))))


def _adds_up(rows: list[list[str]]) -> dict[str, tuple[Decimal, Decimal]]:
    """Per account: (opening + every line, closing) as the CSV says them."""
    opening = {r[4]: Decimal(r[6]) for r in rows[1:] if r[1] == "期初余额"}
    closing = {r[4]: Decimal(r[6]) for r in rows[1:] if r[1] == "期末余额"}
    total = dict(opening)
    for row in rows[1:]:
        if row[1] not in ("期初余额", "期末余额"):
            total[row[4]] += Decimal(row[6])
    return {account: (total[account], closing[account]) for account in closing}


async def test_the_monthly_statement_goes_from_its_opening_to_its_closing_balance(
    app: App,
) -> None:
    owner = await rates_set(app)
    ann, friend = Chat(app, user_id=ANN, name="Ann"), Chat(app, user_id=FRIEND, name="Friend")
    await invites(ann, friend)
    friends_order, code = await buys(app, FRIEND)  # November: sold
    await redeems(app, code, NOW + timedelta(days=3))  # November: redeemed
    admin = an_admin(app)
    merchant, _ = await ids(app)
    at(app, datetime.fromisoformat("2026-12-01T10:00+08:00"))
    await admin.say(f"/admin pay {merchant} 100 BANK-002")  # December: paid out
    await buys(app, STRANGER, datetime.fromisoformat("2026-12-02T10:00+08:00"))
    at(app, datetime.fromisoformat("2026-12-03T10:00+08:00"))
    await admin.say(f"/admin refund {friends_order}")  # a dispute: refunded after use
    await admin.press("确定整单退款")
    assert "已退款 ¥168" in admin.texts

    at(app, datetime.fromisoformat("2026-12-20T10:00+08:00"))
    await owner.say("/export statement 2026-11")
    [november] = [r for r in owner.replies if isinstance(r, SendDocument)]
    await owner.say("/export statement")  # this month
    [december] = [r for r in owner.replies if isinstance(r, SendDocument)]
    assert december.filename == "statement-haidilao-2026-12.csv"
    assert december.data.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    rows = _statement(december)
    assert rows[0] == ["时间", "类型", "订单", "券码", "账户", "明细", "金额", "可结算余额"]
    for account, (added, closing) in _adds_up(rows).items():
        assert added == closing, account
    assert _adds_up(_statement(november)) == {"待核销": (Decimal("0.00"), Decimal("0.00")),
                                              "可结算": (Decimal("151.20"), Decimal("151.20"))}
    closing_november = [r[4:7] for r in _statement(november) if r[1] == "期末余额"]
    opening_december = [r[4:7] for r in rows if r[1] == "期初余额"]
    assert closing_november == opening_december
    kinds = [(r[1], r[4], r[6]) for r in rows[1:] if r[1] not in ("期初余额", "期末余额")]
    assert kinds == [("打款", "可结算", "-100.00"), ("售出", "待核销", "159.60"),
                     ("退款", "可结算", "-151.20")]
    assert rows[-1][7] == "-100.00"  # the running payable balance ends at the closing one
    assert "期末 -¥100" in december.caption
    money = await merchant_money(app.db, merchant)
    assert (money.payable, money.pending, money.paid_out) == (-10000, 15960, 10000)


async def test_commission_over_the_cap_or_on_someone_elses_deal_is_refused(app: App) -> None:
    owner = Chat(app, user_id=OWNER, name="haidilao-owner")
    _, duo = await ids(app)
    await owner.say("/commission 20 10 5")
    assert "推荐佣金合计 35% 超过上限 30%，没有修改。" in owner.texts
    await owner.say("/commission 2.5")
    assert "一级 2.5% · 二级 0% · 三级 0%" in owner.texts
    await owner.say(f"/commission {duo} 8 4 2")
    assert f"团购 #{duo} 的推荐佣金已设为 一级 8% · 二级 4% · 三级 2%" in owner.texts
    await owner.say("/commission")
    assert f"#{duo} 【周末可用】双人精品火锅套餐：一级 8%" in owner.texts
    assert "默认：一级 2.5%" in owner.texts and "上限：三级合计不超过 30%" in owner.texts
    await owner.say(f"/commission {duo} default")
    assert f"团购 #{duo} 恢复按默认推荐佣金" in owner.texts

    async with app.db.session() as session:
        latte = (await session.exec(select(Deal.id).where(Deal.key == "lk-coconut"))).one()
    await owner.say(f"/commission {latte} 8 4 2")  # 瑞幸's deal
    assert f"没有编号为 #{latte} 的团购，或者它不是你的" in owner.texts
    async with app.db.session() as session:
        deal = (await session.exec(select(Deal).where(Deal.id == latte))).one()
    assert deal.commission_l1_bp is None

    shopper = Chat(app, user_id=STRANGER, name="Max")
    for command in ("/commission 5 3 2", "/payouts", "/export statement"):
        await shopper.say(command)
        assert "只有通过审核的商家店主" in shopper.texts or "只有商家店主" in shopper.texts
        assert not [r for r in shopper.replies if isinstance(r, SendDocument)]


# ------------------------------------------------------------------ admins


async def test_an_admin_cannot_pay_a_merchant_more_than_its_payable(app: App) -> None:
    await rates_set(app)
    ann, friend = Chat(app, user_id=ANN, name="Ann"), Chat(app, user_id=FRIEND, name="Friend")
    await invites(ann, friend)
    _, code = await buys(app, FRIEND)
    await redeems(app, code, NOW)
    admin = an_admin(app)
    merchant, _ = await ids(app)
    await admin.say("/admin payables")
    assert f"#{merchant} 海底捞火锅 — 可结算 ¥151.20 · 待核销 ¥0" in admin.texts
    await admin.say(f"/admin pay {merchant} 1000 BANK-9")
    assert "「海底捞火锅」可结算只有 ¥151.20，不能打款 ¥1,000。" in admin.texts
    await admin.say(f"/admin pay {merchant} 151.20 BANK-9")
    assert "剩余可结算：¥0" in admin.texts
    await admin.say(f"/admin pay {merchant} 0.01 BANK-10")
    assert "可结算只有 ¥0" in admin.texts
    assert [p.amount for p in await payouts_of(app)] == [15120]


async def test_an_admin_marks_a_withdrawal_paid_with_its_reference_or_cancels_one(
    app: App,
) -> None:
    await rates_set(app)
    ann, friend = Chat(app, user_id=ANN, name="Ann"), Chat(app, user_id=FRIEND, name="Friend")
    await invites(ann, friend)
    _, code = await buys(app, FRIEND)
    await redeems(app, code, NOW)
    at(app, NOW + AFTER_THE_WINDOW)
    await release_due(app.db, app.clock())
    await ann.say("/withdraw 3")
    await ann.press("确认提现")
    await ann.say("/withdraw 2")
    await ann.press("确认提现")

    admin = an_admin(app)
    await admin.say("/admin withdrawals")
    assert "待处理的提现：2 笔" in admin.texts and "Ann" in admin.texts
    first, second = [p.id for p in await payouts_of(app)]
    await admin.press(f"已转账 #{first}")
    assert f"请发送提现 #{first}（¥3）的转账参考号" in admin.texts
    await admin.say("ALIPAY 2026-12-03 #1")
    assert f"提现 #{first}（¥3）已记为已转账，参考号 ALIPAY 2026-12-03 #1" in admin.texts
    await admin.press(f"取消 #{second}")
    assert "这笔钱会退回对方的可提现余额" in admin.texts
    await admin.press("确定取消")
    assert f"提现 #{second} 已取消" in admin.texts
    await admin.press_data(f"pxc:{second}")  # again
    assert "不在待处理之列" in admin.texts
    await admin.say(f"/admin paid {second} LATE")
    assert "不在待处理之列" in admin.texts

    await ann.say("/earnings")
    assert "可提现：¥5.40" in ann.texts and "提现中：¥0 · 已到账：¥3" in ann.texts
    assert "提现已取消，退回可提现" in ann.texts


async def test_a_refund_after_use_claws_back_and_tells_the_buyer(app: App) -> None:
    await rates_set(app)
    ann, friend = Chat(app, user_id=ANN, name="Ann"), Chat(app, user_id=FRIEND, name="Friend")
    await invites(ann, friend)
    order, code = await buys(app, FRIEND)
    await redeems(app, code, NOW)
    at(app, NOW + AFTER_THE_WINDOW)
    await release_due(app.db, app.clock())
    await ann.say("/withdraw 8.40")
    await ann.press("确认提现")

    admin = an_admin(app)
    await admin.say(f"/admin refund {order}")
    assert f"整单退款订单 #{order}「【周末可用】双人精品火锅套餐」（实付 ¥168）" in admin.texts
    await admin.press("确定整单退款")
    assert f"订单 #{order} 已退款 ¥168（1 张券码）" in admin.texts
    [told] = [r for r in admin.replies if isinstance(r, Notify)]
    assert told.chat_id == FRIEND and any("¥168" in m.text for m in told.replies
                                          if isinstance(m, SendText))
    await admin.press_data(f"prf:{order}")  # again: nothing left to refund
    assert "没有可退的券码" in admin.texts

    await ann.say("/earnings")
    assert "可提现：-¥8.40" in ann.texts and "佣金收回" in ann.texts
    assert "一级（你直接邀请的朋友）：¥0" in ann.texts
    assert buttons_now(ann) == []


async def test_an_admin_sets_a_merchants_own_fee(app: App) -> None:
    admin = an_admin(app)
    merchant, _ = await ids(app)
    await admin.say(f"/admin fee {merchant} 3.5")
    assert "「海底捞火锅」的平台服务费设为 3.5%" in admin.texts
    owner = Chat(app, user_id=OWNER, name="haidilao-owner")
    await owner.say("/commission")
    assert "平台服务费 3.5%" in owner.texts
    await admin.say(f"/admin fee {merchant} default")
    assert "恢复为平台默认（5%）" in admin.texts
    await admin.say(f"/admin fee {merchant} 101")
    assert "看不懂「101」" in admin.texts


# ------------------------------------------------------------------ what people type

NASTY = ("", "   ", "😀", "'; DROP TABLE payouts; --", "-5", "1e999", "9" * 40, "NaN",
         "Infinity", "¥", "0", "12.345", "５０", "$%^&*()", "\u200b", "1" * 4000)


async def test_nasty_input_is_answered_clearly_and_changes_nothing(
    app: App, caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing is payable or available here, so no amount, however it is written, can
    move money; each input gets one clear answer (a usage line, a refusal with the
    figure, or the screen asked for), never a crash."""
    await rates_set(app)
    ann, friend = Chat(app, user_id=ANN, name="Ann"), Chat(app, user_id=FRIEND, name="Friend")
    await invites(ann, friend)
    await buys(app, FRIEND)
    owner = Chat(app, user_id=OWNER, name="haidilao-owner")
    admin = an_admin(app)
    merchant, _ = await ids(app)
    with caplog.at_level(logging.ERROR, logger="handlers.router"):
        for text in NASTY:
            for who, command in ((ann, f"/withdraw {text}"), (owner, f"/commission {text}"),
                                 (owner, f"/commission 5 3 {text}"),
                                 (admin, f"/admin pay {merchant} {text} REF"),
                                 (admin, f"/admin fee {merchant} {text}"),
                                 (admin, f"/admin refund {text}"),
                                 (admin, f"/admin paid {text} REF"),
                                 (owner, f"/export statement {text}")):
                await who.say(command)
                answers = [r for r in who.replies if isinstance(r, SendText | SendDocument)]
                assert len(answers) == 1, (command, who.replies)
                words = answers[0].text if isinstance(answers[0], SendText) else "file"
                assert words.strip() and "出了点问题" not in words, command
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await payouts_of(app) == []
    await ann.say("/withdraw 99999999999999999999")
    assert "现在没有可提现的佣金" in ann.texts
    await ann.say("/withdraw -5")
    assert "提现金额要大于 0" in ann.texts
    await ann.say("/withdraw 0.001")
    assert "金额最多 2 位小数" in ann.texts
    await ann.say("/withdraw 😀")
    assert "看不懂「😀」这个金额" in ann.texts
    await owner.say("/commission -5")
    assert "看不懂「-5」" in owner.texts


async def test_a_forged_withdrawal_button_withdraws_nothing_more_than_is_there(
    app: App,
) -> None:
    ann = Chat(app, user_id=ANN, name="Ann")
    await ann.press_data("wc:100000:0")  # 'available 0' as seen; nothing is there
    assert "可提现金额已经变了" in ann.texts or "可提现只有" in ann.texts
    await ann.press_data("wc:999999999999:999999999999")
    assert "可提现金额已经变了（现在 ¥0）" in ann.texts
    await ann.press_data("wa:100000")
    assert "现在没有可提现的佣金" in ann.texts
    assert await payouts_of(app) == []
