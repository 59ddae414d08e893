"""Stories of paying with Stripe Checkout, told against the local Stripe stand-in.

The official `stripe` SDK talks HTTP to `standins.stripe_api.StripeStandIn` on
127.0.0.1; no test reaches the internet. The stand-in plays the buyer too: `complete`
marks a session paid and signs the webhook Stripe would send.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from services.payments.base import Checkout, PaymentError, PaymentNotice, WebhookError
from services.payments.stripe_provider import StripeProvider
from standins.stripe_api import StripeStandIn

SECRET_KEY = "sk_test_standin"
WEBHOOK_SECRET = "whsec_standin"
PUBLIC_URL = "http://127.0.0.1:8080"


@pytest.fixture
async def stripe_api() -> AsyncIterator[StripeStandIn]:
    api = StripeStandIn(SECRET_KEY, WEBHOOK_SECRET)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def make_provider(stripe_api: StripeStandIn
                        ) -> AsyncIterator[Callable[..., StripeProvider]]:
    made: list[StripeProvider] = []

    def make(**overrides: Any) -> StripeProvider:
        settings: dict[str, Any] = {
            "secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET,
            "api_base": stripe_api.base_url, "public_url": PUBLIC_URL,
            "max_network_retries": 0, **overrides,
        }
        provider = StripeProvider(**settings)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()


@pytest.fixture
def provider(make_provider: Callable[..., StripeProvider]) -> StripeProvider:
    return make_provider()


def hotpot_order(order_id: int = 7, *, quantity: int = 2, amount: int = 17_800,
                 hold_minutes: int = 15) -> Checkout:
    return Checkout(
        order_id=order_id, title="双人火锅套餐", description="周一至周日可用",
        quantity=quantity, amount=amount, currency="CNY",
        expires_at=datetime.now(UTC) + timedelta(minutes=hold_minutes),
        user_telegram_id=4242,
    )


async def paid_order(provider: StripeProvider, stripe_api: StripeStandIn,
                     order: Checkout | None = None) -> PaymentNotice:
    link = await provider.create_link(order or hotpot_order())
    payload, signature = stripe_api.complete(link.provider_ref)
    notice = provider.parse_webhook(payload, signature)
    assert notice is not None
    return notice


# ---------------------------------------------------------------- creating a session


async def test_a_buyer_gets_a_stripe_page_asking_for_the_orders_amount(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    link = await provider.create_link(hotpot_order(order_id=7, quantity=2, amount=17_800))

    assert link.provider == "stripe"
    assert link.provider_ref.startswith("cs_test_")
    assert link.url == f"{stripe_api.base_url}/pay/{link.provider_ref}"
    (sent,) = stripe_api.requests_to("POST", "/v1/checkout/sessions")
    assert sent.status == 200
    assert sent.idempotency_key == "order-7-checkout"
    params = sent.params
    assert params["mode"] == "payment"
    (item,) = params["line_items"]
    assert item["quantity"] == "2"
    assert item["price_data"]["unit_amount"] == "8900"
    assert item["price_data"]["currency"] == "cny"
    assert item["price_data"]["product_data"]["name"] == "双人火锅套餐"
    assert params["client_reference_id"] == "7"
    assert params["metadata"] == {"order_id": "7"}
    assert params["payment_intent_data"] == {"metadata": {"order_id": "7"}}
    assert params["success_url"] == f"{PUBLIC_URL}/pay/done"
    assert params["cancel_url"] == f"{PUBLIC_URL}/pay/cancelled"
    session = stripe_api.sessions[link.provider_ref]
    assert (session["amount_total"], session["currency"]) == (17_800, "cny")
    assert session["status"] == "open" and session["payment_status"] == "unpaid"


async def test_a_total_that_does_not_split_evenly_is_one_line_of_the_whole_amount(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    link = await provider.create_link(hotpot_order(quantity=3, amount=10_000))

    (item,) = stripe_api.requests_to("POST", "/v1/checkout/sessions")[0].params["line_items"]
    assert (item["quantity"], item["price_data"]["unit_amount"]) == ("1", "10000")
    assert stripe_api.sessions[link.provider_ref]["amount_total"] == 10_000


async def test_a_short_stock_hold_still_gives_stripe_its_thirty_minutes(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    short = await provider.create_link(hotpot_order(order_id=1, hold_minutes=5))
    long = await provider.create_link(hotpot_order(order_id=2, hold_minutes=120))

    now = time.time()
    assert stripe_api.sessions[short.provider_ref]["expires_at"] >= now + 30 * 60
    assert stripe_api.sessions[long.provider_ref]["expires_at"] >= now + 120 * 60 - 5


async def test_asking_twice_for_the_same_order_gives_the_same_session(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    first = await provider.create_link(hotpot_order(order_id=9))
    again = await provider.create_link(hotpot_order(order_id=9))

    assert again == first
    assert len(stripe_api.sessions) == 1
    assert [r.idempotency_key for r in stripe_api.requests] == ["order-9-checkout"] * 2


async def test_a_retry_minutes_later_still_finds_the_first_session(
    make_provider: Callable[..., StripeProvider], stripe_api: StripeStandIn,
) -> None:
    order = hotpot_order(order_id=11)
    first = await make_provider().create_link(order)
    later = make_provider(clock=lambda: datetime.now(UTC) + timedelta(minutes=7))

    again = await later.create_link(order)

    assert again == first
    assert len(stripe_api.sessions) == 1


async def test_a_wrong_api_key_is_a_payment_error(
    make_provider: Callable[..., StripeProvider], stripe_api: StripeStandIn,
) -> None:
    provider = make_provider(secret_key="sk_test_wrong_key_0000")

    with pytest.raises(PaymentError, match="API key"):
        await provider.create_link(hotpot_order())
    assert stripe_api.requests[-1].status == 401
    assert stripe_api.sessions == {}


async def test_stripe_out_of_reach_is_a_payment_error(
    make_provider: Callable[..., StripeProvider],
) -> None:
    provider = make_provider(api_base="http://127.0.0.1:9")  # discard port: nobody there

    with pytest.raises(PaymentError, match="could not reach Stripe"):
        await provider.create_link(hotpot_order())


async def test_an_order_stripe_refuses_is_a_payment_error(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    too_dear = hotpot_order(quantity=1, amount=100_000_000)  # over Stripe's 8 digits

    with pytest.raises(PaymentError, match="refused the checkout"):
        await provider.create_link(too_dear)


def test_a_provider_without_keys_is_refused_at_once() -> None:
    with pytest.raises(PaymentError):
        StripeProvider("", WEBHOOK_SECRET, "http://127.0.0.1:1", PUBLIC_URL)
    with pytest.raises(PaymentError):
        StripeProvider(SECRET_KEY, " ", "http://127.0.0.1:1", PUBLIC_URL)


# ---------------------------------------------------------------- the stand-in itself


async def test_the_stand_in_answers_bad_requests_the_way_stripe_does(
    stripe_api: StripeStandIn,
) -> None:
    url = f"{stripe_api.base_url}/v1/checkout/sessions"
    auth = {"Authorization": f"Bearer {SECRET_KEY}"}
    form = {"mode": "payment", "success_url": "http://127.0.0.1/ok",
            "line_items[0][quantity]": "1",
            "line_items[0][price_data][unit_amount]": "100",
            "line_items[0][price_data][product_data][name]": "Tea"}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=form) as response:
            assert response.status == 401
            assert (await response.json())["error"]["type"] == "invalid_request_error"
        async with http.post(url, data=form, headers=auth) as response:
            assert response.status == 400
            error = (await response.json())["error"]
        async with http.post(url, data={**form, "colour": "red"}, headers=auth) as response:
            unknown = (await response.json())["error"]
        async with http.get(f"{url}/cs_test_nope", headers=auth) as response:
            assert response.status == 404
            missing = (await response.json())["error"]

    assert error["type"] == "invalid_request_error"
    assert error["code"] == "parameter_missing"
    assert error["param"] == "line_items[0][price_data][currency]"
    assert unknown["code"] == "parameter_unknown"
    assert missing["code"] == "resource_missing"


async def test_the_stand_in_refuses_an_idempotency_key_reused_for_other_parameters(
    stripe_api: StripeStandIn,
) -> None:
    url = f"{stripe_api.base_url}/v1/refunds"
    headers = {"Authorization": f"Bearer {SECRET_KEY}", "Idempotency-Key": "k1"}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data={"payment_intent": "pi_x"}, headers=headers) as first:
            assert first.status == 404  # not saved: a refusal is not a result
        link_id = await _open_session(http, stripe_api)
        stripe_api.complete(link_id)
        intent = stripe_api.sessions[link_id]["payment_intent"]
        async with http.post(url, data={"payment_intent": intent, "amount": "10"},
                             headers=headers) as ok:
            assert ok.status == 200
        async with http.post(url, data={"payment_intent": intent, "amount": "10"},
                             headers=headers) as replay:
            assert replay.headers["Idempotent-Replayed"] == "true"
        async with http.post(url, data={"payment_intent": intent, "amount": "20"},
                             headers=headers) as other:
            assert other.status == 400
            assert (await other.json())["error"]["type"] == "idempotency_error"
    assert len(stripe_api.refunds) == 1


async def _open_session(http: aiohttp.ClientSession, stripe_api: StripeStandIn) -> str:
    form = {"mode": "payment", "success_url": "http://127.0.0.1/ok",
            "line_items[0][quantity]": "1",
            "line_items[0][price_data][currency]": "cny",
            "line_items[0][price_data][unit_amount]": "100",
            "line_items[0][price_data][product_data][name]": "Tea"}
    async with http.post(f"{stripe_api.base_url}/v1/checkout/sessions", data=form,
                         headers={"Authorization": f"Bearer {SECRET_KEY}"}) as response:
        assert response.status == 200, await response.text()
        return str((await response.json())["id"])


# ---------------------------------------------------------------- webhooks


async def test_a_signed_completed_event_says_which_order_was_paid(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    link = await provider.create_link(hotpot_order(order_id=7, amount=17_800))
    payload, signature = stripe_api.complete(link.provider_ref)

    notice = provider.parse_webhook(payload, signature)

    intent = stripe_api.sessions[link.provider_ref]["payment_intent"]
    assert intent.startswith("pi_")
    assert notice == PaymentNotice(provider="stripe", order_id=7, amount=17_800,
                                   currency="CNY", charge_id=intent,
                                   provider_ref=link.provider_ref)


async def test_the_webhook_arrives_over_http_like_stripe_delivers_it(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    received: list[PaymentNotice | None] = []

    async def webhook(request: web.Request) -> web.Response:
        try:
            received.append(provider.parse_webhook(await request.read(),
                                                   request.headers.get("Stripe-Signature", "")))
        except WebhookError as exc:
            return web.Response(status=400, text=str(exc))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/webhooks/stripe", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        link = await provider.create_link(hotpot_order(order_id=12))
        stripe_api.complete(link.provider_ref)
        status, _ = await stripe_api.post_webhook(f"http://127.0.0.1:{port}/webhooks/stripe")
    finally:
        await runner.cleanup()

    assert status == 200
    assert [n.order_id for n in received if n] == [12]


async def test_a_webhook_signed_with_another_secret_is_refused(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    link = await provider.create_link(hotpot_order())
    payload, _ = stripe_api.complete(link.provider_ref)

    with pytest.raises(WebhookError, match="signature"):
        provider.parse_webhook(payload, stripe_api.sign(payload, secret="whsec_forged"))
    with pytest.raises(WebhookError, match="signature"):
        provider.parse_webhook(payload, "")
    with pytest.raises(WebhookError, match="signature"):
        provider.parse_webhook(payload, "garbage")


async def test_a_payload_altered_after_signing_is_refused(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    link = await provider.create_link(hotpot_order(amount=17_800))
    payload, signature = stripe_api.complete(link.provider_ref)
    cheaper = payload.replace(b'"amount_total": 17800', b'"amount_total": 1')
    assert cheaper != payload

    with pytest.raises(WebhookError, match="signature"):
        provider.parse_webhook(cheaper, signature)


async def test_an_old_webhook_played_again_is_refused(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    link = await provider.create_link(hotpot_order())
    stripe_api.complete(link.provider_ref)
    session = stripe_api.sessions[link.provider_ref]
    six_minutes_ago = int(time.time()) - 6 * 60
    payload, signature = stripe_api.signed_event("checkout.session.completed", session,
                                                 timestamp=six_minutes_ago)

    with pytest.raises(WebhookError, match="signature"):
        provider.parse_webhook(payload, signature)
    # Four minutes old is still within Stripe's five-minute tolerance.
    fresh_enough = stripe_api.sign(payload, timestamp=int(time.time()) - 4 * 60)
    assert provider.parse_webhook(payload, fresh_enough) is not None


def test_an_empty_body_is_refused(provider: StripeProvider, stripe_api: StripeStandIn) -> None:
    with pytest.raises(WebhookError):
        provider.parse_webhook(b"", stripe_api.sign(b""))


@pytest.mark.parametrize("body", [b"not json at all", b"[1, 2]", b"null", b"\xff\xfe"])
def test_a_signed_body_that_is_no_event_is_refused(
    provider: StripeProvider, stripe_api: StripeStandIn, body: bytes,
) -> None:
    signature = stripe_api.sign(body) if body != b"\xff\xfe" else "t=1,v1=00"
    with pytest.raises(WebhookError):
        provider.parse_webhook(body, signature)


@pytest.mark.parametrize("reference, metadata", [
    (None, {}),
    ("", {}),
    ("seven", {}),
    ("7", {"order_id": "8"}),
    ("-7", {}),
    ("1_000", {}),
])
def test_a_paid_session_without_a_clean_order_id_is_refused(
    provider: StripeProvider, stripe_api: StripeStandIn, reference: str | None,
    metadata: dict[str, str],
) -> None:
    session = {"id": "cs_test_x", "object": "checkout.session", "amount_total": 100,
               "currency": "cny", "payment_status": "paid", "payment_intent": "pi_x",
               "client_reference_id": reference, "metadata": metadata}
    payload, signature = stripe_api.signed_event("checkout.session.completed", session)

    with pytest.raises(WebhookError, match="order id"):
        provider.parse_webhook(payload, signature)


def test_the_order_id_may_come_from_metadata_alone(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    session = {"id": "cs_test_x", "object": "checkout.session", "amount_total": 100,
               "currency": "cny", "payment_status": "paid", "payment_intent": "pi_x",
               "client_reference_id": None, "metadata": {"order_id": "31"}}
    payload, signature = stripe_api.signed_event(
        "checkout.session.async_payment_succeeded", session)

    notice = provider.parse_webhook(payload, signature)

    assert notice is not None and notice.order_id == 31 and notice.charge_id == "pi_x"


async def test_events_about_other_things_are_acknowledged_and_ignored(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    link = await provider.create_link(hotpot_order())
    unpaid = dict(stripe_api.sessions[link.provider_ref])

    assert provider.parse_webhook(*stripe_api.signed_event(
        "payment_intent.created", {"id": "pi_x", "object": "payment_intent"})) is None
    assert provider.parse_webhook(*stripe_api.expire(link.provider_ref)) is None
    # A completed session still waiting for a delayed payment method is no payment yet.
    assert provider.parse_webhook(*stripe_api.signed_event(
        "checkout.session.completed", unpaid)) is None


def test_an_event_body_is_json_with_the_session_inside(stripe_api: StripeStandIn) -> None:
    payload = stripe_api.event("checkout.session.completed", {"id": "cs_test_x"})
    event = json.loads(payload)
    assert event["object"] == "event"
    assert event["data"]["object"]["id"] == "cs_test_x"


# ---------------------------------------------------------------- closing a session


async def test_closing_an_order_expires_its_session_so_it_can_no_longer_be_paid(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    link = await provider.create_link(hotpot_order())

    assert await provider.close(link.provider_ref)

    (sent,) = stripe_api.requests_to("POST", f"/v1/checkout/sessions/{link.provider_ref}/expire")
    assert sent.status == 200 and sent.response["status"] == "expired"
    assert stripe_api.sessions[link.provider_ref]["status"] == "expired"
    with pytest.raises(ValueError, match="not open"):
        stripe_api.complete(link.provider_ref)
    assert await provider.close(link.provider_ref)  # closed already: still closed
    again = stripe_api.requests_to("POST", f"/v1/checkout/sessions/{link.provider_ref}/expire")
    assert again[-1].status == 400
    assert 'Only Checkout Sessions with a status in ["open"]' in (
        again[-1].response["error"]["message"])


async def test_a_session_paid_before_it_could_be_closed_says_so(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    link = await provider.create_link(hotpot_order())
    stripe_api.complete(link.provider_ref)

    assert not await provider.close(link.provider_ref)  # the webhook will refund it
    assert not await provider.close("cs_test_unknown")
    assert not await provider.close("order:1:abcdefgh")  # not a Stripe session at all


# ---------------------------------------------------------------- refunds


async def test_a_paid_order_is_refunded(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    notice = await paid_order(provider, stripe_api)

    outcome = await provider.refund(notice.charge_id, notice.amount, notice.currency,
                                    user_telegram_id=4242, idempotency_key="refund-7")

    assert outcome.ok and outcome.reference.startswith("re_")
    refund = stripe_api.refunds[outcome.reference]
    assert (refund["amount"], refund["payment_intent"]) == (notice.amount, notice.charge_id)
    assert stripe_api.requests[-1].idempotency_key == "refund-7"


async def test_a_refund_retried_with_its_key_gives_money_back_once(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    notice = await paid_order(provider, stripe_api)

    first = await provider.refund(notice.charge_id, 5_000, "CNY", user_telegram_id=4242,
                                  idempotency_key="refund-7-a")
    again = await provider.refund(notice.charge_id, 5_000, "CNY", user_telegram_id=4242,
                                  idempotency_key="refund-7-a")

    assert first.ok and again == first
    assert len(stripe_api.refunds) == 1
    assert stripe_api.payment_intents[notice.charge_id]["amount_refunded"] == 5_000


async def test_refunding_more_than_was_paid_is_refused_politely(
    provider: StripeProvider, stripe_api: StripeStandIn,
) -> None:
    notice = await paid_order(provider, stripe_api)

    twice = await provider.refund(notice.charge_id, 2 * notice.amount, "CNY",
                                  user_telegram_id=4242, idempotency_key="refund-too-much")
    whole = await provider.refund(notice.charge_id, notice.amount, "CNY",
                                  user_telegram_id=4242, idempotency_key="refund-whole")
    more = await provider.refund(notice.charge_id, 1, "CNY",
                                 user_telegram_id=4242, idempotency_key="refund-more")

    assert not twice.ok and "greater than unrefunded amount" in twice.error
    assert whole.ok
    assert not more.ok and "already been refunded" in more.error
    assert stripe_api.payment_intents[notice.charge_id]["amount_refunded"] == notice.amount


async def test_refunding_a_payment_stripe_never_saw_is_refused(
    provider: StripeProvider,
) -> None:
    outcome = await provider.refund("pi_unknown", 100, "CNY", user_telegram_id=1,
                                    idempotency_key="refund-unknown")
    nothing = await provider.refund("pi_unknown", 0, "CNY", user_telegram_id=1,
                                    idempotency_key="refund-zero")

    assert not outcome.ok and "No such payment_intent" in outcome.error
    assert not nothing.ok


async def test_a_refund_with_a_wrong_api_key_is_a_payment_error(
    make_provider: Callable[..., StripeProvider],
) -> None:
    provider = make_provider(secret_key="sk_test_wrong_key_0000")

    with pytest.raises(PaymentError, match="API key"):
        await provider.refund("pi_x", 100, "CNY", user_telegram_id=1, idempotency_key="k")
