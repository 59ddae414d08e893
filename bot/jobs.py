"""Scheduled housekeeping (APScheduler): nothing waits on a user to be put right.

Every `INTERVAL` seconds, one run at a time:
- unpaid orders whose hold ran out expire and give their stock back;
- codes past their validity expire, or are refunded when the deal's policy says so;
- refunds a provider could not make yet are tried again (same idempotency key);
- paid orders whose codes never reached the chat (a crash between paying and sending)
  get their codes sent again.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from handlers.checkout import delivery_replies
from handlers.core import SendText
from handlers.i18n import Translator, language_of
from services.checkout import (
    get_order,
    mark_delivered,
    release_expired_holds,
    undelivered_orders,
)
from services.money import format_money
from services.refunds import RefundDone, carry_out, expire_codes, pending_refunds
from services.users import get_profile_by_telegram_id

log = structlog.get_logger("o2o.jobs")
INTERVAL = 30  # seconds
REDELIVER_AFTER = timedelta(minutes=2)


async def _tell_refund(runtime: Runtime, done: RefundDone) -> None:
    if done.status not in ("done", "manual", "failed"):
        return
    profile = await get_profile_by_telegram_id(runtime.db, done.user_telegram_id)
    t = Translator(language_of(profile, runtime.settings.default_language))
    lang = t.lang
    amount = format_money(done.amount, done.currency, lang)
    key = "payment-refunded" if done.status == "done" else "payment-refund-pending"
    text = t(key, amount=amount)
    if done.reason == "expired":
        text += "\n" + t("refund-why-expired")
    await runtime.send(done.user_telegram_id, [SendText(text)])


async def housekeeping(runtime: Runtime) -> dict[str, int]:
    """One round of the jobs above; returns what it did (for logs and tests)."""
    db, now = runtime.db, runtime.app.clock()
    expired_orders = await release_expired_holds(db, now)
    refund_ids = await expire_codes(db, now)
    refund_ids += [r for r in await pending_refunds(db) if r not in refund_ids]
    refunded = 0
    for refund_id in refund_ids:
        done = await carry_out(db, refund_id, runtime.app.payments.refund, now)
        if done is not None:
            refunded += done.status == "done"
            await _tell_refund(runtime, done)
    redelivered = 0
    for order_id in await undelivered_orders(db, now - REDELIVER_AFTER):
        replies = await delivery_replies(runtime.app, order_id)
        order_chat = await _chat_of_order(runtime, order_id)
        if order_chat is not None and await runtime.send(order_chat, replies):
            await mark_delivered(db, order_id, now)
            redelivered += 1
    report = {"expired_orders": expired_orders, "refunds": len(refund_ids),
              "refunded": refunded, "redelivered": redelivered}
    if any(report.values()):
        log.info("housekeeping", **report)
    return report


async def _chat_of_order(runtime: Runtime, order_id: int) -> int | None:
    order = await get_order(runtime.db, order_id)
    return order.user_telegram_id if order else None


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Run `housekeeping` every INTERVAL seconds in the running event loop."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(housekeeping, "interval", seconds=INTERVAL, args=[runtime],
                      id="housekeeping", max_instances=1, coalesce=True,
                      next_run_time=runtime.app.clock())
    scheduler.start()
    return scheduler
