"""Stories of the news the system owes people besides their codes: the money of a
payment that bought nothing goes back, an expired code is refunded, an unpaid hold ran
out, a campaign finished, was missed or ran out of coupons. Each is an outbox row written
with the change it reports, so it reaches its reader once even when Telegram could not
take it at the time; a chat that blocked the bot fails its row at once, a flood wait
puts it back until Telegram's retry_after. On SQLite and PostgreSQL.

(The same refusals through the Bot API stand-in are in tests/test_outbox_refusals_e2e.py.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.jobs import housekeeping
from bot.payments import deliver_settlement, pay_with_sandbox
from bot.runtime import NotDelivered, Runtime
from bot.transports.common import handle_update
from handlers.core import (
    ButtonPress,
    EditText,
    Incoming,
    Notify,
    Reply,
    SendInvoice,
    SendText,
    SuccessfulPayment,
)
from handlers.router import App
from services.orders.settlement import settle
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from services.payments.telegram import TelegramProvider
from services.platform.database import Database
from services.platform.outbox import BACKOFF
from storage.models import Deal, Order, OutboxMessage, User
from tests.conftest import STORY_NOW, Chat
from tests.stories.test_buying_stories import buy, pay_url, runtime_for
from tests.stories.test_outbox_stories import Telegram
from tests.stories.test_push_stories import OWNER, Phones, World


async def owed(db: Database) -> list[tuple[str, str, int]]:
    """Each outbox row as (key, status, attempts), oldest first."""
    async with db.session() as session:
        found = (await session.exec(
            select(OutboxMessage.dedupe_key, OutboxMessage.status, OutboxMessage.attempts)
            .order_by(col(OutboxMessage.id)))).all()
    return [tuple(r) for r in found]  # type: ignore[misc]


async def owed_row(db: Database, prefix: str) -> OutboxMessage:
    async with db.session() as session:
        return (await session.exec(select(OutboxMessage).where(
            col(OutboxMessage.dedupe_key).startswith(prefix)))).one()


def texts_to(telegram: Telegram, chat_id: int, words: str) -> list[str]:
    return [r.text for c, rs in telegram.sent for r in rs
            if c == chat_id and isinstance(r, SendText) and words in r.text]


def connected(chat: Chat) -> tuple[Runtime, Telegram]:
    """The assistant connected to a Telegram that takes everything until told not to."""
    runtime = runtime_for(chat.app)
    telegram = Telegram()
    runtime.outbox = telegram.outbox
    return runtime, telegram


async def paid_in_the_sandbox(chat: Chat, runtime: Runtime, key: str) -> str:
    """Buy one and pay in the sandbox; the page's token."""
    await buy(chat, key, quantity=1)
    token = SandboxProvider.token_in(chat.app.payments.get("sandbox"), pay_url(chat))  # type: ignore[arg-type]
    assert token is not None
    assert (await pay_with_sandbox(runtime, token))[0] == "paid"
    return token


def at(app: App, moment: datetime) -> None:
    app.clock = lambda: moment


# ------------------------------------------------------------------ refunds


async def test_a_second_payment_is_refunded_and_the_buyer_told_once_telegram_can_take_it(
    chat: Chat,
) -> None:
    runtime = runtime_for(chat.app)
    runtime.outbox = None  # the bot is not connected to Telegram yet
    token = await paid_in_the_sandbox(chat, runtime, "cw-single")
    async with chat.app.db.session() as session:
        order = (await session.exec(select(Order))).one()
    assert order.id is not None
    # The same order paid again on another page (a second Stripe session, say).
    second = SandboxProvider.notice(order.id, order.total, order.currency, token + "-again")
    settlement = await settle(chat.app.db, chat.app.payments, second, STORY_NOW)
    assert (settlement.outcome, settlement.reason) == ("refund", "double_payment")
    await deliver_settlement(runtime, settlement)
    assert await owed(chat.app.db) == [("codes:1", "pending", 0),
                                       ("refund:1:done", "pending", 0)]

    telegram = Telegram()
    runtime.outbox = telegram.outbox
    await housekeeping(runtime)
    await housekeeping(runtime)
    assert texts_to(telegram, chat.sender.id, "退回") == [
        "你支付的 ¥49 已退回。\n这个订单之前已经付过款了。"]
    assert await owed(chat.app.db) == [("codes:1", "sent", 1), ("refund:1:done", "sent", 1)]


