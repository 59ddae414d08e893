"""`/metrics` in Prometheus's text format: one registry per worker process.

Prometheus scrapes every worker and sums (no multiprocess mode, no shared directory):
each worker serves its own `/metrics` on its own web port. Besides the services'
business counters (`services.platform.metrics`: payments applied, refunds, redemptions),
the runtime counts here:

- `o2o_updates_total{kind, outcome}` and `o2o_update_seconds{kind}`: updates handled (the
  event kind: Text, Command, ButtonPress, ...; outcome ok, or error when an exception
  escaped the dispatch) and how long each took, replies sent included;
- `o2o_bot_api_calls_total{method, code}`: Bot API calls for replies, owed messages and
  pushes, by method and answer (200, 400, 403, 429, 5xx/network as "network");
- `o2o_flood_waits_total`: 429 answers (each pauses sending for its retry_after);
- `o2o_pushes_sent_total`: campaign pushes Telegram took;
- `o2o_scheduler_leader`: 1 while this process holds the scheduler role (with
  `o2o_scheduler_epoch`, its fencing epoch);
- `o2o_db_pool_in_use`: database connections checked out of this process's pool now.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from services.platform.metrics import REGISTRY

UPDATES = Counter("o2o_updates_total", "Updates handled, by event kind and outcome.",
                  ["kind", "outcome"], registry=REGISTRY)
UPDATE_SECONDS = Histogram(
    "o2o_update_seconds", "Time to handle one update, its replies sent included.", ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY)
BOT_API_CALLS = Counter(
    "o2o_bot_api_calls_total", "Bot API calls that send, by method and answer code.",
    ["method", "code"], registry=REGISTRY)
FLOOD_WAITS = Counter("o2o_flood_waits_total", "429 answers (flood waits) from Telegram.",
                      registry=REGISTRY)
PUSHES_SENT = Counter("o2o_pushes_sent_total", "Campaign pushes Telegram took.",
                      registry=REGISTRY)
LEADER = Gauge("o2o_scheduler_leader", "1 while this process holds the scheduler role.",
               registry=REGISTRY)
EPOCH = Gauge("o2o_scheduler_epoch", "The fencing epoch of this process's leadership "
              "(0 when it is not the leader).", registry=REGISTRY)

# The Bot API method each kind of reply goes out as (for `o2o_bot_api_calls_total`).
METHODS = {"SendText": "sendMessage", "SendPhoto": "sendPhoto",
           "SendDocument": "sendDocument", "EditText": "editMessageText",
           "SendInvoice": "sendInvoice", "SendLocation": "sendLocation",
           "SendVenue": "sendVenue", "AnswerButton": "answerCallbackQuery",
           "AnswerPreCheckout": "answerPreCheckoutQuery",
           "AnswerInline": "answerInlineQuery", "DeleteMessage": "deleteMessage"}
# How a Failure kind (bot.transports.common) reads as an answer code.
CODES = {"retry_after": "429", "forbidden": "403", "bad_request": "400",
         "network": "network"}


def api_call(reply: object, failure_kind: str | None) -> None:
    """Count one Bot API call carrying `reply`: answered OK, or the failure's kind."""
    method = METHODS.get(type(reply).__name__, type(reply).__name__)
    BOT_API_CALLS.labels(method, "200" if failure_kind is None
                         else CODES.get(failure_kind, failure_kind)).inc()
    if failure_kind == "retry_after":
        FLOOD_WAITS.inc()


class PoolCollector(Collector):
    """The database pool's connections in use, read at each scrape."""

    def __init__(self) -> None:
        self.engines: list[Any] = []

    def collect(self) -> Any:
        gauge = GaugeMetricFamily("o2o_db_pool_in_use",
                                  "Database connections checked out of the pool now.")
        total = 0
        for engine in self.engines:
            checkedout = getattr(engine.pool, "checkedout", None)
            total += checkedout() if callable(checkedout) else 0
        gauge.add_metric([], total)
        yield gauge


POOL = PoolCollector()
REGISTRY.register(POOL)


def watch_pool(engine: Any) -> None:
    """Report `engine`'s pool (the runtime's database) in `o2o_db_pool_in_use`."""
    POOL.engines = [engine]


async def metrics(_request: web.Request) -> web.Response:
    """GET /metrics: this process's registry in Prometheus's text format."""
    return web.Response(body=generate_latest(REGISTRY),
                        headers={"Content-Type": CONTENT_TYPE_LATEST})
