"""A process that pays for an order and is SIGKILLed right after the payment commits,
before anything is sent (run by tests/e2e/test_outbox_e2e.py):

    python -m tests.helpers.outbox_crash_child DATABASE_URL TELEGRAM_ID DEAL_KEY

The buyer is `TELEGRAM_ID`; the order is two units of the demo deal `DEAL_KEY`, paid in
the sandbox through the one payment use case (`services.orders.settlement.settle`)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime

from sqlmodel import select

from services.orders.checkout import start_order
from services.orders.settlement import settle
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from services.platform.database import Database
from services.platform.users import ensure_user
from storage.models import Deal


async def pay_then_die(url: str, telegram_id: int, deal_key: str) -> None:
    db = Database(url)
    now = datetime.now(UTC)
    user = await ensure_user(db, telegram_id, first_name="Ann", language_code="zh")
    async with db.session() as session:
        deal_id = (await session.exec(select(Deal.id).where(Deal.key == deal_key))).one()
    started = await start_order(db, user.id, deal_id, 2, now)
    order = started.order
    assert order is not None, started.reason
    sandbox = SandboxProvider("http://127.0.0.1:8080")
    notice = SandboxProvider.notice(order.id, order.total, order.currency, "crash-token")
    settlement = await settle(db, Payments("sandbox", {"sandbox": sandbox}), notice, now)
    assert settlement.outcome == "paid"
    print(f"paid order {order.id}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # the commit is done; the codes never left


if __name__ == "__main__":
    asyncio.run(pay_then_die(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
