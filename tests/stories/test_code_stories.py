"""A shopper's codes after paying, and the counter: refunding one code or all unused
ones (with the amount and the codes named first), what staff may type after `/redeem`,
and what the shopper hears when a redemption is undone."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.web import pay_with_sandbox
from handlers.core import Notify, SendText
from handlers.router import App
from services.marketing.coupons.templates import create_template
from services.marketing.coupons.terms import CouponTerms
from services.marketing.coupons.wallet import claim
from services.orders.checkout import apply_payment, start_order
from services.orders.codes import check_symbol, codes_of_order, format_code, new_code
from services.orders.redemption import check_code, confirm
from services.orders.refunds import _share, ask_refund, carry_out, refund_offer
from services.payments import PaymentNotice, RefundOutcome
from services.payments.sandbox import SandboxProvider
from services.payments.telegram import TelegramProvider
from services.platform.database import Database
from services.platform.users import demo_telegram_id
from storage.models import CouponKind, Deal, Order, RedemptionCode
from tests.conftest import STORY_NOW, Chat
from tests.helpers.checkout_world import build_world
from tests.stories.test_buying_stories import buy, pay_url, runtime_for

NOW = STORY_NOW


async def buy_and_pay_in_chat(chat: Chat, key: str, quantity: int) -> list[str]:
    """Buy `quantity` of a demo deal in the chat and pay in the sandbox; the codes."""
    await buy(chat, key, quantity=quantity)
    runtime = runtime_for(chat.app)
    runtime.outbox = None
    token = SandboxProvider.token_in(chat.app.payments.get("sandbox"), pay_url(chat))  # type: ignore[arg-type]
    assert (await pay_with_sandbox(runtime, token or ""))[0] == "paid"
    async with chat.app.db.session() as session:
        order_id = (await session.exec(select(Order.id).order_by(Order.id.desc()))).first()  # type: ignore[union-attr]
    return [c.code for c in await codes_of_order(chat.app.db, order_id or 0)]


async def the_order(db: Database) -> Order:
    async with db.session() as session:
        return (await session.exec(select(Order))).one()


async def sold(db: Database, key: str) -> int:
    async with db.session() as session:
        return (await session.exec(select(Deal.sold).where(Deal.key == key))).one()


def staff_chat(app: App, slug: str) -> Chat:
    name = f"{slug}-staff"
    return Chat(app, user_id=demo_telegram_id(name), name=name)


# ------------------------------------------------------------------ refunds from /mycodes


async def test_a_shopper_refunds_one_of_two_codes_and_the_other_still_works(chat: Chat) -> None:
    codes = await buy_and_pay_in_chat(chat, "cw-single", 2)
    sold_before = await sold(chat.app.db, "cw-single")
    await chat.say("/mycodes")
    await chat.press("🎫")  # the newest code first
    tapped = next(c for c in codes if format_code(c) in chat.texts)
    other = next(c for c in codes if c != tapped)
    await chat.press("退款")
    offer = chat.texts
    assert format_code(tapped) in offer and format_code(other) in offer
    assert "退回 ¥49" in offer and "退回 ¥98" in offer
    assert chat.button_texts == ["↩ 只退这张 · ¥49", "↩ 全部 2 张未使用都退 · ¥98", "不退了"]
    await chat.press("只退这张")
    assert "已退款 ¥49（1 张券码：" in chat.texts and format_code(tapped) in chat.texts
    assert format_code(other) not in chat.texts
    await chat.say("/mycodes")
    assert chat.texts.count("已退款") == 1 and chat.texts.count("未使用") == 1
    assert "作废" not in chat.texts
    order = await the_order(chat.app.db)
    assert order.refunded == 4900 and order.status in ("paid", "fulfilled")
    assert await sold(chat.app.db, "cw-single") == sold_before - 1  # its unit is back
    staff = staff_chat(chat.app, "chuanwei-chuanchuan")
    await staff.say(f"/redeem {other}")
    assert "券码有效" in staff.texts
    await staff.press(1)
    assert "核销成功" in staff.texts
    await staff.say(f"/redeem {tapped}")
    assert "已退款" in staff.texts


async def test_refunding_all_unused_codes_names_them_and_the_total(english_chat: Chat) -> None:
    chat = english_chat
    codes = await buy_and_pay_in_chat(chat, "cw-single", 2)
    await chat.say("/mycodes")
    await chat.press("🎫")
    await chat.press("Refund")
    assert "for ¥49" in chat.texts and "all 2 unused codes" in chat.texts
    assert "for ¥98" in chat.texts
    await chat.press("All 2 unused")
    assert "Refunded ¥98 for 2 codes:" in chat.texts
    assert all(format_code(c) in chat.texts for c in codes)
    await chat.say("/mycodes")
    assert chat.texts.count("refunded") == 2 and "voided" not in chat.texts
    order = await the_order(chat.app.db)
    assert (order.refunded, order.status) == (9800, "refunded")


async def test_the_last_unused_code_asks_once_with_its_amount(chat: Chat) -> None:
    codes = await buy_and_pay_in_chat(chat, "cw-single", 2)
    async with chat.app.db.session() as session:
        [first_id] = (await session.exec(select(RedemptionCode.id)
                                         .where(RedemptionCode.code == codes[0]))).all()
    await chat.press_data(f"rq:{first_id}")
    await chat.press("只退这张")
    await chat.say("/mycodes")
    await chat.press("🎫")  # the only usable one left
    await chat.press("退款")
    assert format_code(codes[1]) in chat.texts and "退回 ¥49" in chat.texts
    assert chat.button_texts == ["确定退款 ¥49", "不退了"]
    await chat.press("确定退款")
    assert "已退款 ¥49" in chat.texts
    assert (await the_order(chat.app.db)).refunded == 9800


async def test_a_confirmation_that_no_longer_matches_refunds_nothing(chat: Chat) -> None:
    codes = await buy_and_pay_in_chat(chat, "cw-single", 2)
    await chat.say("/mycodes")
    await chat.press("🎫")
    tapped = next(c for c in codes if format_code(c) in chat.texts)
    other = next(c for c in codes if c != tapped)
    await chat.press("退款")
    refund_all = next(b for b, _ in chat.buttons if "全部" in b.text)
    staff = staff_chat(chat.app, "chuanwei-chuanchuan")
    await staff.say(f"/redeem {other}")
    await staff.press(1)  # the other code is used meanwhile
    assert refund_all.data is not None
    await chat.press_data(refund_all.data)
    assert "刚刚有变化" in chat.texts and "没有退款" in chat.texts
    assert chat.button_texts == ["确定退款 ¥49", "不退了"]  # what it is now: this code alone
    assert (await the_order(chat.app.db)).refunded == 0
    await chat.press("确定退款")
    assert "已退款 ¥49" in chat.texts


async def test_forged_refund_buttons_refund_nothing(chat: Chat) -> None:
    codes = await buy_and_pay_in_chat(chat, "cw-single", 2)
    async with chat.app.db.session() as session:
        first_id = (await session.exec(select(RedemptionCode.id)
                                       .where(RedemptionCode.code == codes[0]))).one()
    for data in (f"r1:{first_id}:9800", f"r1:{first_id}:1", f"ra:{first_id}:2:99999",
                 f"ra:{first_id}:1:4900", f"r1:{first_id + 100}:4900", "r1:x", "ra:1",
                 "rq:🙂", "rf:1", "rfy:1"):
        replies = await chat.press_data(data)
        assert any(isinstance(r, SendText) for r in replies)
        assert "↩ 已退款" not in chat.texts, data
        assert (await the_order(chat.app.db)).refunded == 0, data
    other = Chat(chat.app, user_id=4321, name="Eve")
    await other.press_data(f"r1:{first_id}:4900")  # not their code
    assert (await the_order(chat.app.db)).refunded == 0


# ------------------------------------------------------------------ refund amounts


async def test_per_code_refunds_of_a_discounted_order_add_up_to_what_was_paid(
    db: Database,
) -> None:
    world = await build_world(db, buyers=2)
    terms = CouponTerms(CouponKind.AMOUNT_OFF, amount_off=1001, min_spend=5000)
    template_id = await create_template(db, world.users["owner"], terms, NOW)
    assert isinstance(template_id, int)
    paid: dict[str, int] = {}
    orders: dict[str, int] = {}
    for buyer in ("buyer1", "buyer2"):
        await claim(db, world.users[buyer], template_id, NOW, key=buyer, source="claim")
        started = await start_order(db, world.users[buyer], world.deals["limited"], 5, NOW)
        assert started.order is not None and started.order.total == 5 * 2500 - 1001
        await apply_payment(db, PaymentNotice("sandbox", started.order.id, started.order.total,
                                              "CNY", charge_id=f"ch_{buyer}"), NOW)
        paid[buyer], orders[buyer] = started.order.total, started.order.id

    # buyer1 refunds the five codes one by one: each what was offered, all adding up
    refunds = []
    for code in await codes_of_order(db, orders["buyer1"]):
        offer = await refund_offer(db, world.users["buyer1"], code.id)
        asked = await ask_refund(db, world.users["buyer1"], orders["buyer1"], NOW,
                                 code_id=code.id, expected=offer.amount, expected_codes=1)
        assert asked.outcome == "started" and asked.amount == offer.amount
        assert asked.code_list == (code.code,)
        refunds.append(asked.amount)
    assert sum(refunds) == paid["buyer1"] == 11499
    assert max(refunds) - min(refunds) <= 1  # the discount spread evenly

    # buyer2 uses one code, refunds one, then all three unused at once
    first, second, *rest = await codes_of_order(db, orders["buyer2"])
    checked = await check_code(db, world.users["staff"], first.code, NOW)
    await confirm(db, checked.request_id or "", world.users["staff"], world.store_ids[0], NOW)
    one = await ask_refund(db, world.users["buyer2"], orders["buyer2"], NOW, code_id=second.id)
    offer = await refund_offer(db, world.users["buyer2"], rest[0].id)
    assert offer.open_codes == tuple(c.code for c in rest)
    three = await ask_refund(db, world.users["buyer2"], orders["buyer2"], NOW,
                             expected=offer.all_amount, expected_codes=3)
    assert three.outcome == "started" and three.codes == 3
    assert one.amount + three.amount == paid["buyer2"] * 4 // 5  # four units' share
    async with db.session() as session:
        order = await session.get(Order, orders["buyer2"])
        assert order is not None and order.refunded == one.amount + three.amount
        assert order.status in ("paid", "fulfilled")  # one code was used: still a sale


def test_refund_shares_add_up_whatever_the_grouping() -> None:
    for total in (1, 2, 99, 100, 4999, 6499, 11499):
        for quantity in range(1, 7):
            for groups in ([1] * quantity, [quantity], [1, quantity - 1], [quantity - 1, 1]):
                if 0 in groups:
                    continue
                order = Order(user_id=1, deal_id=1, quantity=quantity, unit_price=0,
                              total=total, currency="CNY", expires_at=NOW)
                before = 0
                for size in groups:
                    back = _share(order, before, size, last=before + size == quantity)
                    assert back == total * (before + size) // quantity - order.refunded
                    order.refunded += back
                    before += size
                assert order.refunded == total


async def test_a_code_whose_share_is_nothing_is_refunded_without_asking_the_provider(
    db: Database,
) -> None:
    world = await build_world(db, buyers=1)
    terms = CouponTerms(CouponKind.AMOUNT_OFF, amount_off=4999, min_spend=5000)
    template_id = await create_template(db, world.users["owner"], terms, NOW)
    assert isinstance(template_id, int)
    buyer = world.users["buyer1"]
    await claim(db, buyer, template_id, NOW, key="z", source="claim")
    started = await start_order(db, buyer, world.deals["limited"], 2, NOW)
    assert started.order is not None and started.order.total == 1  # ¥0.01 for two
    await apply_payment(db, PaymentNotice("sandbox", started.order.id, 1, "CNY",
                                          charge_id="ch_z"), NOW)
    asked_for: list[int] = []

    async def refunder(provider: str, charge: str, amount: int, currency: str, user: int,
                       key: str, whole: bool) -> RefundOutcome:
        asked_for.append(amount)
        return RefundOutcome(ok=True)

    back = []
    for code in await codes_of_order(db, started.order.id):
        asked = await ask_refund(db, buyer, started.order.id, NOW, code_id=code.id)
        done = await carry_out(db, asked.refund_id or 0, refunder, NOW)
        assert done is not None and done.status == "done"
        back.append(asked.amount)
    assert back == [0, 1] and asked_for == [1]  # no provider is asked to refund nothing


# ------------------------------------------------------------------ partial refunds by provider


async def test_telegram_stars_are_never_refunded_in_part_by_a_whole_payment_refund(
    db: Database,
) -> None:
    refunded_stars: list[str] = []

    async def refund_star_payment(user: int, charge_id: str) -> bool:
        refunded_stars.append(charge_id)
        return True

    stars = TelegramProvider(star_refunder=refund_star_payment)
    part = await stars.refund("tg_1", 50, "XTR", user_telegram_id=1, idempotency_key="k1",
                              whole=False)
    assert not part.ok and part.manual and refunded_stars == []
    whole = await stars.refund("tg_1", 100, "XTR", user_telegram_id=1, idempotency_key="k2",
                               whole=True)
    assert whole.ok and refunded_stars == ["tg_1"]

    world = await build_world(db, buyers=1)
    started = await start_order(db, world.users["buyer1"], world.deals["limited"], 2, NOW)
    assert started.order is not None
    await apply_payment(db, PaymentNotice("sandbox", started.order.id, 5000, "CNY",
                                          charge_id="ch_w"), NOW)
    seen: list[tuple[int, bool]] = []

    async def refunder(provider: str, charge: str, amount: int, currency: str, user: int,
                       key: str, whole: bool) -> RefundOutcome:
        seen.append((amount, whole))
        return RefundOutcome(ok=True)

    for code in await codes_of_order(db, started.order.id):  # two partial refunds
        asked = await ask_refund(db, world.users["buyer1"], started.order.id, NOW,
                                 code_id=code.id)
        await carry_out(db, asked.refund_id or 0, refunder, NOW)
    again = await start_order(db, world.users["buyer1"], world.deals["limited"], 2, NOW)
    assert again.order is not None
    await apply_payment(db, PaymentNotice("sandbox", again.order.id, 5000, "CNY",
                                          charge_id="ch_w2"), NOW)
    asked = await ask_refund(db, world.users["buyer1"], again.order.id, NOW)  # all at once
    await carry_out(db, asked.refund_id or 0, refunder, NOW)
    assert seen == [(2500, False), (2500, False), (5000, True)]


# ------------------------------------------------------------------ at the counter


async def test_staff_redeem_a_code_typed_with_words_after_it(app: App, chat: Chat) -> None:
    [code, second] = await buy_and_pay_in_chat(chat, "cw-single", 2)
    staff = staff_chat(app, "chuanwei-chuanchuan")
    await staff.say(f"/redeem {format_code(code)} junk")
    assert "券码有效" in staff.texts and format_code(code) in staff.texts
    await staff.press(1)
    assert "核销成功" in staff.texts
    grouped = format_code(second).replace("-", " ")
    await staff.say("/redeem")
    await staff.say(f"{grouped} 谢谢 please")
    assert "券码有效" in staff.texts and format_code(second) in staff.texts


async def test_typos_do_not_lock_but_five_codes_that_do_not_exist_do(
    app: App, chat: Chat,
) -> None:
    [code] = await buy_and_pay_in_chat(chat, "cw-single", 1)
    staff = staff_chat(app, "chuanwei-chuanchuan")
    for where in range(6):  # six typos of the real code, one symbol wrong each
        wrong = "1" if code[where] != "1" else "2"
        await staff.say(f"/redeem {code[:where]}{wrong}{code[where + 1:]}")
        assert "输错了" in staff.texts and "锁定" not in staff.texts
    await staff.say("/redeem hello there")  # not a code at all
    assert "不是券码" in staff.texts and "锁定" not in staff.texts
    await staff.say(f"/redeem {code}")
    assert "券码有效" in staff.texts  # not locked
    made_up = []
    while len(made_up) < 5:
        body = new_code()[:-1]
        made_up.append(body + check_symbol(body))
    for number, wrong_code in enumerate(made_up, start=1):
        await staff.say(f"/redeem {wrong_code} extra")
        assert ("锁定" in staff.texts) == (number == 5), staff.texts
        if number < 5:
            assert "没有这个券码" in staff.texts
    await staff.say(f"/redeem {code}")
    assert "锁定" in staff.texts


async def test_undoing_a_redemption_tells_the_shopper_and_stars_are_asked_once(
    app: App, english_chat: Chat,
) -> None:
    shopper = english_chat
    [code] = await buy_and_pay_in_chat(shopper, "hdl-four", 1)
    staff = staff_chat(app, "haidilao")
    await staff.say(f"/redeem {code}")
    replies = await staff.press(1)
    [told] = [r for r in replies if isinstance(r, Notify)]
    assert "How was your visit" in told.replies[0].text  # type: ignore[union-attr]
    first_stars = told.replies[0].buttons  # type: ignore[union-attr]
    replies = await staff.press("撤销")
    assert "已撤销核销" in staff.texts
    [undone] = [r for r in replies if isinstance(r, Notify)]
    assert undone.chat_id == shopper.sender.id
    text = undone.replies[0].text  # type: ignore[union-attr]
    assert format_code(code) in text and "undid" in text and "can be used again" in text
    await staff.say(f"/redeem {code}")
    replies = await staff.press(1)
    [again] = [r for r in replies if isinstance(r, Notify)]
    assert "was used at" in again.replies[0].text  # type: ignore[union-attr]
    assert "How was your visit" not in again.replies[0].text  # type: ignore[union-attr]
    assert not again.replies[0].buttons  # type: ignore[union-attr]
    stars = first_stars[1][1].data  # the first prompt's buttons still rate the visit
    assert stars is not None
    await shopper.press_data(stars)
    assert "Thanks for rating" in shopper.texts
    later = NOW + timedelta(minutes=1)
    app.clock = lambda: later
    await staff.press("撤销")
    await staff.say(f"/redeem {code}")
    replies = await staff.press(1)
    [third] = [r for r in replies if isinstance(r, Notify)]
    assert not third.replies[0].buttons  # type: ignore[union-attr]