async def test_a_second_telegram_payment_is_answered_with_its_refund_once(chat: Chat) -> None:
    chat.app.payments = Payments("telegram", {"telegram": TelegramProvider(),
                                              "sandbox": SandboxProvider("http://x")})
    runtime, telegram = connected(chat)
    await buy(chat, "mx-lemon", quantity=1)
    [invoice] = [r for r in chat.replies if isinstance(r, SendInvoice)]
    first = SuccessfulPayment(invoice.payload, invoice.amount, "CNY", "tg_charge_1")
    twice = SuccessfulPayment(invoice.payload, invoice.amount, "CNY", "tg_charge_2")
    await handle_update(runtime, Incoming(chat.sender, chat.sender.id, first), telegram.perform)
    await handle_update(runtime, Incoming(chat.sender, chat.sender.id, twice), telegram.perform)
    await handle_update(runtime, Incoming(chat.sender, chat.sender.id, twice), telegram.perform)
    await housekeeping(runtime)
    # A card payment in Telegram goes back through the provider: the operator's job.
    [news] = texts_to(telegram, chat.sender.id, "退回")
    assert news.startswith("你支付的 ¥") and "将会退回" in news and "之前已经付过款" in news
    [(_, answer)] = [(c, rs) for c, rs in telegram.sent if any(
        isinstance(r, SendText) and r.text == news for r in rs)]
    assert not any(isinstance(r, Notify) for r in answer)  # an answer in the buyer's chat
    assert await owed(chat.app.db) == [("codes:1", "sent", 1), ("refund:1:pending", "sent", 1)]


async def test_an_expired_code_refunded_by_housekeeping_is_told_once_after_telegram_refused(
    chat: Chat,
) -> None:
    runtime, telegram = connected(chat)
    await paid_in_the_sandbox(chat, runtime, "hdl-100")  # refunded when it expires unused
    async with chat.app.db.session() as session:
        ends = (await session.exec(select(Deal.valid_until).where(Deal.key == "hdl-100"))).one()
    expired = ends.replace(tzinfo=ends.tzinfo or STORY_NOW.tzinfo) + timedelta(minutes=1)
    telegram.refusing = True
    at(chat.app, expired)
    report = await housekeeping(runtime)
    assert report["refunded"] == 1
    assert (await owed(chat.app.db))[1] == ("refund:1:done", "pending", 1)  # tried, put back

    telegram.refusing = False
    at(chat.app, expired + BACKOFF)
    await housekeeping(runtime)
    await housekeeping(runtime)
    assert texts_to(telegram, chat.sender.id, "退回") == [
        "你支付的 ¥89 已退回。\n你未使用的券码已过期，款项已自动退回。"]
    assert (await owed(chat.app.db))[1] == ("refund:1:done", "sent", 2)


async def test_a_refund_the_provider_makes_only_on_a_retry_is_told_when_it_is_made(
    chat: Chat,
) -> None:
    runtime, telegram = connected(chat)
    await paid_in_the_sandbox(chat, runtime, "cw-single")
    sandbox = chat.app.payments.get("sandbox")
    assert isinstance(sandbox, SandboxProvider)
    made = sandbox.refund

    async def down(*args: object, **kwargs: object) -> object:
        from services.payments import PaymentError

        raise PaymentError("provider unreachable")

    sandbox.refund = down  # type: ignore[method-assign]
    await chat.say("/mycodes")
    await chat.press("🎫")
    await chat.press("退款")
    await chat.press("确定退款")
    assert "正在处理中" in chat.texts  # answered in the shopper's own turn
    assert await owed(chat.app.db) == [("codes:1", "sent", 1)]  # nothing owed yet

    sandbox.refund = made  # type: ignore[method-assign]
    await housekeeping(runtime)
    await housekeeping(runtime)
    assert texts_to(telegram, chat.sender.id, "退回") == ["你支付的 ¥49 已退回。"]
    assert (await owed(chat.app.db))[1] == ("refund:1:done", "sent", 1)


# ------------------------------------------------------------------ holds


async def test_a_buyer_whose_hold_ran_out_while_telegram_refused_is_told_later_once(
    chat: Chat,
) -> None:
    await buy(chat, "hdl-duo", quantity=1)
    runtime, telegram = connected(chat)
    telegram.refusing = True
    ran_out = STORY_NOW + timedelta(minutes=16)
    at(chat.app, ran_out)
    assert (await housekeeping(runtime))["expiry_told"] == 1
    assert await owed(chat.app.db) == [("hold_expired:1", "pending", 1)]

    telegram.refusing = False
    at(chat.app, ran_out + BACKOFF)
    await housekeeping(runtime)
    await housekeeping(runtime)
    [(chat_id, [told])] = telegram.sent
    assert chat_id == chat.sender.id and isinstance(told, SendText)
    assert "双人精品火锅套餐" in told.text and "未扣款" in told.text
    assert told.buttons[0][0].text == "🛒 再买一次"
    assert await owed(chat.app.db) == [("hold_expired:1", "sent", 2)]


# ------------------------------------------------------------------ refusals


async def test_a_buyer_who_blocked_the_bot_fails_the_row_at_once_with_the_reason(
    chat: Chat,
) -> None:
    runtime = runtime_for(chat.app)
    tries: list[int] = []

    async def blocked(chat_id: int, replies: list[Reply]) -> int:
        tries.append(chat_id)
        raise NotDelivered("forbidden", "Forbidden: bot was blocked by the user")

    runtime.outbox = blocked
    await paid_in_the_sandbox(chat, runtime, "cw-single")
    assert await owed(chat.app.db) == [("codes:1", "failed", 1)]
    row = await owed_row(chat.app.db, "codes:")
    assert row.error == "blocked: Forbidden: bot was blocked by the user"
    async with chat.app.db.session() as session:
        buyer = (await session.exec(select(User).where(User.telegram_id == chat.sender.id))
                 ).one()
    assert buyer.unreachable_since is not None  # campaigns skip them too, until unblocked
    for minutes in (1, 10, 60):
        at(chat.app, STORY_NOW + timedelta(minutes=minutes))
        await housekeeping(runtime)
    assert tries == [chat.sender.id]  # never tried again


