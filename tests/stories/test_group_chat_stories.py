"""拼团 in chat, told as the shoppers live it, on SQLite and PostgreSQL: a group deal's
card shows the group price and the groups nearest to filling; Ann opens a group and pays,
Ben joins through the link she shared, Carl (in English) fills it and all three get their
codes with "拼团成功"; /mygroups in every state; leaving; a group that does not fill is
refunded with a button to open a new one; Telegram's own payments; search and inline;
forged links and buttons, full and closed groups, joining twice.

The `db` fixture proves the books after every story.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.config import load_settings
from bot.jobs import housekeeping
from bot.payments import pay_with_sandbox
from bot.runtime import Runtime
from handlers.app import build_router
from handlers.core import (
    InlineQuery,
    Notify,
    Reply,
    SendInvoice,
    SendPhoto,
    SendText,
    SuccessfulPayment,
)
from handlers.payloads import GroupJoin, GroupLeave, GroupLeaveAsk, GroupOpen
from handlers.router import App
from services.catalog.deal_cards import build_search_text
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from services.payments.telegram import TelegramProvider
from storage.models import BuyGroup, Deal, DealStatus, DealStore, Merchant, Order, Store
from tests.conftest import STORY_NOW, Chat

NOW = STORY_NOW


@pytest.fixture
async def deal(app: App) -> int:
    """A group deal of 串味串串 (a demo shop): ¥49 alone, ¥39.90 each in a group of three
    that fills within 24 hours."""
    async with app.db.transaction() as session:
        shop = (await session.exec(select(Merchant).where(
            Merchant.slug == "chuanwei-chuanchuan"))).one()
        deal = Deal(merchant_id=shop.id or 0, key="test-group-skewers",
                    title_zh="串串香三人拼团", title_en="Skewers for three friends",
                    description_zh="红汤锅底，荤素串串不限量。", category="hotpot",
                    tags=["串串", "skewers"], price=4900, original_price=6900, stock=None,
                    per_user_limit=5, valid_from=NOW - timedelta(days=1),
                    valid_until=NOW + timedelta(days=30), status=DealStatus.ACTIVE,
                    group_size=3, group_price=3990, group_hours=24)
        deal.search_text = build_search_text(deal, shop)
        session.add(deal)
        await session.flush()
        stores = (await session.exec(select(Store.id).where(Store.merchant_id == shop.id))).all()
        session.add_all(DealStore(deal_id=deal.id or 0, store_id=s) for s in stores)
    return deal.id or 0


def person(app: App, user_id: int, name: str, lang: str = "zh") -> Chat:
    return Chat(app, user_id=user_id, name=name, language_code=lang)


def runtime_for(app: App) -> tuple[Runtime, list[tuple[int, list[Reply]]]]:
    """The runtime the sandbox page pays through, whose messages to users are recorded:
    each (chat, replies) sent, in order."""
    runtime = Runtime(settings=load_settings(None, web_port=0), db=app.db, app=app,
                      router=build_router())
    sent: list[tuple[int, list[Reply]]] = []

    async def outbox(chat_id: int, replies: list[Reply]) -> int:
        sent.append((chat_id, replies))
        return len(replies)

    runtime.outbox = outbox  # type: ignore[assignment]
    return runtime, sent


async def pay(chat: Chat, runtime: Runtime) -> None:
    """Press Pay on the order message: the sandbox page takes the money."""
    [url] = [b.url for b, _ in chat.buttons if b.url and "/share/" not in b.url]
    token = SandboxProvider.token_in(chat.app.payments.get("sandbox"), url)  # type: ignore[arg-type]
    assert token is not None
    assert (await pay_with_sandbox(runtime, token))[0] == "paid"


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.caption if isinstance(r, SendPhoto) else r.text
                     for r in replies if isinstance(r, SendText | SendPhoto))


def share_link(text: str) -> str:
    found = re.search(r"https://t\.me/o2o_demo_bot\?start=(g_[0-9]+_[0-9A-Z]{8})", text)
    assert found, text
    return found.group(1)


async def open_and_pay(chat: Chat, deal: int, runtime: Runtime) -> None:
    await chat.say(f"/start deal_{deal}")
    await chat.press("开团" if chat.sender.language_code == "zh" else "Start a group")
    await pay(chat, runtime)


async def groups_of(app: App, deal: int) -> list[BuyGroup]:
    async with app.db.session() as session:
        return list((await session.exec(select(BuyGroup).where(
            BuyGroup.deal_id == deal).order_by(BuyGroup.id))).all())  # type: ignore[arg-type]


# ------------------------------------------------------------------ filling


async def test_three_friends_fill_a_group_through_the_shared_link_and_all_get_codes(
        app: App, deal: int) -> None:
    runtime, sent = runtime_for(app)
    ann, ben, carl = person(app, 1001, "Ann"), person(app, 3003, "Ben"), \
        person(app, 2002, "Carl", "en")

    await ann.say(f"/start deal_{deal}")
    assert "👥 3人团 ¥39.90 · 24小时内成团，未成团全额退款" in ann.texts
    assert "正在拼的团" not in ann.texts  # nobody has opened one yet
    assert ann.button_texts[:2] == ["🛒 立即购买 · ¥49", "👥 开团 · ¥39.90"]
    await ann.press("开团")
    assert "👥 拼团价 ¥39.90（3人团 ¥39.90）· 成团后发券码" in ann.texts
    assert "满 3 人即成团；2026-11-26 12:00 前未成团，全额原路退款。" in ann.texts
    assert "📤 邀请好友拼团" in ann.button_texts
    await pay(ann, runtime)
    [(chat_id, news)] = sent
    assert chat_id == 1001
    joined = text_of(news)
    assert "✅ 已加入拼团「串串香三人拼团」（3人团 ¥39.90）" in joined
    assert "还差2人 · 剩 1天0小时" in joined and "👥 已参团：Ann" in joined
    link = share_link(joined)
    assert not any(isinstance(r, SendPhoto) for r in news)  # no codes before it fills

    # Ben opens Ann's link: the group, who is in, Join.
    await ben.say(f"/start {link}")
    assert "👥 一起拼团：「串串香三人拼团」" in ben.texts
    assert "3人团 ¥39.90 · 单买 ¥49" in ben.texts and "👥 已参团：Ann" in ben.texts
    assert "还差2人 · 剩 1天0小时" in ben.texts
    await ben.press("参团")
    assert "拼团价 ¥39.90" in ben.texts
    await pay(ben, runtime)
    assert sent[-1][0] == 3003
    assert "还差1人" in text_of(sent[-1][1]) and "👥 已参团：Ann、Ben" in text_of(sent[-1][1])

    # A card seen by someone else lists the group, nearest to filling.
    await carl.say(f"/start deal_{deal}")
    assert "Groups filling now:\n1. Ann, Ben · 1 more needed · 1 d 0 h left" in carl.texts
    await carl.press("Join group 1")
    assert "Group price ¥39.90" in carl.texts
    before = len(sent)
    await pay(carl, runtime)
    told = {chat_id: text_of(replies) for chat_id, replies in sent[before:]}
    assert set(told) == {1001, 2002, 3003}  # everyone, once
    assert told[2002].startswith("🎉 Your group filled!\n✅ Paid ¥39.90")
    for chat_id in (1001, 3003):
        assert told[chat_id].startswith("🎉 拼团成功！\n✅ 已支付 ¥39.90")
    assert all(sum(isinstance(r, SendPhoto) for r in replies) == 1
               for _, replies in sent[before:])
    [group] = await groups_of(app, deal)
    assert group.status == "filled" and group.joined == 3

    await ann.say("/mygroups")
    assert "1. 「串串香三人拼团」· 3人团 ¥39.90\n✅ 已成团，券码见 /mycodes" in ann.texts
    assert "👥 已参团：Ann、Ben、Carl" in ann.texts and "退出" not in " ".join(ann.button_texts)
    await ann.say("/mycodes")
    assert "串串香三人拼团 · 未使用" in ann.texts
