"""The bot's web server (aiohttp): the sandbox payment page, provider webhooks, /healthz.

  GET  /healthz              200 {"ok": true} when the database answers, else 503 (the
                             worker recovers by itself once it answers again); with
                             Redis, whether it answers too (a worker serves without it)
  GET  /metrics              this process's metrics, Prometheus text (`bot.metrics`)
  GET  /pay/<token>          the sandbox payment page of one order (clearly a sandbox)
  POST /pay/<token>          "Pay": completes that order, codes go to the buyer's chat;
                             refused (409, nothing charged) once the order is cancelled
                             or its hold ran out
  GET  /pay/done, /pay/cancelled   where Stripe Checkout sends the browser back
  POST /webhooks/stripe      Stripe's signed events (bad signatures and replays refused)
  /app/...                   the Mini App storefront and its JSON calls (`bot.miniapp`)
  POST <webhook_path>        Telegram's updates, with `o2o run --webhook` (`bot.webhook`)

Every path that completes a payment ends in `services.orders.settlement.settle`, the same
use case Telegram's successful_payment uses, so each charge applies once; the codes it
owes go out through the outbox (`bot.outbox`). Paying a sandbox order is
`bot.payments.pay_with_sandbox`, which the console shell's Pay button uses too.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import structlog
from aiohttp import web
from sqlalchemy import text

from bot.metrics import metrics
from bot.miniapp import add_miniapp_routes
from bot.payments import (
    REFUSED,
    deliver_settlement,
    deposit_refusal,
    page_answer,
    pay_with_sandbox,
    refusal,
    sandbox_answer,
    translator,
)
from bot.runtime import Runtime
from handlers.format import local_datetime
from handlers.i18n import Translator
from services.bookings.deposits import booking_by_ref
from services.orders.checkout import order_by_ref
from services.orders.settlement import settle
from services.payments import WebhookError
from services.payments.sandbox import NAME as SANDBOX
from services.platform.money import format_money
from storage.models import OrderStatus

__all__ = ["build_web_app", "page_answer", "pay_with_sandbox", "sandbox_answer", "start_web"]

log = structlog.get_logger("o2o.web")
RUNTIME = web.AppKey("runtime", Runtime)


def _page(title: str, body: str, lang: str) -> web.Response:
    return web.Response(
        content_type="text/html", charset="utf-8",
        text=(f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
              '<meta name="viewport" content="width=device-width, initial-scale=1">'
              f"<title>{html.escape(title)}</title><style>"
              "body{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}"
              ".sandbox{background:#fff3cd;border:2px dashed #c90;padding:.6rem;"
              "font-weight:bold}button{font-size:1.2rem;padding:.6rem 2rem}"
              f"</style></head><body>{body}</body></html>"),
    )


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        async with runtime.db.session() as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    except Exception as exc:  # the database is down: say so, don't crash
        log.warning("health check failed", error=str(exc))
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)
    answer = {"ok": True, "database": "ok"}
    if runtime.redis is not None:
        try:
            await runtime.redis.ping()
            answer["redis"] = "ok"
        except Exception:  # sending paces itself meanwhile: still healthy
            answer["redis"] = "unreachable"
    return web.json_response(answer)


async def pay_page(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    token = request.match_info["token"]
    order = await order_by_ref(runtime.db, SANDBOX, token)
    if order is None:
        return await _deposit_page(runtime, token)
    t = await translator(runtime, order)
    total = format_money(order.total, order.currency, t.lang)
    unit = format_money(order.unit_price, order.currency, t.lang)
    refused = refusal(order, runtime.app.clock())
    if refused is not None:
        body = f"<p>{html.escape(sandbox_answer(refused, t.lang))}</p>"
        return _page(t("web-pay-title"), body, t.lang)
    if order.status != OrderStatus.PENDING:
        paid = order.status in (OrderStatus.PAID, OrderStatus.FULFILLED)
        body = f"<p>{html.escape(t('web-pay-paid' if paid else 'web-pay-closed'))}</p>"
        return _page(t("web-pay-title"), body, t.lang)
    body = (
        f'<p class="sandbox">{html.escape(t("web-pay-sandbox"))}</p>'
        f"<h1>{html.escape(order.deal_title.get(t.lang))}</h1>"
        f"<p>{order.quantity} × {html.escape(unit)}"
        f" = <b>{html.escape(total)}</b></p>"
        f'<form method="post"><button type="submit">'
        f'{html.escape(t("pay-button", total=total))}</button></form>'
    )
    return _page(t("web-pay-title"), body, t.lang)


async def _deposit_page(runtime: Runtime, token: str) -> web.Response:
    """The sandbox page of a booking's deposit (or the unknown page)."""
    booking = await booking_by_ref(runtime.db, SANDBOX, token)
    t = await translator(runtime, booking)
    if booking is None:
        return _page(t("web-pay-title"), f"<p>{html.escape(t('web-pay-unknown'))}</p>", t.lang)
    refused = deposit_refusal(booking, runtime.app.clock())
    if refused is not None or booking.deposit_paid:
        answer = sandbox_answer(refused, t.lang) if refused else t("web-pay-paid")
        return _page(t("web-pay-title"), f"<p>{html.escape(answer)}</p>", t.lang)
    total = format_money(booking.deposit, booking.currency, t.lang)
    what = t("deposit-booking", store=booking.store_name.get(t.lang),
             when=local_datetime(booking.starts_at, booking.timezone),
             party=str(booking.party), code=booking.code)
    body = (
        f'<p class="sandbox">{html.escape(t("web-pay-sandbox"))}</p>'
        f"<h1>{html.escape(t('deposit-title', store=booking.store_name.get(t.lang)))}</h1>"
        f"<p>{html.escape(t('web-pay-deposit', what=what))}: <b>{html.escape(total)}</b></p>"
        f'<form method="post"><button type="submit">'
        f'{html.escape(t("pay-button", total=total))}</button></form>'
    )
    return _page(t("web-pay-title"), body, t.lang)


