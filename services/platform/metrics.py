"""The process's Prometheus registry and the business counters the services keep.

One registry per worker process (`REGISTRY`), served at `/metrics` by the bot's web
server (`bot.metrics`, which adds the runtime's own: updates, Bot API calls, pushes,
leadership, the database pool). Prometheus scrapes each worker and adds them up; there
is no multiprocess mode to set up. The services count here what only they see happen:
a payment applied, a refund carried out, a code redeemed. Counting is an in-memory
increment; it never fails a business operation.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

REGISTRY = CollectorRegistry(auto_describe=True)

PAYMENTS_APPLIED = Counter(
    "o2o_payments_applied_total",
    "Payments applied to an order or a booking deposit (a repeated notice counts once), "
    "by what came of them: paid, or refunded at once (the order had closed).",
    ["outcome"], registry=REGISTRY)
REFUNDS = Counter(
    "o2o_refunds_total",
    "Refunds carried out at the provider, by status: done, pending (tried again later) "
    "or manual (with the operator).",
    ["status"], registry=REGISTRY)
REDEMPTIONS = Counter(
    "o2o_redemptions_total", "Codes redeemed at the counter.", registry=REGISTRY)
