"""End to end: the real `o2o run` process long-polls the Bot API stand-in over HTTP.

Everything between an HTTP update and the HTTP reply is real: aiogram's polling and
parsing, our transport, dispatch, handlers, services and a SQLite file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from benchmarks.workers import stop_process
from services.platform.users import demo_telegram_id
from standins import BotApiStandin

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "424242:E2E-test-token"


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        yield server


async def _run(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def stop_without_traceback(proc: asyncio.subprocess.Process) -> None:
    """Stop `o2o run` with SIGTERM (SIGKILL after 15 s) and check it wrote no traceback."""
    await stop_process(proc, 15)
    stderr = (await proc.stderr.read()).decode() if proc.stderr else ""
    assert "Traceback" not in stderr, stderr[-3000:]


# `o2o seed demo` files of this worker, by the settings they were seeded with: (the
# file, when it was seeded, the Shanghai date then).
_seeded: dict[tuple[tuple[str, str], ...], tuple[Path, float, str]] = {}
# The demo's times follow the clock: a copy younger than this is as good as a new seed.
SEED_FRESH_FOR = 300.0


def _shanghai_date() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))


async def seed_demo_file(db: Path, env: dict[str, str]) -> None:
    """`o2o seed demo --db db`: run once per worker and settings, then copied while fresh
    (within SEED_FRESH_FOR seconds and the same day in Shanghai) - the same file a new
    seed would write, without a process and a migration per test."""
    key = tuple(sorted((k, v) for k, v in env.items() if k.startswith("O2O_")))
    known = _seeded.get(key)
    if (known is None or not known[0].exists() or time.time() - known[1] > SEED_FRESH_FOR
            or known[2] != _shanghai_date()):
        template = db.with_name(f"{db.stem}-seeded-template.db")
        seeded_at, day = time.time(), _shanghai_date()
        seed = await _run("seed", "demo", "--db", str(template), env=env)
        _, err = await asyncio.wait_for(seed.communicate(), timeout=120)
        assert seed.returncode == 0, err.decode()
        with sqlite3.connect(template) as conn:  # everything in the one file
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        known = _seeded[key] = (template, seeded_at, day)
    shutil.copyfile(known[0], db)


@contextlib.asynccontextmanager
async def running_bot(standin: BotApiStandin, db: Path, transport: str,
                      **settings: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """`o2o seed demo` then `o2o run` with `transport` against the stand-in (extra
    settings as O2O_* variables); stopped with SIGTERM afterwards, with no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    env.update(O2O_BOT_TOKEN=TOKEN, O2O_POLLING_TIMEOUT="1", O2O_LOG_FORMAT="json",
               O2O_WEB_PORT="0")
    env.update({f"O2O_{key.upper()}": value for key, value in settings.items()})
    await seed_demo_file(db, env)
    proc = await _run("run", "--db", str(db), "--api-base", standin.base_url,
                      "--transport", transport, env=env)
    try:
        await standin.wait_for_call("getUpdates", timeout=60)
        yield proc
    finally:
        await stop_without_traceback(proc)


