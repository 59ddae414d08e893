"""The Bot API stand-in of the push benchmark, in a child process on its own core, and
what it saw."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

from benchmarks.push.world import CPUS, FIRST_CHAT, TOKEN
from services.marketing.push_settings import in_quiet_hours


@dataclass
class StandinStats:
    """What the stand-in answered to sendMessage: delivered (chat, at) and refusals."""

    delivered: list[tuple[int, float]]
    refused: Counter[int]  # error code -> how many
    forbidden_chats: set[int]
    stored: int  # messages kept in the followers' chats (a cross-check of `delivered`)
    flood_waits: tuple[float, ...] = ()  # when each 429 was answered (stand-in clock)

    def per_chat(self) -> Counter[int]:
        return Counter(chat for chat, _ in self.delivered)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.per_chat().values() if n > 1)


class Standin:
    """The Bot API stand-in as a child process (`--child standin`) on its own core."""

    def __init__(self, folder: Path, chats: int, blocked: list[int], flood: int) -> None:
        self.spec = folder / f"standin-{uuid.uuid4().hex[:6]}.json"
        self.spec.write_text(json.dumps({"first": FIRST_CHAT, "count": chats,
                                         "blocked": blocked, "flood": flood, "cpu": CPUS[-1]}))
        self.process: asyncio.subprocess.Process | None = None
        self.api_base = self.stats_url = ""

    async def __aenter__(self) -> Standin:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.push", "--child", "standin",
            "--child-spec", str(self.spec), stdout=asyncio.subprocess.PIPE)
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout=120)
        if not line:
            raise RuntimeError("the stand-in did not start")
        ports = json.loads(line)
        self.api_base, self.stats_url = ports["api"], ports["stats"]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def cpu_seconds(self) -> float:
        """CPU time the stand-in process has used so far."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stats(self) -> StandinStats:
        async with aiohttp.ClientSession() as http, http.get(self.stats_url) as response:
            data = await response.json()
        return StandinStats([(int(c), float(at)) for c, at in data["delivered"]],
                            Counter({int(k): v for k, v in data["refused"].items()}),
                            set(data["forbidden"]), int(data["stored"]),
                            tuple(float(at) for at in data.get("flood_waits", ())))


async def serve_standin(spec_path: str) -> None:
    """The child: a stand-in knowing the followers' chats (some blocked the bot, the first
    `flood` sends answered 429), and /stats on a second port."""
    from standins import BotApiStandin
    from standins.server import serve_app

    spec = json.loads(Path(spec_path).read_text())
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {spec["cpu"]})
    chats = range(spec["first"], spec["first"] + spec["count"])
    async with BotApiStandin(token=TOKEN, max_calls=4 * len(chats) + 1000) as api:
        for chat in chats:
            api.user(chat, first_name="f")
        for chat in spec["blocked"]:
            api.block(chat)
        if spec["flood"]:
            api.inject_error("sendMessage", 429, "Too Many Requests: retry after 1",
                             retry_after=1, times=spec["flood"])

        async def stats(request: web.Request) -> web.Response:
            delivered, refused, forbidden, flood_waits = [], Counter[int](), [], []
            for call in api.calls:
                if call.method != "sendMessage":
                    continue
                if call.ok:
                    delivered.append((call.params["chat_id"], call.at))
                else:
                    code = int(call.result_or_error["error_code"])
                    refused[code] += 1
                    if code == 429:
                        flood_waits.append(call.at)
                    if code == 403:
                        forbidden.append(call.params.get("chat_id"))
            stored = sum(len(api.chat_messages(chat)) for chat in chats)
            return web.json_response({"delivered": delivered, "refused": refused,
                                      "forbidden": forbidden, "stored": stored,
                                      "flood_waits": flood_waits})

        stats_app = web.Application()
        stats_app.router.add_get("/stats", stats)
        runner, port = await serve_app(stats_app, "127.0.0.1", 0)
        print(json.dumps({"api": api.base_url, "stats": f"http://127.0.0.1:{port}/stats"}),
              flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


def sends_in_quiet_hours(stats: StandinStats, quiet: dict[int, tuple[int, int, str]]) -> int:
    """Messages the stand-in got while their recipient was in quiet hours."""
    return sum(in_quiet_hours(quiet[chat], datetime.fromtimestamp(at, UTC))
               for chat, at in stats.delivered if chat in quiet)
