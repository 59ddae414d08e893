"""End to end by webhook: `o2o run --webhook` workers take the updates the Bot API
stand-in POSTs to them, as Telegram does (secret header, retries with back-off).

- One worker on SQLite (the update-id ledger in the database), with each library: the
  conversation works, getUpdates is refused while the webhook is set, callers without
  the secret are refused, odd bodies get clear answers, a repeated update is handled once.
- Debian's nginx with deploy/nginx.conf in front of two workers on PostgreSQL and Redis:
  the shopper's journey (search, a deal, buy, pay on the sandbox page, the code) and the
  staff's (check, redeem); the same update POSTed to both workers at once is handled
  once; a worker SIGKILLed in the middle of checkouts under load loses no order, doubles
  none and leaves none without its codes (the stand-in sends its updates again).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from benchmarks.nginx import nginx_binary, nginx_proxy
from benchmarks.push.world import fresh_database
from services.ledger.check import check_books
from services.platform.database import Database
from services.platform.users import demo_telegram_id
from standins import BotApiStandin
from standins.models import SentMessage
from standins.users import FakeUser
from storage.models import Deal, Order, RedemptionCode, User
from tests.conftest import POSTGRES_URL, _postgres_problem, _require_postgres
from tests.e2e.test_telegram_e2e import TOKEN, seed_demo_file
from tests.helpers.webhooks import (
    REDIS_URL,
    ROOT,
    SECRET,
    forget_redis_keys,
    free_port,
    post_update,
    redis_prefix,
    start_worker,
    until_serving,
    webhook_workers,
    worker_env,
)

pytestmark = pytest.mark.e2e
_update_ids = itertools.count(2_000_000_000)


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        server.webhook_retry_base, server.webhook_retry_max = 0.2, 1.0
        yield server


def by_data(message: SentMessage, start: str, end: str = "") -> int:
    """The index of the message's button whose callback data starts (and ends) so."""
    flat = [b for row in message.buttons for b in row]
    for index, button in enumerate(flat):
        data = str(button.get("callback_data", ""))
        if data.startswith(start) and data.endswith(end):
            return index
    raise LookupError(f"no button {start}...{end} in {message.button_texts()}")


