"""Stories of the outbox: what the system owes a buyer is written with the payment and
reaches them once, even when nobody could be told at the time, Telegram refused the
first try, or the codes were answered in the payment's own turn.

(Crashes of the real process are in tests/e2e/test_outbox_e2e.py.)"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import select

from bot.jobs import REDELIVER_AFTER, housekeeping
from bot.runtime import Runtime
from bot.transports.common import handle_update
from bot.web import pay_with_sandbox
from handlers.core import (
    ButtonPress,
    Incoming,
    Reply,
    SendInvoice,
    SendPhoto,
    SendText,
    SuccessfulPayment,
)
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from services.payments.telegram import TelegramProvider
from services.platform.outbox import BACKOFF, MAX_ATTEMPTS
from services.platform.users import demo_telegram_id
from storage.models import Order, OutboxMessage, RedemptionCode
from tests.conftest import STORY_NOW, Chat
from tests.stories.test_buying_stories import buy, pay_url, runtime_for


class Telegram:
    """Where the bot's messages land: each chat's replies, or a refusal for everyone."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, list[Reply]]] = []
        self.refusing = False

    async def outbox(self, chat_id: int, replies: list[Reply]) -> int:
        if self.refusing:
            return 0  # nothing went out (a 5xx, the network, a block)
        self.sent.append((chat_id, replies))
        return len(replies)

    async def perform(self, chat_id: int, reply: Reply) -> bool:
        if self.refusing:
            return False
        self.sent.append((chat_id, [reply]))
        return True

    def codes_messages(self) -> int:
        return sum(1 for _, replies in self.sent for r in replies
                   if isinstance(r, SendText) and "已支付" in r.text)


async def rows(chat: Chat) -> list[tuple[str, str, int]]:
    async with chat.app.db.session() as session:
        found = (await session.exec(select(OutboxMessage.dedupe_key, OutboxMessage.status,
                                           OutboxMessage.attempts))).all()
    return [tuple(r) for r in found]  # type: ignore[misc]


async def order_status(chat: Chat) -> str:
    async with chat.app.db.session() as session:
        return (await session.exec(select(Order.status))).one()


async def paid_in_the_sandbox(chat: Chat, runtime: Runtime) -> None:
    await buy(chat, "cw-single", quantity=2)
    token = SandboxProvider.token_in(chat.app.payments.get("sandbox"), pay_url(chat))  # type: ignore[arg-type]
    assert (await pay_with_sandbox(runtime, token or ""))[0] == "paid"
    assert (await pay_with_sandbox(runtime, token or ""))[0] == "duplicate"


async def test_codes_paid_while_no_one_could_be_told_are_owed_and_sent_once_later(
    chat: Chat,
) -> None:
    runtime = runtime_for(chat.app)
    runtime.outbox = None  # the bot is not connected to Telegram yet
    await paid_in_the_sandbox(chat, runtime)
    assert await rows(chat) == [("codes:1", "pending", 0)]  # one row, despite two Pays
    assert await order_status(chat) == "paid"

    telegram = Telegram()
    runtime.outbox = telegram.outbox
    await housekeeping(runtime)
    await housekeeping(runtime)
    assert telegram.codes_messages() == 1
    [(chat_id, replies)] = telegram.sent
    assert chat_id == chat.sender.id and sum(isinstance(r, SendPhoto) for r in replies) == 2
    assert await rows(chat) == [("codes:1", "sent", 1)]
    assert await order_status(chat) == "fulfilled"


async def test_codes_telegram_did_not_take_are_tried_again_later_and_given_up_in_the_end(
    chat: Chat,
) -> None:
    runtime = runtime_for(chat.app)
    telegram = Telegram()
    telegram.refusing = True
    runtime.outbox = telegram.outbox
    await paid_in_the_sandbox(chat, runtime)
    assert await rows(chat) == [("codes:1", "pending", 1)]  # tried at once, put back
    await housekeeping(runtime)
    assert await rows(chat) == [("codes:1", "pending", 1)]  # not before its pause is over

    telegram.refusing = False
    chat.app.clock = lambda: STORY_NOW + BACKOFF
    await housekeeping(runtime)
    assert telegram.codes_messages() == 1
    assert await rows(chat) == [("codes:1", "sent", 2)]

    other = Chat(chat.app, user_id=3003, name="Dee")
    telegram.refusing = True
    await paid_in_the_sandbox(other, runtime)
    later = STORY_NOW + BACKOFF
    for _ in range(MAX_ATTEMPTS):
        later += BACKOFF * 2 ** MAX_ATTEMPTS
        chat.app.clock = lambda at=later: at  # type: ignore[misc]
        await housekeeping(runtime)
    assert (await rows(chat))[1] == ("codes:2", "failed", MAX_ATTEMPTS)
    assert telegram.codes_messages() == 1  # nothing went out to Dee; /mycodes shows them


