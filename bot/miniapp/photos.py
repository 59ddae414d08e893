"""Deal photos for the Mini App's pages, from Telegram, kept on disk.

A deal's photo is the Telegram file id of the picture its merchant sent. The first
time a page shows it, the web server asks `getFile`, downloads the file through the Bot
API base URL (at most `SOURCE_MAX` bytes), checks that it is a picture (JPEG, PNG or
WebP, decoded by Pillow, at most `PIXELS_MAX` pixels: anything else is refused, never
passed on), and keeps it as a JPEG in two sizes: a card's (`small`) and the detail
view's (`large`). Later requests read the file. The folder holds at most `max_bytes`:
after each new photo the least recently shown are deleted until it fits (a hit touches
the file's time).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import Literal

import structlog
from PIL import Image

from bot.miniapp.botapi import BotApi, BotApiError

__all__ = ["PhotoCache", "PhotoSize", "PhotoUnavailable"]

log = structlog.get_logger("o2o.miniapp")
PhotoSize = Literal["small", "large"]
SIDES: dict[str, int] = {"small": 128, "large": 720}  # longest side (a card: 64 px at 2x)
SOURCE_MAX = 10 * 1024 * 1024  # bytes of a photo downloaded from Telegram
PIXELS_MAX = 40_000_000  # a picture with more pixels than this is refused unopened
FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoUnavailable(Exception):
    """The photo cannot be shown (Telegram refused it, or it is not a picture)."""


def _shrink(data: bytes, side: int) -> bytes:
    """`data` (a JPEG, PNG or WebP picture) as a JPEG at most `side` pixels a side."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise PhotoUnavailable(f"not a photo: {image.format}")
            if image.width * image.height > PIXELS_MAX:
                raise PhotoUnavailable("too many pixels")
            image.draft("RGB", (side, side))  # JPEG: decode at a reduced scale
            picture = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoUnavailable(f"not a photo: {type(exc).__name__}") from exc
    picture.thumbnail((side, side))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=78, optimize=True, progressive=True)
    return out.getvalue()


class PhotoCache:
    """Deal photos fetched from Telegram once and kept in `folder`, at most
    `max_bytes` in all."""

    def __init__(self, api: BotApi, folder: Path, max_bytes: int) -> None:
        self.api = api
        self.folder = folder
        self.max_bytes = max_bytes
        self._fetching: dict[str, asyncio.Lock] = {}

    def _path(self, file_id: str, size: PhotoSize) -> Path:
        digest = hashlib.sha256(file_id.encode()).hexdigest()[:32]
        return self.folder / f"{digest}-{size}.jpg"

    async def photo(self, file_id: str, size: PhotoSize) -> bytes:
        """The JPEG of the Telegram photo `file_id` at `size`; PhotoUnavailable when it
        cannot be shown."""
        path = self._path(file_id, size)
        cached = self._read(path)
        if cached is not None:
            return cached
        lock = self._fetching.setdefault(file_id, asyncio.Lock())
        try:
            async with lock:  # one download of a photo, however many ask at once
                cached = self._read(path)
                if cached is not None:
                    return cached
                return await self._fetch(file_id, size)
        finally:
            if not lock.locked():
                self._fetching.pop(file_id, None)

    @staticmethod
    def _read(path: Path) -> bytes | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently shown: kept longest
        return data

    async def _fetch(self, file_id: str, size: PhotoSize) -> bytes:
        try:
            info = await self.api.call("getFile", {"file_id": file_id})
            file_path = info.get("file_path") if isinstance(info, dict) else None
            if not isinstance(file_path, str) or not file_path or ".." in file_path:
                raise PhotoUnavailable("no file path")
            if int(info.get("file_size") or 0) > SOURCE_MAX:
                raise PhotoUnavailable("too big")
            data = await self.api.download(file_path, SOURCE_MAX)
        except BotApiError as exc:
            raise PhotoUnavailable(str(exc)) from exc
        pictures = await asyncio.to_thread(
            lambda: {s: _shrink(data, side) for s, side in SIDES.items()})
        await asyncio.to_thread(self._keep, file_id, pictures)
        return pictures[size]

    def _keep(self, file_id: str, pictures: dict[str, bytes]) -> None:
        """Write the pictures (atomically), then trim the folder to `max_bytes`."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for size, data in pictures.items():
                handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temporary, self._path(file_id, size))  # type: ignore[arg-type]
            self._trim()
        except OSError as exc:  # a full or read-only disk: shown, just not kept
            log.warning("mini app photo not kept", error=str(exc)[:200])

    def _trim(self) -> None:
        files = []
        for entry in os.scandir(self.folder):
            if entry.is_file() and entry.name.endswith(".jpg"):
                stat = entry.stat()
                files.append((stat.st_mtime, stat.st_size, entry.path))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):  # least recently shown first
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                os.remove(path)
                total -= size