async def test_a_flood_wait_puts_the_row_back_until_telegrams_retry_after(chat: Chat) -> None:
    runtime, telegram = connected(chat)
    flooded: list[int] = []

    async def flood_once(chat_id: int, replies: list[Reply]) -> int:
        if not flooded:
            flooded.append(chat_id)
            raise NotDelivered("retry_after", "Too Many Requests: retry after 30", 30.0)
        return await telegram.outbox(chat_id, replies)

    runtime.outbox = flood_once
    await paid_in_the_sandbox(chat, runtime, "cw-single")
    assert await owed(chat.app.db) == [("codes:1", "pending", 1)]
    row = await owed_row(chat.app.db, "codes:")
    assert row.error is not None and row.error.startswith("flood wait")
    at(chat.app, STORY_NOW + BACKOFF)  # the pause of a 5xx is not enough
    await housekeeping(runtime)
    assert telegram.codes_messages() == 0
    at(chat.app, STORY_NOW + timedelta(seconds=30))
    await housekeeping(runtime)
    assert telegram.codes_messages() == 1
    assert await owed(chat.app.db) == [("codes:1", "sent", 2)]


# ------------------------------------------------------------------ campaigns


class Refusing(Phones):
    """Phones whose owner cannot be reached by the bot's own messages while `refusing`."""

    def __init__(self) -> None:
        super().__init__()
        self.refusing = False

    async def deliver(self, chat_id: int, replies: list[Reply]) -> int:
        if self.refusing and chat_id == OWNER:
            return 0
        return await super().deliver(chat_id, replies)


@pytest.fixture
def world(app: App) -> World:
    world = World(app)
    world.phones = Refusing()
    world.runtime.pusher = world.phones.push
    world.runtime.outbox = world.phones.deliver
    return world


async def test_the_final_report_of_a_campaign_reaches_its_owner_once_after_a_refusal(
    world: World,
) -> None:
    phones = world.phones
    assert isinstance(phones, Refusing)
    await world.follower(7201)
    await world.campaign("in 1 minute", await world.coupon())
    await world.later(minutes=1, seconds=10)
    assert len(phones.to(7201)) == 1
    phones.refusing = True
    await world.later(hours=3)  # the window closes: the run is done, its report owed
    assert await owed(world.app.db) == [("campaign_report:1", "pending", 1)]
    phones.refusing = False
    await world.later(seconds=30)
    await world.later(seconds=30)
    reports = [r for c, r in phones.received if c == OWNER
               and isinstance(r, SendText | EditText) and "已完成" in r.text]
    assert len(reports) == 1 and "已发送 1" in reports[0].text
    assert isinstance(reports[0], EditText)  # the live progress message becomes the report
    assert await owed(world.app.db) == [("campaign_report:1", "sent", 2)]


async def test_an_owner_telegram_refused_is_told_of_a_missed_campaign_later_once(
    world: World,
) -> None:
    phones = world.phones
    assert isinstance(phones, Refusing)
    await world.follower(7202)
    campaign = await world.campaign("now", await world.coupon(), window=180)
    phones.refusing = True
    await world.later(hours=5)  # nothing looked at the timers while the window was open
    assert phones.to(OWNER) == []
    assert await owed(world.app.db) == [(f"campaign_missed:{campaign}", "pending", 1)]
    phones.refusing = False
    await world.later(seconds=30)
    await world.later(seconds=30)
    [notice] = phones.to(OWNER)
    assert f"推送 #{campaign} 没有发出" in notice
    assert await owed(world.app.db) == [(f"campaign_missed:{campaign}", "sent", 2)]


async def test_the_owner_is_told_the_coupon_ran_out_in_the_claimers_turn_once(
    world: World, app: App,
) -> None:
    for n in range(3):
        await world.follower(7210 + n, quiet_start=0, quiet_end=0)
    await world.campaign("now", await world.coupon(quantity=1))
    await world.later(seconds=1)
    phones = world.phones

    async def perform(chat_id: int, reply: Reply) -> bool:
        phones.received.append((chat_id, reply))
        return True

    for n in range(3):
        [pushed] = [r for c, r in phones.received if c == 7210 + n]
        assert isinstance(pushed, SendText)
        claimer = Chat(app, user_id=7210 + n, name="x")
        press = ButtonPress(pushed.buttons[0][0].data or "", None, query_id=f"q{n}")
        await handle_update(world.runtime, Incoming(claimer.sender, claimer.sender.id, press),
                            perform)
    assert sum("领完" in text for text in phones.to(OWNER)) == 1
    assert await owed(world.app.db) == [("coupon_gone:1", "sent", 1)]  # in that turn
    await world.later(minutes=1)
    assert sum("领完" in text for text in phones.to(OWNER)) == 1
