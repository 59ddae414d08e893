"""A shopper who presses Buy again while their own unpaid order of the deal uses up
their per-person limit gets that order back, payable, instead of a refusal: the message
with its Pay button may never have reached them (a webhook worker that died after
opening the order; Telegram sends the press again and another worker answers it)."""

from __future__ import annotations

from sqlmodel import select

from bot.web import pay_with_sandbox
from handlers.router import App
from storage.models import Order
from tests.conftest import Chat
from tests.helpers.runtime import recording, runtime_for
from tests.stories.test_buying_stories import buy, orders_of, pay_url, set_deal


async def _pending_ids(app: App) -> list[int]:
    async with app.db.session() as session:
        return [o.id for o in (await session.exec(select(Order))).all()  # type: ignore[misc]
                if o.status == "pending"]


async def test_buy_pressed_again_at_the_limit_shows_the_unpaid_order_again(
    english_chat: Chat,
) -> None:
    await set_deal(english_chat.app, "hdl-100", per_user_limit=1)
    await buy(english_chat, "hdl-100")
    assert "1 × ¥89" in english_chat.texts and any("Pay" in b for b in english_chat.button_texts)
    first = await _pending_ids(english_chat.app)

    await buy(english_chat, "hdl-100")  # the same press, delivered again
    assert "unpaid order of this deal" in english_chat.texts
    assert "1 × ¥89" in english_chat.texts and any("Pay" in b for b in english_chat.button_texts)
    assert await _pending_ids(english_chat.app) == first  # the same order, no second one
    assert await orders_of(english_chat.app) == [(1, "pending")]


async def test_at_the_limit_with_nothing_unpaid_the_refusal_stays(chat: Chat) -> None:
    await set_deal(chat.app, "hdl-100", per_user_limit=1)
    await buy(chat, "hdl-100")
    runtime = runtime_for(chat.app)
    recording(runtime)
    token = chat.app.payments.get("sandbox").token_in(pay_url(chat))  # type: ignore[union-attr]
    assert token is not None and (await pay_with_sandbox(runtime, token))[0] == "paid"
    await buy(chat, "hdl-100")
    assert "每人限购 1 份，你已达上限" in chat.texts
    assert "未支付的订单" not in chat.texts
    assert await orders_of(chat.app) == [(1, "fulfilled")]