def a_message_update(user: FakeUser, text: str) -> dict[str, Any]:
    """An update of `user` sending `text`, not queued in the stand-in: the test
    delivers it itself."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        content["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(text.split(" ", 1)[0])}]
    return {"update_id": next(_update_ids), "message": user._message(**content)}


# ----------------------------------------------------------------- one worker, SQLite


@pytest.fixture(params=["aiogram", "ptb"])
async def sqlite_worker(request: pytest.FixtureRequest, standin: BotApiStandin,
                        tmp_path: Path) -> AsyncIterator[str]:
    """One webhook worker on a SQLite copy of the demo; yields its address."""
    db = tmp_path / "webhook.db"
    await seed_demo_file(db, {"O2O_BOT_TOKEN": TOKEN})
    port = free_port()
    public = f"http://127.0.0.1:{port}"

    def env_of(port_: int) -> dict[str, str]:
        return worker_env(TOKEN, f"sqlite+aiosqlite:///{db}", port_, public)

    async with webhook_workers(standin, 1, request.param, tmp_path,
                               lambda _: env_of(port)) as workers:
        yield workers[0].url


async def test_the_conversation_runs_by_webhook_and_getupdates_is_refused_meanwhile(
    standin: BotApiStandin, sqlite_worker: str,
) -> None:
    hook = standin.calls_to("setWebhook")[-1].params
    assert hook["url"] == f"{sqlite_worker}/telegram/webhook"
    assert hook["secret_token"] == SECRET and int(hook["max_connections"]) == 40
    assert "message" in hook["allowed_updates"]
    assert "callback_query" in hook["allowed_updates"]

    ann = standin.user(6001, first_name="Ann", language_code="zh")
    await ann.send("/start")
    greeting = await ann.wait_reply(timeout=20)
    assert "你好" in (greeting.text or "")
    await ann.send("火锅")
    results = await ann.wait_reply(timeout=20)
    assert "火锅" in (results.text or "") and "¥" in (results.text or "")
    await ann.press(results, 0)
    venue = await ann.wait_reply(timeout=20)
    assert venue.kind == "venue"

    assert standin.delivery is not None
    await standin.wait_until(lambda: not standin.delivery.pending, 10, "nothing pending")
    # Every update went to the webhook, was taken at the first try, and nothing waits.
    assert all(a.status == 200 for a in standin.delivery.attempts)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{standin.base_url}/bot{TOKEN}/getWebhookInfo") as answer:
            info = (await answer.json())["result"]
        assert info["pending_update_count"] == 0 and info["url"] == hook["url"]
        async with http.post(f"{standin.base_url}/bot{TOKEN}/getUpdates") as answer:
            assert answer.status == 409
            assert "webhook is active" in (await answer.json())["description"]


async def test_callers_without_the_secret_are_refused_and_odd_bodies_answered(
    standin: BotApiStandin, sqlite_worker: str,
) -> None:
    bea = standin.user(6002, first_name="Bea", language_code="en")
    update = a_message_update(bea, "/help")
    for secret in (None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper(), "' OR 1=1 --",
                   "火锅"):
        status, _ = await post_update(sqlite_worker, update,
                                      secret=secret.encode("utf-8").decode("latin-1")
                                      if secret else secret)
        assert status == 403, secret
    await asyncio.sleep(0.5)
    assert bea.messages == []  # nothing of it was handled

    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:
        for body in (b"", b"not json", b"[]", b'{"update_id": "7"}', b'{"update_id": true}',
                     b'{"message": {}}', b"{" * 10_000, b"[" * 100_000):
            async with http.post(f"{sqlite_worker}/telegram/webhook", data=body,
                                 headers=headers) as answer:
                assert answer.status == 400, body[:40]
        huge = b'{"update_id": 1, "x": "' + b"a" * (2 * 1024 * 1024) + b'"}'
        async with http.post(f"{sqlite_worker}/telegram/webhook", data=huge,
                             headers=headers) as answer:
            assert answer.status == 413
    # An update the library cannot read is dropped with a 200 (it would never get better).
    status, body = await post_update(sqlite_worker, {"update_id": next(_update_ids),
                                                     "message": {"text": 42}})
    assert status == 200 and body.get("dropped") is True


async def test_an_update_delivered_again_is_handled_once(
    standin: BotApiStandin, sqlite_worker: str,
) -> None:
    cat = standin.user(6003, first_name="Cat", language_code="en")
    update = a_message_update(cat, "/help 🍲 '; DROP TABLE users; --")
    answers = await asyncio.gather(*(post_update(sqlite_worker, update) for _ in range(3)))
    statuses = sorted(status for status, _ in answers)
    assert statuses[0] == 200 and set(statuses) <= {200, 503}
    for _ in range(50):  # what was busy is sent again until taken, as Telegram would
        status, body = await post_update(sqlite_worker, update)
        if status == 200:
            break
        await asyncio.sleep(0.2)
    assert status == 200 and body.get("seen") is True
    await asyncio.sleep(1.0)
    assert len(cat.messages) == 1 and "Here's what I can do" in (cat.messages[0].text or "")


@pytest.mark.parametrize(("transport", "ledger"), [("aiogram", "database"), ("ptb", "redis")])
async def test_a_worker_killed_right_after_replying_never_has_the_update_handled_again(
    standin: BotApiStandin, tmp_path: Path, transport: str, ledger: str,
) -> None:
    db = tmp_path / "webhook.db"
    await seed_demo_file(db, {"O2O_BOT_TOKEN": TOKEN})
    prefix = redis_prefix()
    settings = {"webhook_update_lease_seconds": "2"}
    if ledger == "redis":
        settings.update(redis_url=REDIS_URL, redis_prefix=prefix)

    def env_of(port: int) -> dict[str, str]:
        return worker_env(TOKEN, f"sqlite+aiosqlite:///{db}", port,
                          f"http://127.0.0.1:{port}", **settings)

    dan = standin.user(6004, first_name="Dan", language_code="en")
    update = a_message_update(dan, "/help")
    try:
        # The first worker handles Dan's /help, replies, and is SIGKILLed before it can
        # answer Telegram or mark the replies sent (or do anything else).
        dying = await start_worker(standin, env_of(free_port()), transport,
                                   tmp_path / "dying.log",
                                   module="tests.helpers.webhook_dying_child")
        await until_serving(dying)
        for _ in range(100):  # until it serves the webhook (503 before): then it dies
            try:
                await post_update(dying.url, update)
            except aiohttp.ClientError:
                break
            await asyncio.sleep(0.2)
        assert await asyncio.wait_for(dying.proc.wait(), 60) == -9, dying.log_text()[-3000:]
        assert len(dan.messages) == 1
        # Telegram had no answer, so it sends the update again: to another worker.
        (tmp_path / "next").mkdir()
        async with webhook_workers(standin, 1, transport, tmp_path / "next",
                                   env_of) as workers:
            for _ in range(60):  # busy while the dead worker's lease lasts
                status, body = await post_update(workers[0].url, update)
                if status == 200:
                    break
                await asyncio.sleep(0.2)
            assert status == 200 and body.get("seen") is None, body
            await asyncio.sleep(1.0)
            # Handled once: the next worker only sent again the reply kept with the mark,
            # not knowing it had gone out (at least once: the one window where it doubles).
            log = workers[0].log_text()
            assert "kept replies sent" in log and "update handled" not in log
            status, body = await post_update(workers[0].url, update)
            assert status == 200 and body.get("seen") is True, body  # and that was all
    finally:
        await forget_redis_keys(prefix)
    assert len(dan.messages) == 2
    assert all("Here's what I can do" in (m.text or "") for m in dan.messages)


# ----------------------------------------------------------------- nginx, two workers


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database of this test's own, dropped afterwards."""
    problem = await _postgres_problem()
    if problem is not None:
        _require_postgres(problem)
    async with fresh_database(POSTGRES_URL, "webhook") as url:
        yield url


