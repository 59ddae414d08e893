"""End to end, 拼团 with Telegram Payments: the real `o2o run` process against the Bot API
stand-in. Ann opens a group of three and pays; her share link brings Bob and Cat, who
join and pay; Cat's payment fills the group and all three get their codes in chat,
once each; staff redeem one of them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.platform.users import demo_telegram_id
from standins import BotApiStandin
from standins.models import SentMessage
from tests.e2e.test_payments_e2e import button, deal_id, free_port
from tests.e2e.test_telegram_e2e import TOKEN, running_bot

pytestmark = pytest.mark.e2e
SHARE = re.compile(r"start=(g_[0-9]+_[0-9A-Z]{8})")


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        yield server


@pytest.fixture(params=["aiogram", "ptb"])
async def shop(request: pytest.FixtureRequest, standin: BotApiStandin,
               tmp_path: Path) -> AsyncIterator[Path]:
    """The demo shop served with Telegram Payments; yields its database."""
    db = tmp_path / "groups.db"
    async with running_bot(standin, db, request.param, payment_provider="telegram",
                           web_port=str(free_port())):
        yield db


async def pay_invoice(shopper: object, charge: str) -> str:
    """Answer the invoice the bot just sent: pre-checkout, then the payment."""
    invoice = await shopper.wait_for(lambda m: m.kind == "invoice", timeout=10)  # type: ignore[attr-defined]
    payload = invoice.params["payload"]
    amount = sum(int(p["amount"]) for p in invoice.params["prices"])
    assert amount == 2990  # the group price, not the single ¥39.90
    await shopper.pre_checkout(payload, amount, "CNY")  # type: ignore[attr-defined]
    await shopper.successful_payment(payload, amount, "CNY", charge)  # type: ignore[attr-defined]
    return str(payload)


def code_of(photo: SentMessage) -> str:
    return (photo.caption or "").splitlines()[0].removeprefix("🎫 ").replace("-", "")


async def test_two_friends_join_through_the_share_link_and_the_group_fills(
        standin: BotApiStandin, shop: Path) -> None:
    ann = standin.user(5201, first_name="Ann", language_code="en")
    await ann.send(f"/start deal_{deal_id(shop, 'wc-single')}")
    card = await ann.wait_for(lambda m: any("Start a group" in b["text"]
                                            for r in m.buttons for b in r), timeout=20)
    await ann.press(card, button(card, "Start a group"))
    await pay_invoice(ann, "tg-group-ann")
    joined = await ann.wait_for(lambda m: "You're in the group" in (m.text or ""), timeout=10)
    match = SHARE.search(joined.text or "")
    assert match, joined.text
    link = match.group(1)
    assert "2 more needed" in (joined.text or "")

    bob = standin.user(5202, first_name="Bob", language_code="zh")
    cat = standin.user(5203, first_name="Cat", language_code="en")
    payload = ""
    for friend, charge in ((bob, "tg-group-bob"), (cat, "tg-group-cat")):
        await friend.send(f"/start {link}")
        view = await friend.wait_for(
            lambda m: any("¥29.90" in b["text"] for r in m.buttons for b in r), timeout=10)
        assert "Ann" in (view.text or "")
        await friend.press(view, button(view, "¥29.90"))
        payload = await pay_invoice(friend, charge)
    await bob.wait_for(lambda m: "已加入拼团" in (m.text or ""), timeout=10)

    # Cat's payment filled the group: everyone gets a code, once.
    codes = {}
    for shopper in (ann, bob, cat):
        photo = await shopper.wait_for(lambda m: m.kind == "photo", timeout=15)
        codes[shopper] = code_of(photo)
        assert len(codes[shopper]) == 12
    await cat.successful_payment(payload, 2990, "CNY", "tg-group-cat")  # Telegram resends
    await asyncio.sleep(1.5)
    for shopper in (ann, bob, cat):
        assert sum(m.kind == "photo" for m in shopper.messages) == 1
    assert any("拼团成功" in (m.text or m.caption or "") for m in bob.messages)
    assert any("group filled" in (m.text or m.caption or "") for m in cat.messages)

    staff = standin.user(demo_telegram_id("wanda-cinema-staff"), first_name="staff",
                         language_code="en")
    await staff.send(f"/start r_{codes[bob]}")
    check = await staff.wait_for(lambda m: "Valid code" in (m.text or ""), timeout=10)
    await staff.press(check, button(check, "Redeem at"))
    await staff.wait_for(lambda m: "Redeemed" in (m.text or ""), timeout=10)
