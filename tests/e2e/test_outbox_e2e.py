"""End to end: the codes of a paid order are owed through the outbox and reach the
buyer exactly once, whatever dies or fails in between.

- A process pays (the commit that marks the order paid, issues the codes and owes the
  message) and is SIGKILLed before sending anything; `o2o run` started afterwards
  against the Bot API stand-in sends the codes, once. On SQLite and PostgreSQL.
- The stand-in answers the first send of the codes with a 500: the sender puts the
  row back and tries again a few seconds later; the buyer gets one set of codes.
- A row a crash left `sending` (it may have reached the chat) is in doubt after the
  restart and is never sent again, like a push in doubt; /mycodes still shows the codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import update
from sqlmodel import col, select

from benchmarks.push.world import fresh_database
from services.platform.database import Database
from standins import BotApiStandin
from storage.models import Deal, Order, OutboxMessage, User
from tests.conftest import POSTGRES_URL, _postgres_problem, _require_postgres
from tests.e2e.test_payments_e2e import button, free_port
from tests.e2e.test_telegram_e2e import ROOT, TOKEN, stop_without_traceback

pytestmark = pytest.mark.e2e
ANN = 5301


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """The URL of a fresh, migrated database, dropped afterwards."""
    where = "sqlite"
    if request.param == "postgres":
        problem = await _postgres_problem()
        if problem is not None:
            _require_postgres(problem)
        where = POSTGRES_URL
    async with fresh_database(where, "outbox") as url:
        yield url


def _env(url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    env.update(O2O_BOT_TOKEN=TOKEN, O2O_POLLING_TIMEOUT="1", O2O_LOG_FORMAT="json",
               O2O_WEB_PORT="0", O2O_DATABASE_URL=url, PYTHONPATH=str(ROOT))
    env.update({f"O2O_{key.upper()}": value for key, value in settings.items()})
    return env


async def _python(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


@contextlib.asynccontextmanager
async def o2o_run(standin: BotApiStandin, env: dict[str, str],
                  transport: str = "aiogram") -> AsyncIterator[None]:
    """`o2o run` on the database of `env`, stopped with SIGTERM, with no traceback."""
    proc = await _python("-m", "bot.cli", "run", "--api-base", standin.base_url,
                         "--transport", transport, env=env)
    try:
        await standin.wait_for_call("getUpdates", timeout=60)
        yield
    finally:
        await stop_without_traceback(proc)


async def _seed(env: dict[str, str]) -> None:
    seed = await _python("-m", "bot.cli", "seed", "demo", env=env)
    _, err = await asyncio.wait_for(seed.communicate(), timeout=120)
    assert seed.returncode == 0, err.decode()


async def _outbox(url: str) -> list[tuple[str, str, int]]:
    """What is owed to Ann (the demo's shoppers are owed their own news)."""
    db = Database(url)
    try:
        async with db.session() as session:
            rows = (await session.exec(select(OutboxMessage.kind, OutboxMessage.status,
                                              OutboxMessage.attempts)
                                       .where(OutboxMessage.chat_id == ANN))).all()
            return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        await db.dispose()


async def _order_status(url: str) -> str:
    db = Database(url)
    try:
        async with db.session() as session:
            return (await session.exec(
                select(Order.status).join(User, col(User.id) == col(Order.user_id))
                .where(User.telegram_id == ANN))).one()
    finally:
        await db.dispose()


async def _pay_and_crash(url: str, env: dict[str, str]) -> None:
    child = await _python("-m", "tests.helpers.outbox_crash_child", url, str(ANN), "cw-single",
                          env=env)
    out, err = await asyncio.wait_for(child.communicate(), timeout=120)
    assert child.returncode == -9, err.decode()[-2000:]  # SIGKILL, after the commit
    assert b"paid order" in out


async def test_killed_between_the_payment_commit_and_the_send_the_buyer_gets_the_codes_once(
    standin: BotApiStandin, database_url: str,
) -> None:
    env = _env(database_url)
    await _seed(env)
    ann = standin.user(ANN, first_name="Ann", language_code="zh")
    await _pay_and_crash(database_url, env)
    assert await _outbox(database_url) == [("codes", "pending", 0)]  # owed, not sent
    assert await _order_status(database_url) == "paid"

    async with o2o_run(standin, env):
        await ann.wait_for(lambda m: "已支付" in (m.text or ""), timeout=30)
        await ann.wait_for(lambda m: "/mycodes" in (m.text or "") or bool(m.buttons),
                           timeout=10)
        await asyncio.sleep(4)  # another round of the sender: nothing more
    headers = [m for m in ann.messages if "已支付" in (m.text or "")]
    assert len(headers) == 1
    assert sum(m.kind == "photo" for m in ann.messages) == 2  # two codes, each once
    assert await _outbox(database_url) == [("codes", "sent", 1)]
    assert await _order_status(database_url) == "fulfilled"


async def test_a_row_left_sending_by_a_crash_is_in_doubt_and_never_sent_again(
    standin: BotApiStandin, database_url: str,
) -> None:
    env = _env(database_url)
    await _seed(env)
    ann = standin.user(ANN, first_name="Ann", language_code="zh")
    await _pay_and_crash(database_url, env)
    db = Database(database_url)
    try:  # as if the sender had claimed it and died with the message on the wire
        async with db.begin() as conn:
            await conn.execute(update(OutboxMessage).values(status="sending", attempts=1))
    finally:
        await db.dispose()

    async with o2o_run(standin, env):
        await standin.wait_for_call("setMyCommands", timeout=30)
        await asyncio.sleep(4)
        assert not any("已支付" in (m.text or "") for m in ann.messages)
        await ann.send("/mycodes")  # the buyer can always see what they paid for
        codes = await ann.wait_for(lambda m: "未使用" in (m.text or ""), timeout=20)
        assert (codes.text or "").count("未使用") == 2
    assert await _outbox(database_url) == [("codes", "in_doubt", 1)]
    assert await _order_status(database_url) == "paid"  # not known to have arrived


@pytest.mark.parametrize("transport", ["aiogram", "ptb"])
async def test_a_500_on_the_first_send_of_the_codes_is_tried_again_and_arrives_once(
    standin: BotApiStandin, tmp_path: object, transport: str,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/e2e.db"
    port = free_port()
    env = _env(url, web_port=str(port), public_url=f"http://127.0.0.1:{port}")
    await _seed(env)
    ann = standin.user(ANN, first_name="Ann", language_code="zh")
    async with o2o_run(standin, env, transport):
        db = Database(url)
        try:
            async with db.session() as session:
                deal_id = (await session.exec(select(Deal.id).where(Deal.key == "cw-single"))
                           ).one()
        finally:
            await db.dispose()
        await ann.send(f"/start deal_{deal_id}")
        card = await ann.wait_for(lambda m: any("🛒" in b["text"] for r in m.buttons for b in r))
        await ann.press(card, button(card, "🛒"))
        ask = await ann.wait_for(lambda m: "要买几份" in (m.text or ""), timeout=10)
        await ann.press(ask, "1")
        order = await ann.wait_for(lambda m: any(b.get("url") for r in m.buttons for b in r),
                                   timeout=10)
        pay_url = next(b["url"] for r in order.buttons for b in r if b.get("url"))
        standin.inject_error("sendMessage", 500, "Internal Server Error", chat_id=ANN)
        async with (aiohttp.ClientSession() as http,
                    http.post(pay_url) as paid):
            assert paid.status == 200
        await ann.wait_for(lambda m: "已支付" in (m.text or ""), timeout=30)
        await asyncio.sleep(4)
    assert sum("已支付" in (m.text or "") for m in ann.messages) == 1
    assert sum(m.kind == "photo" for m in ann.messages) == 1
    failed = [c for c in standin.calls_to("sendMessage") if not c.ok]
    assert len(failed) == 1  # the 500 happened, and the codes still came once
    assert await _order_status(url) == "fulfilled"
