"""The few Bot API calls the Mini App's web server makes itself (not through a chat
transport, which may be another process or the console shell): `createInvoiceLink`
for a Telegram payment opened in the page, and `getFile` plus the file download for
deal photos. Against `api_base` (Telegram, a local Bot API server or the stand-in)."""

from __future__ import annotations

from typing import Any

import aiohttp

__all__ = ["BotApi", "BotApiError"]

TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)


class BotApiError(Exception):
    """Telegram refused a call or could not be reached; the message says why."""


class BotApi:
    """A small Bot API client with one connection pool, closed by `close`."""

    def __init__(self, api_base: str, token: str) -> None:
        self.api_base = api_base.rstrip("/")
        self._token = token
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        """`method` with JSON `params`; its `result`, or BotApiError."""
        url = f"{self.api_base}/bot{self._token}/{method}"
        try:
            async with self._client().post(url, json=params) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise BotApiError(f"{method}: {type(exc).__name__}") from exc
        if not isinstance(answer, dict) or not answer.get("ok"):
            described = answer.get("description") if isinstance(answer, dict) else None
            raise BotApiError(f"{method}: {str(described or 'refused')[:200]}")
        return answer.get("result")

    async def download(self, file_path: str, most: int) -> bytes:
        """The file at `file_path` (from getFile); BotApiError when it is over `most`
        bytes or cannot be fetched."""
        url = f"{self.api_base}/file/bot{self._token}/{file_path}"
        try:
            async with self._client().get(url) as response:
                if response.status != 200:
                    raise BotApiError(f"download: HTTP {response.status}")
                if (response.content_length or 0) > most:
                    raise BotApiError("download: too big")
                chunks: list[bytes] = []
                got = 0
                async for chunk in response.content.iter_chunked(64 * 1024):
                    got += len(chunk)
                    if got > most:
                        raise BotApiError("download: too big")
                    chunks.append(chunk)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BotApiError(f"download: {type(exc).__name__}") from exc
        return b"".join(chunks)

    async def close(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()
