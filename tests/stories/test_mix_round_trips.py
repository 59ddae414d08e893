"""Stories about what the steps of `o2o bench load`'s mix cost the database.

A new shopper starts, types 火锅, shares their location, opens a result, buys one, pays
in the sandbox and has the code redeemed by the merchant's staff. Each step is counted
on the engine (`benchmarks.roundtrips.counting`: statements sent to the driver), and no
step may open an ORM session: sessions cost several times a prebuilt Core read
(docs/architecture.md, "Hot paths"). Counting is deterministic, unlike timing.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Awaitable, Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import select

from benchmarks.roundtrips import RoundTrips, counting
from bot.web import pay_with_sandbox
from handlers.payloads import ShowDeal
from handlers.router import App
from services.platform.users import demo_telegram_id
from storage.models import Deal, Merchant, RedemptionCode, Store, User
from tests.conftest import Chat
from tests.helpers.runtime import recording, runtime_for

# Statements per step, at most (PostgreSQL joins a payment's writes into one statement;
# SQLite sends them one by one).
MOST_STATEMENTS = {
    "postgresql": {"start": 5, "search": 3, "location": 7, "result": 6, "buy": 4,
                   "quantity": 6, "pay": 13},
    "sqlite": {"start": 5, "search": 3, "location": 7, "result": 6, "buy": 4,
               "quantity": 7, "pay": 20},
}


@contextlib.contextmanager
def orm_sessions() -> Iterator[list[str]]:
    """The ORM sessions that begin a transaction while the block runs (by any engine)."""
    begun: list[str] = []

    def on_begin(session: Any, _transaction: Any, _connection: Any) -> None:
        begun.append(repr(session))

    event.listen(Session, "after_begin", on_begin)
    try:
        yield begun
    finally:
        event.remove(Session, "after_begin", on_begin)


class Story:
    """One step after another, each counted."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.statements: dict[str, int] = {}
        self.sql: dict[str, list[str]] = {}
        self.sessions: collections.Counter[str] = collections.Counter()

    async def step(self, name: str, doing: Awaitable[Any]) -> Any:
        counts: RoundTrips
        with counting(self.app.db, keep_sql=True) as counts, orm_sessions() as begun:
            done = await doing
        self.statements[name] = counts.statements
        self.sql[name] = list(counts.sql or [])
        self.sessions[name] += len(begun)
        return done


async def haidilao(app: App) -> tuple[set[int], tuple[float, float]]:
    """Haidilao's deals without a stock limit or a group, and where its first store is."""
    async with app.db.session() as session:
        deals = set((await session.exec(
            select(Deal.id).join(Merchant, Merchant.id == Deal.merchant_id)  # type: ignore[arg-type]
            .where(Merchant.slug == "haidilao", Deal.stock.is_(None),  # type: ignore[union-attr]
                   Deal.group_size.is_(None)))).all())  # type: ignore[union-attr]
        place = (await session.exec(
            select(Store.lat, Store.lon).join(Merchant, Merchant.id == Store.merchant_id)  # type: ignore[arg-type]
            .where(Merchant.slug == "haidilao").order_by(Store.id))).first()
    assert deals and place is not None
    return deals, (float(place[0]), float(place[1]))


async def test_a_new_shoppers_mix_story_opens_no_orm_session_and_few_statements(
    app: App,
) -> None:
    deals, (lat, lon) = await haidilao(app)
    await Chat(app, user_id=6000, name="Warm").say("火锅")  # the parser's vocabulary loads
    story = Story(app)
    shopper = Chat(app, user_id=6001, name="Mia 🍲")

    await story.step("start", shopper.say("/start"))
    assert "Mia 🍲，你好" in shopper.texts
    await story.step("search", shopper.say("火锅"))
    results = [b.data for b, _ in shopper.buttons if b.data and b.data.startswith("d:")]
    await story.step("location", shopper.share_location(lat, lon))
    assert "位置" in shopper.texts
    pressed = next(d for d in results if (s := ShowDeal.unpack(d)) and s.deal_id in deals)
    await story.step("result", shopper.press_data(pressed))
    await story.step("buy", shopper.press("🛒"))
    if "1" in shopper.button_texts:
        await story.step("quantity", shopper.press("1"))
    else:  # one a person: Buy opened the order already
        story.statements["quantity"] = 0
    pay = next(b.url for b, _ in shopper.buttons if b.url)
    runtime = runtime_for(app)
    sent = recording(runtime)
    token = app.payments.get("sandbox").token_in(pay)  # type: ignore[union-attr]
    outcome, _ = await story.step("pay", pay_with_sandbox(runtime, token or ""))
    assert outcome == "paid"
    [(chat_id, codes)] = sent
    assert chat_id == shopper.sender.id and "已支付" in codes[0].text  # type: ignore[attr-defined]
    async with app.db.session() as session:
        code = (await session.exec(select(RedemptionCode.code))).one()
    staff = Chat(app, user_id=demo_telegram_id("haidilao-staff"), name="haidilao-staff")
    await story.step("staff check", staff.say(f"/start r_{code}"))
    assert "券码有效" in staff.texts
    await story.step("staff redeem", staff.press(1))
    assert "核销成功" in staff.texts

    assert sum(story.sessions.values()) == 0, story.sessions
    most = MOST_STATEMENTS[app.db.dialect]
    over = {step: (count, most[step], story.sql[step])
            for step, count in story.statements.items() if step in most and count > most[step]}
    assert not over, over


async def test_a_renamed_shopper_is_greeted_by_the_new_name_cut_to_fit(app: App) -> None:
    first = Chat(app, user_id=6101, name="Ann")
    await first.say("/start")
    assert "Ann，你好" in first.texts
    for name in ("安妮 🌸", "x" * 500, "Robert'); DROP TABLE users;--", ""):
        renamed = Chat(app, user_id=6101, name=name)
        await renamed.say("/start")
        assert f"{name[:128]}，你好" in renamed.texts or not name
    async with app.db.session() as session:
        user = (await session.exec(select(User).where(User.telegram_id == 6101))).one()
    assert user.first_name == ""  # the last name given, whatever it was


async def test_many_sandbox_payments_at_once_all_deliver_their_codes(app: App) -> None:
    # The sandbox page is not bounded as chat turns are: forty buyers press Pay at the
    # same moment. Every one is paid and gets their codes (none waits for a database
    # connection that another payment holds while it waits for SQLite's writer).
    async with app.db.session() as session:
        deal = (await session.exec(select(Deal.id).where(Deal.key == "hdl-four"))).one()
    buyers = [Chat(app, user_id=6200 + n, name=f"b{n}") for n in range(40)]
    for buyer in buyers:
        await buyer.say(f"/start deal_{deal}")
        await buyer.press("🛒")
    runtime = runtime_for(app)
    sent = recording(runtime)
    sandbox = app.payments.get("sandbox")
    tokens = [sandbox.token_in(next(b.url for b, _ in buyer.buttons if b.url))  # type: ignore[union-attr]
              for buyer in buyers]
    outcomes = await asyncio.wait_for(asyncio.gather(
        *(pay_with_sandbox(runtime, token or "") for token in tokens)), timeout=60)
    assert [outcome for outcome, _ in outcomes] == ["paid"] * 40
    assert sorted(chat for chat, _ in sent) == [buyer.sender.id for buyer in buyers]