async def pay_submit(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    token = request.match_info["token"]
    outcome, order = await pay_with_sandbox(runtime, token)
    t = await translator(runtime, order)
    message = sandbox_answer(outcome, t.lang)
    status = 404 if outcome == "unknown" else 409 if outcome in REFUSED else 200
    response = _page(t("web-pay-title"), f"<p>{html.escape(message)}</p>", t.lang)
    response.set_status(status)
    return response


async def pay_returned(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    t = Translator(runtime.settings.default_language)
    done = request.path.endswith("/done")
    message = t("web-pay-back-done" if done else "web-pay-back-cancelled")
    return _page(t("web-pay-title"), f"<p>{html.escape(message)}</p>", t.lang)


async def stripe_webhook(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    provider = runtime.app.payments.get("stripe")
    if provider is None:
        return web.json_response({"error": "stripe is not configured"}, status=404)
    payload = await request.read()
    try:
        notice = provider.verify_callback(payload, request.headers)
    except WebhookError as exc:
        log.warning("stripe webhook refused", reason=str(exc))
        return web.json_response({"error": str(exc)}, status=400)
    if notice is None:
        return web.json_response({"received": True, "ignored": True})
    settlement = await settle(runtime.db, runtime.app.payments, notice, runtime.app.clock())
    await deliver_settlement(runtime, settlement)
    log.info("stripe payment", order=notice.order_id, outcome=settlement.outcome)
    # 200 for everything we verified, even an unknown order: Stripe would retry otherwise.
    return web.json_response({"received": True, "outcome": settlement.outcome})


def build_web_app(runtime: Runtime) -> web.Application:
    """The aiohttp application of the bot's web server."""
    app = web.Application(client_max_size=256 * 1024)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/pay/done", pay_returned)
    app.router.add_get("/pay/cancelled", pay_returned)
    app.router.add_get("/pay/{token}", pay_page)
    app.router.add_post("/pay/{token}", pay_submit)
    app.router.add_post("/webhooks/stripe", stripe_webhook)
    add_miniapp_routes(app, runtime)
    return app


async def start_web(runtime: Runtime, routes: Callable[[web.Application], None] | None = None,
                    ) -> web.AppRunner | None:
    """Serve the web app on the configured host and port (None when the port is 0);
    `routes` adds more (the Telegram webhook of `o2o run --webhook`)."""
    settings = runtime.settings
    if settings.web_port == 0:
        return None
    app = build_web_app(runtime)
    if routes is not None:
        routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    log.info("web server started", url=f"http://{settings.web_host}:{settings.web_port}")
    return runner


async def serve_on_free_port(runtime: Runtime) -> tuple[web.AppRunner, str]:
    """The bot's web app on a free port of 127.0.0.1 (tests and benchmarks): its runner
    (clean it up when done) and its base URL."""
    runner = web.AppRunner(build_web_app(runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"
