"""A bare aiogram echo bot: the floor `o2o bench load` compares the assistant with.

One Dispatcher whose one message handler answers every text with `send_message(text)`,
long-polling the Bot API at `--api-base` (the stand-in on 127.0.0.1). Nothing else: no
database, no middleware, no logging per update. Run as
`python -m benchmarks.echo_bot --token T --api-base URL`; SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import argparse
import asyncio


async def serve(token: str, api_base: str, polling_timeout: int) -> None:
    """Echo every text message until the process is told to stop."""
    # Imported here: `o2o bench` loads every benchmark module to list them.
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    bot = Bot(token=token, session=session)
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await bot.send_message(message.chat.id, message.text or "?")

    await dp.start_polling(bot, polling_timeout=polling_timeout,
                           allowed_updates=dp.resolve_used_update_types(),
                           handle_signals=True, close_bot_session=True)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--token", required=True)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--polling-timeout", type=int, default=30)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.token, args.api_base, args.polling_timeout))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