async def test_a_telegram_payment_answers_with_the_codes_and_they_count_as_sent_once_out(
    chat: Chat,
) -> None:
    chat.app.payments = Payments("telegram", {"telegram": TelegramProvider(),
                                              "sandbox": SandboxProvider("http://x")})
    runtime = runtime_for(chat.app)
    telegram = Telegram()
    runtime.outbox = telegram.outbox
    await buy(chat, "mx-lemon", quantity=1)
    [invoice] = [r for r in chat.replies if isinstance(r, SendInvoice)]
    paid = SuccessfulPayment(invoice.payload, invoice.amount, "CNY", "tg_charge_9")
    await handle_update(runtime, Incoming(chat.sender, chat.sender.id, paid), telegram.perform)
    assert telegram.codes_messages() == 1
    assert await rows(chat) == [("codes:1", "sent", 1)]
    assert await order_status(chat) == "fulfilled"
    await handle_update(runtime, Incoming(chat.sender, chat.sender.id, paid), telegram.perform)
    await housekeeping(runtime)
    assert telegram.codes_messages() == 1  # Telegram's resend changes nothing


async def test_codes_a_telegram_turn_could_not_send_go_back_to_the_sender(chat: Chat) -> None:
    chat.app.payments = Payments("telegram", {"telegram": TelegramProvider(),
                                              "sandbox": SandboxProvider("http://x")})
    runtime = runtime_for(chat.app)
    telegram = Telegram()
    runtime.outbox = telegram.outbox
    await buy(chat, "mx-lemon", quantity=1)
    [invoice] = [r for r in chat.replies if isinstance(r, SendInvoice)]
    paid = SuccessfulPayment(invoice.payload, invoice.amount, "CNY", "tg_charge_9")
    telegram.refusing = True
    await handle_update(runtime, Incoming(chat.sender, chat.sender.id, paid), telegram.perform)
    assert await rows(chat) == [("codes:1", "pending", 1)]
    telegram.refusing = False
    chat.app.clock = lambda: STORY_NOW + BACKOFF
    await housekeeping(runtime)
    assert telegram.codes_messages() == 1
    assert await order_status(chat) == "fulfilled"


async def test_an_order_paid_before_the_outbox_existed_gets_its_codes_from_housekeeping(
    chat: Chat,
) -> None:
    runtime = runtime_for(chat.app)
    runtime.outbox = None
    await paid_in_the_sandbox(chat, runtime)
    async with chat.app.db.begin() as conn:  # as a database upgraded with the order paid
        await conn.execute(delete(OutboxMessage))
    telegram = Telegram()
    runtime.outbox = telegram.outbox
    await housekeeping(runtime)
    assert telegram.codes_messages() == 0  # a payment just now may still be on its way
    chat.app.clock = lambda: STORY_NOW + REDELIVER_AFTER + timedelta(seconds=1)
    await housekeeping(runtime)
    await housekeeping(runtime)
    assert telegram.codes_messages() == 1
    assert await order_status(chat) == "fulfilled"


async def test_a_shopper_telegram_could_not_reach_at_the_redemption_is_told_later_once(
    chat: Chat,
) -> None:
    runtime = runtime_for(chat.app)
    telegram = Telegram()
    runtime.outbox = telegram.outbox
    await paid_in_the_sandbox(chat, runtime)
    async with chat.app.db.session() as session:
        code = (await session.exec(select(RedemptionCode.code))).first()
    staff = Chat(chat.app, user_id=demo_telegram_id("chuanwei-chuanchuan-staff"),
                 name="chuanwei-chuanchuan-staff")
    await staff.say(f"/start r_{code}")
    check = [r for r in staff.replies if isinstance(r, SendText)][-1]
    press = ButtonPress(check.buttons[0][0].data or "", 1, query_id="q")

    async def perform(chat_id: int, reply: Reply) -> bool:
        if chat_id == chat.sender.id:
            return False  # the shopper cannot be reached right now
        return await telegram.perform(chat_id, reply)

    await handle_update(runtime, Incoming(staff.sender, staff.sender.id, press), perform)
    assert any("核销成功" in r.text for _, rs in telegram.sent for r in rs  # staff told
               if isinstance(r, SendText))
    told = await rows(chat)
    assert told[1][0].startswith("redeemed:") and told[1][1:] == ("pending", 1)
    chat.app.clock = lambda: STORY_NOW + BACKOFF
    await housekeeping(runtime)
    await housekeeping(runtime)
    to_shopper = [r for c, rs in telegram.sent for r in rs
                  if c == chat.sender.id and isinstance(r, SendText) and "已在" in r.text]
    assert len(to_shopper) == 1 and "这次到店体验如何" in to_shopper[0].text
    assert (await rows(chat))[1][1:] == ("sent", 2)
