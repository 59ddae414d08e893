"""Webhook workers for end-to-end tests: `o2o run --webhook` processes against the Bot
API stand-in, alone or behind Debian's nginx with deploy/nginx.conf."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import load_webhook
from benchmarks.workers import stop_process
from standins import BotApiStandin

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e_webhook-Secret_0123456789"
REDIS_URL = os.environ.get("O2O_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_prefix() -> str:
    """A Redis key prefix of this test's own, so parallel tests never share keys."""
    return f"o2o-test-{uuid.uuid4().hex[:12]}"


async def forget_redis_keys(prefix: str) -> None:
    """Delete the keys a test wrote under its prefix (they would expire anyway)."""
    await load_webhook.forget_redis_keys(REDIS_URL, prefix)


@dataclass
class Worker:
    """One `o2o run --webhook` process and the port of its web server."""

    port: int
    proc: asyncio.subprocess.Process
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def worker_env(token: str, database_url: str, port: int, public: str,
               **settings: str) -> dict[str, str]:
    """The environment of a webhook worker: its database, web port, the public address
    (nginx's, or its own) and the webhook's secret; more settings as keyword args."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    env.update(O2O_BOT_TOKEN=token, O2O_LOG_FORMAT="json", O2O_DATABASE_URL=database_url,
               O2O_WEB_HOST="127.0.0.1", O2O_WEB_PORT=str(port), O2O_PUBLIC_URL=public,
               O2O_WEBHOOK_URL=f"{public}/telegram/webhook", O2O_WEBHOOK_SECRET=SECRET,
               O2O_SEED_DEMO_ON_EMPTY="false", PYTHONPATH=str(ROOT))
    env.update({f"O2O_{key.upper()}": value for key, value in settings.items()})
    return env


async def start_worker(standin: BotApiStandin, env: dict[str, str], transport: str,
                       log: Path, module: str = "bot.cli") -> Worker:
    """Spawn `o2o run --webhook` (its output into `log`); `module`: what runs it (a
    helper that kills itself at a given moment, say)."""
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, "run", "--webhook", "--api-base",
            standin.base_url, "--transport", transport, cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=asyncio.subprocess.STDOUT)
    return Worker(int(env["O2O_WEB_PORT"]), proc, log)


async def stop_worker(worker: Worker, timeout: float = 20.0) -> None:
    """SIGTERM (SIGKILL after `timeout`); a worker that was not killed wrote no traceback."""
    proc = worker.proc
    await stop_process(proc, timeout)
    if proc.returncode != -9:
        assert "Traceback" not in worker.log_text(), worker.log_text()[-3000:]


@contextlib.asynccontextmanager
async def webhook_workers(standin: BotApiStandin, count: int, transport: str, folder: Path,
                          env_of: Any) -> AsyncIterator[list[Worker]]:
    """`count` workers (env_of(port) gives each its environment), waited for until each
    registered the webhook; stopped afterwards."""
    workers: list[Worker] = []
    before = len(standin.calls_to("setWebhook"))
    try:
        for n in range(count):
            port = free_port()
            workers.append(await start_worker(standin, env_of(port), transport,
                                              folder / f"worker{n}.log"))
        for worker in workers:
            await until_serving(worker)
        await standin.wait_until(
            lambda: len(standin.calls_to("setWebhook")) >= before + count, 60,
            "every worker registering the webhook")
        yield workers
    finally:
        await asyncio.gather(*(stop_worker(w) for w in workers), return_exceptions=False)


async def until_serving(worker: Worker, timeout: float = 90.0) -> None:
    """Until the worker's /healthz answers (or it exits: its log is shown)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            if worker.proc.returncode is not None:
                raise RuntimeError(f"worker exited ({worker.proc.returncode}):\n"
                                   f"{worker.log_text()[-3000:]}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{worker.url}/healthz") as answer:
                    if answer.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"worker on {worker.port} not serving within {timeout} s:\n"
                       f"{worker.log_text()[-3000:]}")


async def post_update(url: str, update: dict[str, Any], secret: str | None = SECRET
                      ) -> tuple[int, dict[str, Any]]:
    """POST one update to a webhook as Telegram does; (status, JSON answer)."""
    headers = {HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as http, http.post(
            f"{url}/telegram/webhook", json=update, headers=headers) as answer:
        body = await answer.json(content_type=None)
        return answer.status, body if isinstance(body, dict) else {}