@contextlib.asynccontextmanager
async def behind_nginx(standin: BotApiStandin, url: str, folder: Path, transport: str,
                       **settings: str) -> AsyncIterator[tuple[str, list[Any]]]:
    """Two webhook workers on `url` and Redis (a key prefix of their own) behind nginx
    (deploy/nginx.conf); yields nginx's address and the workers."""
    if nginx_binary() is None:
        pytest.fail("nginx is not installed (.ci/run installs it: apt-get install nginx)")
    proxy = free_port()
    public = f"http://127.0.0.1:{proxy}"
    prefix = redis_prefix()
    ports = [free_port(), free_port()]
    envs = iter(worker_env(TOKEN, url, port, public, redis_url=REDIS_URL,
                           redis_prefix=prefix, **settings) for port in ports)
    try:
        async with (nginx_proxy(proxy, ports, folder / "nginx"),
                    webhook_workers(standin, 2, transport, folder,
                                    lambda _: next(envs)) as workers):
            yield public, workers
    finally:
        await forget_redis_keys(prefix)


async def seed_demo_file_pg(url: str) -> None:
    """`o2o seed demo` into the PostgreSQL database at `url`."""
    env = worker_env(TOKEN, url, 0, "http://127.0.0.1")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "seed", "demo", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode == 0, err.decode()[-3000:]


async def _deal_id(url: str, key: str) -> int:
    db = Database(url)
    try:
        async with db.reading() as conn:
            return int((await conn.execute(select(Deal.id).where(Deal.key == key))).scalar_one())
    finally:
        await db.dispose()


async def _pay(link: str) -> int:
    """The shopper's browser pays the sandbox page (through nginx), trying again while
    the proxy has no worker for it (502/503/504, as a browser's reload would)."""
    async with aiohttp.ClientSession() as http:
        for _ in range(60):
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with http.post(link) as page:
                    if page.status not in (502, 503, 504):
                        return page.status
            await asyncio.sleep(0.5)
    return 0


async def _buy_and_pay(user: FakeUser, deal: int, timeout: float = 60,
                      tap_again_after: float | None = None) -> SentMessage:
    """A shopper's checkout: the deal's card, Buy, one, the sandbox page; the code.
    `tap_again_after`: seconds after which a Buy with no answer is tapped again, as a
    person would (the worker that had the answer in hand died)."""
    await user.send(f"/start deal_{deal}")
    card = await user.wait_for(lambda m: any(str(b.get("callback_data", "")).startswith("b:")
                                             for r in m.buttons for b in r), timeout)
    await user.press(card, by_data(card, "b:"))

    def paying(m: SentMessage) -> bool:
        return any("/pay/" in b.get("url", "") for r in m.buttons for b in r)

    def asking(m: SentMessage) -> bool:
        return any(str(b.get("callback_data", "")).startswith("bq:")
                   for r in m.buttons for b in r)

    if tap_again_after is not None:
        try:
            await user.wait_for(lambda m: paying(m) or asking(m), tap_again_after)
        except TimeoutError:
            await user.press(card, by_data(card, "b:"))

    ask = await user.wait_for(lambda m: paying(m) or asking(m), timeout)
    if asking(ask):  # how many? (a deal one may buy only one of goes straight on)
        await user.press(ask, by_data(ask, "bq:", ":1"))
    order = await user.wait_for(paying, timeout)
    link = next(b["url"] for r in order.buttons for b in r if "/pay/" in b.get("url", ""))
    assert await _pay(link) == 200
    return await user.wait_for(lambda m: m.kind == "photo", timeout)


