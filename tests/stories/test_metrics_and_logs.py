"""What an operator sees of a worker: `/metrics` in Prometheus's format counting what
happened (a payment applied, a code redeemed, a refund, updates, Bot API answers), and
log lines that carry the turn's update and user but never a secret."""

from __future__ import annotations

import io
import json
import logging

import structlog
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import select

from bot.config import load_settings
from bot.logs import redact_text
from bot.runtime import configure_logging
from bot.transports.common import Failure, deliver, handle_update
from bot.web import build_web_app, pay_with_sandbox
from handlers.core import Command, Incoming, Reply, Sender, SendText
from services.platform.users import demo_telegram_id
from storage.models import RedemptionCode
from tests.conftest import Chat
from tests.helpers.runtime import recording, runtime_for
from tests.stories.test_buying_stories import buy, pay_url

TOKEN = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"
STRIPE = "sk_test_51Hx0abcDEFghiJKLmnoPQRstuVWxyz"
CODE = "7QH4-K2MX-9TDA"


async def _scrape(runtime: object) -> dict[str, float]:
    async with TestClient(TestServer(build_web_app(runtime))) as client:  # type: ignore[arg-type]
        answer = await client.get("/metrics")
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        text = await answer.text()
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def _grew(before: dict[str, float], after: dict[str, float], name: str) -> float:
    return after.get(name, 0.0) - before.get(name, 0.0)


async def test_metrics_count_a_payment_a_redemption_a_refund_and_the_bot_api_answers(
        chat: Chat) -> None:
    runtime = runtime_for(chat.app)
    recording(runtime)
    before = await _scrape(runtime)
    assert "o2o_scheduler_leader{}" in before and "o2o_db_pool_in_use{}" in before

    await buy(chat, "hdl-four")
    token = chat.app.payments.get("sandbox").token_in(pay_url(chat))  # type: ignore[union-attr]
    assert (await pay_with_sandbox(runtime, token or ""))[0] == "paid"
    assert (await pay_with_sandbox(runtime, token or ""))[0] == "duplicate"
    async with chat.app.db.session() as session:
        code = (await session.exec(select(RedemptionCode.code))).one()
    staff = Chat(chat.app, user_id=demo_telegram_id("haidilao-staff"), name="haidilao-staff")
    await staff.say(f"/start r_{code}")
    await staff.press(1)
    assert "核销成功" in staff.texts

    # A turn through the transports' one path, with Telegram answering 429 once.
    answers: list[str] = ["retry_after", "ok"]

    async def send_once(chat_id: int, reply: Reply) -> None:
        if answers.pop(0) == "retry_after":
            raise RuntimeError("429")

    def classify(exc: Exception) -> Failure | None:
        return Failure("retry_after", "Too Many Requests", 0.01)

    async def perform(chat_id: int, reply: Reply) -> bool:
        return await deliver(chat_id, reply, send_once, classify)

    await handle_update(runtime, Incoming(Sender(4242, "Met"), 4242, Command("help", ""),
                                          update_id=77), perform)
    after = await _scrape(runtime)

    assert _grew(before, after, "o2o_payments_applied_total{outcome=paid}") == 1
    assert _grew(before, after, "o2o_redemptions_total{}") == 1
    assert _grew(before, after, "o2o_updates_total{kind=Command,outcome=ok}") == 1
    assert _grew(before, after, "o2o_update_seconds_count{kind=Command}") == 1
    assert _grew(before, after, "o2o_bot_api_calls_total{code=429,method=sendMessage}") == 1
    assert _grew(before, after, "o2o_bot_api_calls_total{code=200,method=sendMessage}") >= 1
    assert _grew(before, after, "o2o_flood_waits_total{}") == 1


async def test_healthz_says_redis_is_away_but_the_worker_still_serves(chat: Chat) -> None:
    from redis.asyncio import Redis

    runtime = runtime_for(chat.app)
    runtime.redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        async with TestClient(TestServer(build_web_app(runtime))) as client:
            health = await client.get("/healthz")
            assert health.status == 200
            assert await health.json() == {"ok": True, "database": "ok",
                                           "redis": "unreachable"}
    finally:
        await runtime.redis.aclose()


# ---------------------------------------------------------------------------- logs


def _json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_no_log_line_shows_the_token_a_payment_secret_or_a_whole_code() -> None:
    stream = io.StringIO()  # not a terminal: "auto" writes JSON
    configure_logging(load_settings(None, log_level="DEBUG"), stream=stream)
    log = structlog.get_logger("o2o.test")
    log.info(f"calling https://api.telegram.org/bot{TOKEN}/sendMessage", code=CODE,
             stripe=STRIPE, bot_token=TOKEN, extra={"nested": [f"code {CODE}"]})
    logging.getLogger("aiohttp.client").warning("request to /bot%s/getMe failed", TOKEN)
    log.info("code typed without dashes", entered="7QH4K2MX9TDA")
    log.info("provider token", telegram_payment_provider_token="284685063:TEST:ABCdef123")
    try:
        raise ValueError(f"webhook secret whsec_abcdefgh12345678 and {STRIPE}")
    except ValueError:
        log.exception("webhook failed")
    text = stream.getvalue()
    for secret in (TOKEN, STRIPE, CODE, "7QH4K2MX9TDA", "whsec_abcdefgh12345678",
                   "284685063:TEST:ABCdef123", "K2MX"):
        assert secret not in text, secret
    lines = _json_lines(stream)
    assert len(lines) == 5 and lines[0]["code"] == "****-****-9TDA"
    assert "<bot-token>" in str(lines[1]["event"]) and "<payment-secret>" in text
    assert "Traceback" in str(lines[4]["exception"])  # the traceback is kept, redacted


def test_a_turns_lines_carry_its_update_id_and_the_users_internal_id() -> None:
    stream = io.StringIO()
    configure_logging(load_settings(None), stream=stream)
    with structlog.contextvars.bound_contextvars(update_id=991, user_id=None):
        structlog.get_logger("o2o.test").info("before the user is known")
        structlog.contextvars.bind_contextvars(user_id=17)
        logging.getLogger("sqlalchemy.pool").warning("a library's own line")
    structlog.get_logger("o2o.test").info("after the turn")
    first, library, after = _json_lines(stream)
    assert first["update_id"] == 991 and "user_id" not in first
    assert library["update_id"] == 991 and library["user_id"] == 17
    assert "update_id" not in after and "user_id" not in after


def test_ordinary_words_and_numbers_are_left_alone() -> None:
    for text in ("order 12345 paid ¥98", "海底捞 双人套餐", "HTTP 429 retry after 3",
                 "ABCDEFGHJKMN", "deal_17 chat=-100123"):
        assert redact_text(text) == text


async def test_a_turn_through_the_transport_path_logs_update_and_user(chat: Chat) -> None:
    stream = io.StringIO()
    configure_logging(load_settings(None), stream=stream)
    runtime = runtime_for(chat.app)

    async def perform(chat_id: int, reply: Reply) -> bool:
        structlog.get_logger("o2o.test").info("sending", text_length=len(
            reply.text if isinstance(reply, SendText) else ""))
        return True

    await handle_update(runtime, Incoming(Sender(5151, "Log", None, "en"), 5151,
                                          Command("start", ""), update_id=31337), perform)
    lines = [line for line in _json_lines(stream) if line.get("logger", "o2o") and
             line["event"] in ("sending", "update handled")]
    assert lines and all(line["update_id"] == 31337 for line in lines)
    assert all(isinstance(line["user_id"], int) and line["user_id"] != 5151
               for line in lines)  # the internal id, not Telegram's
