"""The buying journey in chat: deal card -> Buy -> how many -> Pay -> codes with QR ->
staff redeem -> the shopper rates the visit; Telegram invoices; refunds from /mycodes."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import aiohttp
import pytest
import zxingcpp
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from sqlmodel import select

from bot.jobs import housekeeping
from bot.web import build_web_app, pay_with_sandbox, sandbox_answer
from handlers.core import (
    AnswerPreCheckout,
    EditText,
    Notify,
    PreCheckout,
    SendInvoice,
    SendPhoto,
    SendText,
    SendVenue,
    SuccessfulPayment,
)
from handlers.router import App
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from services.payments.telegram import TelegramProvider
from services.platform.database import Database
from services.platform.users import demo_telegram_id
from storage.models import Deal, Order, RedemptionCode, Refund
from tests.conftest import STORY_NOW, Chat
from tests.helpers.payments import stripe_for
from tests.helpers.runtime import recording, runtime_for


async def deal_id(db: Database, key: str) -> int:
    async with db.session() as session:
        return (await session.exec(select(Deal.id).where(Deal.key == key))).one()


def pay_url(chat: Chat) -> str:
    urls = [b.url for b, _ in chat.buttons if b.url]
    assert urls, chat.button_texts
    return urls[0]


async def buy(chat: Chat, key: str, quantity: int | None = None) -> None:
    await chat.say(f"/start deal_{await deal_id(chat.app.db, key)}")
    await chat.press("🛒")
    if quantity is not None and str(quantity) in chat.button_texts:
        await chat.press(str(quantity))


async def test_a_shopper_buys_two_pays_in_the_sandbox_and_gets_two_scannable_codes(
    chat: Chat,
) -> None:
    await buy(chat, "cw-single")
    assert "要买几份" in chat.texts and chat.button_texts == ["1", "2"]  # limit 2 per person
    await chat.press("2")
    assert "2 × ¥49 = ¥98" in chat.texts and "沙箱" in chat.texts
    assert any("支付 ¥98" in b for b in chat.button_texts)
    runtime = runtime_for(chat.app)
    sent = recording(runtime)
    sandbox = chat.app.payments.get("sandbox")
    token = sandbox.token_in(pay_url(chat))  # type: ignore[union-attr]
    assert token is not None
    outcome, _ = await pay_with_sandbox(runtime, token)
    assert outcome == "paid"
    [(chat_id, replies)] = sent
    assert chat_id == chat.sender.id
    photos = [r for r in replies if isinstance(r, SendPhoto)]
    assert len(photos) == 2 and any(isinstance(r, SendVenue) for r in replies)
    assert "已支付 ¥98" in replies[0].text  # type: ignore[union-attr]
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(photos[0].photo)))  # type: ignore[arg-type]
    assert decoded and decoded[0].text.startswith("https://t.me/o2o_demo_bot?start=r_")
    code = decoded[0].text.split("r_")[1]
    assert code.replace("-", "") in photos[0].caption.replace("-", "")
    assert (await pay_with_sandbox(runtime, token))[0] == "duplicate"  # pressing Pay again
    assert len(sent) == 1
    await chat.say("/mycodes")
    assert chat.texts.count("未使用") == 2
    async with chat.app.db.session() as session:
        order = (await session.exec(select(Order))).one()
        assert order.status == "fulfilled"


async def test_staff_scan_the_code_confirm_and_the_shopper_is_asked_to_rate(chat: Chat) -> None:
    await buy(chat, "hdl-four")  # one per person: no question of how many
    token = SandboxProvider.token_in(chat.app.payments.get("sandbox"), pay_url(chat))  # type: ignore[arg-type]
    runtime = runtime_for(chat.app)
    runtime.outbox = None
    await pay_with_sandbox(runtime, token or "")
    async with chat.app.db.session() as session:
        code = (await session.exec(select(RedemptionCode.code))).one()
    staff = Chat(chat.app, user_id=demo_telegram_id("haidilao-staff"), name="haidilao-staff")
    await staff.say(f"/start r_{code}")  # what scanning the QR with Telegram does
    assert "券码有效" in staff.texts
    replies = await staff.press(1)
    assert "核销成功" in staff.texts
    [notify] = [r for r in replies if isinstance(r, Notify)]
    assert notify.chat_id == chat.sender.id
    assert "这次到店体验如何" in notify.replies[0].text  # type: ignore[union-attr]
    stars = notify.replies[0].buttons[1][1]  # type: ignore[union-attr]
    assert stars.data is not None
    await chat.press_data(stars.data)
    assert "感谢" in chat.texts
    await staff.say(f"/redeem {code}")
    assert "已经使用过" in staff.texts  # the second redemption is refused


async def test_a_shopper_scanning_their_own_code_is_told_to_show_it_at_the_counter(
    chat: Chat,
) -> None:
    await chat.say("/start r_7QH4K2MX9TDA")
    assert "到店出示" in chat.texts
    await chat.say("/redeem 7QH4K2MX9TDA")
    assert "只有商家店员" in chat.texts


async def test_a_refund_from_mycodes_voids_the_code_and_says_how_much(chat: Chat) -> None:
    await buy(chat, "cw-single", quantity=1)
    runtime = runtime_for(chat.app)
    token = SandboxProvider.token_in(chat.app.payments.get("sandbox"), pay_url(chat))  # type: ignore[arg-type]
    await pay_with_sandbox(runtime, token or "")
    await chat.say("/mycodes")
    await chat.press("🎫")
    assert isinstance(chat.replies[-1], SendPhoto)
    await chat.press("退款")
    await chat.press("确定退款")
    assert "已退款 ¥49" in chat.texts
    await chat.say("/mycodes")
    assert "已退款" in chat.texts and "作废" not in chat.texts  # refunded, not "voided"


async def test_telegram_payments_invoice_pre_checkout_and_one_set_of_codes(app: App) -> None:
    app.payments = Payments("telegram", {"telegram": TelegramProvider(),
                                         "sandbox": SandboxProvider("http://127.0.0.1:8080")})
    chat = Chat(app, user_id=5005, name="Cai", language_code="en")
    await buy(chat, "mx-lemon", quantity=1)
    [invoice] = [r for r in chat.replies if isinstance(r, SendInvoice)]
    assert invoice.currency == "CNY" and invoice.amount > 0
    ok = await chat.send(PreCheckout("pc1", invoice.payload, invoice.amount, "CNY"))
    assert ok == [AnswerPreCheckout("pc1", ok=True)]
    changed = await chat.send(PreCheckout("pc2", invoice.payload, invoice.amount - 1, "CNY"))
    assert isinstance(changed[0], AnswerPreCheckout) and not changed[0].ok
    assert "price changed" in changed[0].error
    forged = await chat.send(PreCheckout("pc3", "order:99999:abcdefgh", 100, "CNY"))
    assert not forged[0].ok  # type: ignore[union-attr]
    payment = SuccessfulPayment(invoice.payload, invoice.amount, "CNY", "tg_charge_1")
    first = await chat.send(payment)
    assert any(isinstance(r, SendPhoto) for r in first)
    assert await chat.send(payment) == []  # the same update again: nothing new
    async with app.db.session() as session:
        assert len((await session.exec(select(RedemptionCode))).all()) == 1
    await chat.send(PreCheckout("pc4", invoice.payload, invoice.amount, "CNY"))
    assert not chat.replies[0].ok  # type: ignore[union-attr]  # paid already


@pytest.mark.parametrize("data", ["b:", "b:abc", "b:99999999", "bq:1", "bq:1:0", "bq:1:-3",
                                  "bq:1:999999999999", "oc:1'; DROP TABLE orders;--", "rc:x",
                                  "rc:" + "A" * 30 + ":1", "ru:🙂", "rt:1:9", "mc:0", "rfy:x"])
async def test_forged_checkout_buttons_get_a_polite_answer_and_change_nothing(
    chat: Chat, data: str,
) -> None:
    replies = await chat.press_data(data)
    assert any(isinstance(r, SendText) for r in replies)
    async with chat.app.db.session() as session:
        assert (await session.exec(select(Order))).all() == []


async def test_the_web_server_serves_the_sandbox_page_health_and_refuses_bad_webhooks(
    chat: Chat,
) -> None:
    await buy(chat, "cw-single", quantity=1)
    runtime = runtime_for(chat.app)
    runtime.app.payments = Payments("sandbox", {
        "sandbox": SandboxProvider("http://127.0.0.1:8080")})
    token = runtime.app.payments.get("sandbox").token_in(pay_url(chat))  # type: ignore[union-attr]
    async with TestClient(TestServer(build_web_app(runtime))) as client:
        health = await client.get("/healthz")
        assert health.status == 200 and (await health.json())["ok"] is True
        page = await client.get(f"/pay/{token}")
        body = await page.text()
        assert page.status == 200 and "沙箱" in body and "¥49" in body
        done = await client.post(f"/pay/{token}")
        assert done.status == 200 and "支付成功" in await done.text()
        again = await client.post(f"/pay/{token}")
        assert "已支付" in await again.text()
        assert (await client.post("/pay/not-a-token")).status == 404
        assert (await client.get("/pay/<script>")).status in (200, 404)
        hook = await client.post("/webhooks/stripe", data=b"{}")
        assert hook.status == 404  # Stripe is not configured here
    async with chat.app.db.session() as session:
        assert len((await session.exec(select(RedemptionCode))).all()) == 1


async def test_stripe_checkout_pays_once_by_signed_webhook_and_refunds_back(chat: Chat) -> None:
    async with stripe_for(chat.app) as stripe_api:
        await buy(chat, "cw-single", quantity=1)
        assert pay_url(chat).startswith(stripe_api.base_url)
        async with chat.app.db.session() as session:
            order = (await session.exec(select(Order))).one()
        assert order.provider == "stripe" and order.provider_ref in stripe_api.sessions
        runtime = runtime_for(chat.app)
        sent = recording(runtime)
        async with TestClient(TestServer(build_web_app(runtime))) as client:
            payload, signature = stripe_api.complete(order.provider_ref or "")
            forged = await client.post("/webhooks/stripe", data=payload,
                                       headers={"Stripe-Signature": signature[:-4] + "0000"})
            assert forged.status == 400
            stale = stripe_api.sign(payload, timestamp=int(stripe_api.clock()) - 3600)
            replayed_late = await client.post("/webhooks/stripe", data=payload,
                                              headers={"Stripe-Signature": stale})
            assert replayed_late.status == 400
            for _ in range(2):  # Stripe delivers at least once
                answer = await client.post("/webhooks/stripe", data=payload,
                                           headers={"Stripe-Signature": signature})
                assert answer.status == 200
            assert (await answer.json())["outcome"] == "duplicate"
        assert [chat_id for chat_id, _ in sent] == [chat.sender.id]  # the codes went out once
        async with chat.app.db.session() as session:
            assert len((await session.exec(select(RedemptionCode))).all()) == 1
        await chat.say("/mycodes")
        await chat.press("🎫")
        await chat.press("退款")
        await chat.press("确定退款")
        assert "已退款 ¥49" in chat.texts
        assert len(stripe_api.refunds) == 1


@pytest.mark.parametrize("typed", ["", "💥" * 100, "' OR 1=1; --", "x" * 5000,
                                   "７ＱＨ４－Ｋ２ＭＸ－９ＴＤＡ", "R7JW\u202eRRXH", "null", "-1"])
async def test_staff_typing_nonsense_get_a_clear_answer_and_redeem_nothing(
    app: App, typed: str,
) -> None:
    staff = Chat(app, user_id=demo_telegram_id("haidilao-staff"), name="haidilao-staff")
    await staff.say("/redeem")
    assert "请输入要核销的券码" in staff.texts
    replies = await staff.say(typed or " ")
    assert replies and all(isinstance(r, SendText) for r in replies)
    assert staff.texts.strip()
    async with app.db.session() as session:
        assert (await session.exec(select(RedemptionCode))).all() == []


# ------------------------------------------------------------ closed orders take no money


def order_message_edit(chat: Chat) -> EditText:
    edits = [r for r in chat.replies if isinstance(r, EditText)]
    assert edits, chat.replies
    return edits[0]


async def orders_refunds_and_codes(app: App) -> tuple[list[str], int, int]:
    async with app.db.session() as session:
        statuses = [o.status for o in (await session.exec(select(Order))).all()]
        refunds = len((await session.exec(select(Refund))).all())
        codes = len((await session.exec(select(RedemptionCode))).all())
    return statuses, refunds, codes


async def test_a_cancelled_order_loses_its_pay_button_and_the_old_one_charges_nothing(
    chat: Chat,
) -> None:
    await buy(chat, "hdl-duo", quantity=1)
    url = pay_url(chat)
    await chat.press("取消订单")
    edit = order_message_edit(chat)
    assert "已取消" in edit.text and "¥168" in edit.text
    assert not any(b.url for row in edit.buttons for b in row)  # no Pay any more
    runtime = runtime_for(chat.app)
    sent = recording(runtime)
    token = chat.app.payments.get("sandbox").token_in(url)  # type: ignore[union-attr]
    outcome, _ = await pay_with_sandbox(runtime, token or "")  # the old Pay, pressed anyway
    assert outcome == "cancelled"
    assert "已取消" in sandbox_answer(outcome, "zh") and "未扣款" in sandbox_answer(outcome, "zh")
    assert sent == []  # no "refunded" message: nothing was taken
    assert await orders_refunds_and_codes(chat.app) == (["cancelled"], 0, 0)


async def test_the_sandbox_page_of_a_cancelled_or_expired_order_refuses_to_pay(
    chat: Chat,
) -> None:
    runtime = runtime_for(chat.app)
    runtime.outbox = None
    await buy(chat, "cw-single", quantity=1)
    cancelled = chat.app.payments.get("sandbox").token_in(pay_url(chat))  # type: ignore[union-attr]
    await chat.press("取消订单")
    await buy(chat, "hdl-duo", quantity=1)
    expired = chat.app.payments.get("sandbox").token_in(pay_url(chat))  # type: ignore[union-attr]
    chat.app.clock = lambda: STORY_NOW + timedelta(minutes=16)  # the hold ran out
    async with TestClient(TestServer(build_web_app(runtime))) as client:
        for token, words in ((cancelled, "已取消"), (expired, "保留时间已过")):
            page = await client.get(f"/pay/{token}")
            body = await page.text()
            assert words in body and "<form" not in body  # no Pay button on the page
            pressed = await client.post(f"/pay/{token}")  # a page left open, Pay pressed
            assert pressed.status == 409 and words in await pressed.text()
        await housekeeping(runtime)  # now the order is marked expired
        pressed = await client.post(f"/pay/{expired}")
        assert pressed.status == 409 and "保留时间已过" in await pressed.text()
    statuses, refunds, codes = await orders_refunds_and_codes(chat.app)
    assert sorted(statuses) == ["cancelled", "expired"] and (refunds, codes) == (0, 0)


async def test_cancelling_a_stripe_order_expires_its_checkout_session(chat: Chat) -> None:
    async with stripe_for(chat.app) as stripe_api:
        await buy(chat, "hdl-duo", quantity=1)
        [session_id] = stripe_api.sessions
        await chat.press("取消订单")
        assert not any(b.url for row in order_message_edit(chat).buttons for b in row)
        assert stripe_api.requests_to("POST", f"/v1/checkout/sessions/{session_id}/expire")
        assert stripe_api.sessions[session_id]["status"] == "expired"
        async with aiohttp.ClientSession() as http, http.post(
            f"{stripe_api.base_url}/pay/{session_id}", allow_redirects=False,
        ) as paying:  # the Stripe page left open: Pay is refused
            assert paying.status == 409
        assert stripe_api.payment_intents == {}
        await chat.app.payments.providers["stripe"].aclose()  # type: ignore[attr-defined]


async def test_a_buyer_whose_hold_ran_out_is_told_once_with_a_button_to_buy_again(
    chat: Chat, english_chat: Chat,
) -> None:
    await buy(chat, "hdl-duo", quantity=1)
    await buy(english_chat, "cw-single", quantity=1)
    runtime = runtime_for(chat.app)
    sent = recording(runtime)
    await housekeeping(runtime)
    assert sent == []  # still held
    chat.app.clock = lambda: STORY_NOW + timedelta(minutes=16)
    await housekeeping(runtime)
    told = {chat_id: replies for chat_id, replies in sent}
    assert sorted(told) == sorted([chat.sender.id, english_chat.sender.id])
    [zh] = told[chat.sender.id]
    [en] = told[english_chat.sender.id]
    assert isinstance(zh, SendText) and isinstance(en, SendText)
    assert "双人精品火锅套餐" in zh.text and "保留时间" in zh.text and "未扣款" in zh.text
    assert "All-you-can-eat skewers" in en.text and "nothing was charged" in en.text
    [[again]] = zh.buttons
    hotpot = await deal_id(chat.app.db, "hdl-duo")
    assert again.text == "🛒 再买一次" and again.data == f"b:{hotpot}"
    await housekeeping(runtime)
    chat.app.clock = lambda: STORY_NOW + timedelta(hours=2)
    await housekeeping(runtime)
    assert len(sent) == 2  # told once
    await chat.press_data(again.data or "")
    assert "要买几份" in chat.texts  # the deal's buy flow


async def test_a_stripe_session_is_expired_when_the_hold_runs_out(chat: Chat) -> None:
    async with stripe_for(chat.app) as stripe_api:
        await buy(chat, "hdl-duo", quantity=1)
        [session_id] = stripe_api.sessions
        runtime = runtime_for(chat.app)
        runtime.outbox = lambda chat_id, replies: asyncio.sleep(0, len(replies))  # type: ignore[assignment]
        chat.app.clock = lambda: STORY_NOW + timedelta(minutes=16)
        await housekeeping(runtime)
        assert stripe_api.sessions[session_id]["status"] == "expired"
        await chat.app.payments.providers["stripe"].aclose()  # type: ignore[attr-defined]


async def test_a_buyer_who_already_bought_again_is_not_told_the_old_hold_ran_out(
    chat: Chat,
) -> None:
    await buy(chat, "hdl-duo", quantity=1)
    chat.app.clock = lambda: STORY_NOW + timedelta(minutes=16)
    await buy(chat, "hdl-duo", quantity=1)  # the old hold is released on the way
    runtime = runtime_for(chat.app)
    sent = recording(runtime)
    await housekeeping(runtime)
    assert sent == []
    statuses, _, _ = await orders_refunds_and_codes(chat.app)
    assert sorted(statuses) == ["expired", "pending"]


# ------------------------------------------------------------ typing how many


async def orders_of(app: App) -> list[tuple[int, str]]:
    async with app.db.session() as session:
        return [(o.quantity, o.status) for o in (await session.exec(select(Order))).all()]


async def set_deal(app: App, key: str, **values: object) -> None:
    async with app.db.transaction() as session:
        deal = (await session.exec(select(Deal).where(Deal.key == key))).one()
        for name, value in values.items():
            setattr(deal, name, value)
        session.add(deal)


@pytest.mark.parametrize(("typed", "quantity"), [
    ("3", 3), ("３", 3), ("3份", 3), ("三份", 3), ("两份", 2), ("3 pcs", 3), ("要4份", 4),
])
async def test_typing_how_many_at_the_quantity_question_orders_that_many(
    chat: Chat, typed: str, quantity: int,
) -> None:
    await buy(chat, "hdl-100")  # ¥89, 4 per person
    assert "要买几份" in chat.texts
    await chat.say(typed)
    assert f"{quantity} × ¥89 = " in chat.texts and any("支付" in b for b in chat.button_texts)
    assert await orders_of(chat.app) == [(quantity, "pending")]


async def test_a_typed_quantity_outside_the_limits_gets_the_reason_and_the_question_again(
    chat: Chat,
) -> None:
    await buy(chat, "hdl-100")
    for typed in ("0", "-2", "1.5", "零份"):
        await chat.say(typed)
        assert "1 到 4" in chat.texts and "要买几份" in chat.texts, typed
        assert chat.button_texts == ["1", "2", "3", "4"]
    await chat.say("5")
    assert "每人限购 4 份" in chat.texts and "要买几份" in chat.texts
    await set_deal(chat.app, "hdl-100", stock=3)  # bought up meanwhile
    await chat.say("4")
    assert "只剩 3 份" in chat.texts and "要买几份" in chat.texts
    await set_deal(chat.app, "hdl-100", stock=None, per_user_limit=50)
    await chat.say("25")
    assert "一单最多买 20 份" in chat.texts
    assert "也可以直接输入份数" in chat.texts  # 20 to choose from, six buttons
    assert await orders_of(chat.app) == []  # nothing was ordered on the way
    await chat.say("两份")
    assert await orders_of(chat.app) == [(2, "pending")]


async def test_the_limit_counts_what_the_shopper_already_holds(english_chat: Chat) -> None:
    await buy(english_chat, "hdl-100", quantity=2)
    await buy(english_chat, "hdl-100")
    assert "How many" in english_chat.texts and "up to 2" in english_chat.texts
    await english_chat.say("3 please")
    assert "limited to 4 per person" in english_chat.texts
    assert "2 are already yours" in english_chat.texts
    assert "at most 2 more" in english_chat.texts
    await english_chat.say("one")
    assert sorted(await orders_of(english_chat.app)) == [(1, "pending"), (2, "pending")]


async def test_other_text_at_the_quantity_question_is_understood_as_usual(chat: Chat) -> None:
    await buy(chat, "hdl-100")
    await chat.say("奶茶")  # changed their mind: a search, as anywhere else
    assert "奶茶" in chat.texts and "要买几份" not in chat.texts
    await chat.say("3")  # the question is behind them: no order of 3 vouchers
    assert await orders_of(chat.app) == []
    await buy(chat, "hdl-100")
    await chat.press("2")  # a button answers the question too, and ends it
    await chat.say("3")
    assert await orders_of(chat.app) == [(2, "pending")]