async def test_two_workers_behind_nginx_serve_the_shopper_and_the_staff(
    standin: BotApiStandin, postgres_url: str, tmp_path: Path,
) -> None:
    await seed_demo_file_pg(postgres_url)
    deal = await _deal_id(postgres_url, "hdl-four")
    async with behind_nginx(standin, postgres_url, tmp_path, "aiogram") as (public, workers):
        assert standin.webhook["url"] == f"{public}/telegram/webhook"
        ann = standin.user(6101, first_name="Ann", language_code="en")
        await ann.send("/start")
        await ann.wait_for(lambda m: "Hi Ann" in (m.text or ""), 30)
        await ann.send("hotpot")
        await ann.wait_for(lambda m: any(str(b.get("callback_data", "")).startswith("d:")
                                         for r in m.buttons for b in r), 30)
        photo = await _buy_and_pay(ann, deal)
        code = (photo.caption or "").splitlines()[0].removeprefix("🎫 ").replace("-", "")
        assert len(code) == 12

        staff = standin.user(demo_telegram_id("haidilao-staff"), first_name="Sam",
                             language_code="en")
        await staff.send(f"/start r_{code}")
        check = await staff.wait_for(lambda m: "Valid code" in (m.text or ""), 30)
        await staff.press(check, "Redeem at")
        await staff.wait_for(lambda m: "Redeemed" in (m.text or ""), 30)
        await ann.wait_for(lambda m: "How was your visit" in (m.text or ""), 30)
        await staff.send(f"/redeem {code}")
        await staff.wait_for(lambda m: "already been used" in (m.text or ""), 30)

        # Both workers took updates (nginx spreads them), each exactly once.
        logs = [w.log_text() for w in workers]
        assert all('"update handled"' in log or "update handled" in log for log in logs)
        assert all(a.status == 200 for a in standin.delivery.attempts)  # type: ignore[union-attr]
        async with aiohttp.ClientSession() as http, http.get(f"{public}/healthz") as health:
            assert health.status == 200


async def test_the_same_update_posted_to_both_workers_at_once_is_handled_once(
    standin: BotApiStandin, postgres_url: str, tmp_path: Path,
) -> None:
    await seed_demo_file_pg(postgres_url)
    async with behind_nginx(standin, postgres_url, tmp_path, "aiogram") as (public, workers):
        dan = standin.user(6201, first_name="Dan", language_code="en")
        for text in ("/help", "hotpot 🍲", "' OR 1=1 --"):
            update = a_message_update(dan, text)
            before = len(dan.messages)
            answers = await asyncio.gather(*(post_update(w.url, update) for w in workers))
            assert sorted(s for s, _ in answers)[0] == 200, answers
            # Telegram sends again whatever was not answered 200, to nginx.
            for status, _ in answers:
                while status != 200:
                    await asyncio.sleep(0.2)
                    status, _ = await post_update(public, update)
            status, body = await post_update(public, update)
            assert status == 200 and body.get("seen") is True
            await asyncio.sleep(0.8)
            assert len(dan.messages) == before + 1, [m.text for m in dan.messages[before:]]


async def _orders_and_codes(url: str, users: list[int]) -> dict[int, list[tuple[str, int, int]]]:
    """Per shopper: (status, quantity, codes) of each of their orders."""
    db = Database(url)
    try:
        async with db.reading() as conn:
            codes = (select(func.count()).select_from(RedemptionCode)
                     .where(RedemptionCode.order_id == Order.id)  # type: ignore[arg-type]
                     .scalar_subquery())
            rows = (await conn.execute(
                select(User.telegram_id, Order.status, Order.quantity, codes)
                .join(User, User.id == Order.user_id)  # type: ignore[arg-type]
                .where(User.telegram_id.in_(users)))).all()  # type: ignore[attr-defined]
        found: dict[int, list[tuple[str, int, int]]] = {u: [] for u in users}
        for telegram_id, status, quantity, count in rows:
            found[telegram_id].append((str(status), int(quantity), int(count)))
        return found
    finally:
        await db.dispose()


