"""`python -m standins [--port N] [--token T]`: serve the stand-in by hand."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from standins.server import BotApiStandin


async def _serve(port: int, token: str) -> None:
    async with BotApiStandin(token=token, port=port) as api:
        print(f"Bot API stand-in at {api.base_url} (token {token}); Ctrl-C stops it", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m standins")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.token))


if __name__ == "__main__":
    main()
