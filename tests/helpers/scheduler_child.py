"""A worker's scheduler side in a process of its own, for the fault tests: it waits for
the servers, takes part in the scheduler election (`bot.scale.leader.SchedulerRole`, the
real jobs when it leads) and sends pushes through the push lane to the Bot API stand-in,
with the shared send budget when Redis is given. It prints one JSON line whenever it
gains or loses the role: {"leader": true, "epoch": 3, "pid": 1234}.

    python -m tests.helpers.scheduler_child DATABASE_URL API_BASE TOKEN RATE [REDIS_URL]
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from bot.config import load_settings
from bot.runtime import PushOutcome, configure_logging, start_runtime
from bot.scale.leader import SchedulerRole
from bot.scale.startup import share, wait_for_servers
from bot.transports.push_lane import PushLane
from handlers.core import Reply


async def _refuse(chat_id: int, reply: Reply) -> PushOutcome:
    return PushOutcome("bad_request", error="only plain texts in this test")


async def main(url: str, api: str, token: str, rate: float, redis_url: str) -> None:
    settings = load_settings(None, database_url=url, bot_token=token, api_base=api,
                             push_rate=rate, web_port=0, log_level="WARNING",
                             log_format="json", redis_url=redis_url or None,
                             seed_demo_on_empty=False, send_rate=max(rate, 30.0),
                             updates_in_flight=2)  # a small pool: no updates here
    configure_logging(settings)
    redis = await wait_for_servers(settings)
    runtime = await start_runtime(settings)
    shared = share(runtime, redis)
    lane = PushLane(api, token, _refuse)
    runtime.pusher = lane.push
    role = SchedulerRole(runtime)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    task = asyncio.create_task(role.run(stop))
    shown: bool | None = None
    try:
        while not task.done():
            if role.is_leader != shown:
                shown = role.is_leader
                print(json.dumps({"leader": shown, "epoch": role.epoch, "pid": os.getpid()}),
                      flush=True)
            await asyncio.sleep(0.05)
        await task
    finally:
        await lane.close()
        await shared.close()
        await runtime.close()


if __name__ == "__main__":
    url, api, token, rate = sys.argv[1:5]
    asyncio.run(main(url, api, token, float(rate), sys.argv[5] if len(sys.argv) > 5 else ""))