@pytest.fixture(params=["aiogram", "ptb"])
async def bot(
    request: pytest.FixtureRequest, standin: BotApiStandin, tmp_path: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """The demo bot, once with each Telegram library."""
    async with running_bot(standin, tmp_path / "e2e.db", request.param) as proc:
        yield proc


async def test_the_bot_registers_its_command_menu_in_chinese_and_english(
    standin: BotApiStandin, bot: asyncio.subprocess.Process
) -> None:
    # Published beside the first getUpdates, not before it.
    await standin.wait_until(lambda: len(standin.calls_to("setMyCommands")) >= 3, 30)
    calls = standin.calls_to("setMyCommands")
    languages = {call.params.get("language_code") for call in calls}
    assert {"zh", "en"} <= languages
    zh = next(c for c in calls if c.params.get("language_code") == "zh")
    assert any(cmd["command"] == "mycodes" for cmd in zh.params["commands"])


async def test_start_search_and_a_button_press_through_telegram(
    standin: BotApiStandin, bot: asyncio.subprocess.Process
) -> None:
    ann = standin.user(5001, first_name="Ann", language_code="zh")
    await ann.send("/start")
    greeting = await ann.wait_reply(timeout=20)
    assert "你好" in (greeting.text or "")
    assert "📍 附近优惠" in greeting.button_texts()

    await ann.send("火锅")
    results = await ann.wait_reply(timeout=20)
    assert "火锅" in (results.text or "") and "¥" in (results.text or "")

    await ann.press(results, 0)
    venue = await ann.wait_reply(timeout=20)
    assert venue.kind == "venue" and venue.params["title"]
    card = await ann.wait_reply(timeout=20)
    assert "有效期" in (card.text or "") and "适用门店" in (card.text or "")
    await standin.wait_for_call("answerCallbackQuery", timeout=10)


async def test_an_english_user_gets_english(
    standin: BotApiStandin, bot: asyncio.subprocess.Process
) -> None:
    ben = standin.user(5002, first_name="Ben", language_code="en-GB")
    await ben.send("/start")
    greeting = await ben.wait_reply(timeout=20)
    assert "Hi Ben" in (greeting.text or "")


async def test_a_flood_wait_delays_the_reply_but_does_not_lose_it(
    standin: BotApiStandin, bot: asyncio.subprocess.Process
) -> None:
    standin.inject_error("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    cat = standin.user(5003, first_name="Cat", language_code="en")
    await cat.send("/help")
    reply = await cat.wait_reply(timeout=20)
    assert "Here's what I can do" in (reply.text or "")
    refused = [c for c in standin.calls_to("sendMessage") if not c.ok]
    assert refused and refused[0].result_or_error["error_code"] == 429


async def test_a_user_who_blocked_the_bot_does_not_stop_it_serving_others(
    standin: BotApiStandin, bot: asyncio.subprocess.Process
) -> None:
    dan = standin.user(5004, first_name="Dan", language_code="en")
    eve = standin.user(5005, first_name="Eve", language_code="en")
    standin.block(5004)
    await dan.send("/start")
    await standin.wait_for_call(
        "sendMessage", predicate=lambda c: not c.ok and c.result_or_error["error_code"] == 403,
        timeout=20,
    )
    await eve.send("/start")
    reply = await eve.wait_reply(timeout=20)
    assert "Hi Eve" in (reply.text or "")


async def test_bad_requests_and_odd_messages_get_polite_answers(
    standin: BotApiStandin, bot: asyncio.subprocess.Process
) -> None:
    fay = standin.user(5006, first_name="Fay", language_code="zh")
    await fay.send_sticker()
    reply = await fay.wait_reply(timeout=20)
    assert "贴纸" in (reply.text or "")
    standin.inject_error("sendMessage", 400, "Bad Request: chat not found")
    await fay.send("/help")  # refused once by the server: logged, the bot carries on
    await standin.wait_for_call(
        "sendMessage", predicate=lambda c: not c.ok and c.result_or_error["error_code"] == 400,
        timeout=20,
    )
    await fay.send("/frobnicate")
    reply = await fay.wait_reply(timeout=20)
    assert "不认识这个命令" in (reply.text or "")


async def test_a_storefront_deep_link_through_telegram(
    standin: BotApiStandin, bot: asyncio.subprocess.Process
) -> None:
    gus = standin.user(5007, first_name="Gus", language_code="zh")
    await gus.send("/start shop_mixue")
    front = await gus.wait_reply(timeout=20)
    assert (front.text or "").startswith("🏪 蜜雪冰城")
    followed = await gus.wait_reply(timeout=20)  # opening the storefront link follows it
    assert "已关注" in (followed.text or "")
    await gus.press(front, "取消关注")
    await standin.wait_for_call("answerCallbackQuery", timeout=10)
    confirmation = await gus.wait_reply(timeout=20)
    assert "已取消关注" in (confirmation.text or "")


async def test_an_inline_query_offers_deals_that_link_back_into_the_bot(
    standin: BotApiStandin, bot: asyncio.subprocess.Process
) -> None:
    hal = standin.user(5008, first_name="Hal", language_code="en")
    await hal.inline_query("hotpot")
    await standin.wait_for_call("answerInlineQuery", timeout=20)
    [answer] = hal.inline_answers
    results = answer["results"]
    assert results and len(results) <= 50
    first = results[0]
    assert "Hotpot" in first["title"] or "hotpot" in first["title"].lower()
    [[button]] = first["reply_markup"]["inline_keyboard"]
    assert button["url"].startswith("https://t.me/") and "start=deal_" in button["url"]
    payload = button["url"].split("start=")[1]
    assert len(payload) <= 64 and all(c.isalnum() or c in "_-" for c in payload)
    await hal.inline_query("")  # nothing typed yet: still an answer, never an error
    await standin.wait_for_call("answerInlineQuery",
                                lambda c: c.params.get("inline_query_id") != answer.get(
                                    "inline_query_id"), timeout=20)


async def test_an_owner_sends_a_csv_and_a_photo_and_gets_a_file_back(
    standin: BotApiStandin, bot: asyncio.subprocess.Process
) -> None:
    """Files both ways: the bot fetches a sent document with getFile, reads a photo's
    file id, and sends a document (the import template)."""
    boss = standin.user(demo_telegram_id("haidilao-owner"), first_name="Boss",
                        language_code="zh")
    await boss.send("/import")
    await boss.wait_reply(timeout=20)
    template = await boss.wait_reply(timeout=20)
    assert template.kind == "document" and (template.photo or b"").startswith(
        "\ufeff".encode())
    rows = "标题,价格,原价,数量\n电报导入套餐,66,99,10\n".encode("gbk")
    await boss.send_document("团购.csv", rows)
    imported = await boss.wait_reply(timeout=20)
    assert "已导入 1 个团购" in (imported.text or "")
    assert standin.calls_to("getFile")

    await boss.send("/newdeal")
    await boss.wait_reply(timeout=20)
    await boss.wait_reply(timeout=20)  # the first question
    for answer in ("照片套餐", "-"):
        await boss.send(answer)
        await boss.wait_reply(timeout=20)
    await boss.send_photo(b"\xff\xd8\xff\xe0 a jpeg")
    asked = await boss.wait_reply(timeout=20)
    assert "团购价" in (asked.text or "")


async def _stop_and_read_log(proc: asyncio.subprocess.Process) -> str:
    """SIGTERM the bot, wait for it, and everything it logged (stderr)."""
    proc.terminate()
    _, err = await asyncio.wait_for(proc.communicate(), timeout=15)
    return err.decode()


@pytest.mark.parametrize("transport", ["aiogram", "ptb"])
async def test_every_update_is_logged_once_as_handled_and_nothing_else_goes_wrong(
    standin: BotApiStandin, tmp_path: Path, transport: str
) -> None:
    shoppers = [standin.user(5200 + n, first_name=f"S{n}", language_code="en")
                for n in range(5)]
    async with running_bot(standin, tmp_path / "log.db", transport) as proc:
        sent = [await shopper.send(words) for shopper in shoppers
                for words in ("/help", "hotpot", "/mycodes")]
        await standin.wait_until(
            lambda: sum(len(u.messages) for u in shoppers) >= len(sent), timeout=30,
            what="a reply to every update")
        log = await _stop_and_read_log(proc)

    assert "Traceback" not in log and '"level": "error"' not in log, log[-3000:]
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    handled = [line for line in lines if line["event"] == "update handled"]
    assert len(handled) == len(sent), [line["event"] for line in lines]
    assert sorted(line["user"] for line in handled) == sorted(
        update["message"]["from"]["id"] for update in sent)
    assert {line["kind"] for line in handled} == {"Text", "Command"}
    assert all(line["replies"] >= 1 and line["sent"] >= 1 for line in handled)


@pytest.mark.parametrize("transport", ["aiogram", "ptb"])
async def test_a_shopper_writing_right_after_a_busy_moment_is_answered_at_once(
    standin: BotApiStandin, tmp_path: Path, transport: str
) -> None:
    crowd = [standin.user(5300 + n, first_name=f"C{n}", language_code="en") for n in range(10)]
    late = standin.user(5399, first_name="Late", language_code="en")
    # The usual 30 s long poll (the other tests poll every second, which hid this).
    async with running_bot(standin, tmp_path / "busy.db", transport, polling_timeout="30"):
        for _ in range(3):
            batch = [await shopper.send("/help") for shopper in crowd]
            for shopper in crowd:
                await shopper.wait_reply(timeout=20)
            # The bot confirms the batch and waits for more: it is seen asking.
            last = batch[-1]["update_id"]
            await standin.wait_for_call(
                "getUpdates", lambda c, last=last: (c.params.get("offset") or 0) > last,
                timeout=2)
            started = time.monotonic()
            await late.send("/help")
            await late.wait_reply(timeout=2)
            assert time.monotonic() - started < 2


async def test_the_parser_is_built_at_start_so_the_first_text_does_not_wait(
    standin: BotApiStandin, bot: asyncio.subprocess.Process
) -> None:
    assert bot.stderr is not None
    built = ""
    async with asyncio.timeout(60):  # jieba's dictionary and the vocabulary, nobody asking
        while "vocabulary version" not in built:
            built = (await bot.stderr.readline()).decode()
            assert built, "the bot stopped before building its parser"
    assert '"update handled"' not in built
    kim = standin.user(5101, first_name="Kim", language_code="zh")
    await kim.send("火锅")
    results = await kim.wait_reply(timeout=20)
    assert "火锅" in (results.text or "")
