"""Every worker process learns new words: a merchant approved or a deal published in one
process is understood by the parser of another that built its vocabulary before.

Two `App`s on two `Database` objects (their own engines and connections) over one SQLite
file or one PostgreSQL schema stand for two worker processes. The vocabulary version is
read with the user on every update (no extra statement); a process rebuilds its parser
when the version moved, and only then.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from handlers.core import Notify, SendText
from handlers.router import App, Options
from services.catalog.deal_cards import merchant_id_of
from services.merchants.admin import restore_merchant, suspend_merchant
from services.platform.database import Database
from services.platform.users import demo_telegram_id
from tests.conftest import STORY_NOW, Chat

ADMIN = 9_000_001


@pytest.fixture
async def worker_two(demo_db: Database) -> AsyncIterator[App]:
    """A second worker process on the same database: its own engine, its own parser."""
    other = Database(demo_db.url, schema=demo_db.schema)
    assert other.engine is not demo_db.engine
    try:
        yield App(db=other, options=Options(), clock=lambda: STORY_NOW)
    finally:
        await other.dispose()


@pytest.fixture
def worker_one(app: App) -> App:
    """The first worker process, where the admin and the owners happen to be served."""
    app.options = replace(app.options, admin_ids=(ADMIN,))
    return app


def builds(caplog: pytest.LogCaptureFixture) -> int:
    """How many times a parser's vocabulary was built while the test ran."""
    return sum(1 for r in caplog.records
               if r.name == "handlers.router" and r.getMessage().startswith("vocabulary version"))


async def approved_in_chat(app: App, owner: Chat, name: str) -> None:
    """`owner` applies as merchant `name` and the admin approves it, all in `app`."""
    await owner.say("/merchant")
    await owner.say(name)
    await owner.press(1)  # the first category
    await owner.say("+86 591 8888 6666")
    await owner.say("六百年的挂炉烤鸭。")
    replies = await owner.press("✅")
    [review] = [r for r in replies if isinstance(r, Notify) and r.chat_id == ADMIN]
    first = review.replies[0]
    assert isinstance(first, SendText) and first.buttons
    approve = first.buttons[0][0].data
    assert approve is not None
    admin = Chat(app, user_id=ADMIN, name="Admin")
    await admin.press_data(approve)
    assert "已通过" in admin.texts


async def test_a_merchant_approved_in_one_process_is_found_by_name_in_another(
    worker_one: App, worker_two: App, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="handlers.router")
    shopper = Chat(worker_two, user_id=5301, name="Lin")
    await shopper.say("火锅")  # worker two builds its parser now, before the merchant exists
    assert builds(caplog) == 1
    # 便宜坊 is a roast-duck house; a parser that does not know the name reads 便宜 (cheap).
    owner = Chat(worker_one, user_id=5302, name="Wang")
    await approved_in_chat(worker_one, owner, "便宜坊")
    await shopper.say("便宜坊")
    assert "🏪 便宜坊" in shopper.texts  # its storefront: understood as the merchant
    assert builds(caplog) == 2
    await owner.say("/addstore")
    await owner.say("便宜坊（马尾店）")
    await owner.say("福州市马尾区君竹路 8 号")
    await owner.share_location(25.9900, 119.4500)
    await owner.say("10:00-22:00")
    await owner.say("0591-8888 6666")
    await owner.press("保存门店")
    assert "已保存" in owner.texts
    await owner.say("/newdeal 挂炉烤鸭双人餐 | 198 | 368 | 20")
    await owner.press("发布")
    await shopper.say("便宜坊有什么优惠")
    assert "挂炉烤鸭双人餐 — 便宜坊" in shopper.texts


async def test_a_deal_published_in_one_process_is_understood_in_another(
    worker_one: App, worker_two: App,
) -> None:
    shopper = Chat(worker_two, user_id=5311, name="Lin")
    await shopper.say("火锅")  # worker two's parser, built before the deal exists
    boss = Chat(worker_one, user_id=demo_telegram_id("haidilao-owner"), name="boss")
    await boss.say("/newdeal 半价牛排 | 158 | 298 | 10")
    await boss.press("发布")
    # Read without the deal's words, 半价牛排 is "steak, discounted": the western deals.
    await shopper.say("有半价牛排吗")
    assert "「半价牛排」" in shopper.texts
    assert "1. 半价牛排 — 海底捞火锅" in shopper.texts
    await boss.say("/deals")
    await boss.press("半价牛排")
    await boss.press("暂停")
    assert "已暂停" in boss.texts
    await shopper.say("有半价牛排吗")  # paused: no longer a word worker two knows
    assert "「🥩 西餐」" in shopper.texts and "半价牛排 — 海底捞火锅" not in shopper.texts


async def test_nothing_changed_nothing_rebuilt(
    worker_one: App, worker_two: App, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="handlers.router")
    shopper = Chat(worker_two, user_id=5321, name="Lin")
    other = Chat(worker_one, user_id=5322, name="Mei")
    for text in ("火锅", "奶茶", "附近便宜的咖啡", "海底捞"):
        await shopper.say(text)
        await other.say(text)
    await shopper.press(1)  # a deal from the results
    await other.say("/settings")
    # Writes that change nothing the parser knows: a search saved, a flow state, a user.
    await other.say("/merchant")
    await other.say("/cancel")
    assert builds(caplog) == 2  # one per process, at its first text
    boss = Chat(worker_one, user_id=demo_telegram_id("haidilao-owner"), name="boss")
    await boss.say("/newdeal 午市鸳鸯锅 | 88 | 128 | 10")
    await boss.press("发布")
    for text in ("火锅", "午市鸳鸯锅", "奶茶"):
        await shopper.say(text)
        await other.say(text)
    assert builds(caplog) == 4  # the new deal: once more in each process, not per search


async def test_a_suspension_and_a_restoration_reach_the_other_process(
    worker_one: App, worker_two: App, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="handlers.router")
    shopper = Chat(worker_two, user_id=5331, name="Lin")
    await shopper.say("海底捞")
    assert "🏪 海底捞火锅" in shopper.texts  # the storefront: a merchant the parser knows
    haidilao = await merchant_id_of(worker_one.db, "haidilao")
    assert haidilao is not None
    assert (await suspend_merchant(worker_one.db, haidilao, STORY_NOW)).outcome == "done"
    await shopper.say("海底捞")
    assert "🏪 海底捞火锅" not in shopper.texts and "【周末可用】" not in shopper.texts
    assert builds(caplog) == 2  # worker two forgot the name
    assert (await restore_merchant(worker_one.db, haidilao, STORY_NOW)).outcome == "done"
    await shopper.say("海底捞")
    assert "🏪 海底捞火锅" in shopper.texts  # and learnt it again
    assert builds(caplog) == 3
