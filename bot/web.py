"""The bot's web server (aiohttp): the sandbox payment page, provider webhooks, /healthz.

  GET  /healthz              200 {"ok": true} when the database answers, else 503
  GET  /pay/<token>          the sandbox payment page of one order (clearly a sandbox)
  POST /pay/<token>          "Pay": completes that order, codes go to the buyer's chat;
                             refused (409, nothing charged) once the order is cancelled
                             or its hold ran out
  GET  /pay/done, /pay/cancelled   where Stripe Checkout sends the browser back
  POST /webhooks/stripe      Stripe's signed events (bad signatures and replays refused)

Every path that completes a payment ends in `handlers.checkout.settle`, the same
function Telegram's successful_payment uses, so each charge applies once.
"""

from __future__ import annotations

import html
from datetime import datetime

import structlog
from aiohttp import web
from sqlalchemy import text

from bot.runtime import Runtime
from handlers.checkout import Settled, settle
from handlers.i18n import Translator, language_of
from services.checkout import OrderView, mark_delivered, order_by_ref, precheck_problem
from services.money import format_money
from services.payments import WebhookError
from services.payments.sandbox import NAME as SANDBOX
from services.payments.sandbox import SandboxProvider
from services.users import get_profile
from storage.models import OrderStatus

log = structlog.get_logger("o2o.web")
RUNTIME = web.AppKey("runtime", Runtime)


async def deliver_settled(runtime: Runtime, settled: Settled, order_id: int) -> None:
    """Send what a settled payment says to the buyer; a paid order becomes fulfilled."""
    if settled.chat_id is None or not settled.replies:
        return
    sent = await runtime.send(settled.chat_id, settled.replies)
    if settled.outcome == "paid" and sent:
        await mark_delivered(runtime.db, order_id, runtime.app.clock())


# What the sandbox page says after Pay, by outcome (also shown by the console shell).
_ANSWERS = {"paid": "web-pay-done", "duplicate": "web-pay-paid", "refund": "web-pay-refunded",
            "cancelled": "web-pay-cancelled", "expired": "web-pay-expired"}
# Outcomes where Pay was refused and no money moved.
REFUSED = frozenset({"cancelled", "expired"})


def sandbox_answer(outcome: str, lang: str) -> str:
    """What the sandbox page tells the buyer after Pay led to `outcome`."""
    return Translator(lang)(_ANSWERS.get(outcome, "web-pay-unknown"))


async def page_answer(runtime: Runtime, outcome: str, order: OrderView | None) -> str:
    """`sandbox_answer` in the language of the order's buyer."""
    return sandbox_answer(outcome, (await _translator(runtime, order)).lang)


def _refusal(order: OrderView, now: datetime) -> str | None:
    """Why the page of this order must not take money (cancelled, expired), or None.
    Any other order goes on to `settle`, which answers a paid one as a duplicate."""
    if order.status == OrderStatus.CANCELLED:
        return "cancelled"
    expired = precheck_problem(order, order.total, order.currency, now) == "order_expired"
    return "expired" if expired or order.status == OrderStatus.EXPIRED else None


async def pay_with_sandbox(runtime: Runtime, token: str) -> tuple[str, OrderView | None]:
    """Complete the sandbox order of `token` (the page's Pay, or the shell's Pay button).

    Returns the outcome (paid, duplicate, refund, unknown; or cancelled, expired when
    the order can no longer be paid and nothing was charged) and the order.
    """
    order = await order_by_ref(runtime.db, SANDBOX, token)
    if order is None:
        return "unknown", None
    refused = _refusal(order, runtime.app.clock())
    if refused is not None:
        log.info("sandbox payment refused", order=order.id, why=refused)
        return refused, order
    notice = SandboxProvider.notice(order.id, order.total, order.currency, token)
    settled = await settle(runtime.app, notice)
    await deliver_settled(runtime, settled, order.id)
    return settled.outcome, order


async def _translator(runtime: Runtime, order: OrderView | None) -> Translator:
    profile = await get_profile(runtime.db, order.user_id) if order else None
    return Translator(language_of(profile, runtime.settings.default_language))


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
    return web.json_response({"ok": True, "database": "ok"})


async def pay_page(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    token = request.match_info["token"]
    order = await order_by_ref(runtime.db, SANDBOX, token)
    t = await _translator(runtime, order)
    if order is None:
        return _page(t("web-pay-title"), f"<p>{html.escape(t('web-pay-unknown'))}</p>", t.lang)
    total = format_money(order.total, order.currency, t.lang)
    unit = format_money(order.unit_price, order.currency, t.lang)
    refused = _refusal(order, runtime.app.clock())
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


async def pay_submit(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    token = request.match_info["token"]
    outcome, order = await pay_with_sandbox(runtime, token)
    t = await _translator(runtime, order)
    message = await page_answer(runtime, outcome, order)
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
        notice = provider.parse_webhook(  # type: ignore[attr-defined]
            payload, request.headers.get("Stripe-Signature", ""))
    except WebhookError as exc:
        log.warning("stripe webhook refused", reason=str(exc))
        return web.json_response({"error": str(exc)}, status=400)
    if notice is None:
        return web.json_response({"received": True, "ignored": True})
    settled = await settle(runtime.app, notice)
    await deliver_settled(runtime, settled, notice.order_id)
    log.info("stripe payment", order=notice.order_id, outcome=settled.outcome)
    # 200 for everything we verified, even an unknown order: Stripe would retry otherwise.
    return web.json_response({"received": True, "outcome": settled.outcome})


def build_web_app(runtime: Runtime) -> web.Application:
    """The aiohttp application of the bot's web server."""
    app = web.Application(client_max_size=256 * 1024)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/pay/done", pay_returned)
    app.router.add_get("/pay/cancelled", pay_returned)
    app.router.add_get("/pay/{token}", pay_page)
    app.router.add_post("/pay/{token}", pay_submit)
    app.router.add_post("/webhooks/stripe", stripe_webhook)
    return app


async def start_web(runtime: Runtime) -> web.AppRunner | None:
    """Serve the web app on the configured host and port (None when the port is 0)."""
    settings = runtime.settings
    if settings.web_port == 0:
        return None
    runner = web.AppRunner(build_web_app(runtime), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    log.info("web server started", url=f"http://{settings.web_host}:{settings.web_port}")
    return runner