class HoldingStandin(BotApiStandin):
    """The stand-in, holding every answerCallbackQuery while `held` is clear: a worker
    that handled a button press is then in the middle of carrying out its replies."""

    def __init__(self, token: str) -> None:
        super().__init__(token=token)
        self.released = asyncio.Event()
        self.holding = 0

    async def _m_answercallbackquery(self, params: dict[str, Any],
                                     files: dict[str, bytes]) -> Any:
        if not self.released.is_set():
            self.holding += 1
            self._notify()
            await self.released.wait()
        return await super()._m_answercallbackquery(params, files)


async def test_a_worker_killed_mid_checkout_under_load_loses_and_doubles_no_order(
    postgres_url: str, tmp_path: Path,
) -> None:
    await seed_demo_file_pg(postgres_url)
    deal = await _deal_id(postgres_url, "hdl-four")
    async with HoldingStandin(TOKEN) as standin:
        standin.webhook_retry_base, standin.webhook_retry_max = 0.2, 1.0
        shoppers = [standin.user(6300 + n, first_name=f"s{n}", language_code="en")
                    for n in range(24)]
        async with behind_nginx(standin, postgres_url, tmp_path, "ptb",
                                webhook_update_lease_seconds="3") as (_, workers):
            checkouts = [asyncio.create_task(_buy_and_pay(s, deal, timeout=120,
                                                          tap_again_after=30))
                         for s in shoppers]
            # Every shopper pressed Buy; each worker is in the middle of the presses
            # nginx gave it (the order started, its replies on their way). One dies:
            # the presses it handled are done (never handled twice), their answers kept
            # with the mark: the other worker sends them when the presses come again.
            await standin.wait_until(lambda: standin.holding >= len(shoppers), 120,
                                     "every Buy press in hand")
            workers[0].proc.kill()
            await workers[0].proc.wait()
            standin.released.set()
            done, waiting = await asyncio.wait(checkouts, timeout=180)
            for task in waiting:
                task.cancel()
            failed = [t.exception() for t in done if t.exception() is not None]
            assert not waiting and not failed, (failed[:3], [
                (s.id, [(m.kind, (m.text or m.caption or "")[:40],
                         [b.get("callback_data") or b.get("url") for r in m.buttons for b in r])
                        for m in s.messages]) for s in shoppers][:6])
            await asyncio.sleep(2)  # anything still arriving would show as a second set
            attempts = standin.delivery.attempts if standin.delivery else []

    # The killed worker's presses came again (nginx, then the stand-in, sent them on),
    # and the other worker sent the answers they had kept: handled once, not again.
    assert attempts and "kept replies sent" in workers[1].log_text()
    orders = await _orders_and_codes(postgres_url, [s.id for s in shoppers])
    for shopper in shoppers:
        paid = [o for o in orders[shopper.id] if o[0] in ("paid", "fulfilled")]
        assert len(paid) == 1, (shopper.id, orders[shopper.id])  # none lost, none doubled
        assert paid[0][2] == paid[0][1] == 1  # and it has its code
        assert sum(m.kind == "photo" for m in shopper.messages) == 1  # sent once
    db = Database(postgres_url)
    try:
        books = await check_books(db)
        assert books.ok, books
    finally:
        await db.dispose()


async def test_sigterm_finishes_the_update_in_hand_and_answers_it_before_exiting(
    tmp_path: Path,
) -> None:
    db = tmp_path / "drain.db"
    await seed_demo_file(db, {"O2O_BOT_TOKEN": TOKEN})
    port = free_port()
    env = worker_env(TOKEN, f"sqlite+aiosqlite:///{db}", port, f"http://127.0.0.1:{port}")
    async with HoldingStandin(TOKEN) as standin:
        standin.released.set()
        eve = standin.user(6401, first_name="Eve", language_code="en")
        async with webhook_workers(standin, 1, "aiogram", tmp_path, lambda _: env) as workers:
            await eve.send("hotpot")
            results = await eve.wait_for(lambda m: bool(m.buttons), 30)
            standin.released.clear()  # the press is handled up to its answer, then held
            press = await eve.press(results, 0)
            await standin.wait_until(lambda: standin.holding >= 1, 30, "the press in hand")
            workers[0].proc.terminate()
            await asyncio.sleep(0.5)
            late = await eve.send("/help")  # arrives while stopping: not taken here
            standin.released.set()
            assert await asyncio.wait_for(workers[0].proc.wait(), 30) == 0
            assert standin.delivery is not None
            answers = {a.update_id: a.status for a in standin.delivery.attempts}
            assert answers[press["update_id"]] == 200  # finished, then answered
            assert late["update_id"] in standin.delivery.pending  # kept for a retry
            assert not any(m.text and "Here's what I can do" in m.text for m in eve.messages)
