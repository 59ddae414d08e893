"""SQLite without a thread hop per call, for the short statements of a chat turn.

aiosqlite runs every call (open a cursor, execute, fetch, close, commit) on its own
thread and wakes the event loop with the answer: about fifty hops for a search, each a
handover of the GIL and a wake-up, which cost more CPU than SQLite's work on those
small statements (a search's reads take tens of microseconds in SQLite itself). This
connection is aiosqlite's, with the calls made where they are asked for, on the event
loop's thread.

Blocking the loop is what that trades, so two kinds of call still go to a thread:
- `executemany` and `executescript` (bulk writes: planning a million pushes);
- a call that found the database locked by another process (SQLITE_BUSY): the
  connection never waits inline (busy_timeout 0), and the call is made again on a
  worker thread under the usual busy timeout, so the loop goes on meanwhile.

Within one process writers queue on `Database`'s write turn before they begin, so the
busy path is for other processes (an `o2o` command beside `o2o run`, a test's child).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite

BUSY_WAIT_MS = 10_000  # how long a call that met a lock waits for it, on a worker thread


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """Whether `exc` says the database is locked by another connection (SQLITE_BUSY)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY)
    return "database is locked" in str(exc)


class _RunNow:
    """Stands in for aiosqlite's queue to its thread: SQLAlchemy's adapter puts a
    (future, function) pair on it to set the isolation level; it runs at once."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to whoever awaits the future
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the caller's thread (see the module
    docstring for the two exceptions)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection],
                 busy_wait_ms: int = BUSY_WAIT_MS) -> None:
        super().__init__(connector, iter_chunk_size=64)  # its thread is never started
        self._tx = _RunNow()  # type: ignore[assignment]
        self._busy_wait_ms = busy_wait_ms

    def __await__(self) -> Any:
        return self._open().__await__()

    async def _open(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
            self._connection.execute("PRAGMA busy_timeout=0")
        return self

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if _goes_to_thread(fn):
            return await asyncio.to_thread(self._waiting, fn, args, kwargs)
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        return await asyncio.to_thread(self._waiting, fn, args, kwargs)

    def _waiting(self, fn: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> Any:
        """`fn` on a worker thread, waiting up to the busy timeout for a lock."""
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout={int(self._busy_wait_ms)}")
        try:
            return fn(*args, **kwargs)
        finally:
            conn.execute("PRAGMA busy_timeout=0")

    def stop(self) -> None:  # type: ignore[override]
        """Close the sqlite3 connection (there is no thread to stop)."""
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _goes_to_thread(fn: Callable[..., Any]) -> bool:
    return getattr(fn, "__name__", "") in ("executemany", "executescript")


def inline_creator(path: str, busy_wait_ms: int = BUSY_WAIT_MS) -> Callable[[], Any]:
    """An `async_creator` for SQLAlchemy's aiosqlite dialect opening `path` inline."""

    async def create() -> InlineConnection:
        def connect() -> sqlite3.Connection:
            # Not tied to one thread: the busy path runs a call on a worker thread.
            return sqlite3.connect(path, check_same_thread=False)

        return await InlineConnection(connect, busy_wait_ms)

    return create
