"""Paying a booking's deposit in chat, on SQLite and PostgreSQL: a Telegram invoice
re-checked before charging, the sandbox page, Stripe's signed webhook; each ends in
the booking confirmed once and its booker told.

The noodle shop asks ¥50 a booking. STORY_NOW is Wednesday 25 November 2026, 12:00 in
Shanghai.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer

from bot.jobs import housekeeping
from bot.payments import pay_with_sandbox
from bot.web import build_web_app
from handlers.booking_deposit import deposit_refund_replies, deposit_replies
from handlers.core import (
    AnswerPreCheckout,
    Incoming,
    PreCheckout,
    Reply,
    Sender,
    SendInvoice,
    SendText,
    SuccessfulPayment,
    Text,
)
from handlers.router import App, Options, Request
from services.bookings.booking import BookingView, booking_view, cancel_booking, expire_holds
from services.bookings.seating import SeatingPlan
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from services.payments.telegram import TelegramProvider
from services.platform.database import Database
from services.platform.users import get_profile
from tests.conftest import STORY_NOW, Chat
from tests.helpers.booking_world import TABLES, book_as, build_booking_world, shanghai
from tests.helpers.checkout_world import World
from tests.helpers.payments import stripe_for
from tests.helpers.runtime import recording, runtime_for

DEPOSIT = 5000


class Clock:
    def __init__(self) -> None:
        self.now = STORY_NOW

    def __call__(self):
        return self.now


async def setting(db: Database, payments: Payments) -> tuple[App, World, Clock]:
    world = await build_booking_world(db, plan=SeatingPlan(tables=TABLES, deposit=DEPOSIT))
    clock = Clock()
    return App(db=db, options=Options(), clock=clock, payments=payments), world, clock


async def held(app: App, world: World, buyer: str = "buyer1") -> BookingView:
    done = await book_as(app.db, world, buyer, 2, shanghai(1, 19), now=app.clock())
    assert done.booking is not None and done.booking.status == "held"
    return done.booking


async def request_of(app: App, world: World, buyer: str = "buyer1") -> Request:
    """A turn of the booker's, as the booking flow has it when `book()` returned."""
    profile = await get_profile(app.db, world.users[buyer])
    assert profile is not None
    telegram_id = world.telegram[buyer]
    incoming = Incoming(Sender(telegram_id, buyer, None, "en"), telegram_id, Text("ok"))
    return Request(app, incoming, user=profile, lang="en")


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies if isinstance(r, SendText))


async def test_a_telegram_invoice_for_a_deposit_is_rechecked_and_paid_once(
        db: Database) -> None:
    app, world, _ = await setting(db, Payments("telegram", {"telegram": TelegramProvider()}))
    booking = await held(app, world)
    replies = await deposit_replies(await request_of(app, world), booking, why="no_shows")
    [invoice] = [r for r in replies if isinstance(r, SendInvoice)]
    assert invoice.payload.startswith(f"booking:{booking.id}:") and invoice.amount == DEPOSIT
    assert "¥50" in text_of(replies) and "three bookings" in text_of(replies)
    chat = Chat(app, user_id=world.telegram["buyer1"], name="buyer1", language_code="en")
    ok = await chat.send(PreCheckout("pc1", invoice.payload, DEPOSIT, "CNY"))
    assert ok == [AnswerPreCheckout("pc1", ok=True)]
    wrong = await chat.send(PreCheckout("pc2", invoice.payload, DEPOSIT - 1, "CNY"))
    assert isinstance(wrong[0], AnswerPreCheckout) and not wrong[0].ok
    forged = await chat.send(PreCheckout("pc3", f"booking:{booking.id}:forgedNonce1", DEPOSIT,
                                         "CNY"))
    assert isinstance(forged[0], AnswerPreCheckout) and not forged[0].ok
    paid = await chat.send(SuccessfulPayment(invoice.payload, DEPOSIT, "CNY", "tg_charge_1"))
    assert "Deposit of ¥50" in text_of(paid) and booking.code in text_of(paid)
    again = await chat.send(SuccessfulPayment(invoice.payload, DEPOSIT, "CNY", "tg_charge_1"))
    assert text_of(again) == ""  # a replay owes nothing new
    view = await booking_view(db, booking.id)
    assert view is not None and view.status == "confirmed" and view.deposit_paid
    answered = await chat.send(PreCheckout("pc4", invoice.payload, DEPOSIT, "CNY"))
    assert isinstance(answered[0], AnswerPreCheckout) and not answered[0].ok
    assert answered[0].error is not None and "already paid" in answered[0].error


async def test_a_telegram_precheckout_for_an_expired_booking_is_refused(db: Database) -> None:
    app, world, clock = await setting(db, Payments("telegram", {"telegram": TelegramProvider()}))
    booking = await held(app, world)
    replies = await deposit_replies(await request_of(app, world), booking)
    [invoice] = [r for r in replies if isinstance(r, SendInvoice)]
    chat = Chat(app, user_id=world.telegram["buyer1"], name="buyer1", language_code="en")
    clock.now = STORY_NOW + timedelta(minutes=15, seconds=1)  # before housekeeping ran
    late = await chat.send(PreCheckout("pc1", invoice.payload, DEPOSIT, "CNY"))
    assert isinstance(late[0], AnswerPreCheckout) and not late[0].ok
    assert late[0].error is not None and "released" in late[0].error
    assert await expire_holds(db, clock.now) == [booking.id]
    gone = await chat.send(PreCheckout("pc2", invoice.payload, DEPOSIT, "CNY"))
    assert isinstance(gone[0], AnswerPreCheckout) and not gone[0].ok


async def sandbox_token(sandbox: SandboxProvider, app: App, world: World,
                        booking: BookingView) -> str:
    """The one-time token of the sandbox page the deposit's Pay button opens."""
    replies = await deposit_replies(await request_of(app, world), booking)
    [url] = [b.url for r in replies if isinstance(r, SendText) for row in r.buttons
             for b in row if b.url]
    token = sandbox.token_in(url or "")
    assert token is not None
    return token


async def test_the_sandbox_page_pays_a_deposit_and_the_booker_hears_it(db: Database) -> None:
    sandbox = SandboxProvider("http://127.0.0.1:8080")
    app, world, clock = await setting(db, Payments("sandbox", {"sandbox": sandbox}))
    booking = await held(app, world)
    token = await sandbox_token(sandbox, app, world, booking)
    runtime = runtime_for(app)
    sent = recording(runtime)
    async with TestClient(TestServer(build_web_app(runtime))) as client:
        page = await client.get(f"/pay/{token}")
        assert page.status == 200 and "¥50" in await page.text()
        assert booking.code in await page.text()
    outcome, _ = await pay_with_sandbox(runtime, token)
    assert outcome == "paid"
    assert [chat for chat, _ in sent] == [world.telegram["buyer1"]]
    assert (await pay_with_sandbox(runtime, token))[0] == "duplicate"
    assert len(sent) == 1
    # Cancelled in time by its booker: the deposit comes back, and they are told.
    closed = await cancel_booking(db, booking.id, STORY_NOW + timedelta(hours=1),
                                  user_id=world.users["buyer1"])
    clock.now = STORY_NOW + timedelta(hours=1)
    told = await deposit_refund_replies(await request_of(app, world), closed.refund_id)
    assert "refunded" in text_of(told) and "cancelled in time" in text_of(told)


async def test_an_unpaid_sandbox_deposit_page_refuses_once_the_hold_ran_out(
        db: Database) -> None:
    sandbox = SandboxProvider("http://127.0.0.1:8080")
    app, world, clock = await setting(db, Payments("sandbox", {"sandbox": sandbox}))
    booking = await held(app, world)
    token = await sandbox_token(sandbox, app, world, booking)
    clock.now = STORY_NOW + timedelta(minutes=16)
    runtime = runtime_for(app)
    assert (await pay_with_sandbox(runtime, token))[0] == "expired"
    view = await booking_view(db, booking.id)
    assert view is not None and view.status == "held" and not view.deposit_paid


async def test_a_stripe_webhook_for_a_deposit_confirms_the_booking_once(db: Database) -> None:
    app, world, clock = await setting(db, Payments("sandbox", {
        "sandbox": SandboxProvider("http://127.0.0.1:8080")}))
    async with stripe_for(app) as stripe_api:
        booking = await held(app, world)
        replies = await deposit_replies(await request_of(app, world), booking)
        view = await booking_view(db, booking.id)
        assert view is not None
        [session_id] = stripe_api.sessions
        assert any(b.url and b.url.startswith(stripe_api.base_url)
                   for r in replies if isinstance(r, SendText) for row in r.buttons for b in row)
        runtime = runtime_for(app)
        sent = recording(runtime)
        async with TestClient(TestServer(build_web_app(runtime))) as client:
            payload, signature = stripe_api.complete(session_id)
            outcomes = []
            for _ in range(2):  # Stripe delivers at least once
                answer = await client.post("/webhooks/stripe", data=payload,
                                           headers={"Stripe-Signature": signature})
                assert answer.status == 200
                outcomes.append((await answer.json())["outcome"])
        assert outcomes == ["paid", "duplicate"]
        assert [chat for chat, _ in sent] == [world.telegram["buyer1"]]
        view = await booking_view(db, booking.id)
        assert view is not None and view.status == "confirmed" and view.deposit_paid
        # The store cancels: the deposit goes back through Stripe.
        closed = await cancel_booking(db, booking.id, shanghai(1, 18),
                                      merchant_id=world.merchant_id)
        clock.now = shanghai(1, 18)
        await deposit_refund_replies(await request_of(app, world), closed.refund_id)
        assert len(stripe_api.refunds) == 1


async def test_housekeeping_releases_an_unpaid_hold_and_tells_its_booker_once(
        db: Database) -> None:
    sandbox = SandboxProvider("http://127.0.0.1:8080")
    app, world, clock = await setting(db, Payments("sandbox", {"sandbox": sandbox}))
    booking = await held(app, world)
    await deposit_replies(await request_of(app, world), booking)
    runtime = runtime_for(app)
    sent = recording(runtime)
    clock.now = STORY_NOW + timedelta(minutes=16)
    report = await housekeeping(runtime)
    assert report["expired_bookings"] == 1
    assert [chat for chat, _ in sent] == [world.telegram["buyer1"]]
    assert "released" in text_of(sent[0][1])  # type: ignore[arg-type]
    clock.now = STORY_NOW + timedelta(minutes=17)
    assert (await housekeeping(runtime))["expired_bookings"] == 0
    assert len(sent) == 1
