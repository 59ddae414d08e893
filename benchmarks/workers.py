"""What the benchmarks share for running in several processes and on whole databases."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from services.platform.database import Database

Result = TypeVar("Result")


async def wait_or_kill(proc: asyncio.subprocess.Process, timeout: float) -> None:
    """Wait up to `timeout` seconds for a process already asked to stop; then SIGKILL it."""
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()


async def stop_process(proc: asyncio.subprocess.Process, timeout: float,
                       sig: int = signal.SIGTERM) -> None:
    """Stop a child the way an operator does: `sig` (SIGTERM: finish what is in hand),
    then SIGKILL after `timeout` seconds. Nothing when it has exited already."""
    if proc.returncode is None:
        proc.send_signal(sig)
        await wait_or_kill(proc, timeout)


def run_in_worker(url: str, schema: str | None, concurrency: int,
                  work: Callable[[Database], Awaitable[Result]], ready: Any,
                  results: Any) -> None:
    """The body of a benchmark's worker process (a scaled-out install's worker): `work`
    on a `Database` of its own (its own engine and pool, sized for `concurrency`), its
    result put on `results`. A failure is put there too, as text, and breaks `ready`
    (a barrier), so that the other workers and the parent do not wait forever."""

    async def run() -> Result:
        db = Database(url, schema=schema, pool_size=max(concurrency, 1))
        try:
            return await work(db)
        finally:
            await db.dispose()

    try:
        results.put(asyncio.run(run()))
    except BaseException as error:
        ready.abort()
        results.put(f"{type(error).__name__}: {error}")
        raise


async def run_worker_processes(target: Callable[..., None],
                               shares: Sequence[tuple[Any, ...]]) -> list[Any]:
    """One spawned process per share, each running `target(*share, ready, results)`
    (`run_in_worker` inside), started together behind the `ready` barrier; what each
    put on `results` (a failure as text), once all have ended."""
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(len(shares)), context.Queue()
    workers = [context.Process(target=target, args=(*share, ready, results))
               for share in shares]
    for process in workers:
        process.start()
    parts = [await asyncio.to_thread(results.get, timeout=3600) for _ in workers]
    for process in workers:
        process.join()
    return parts


class ScratchDatabases:
    """Whole PostgreSQL databases made for a benchmark on one server (`make`), all
    dropped when `scratch_databases` ends, even with connections still open."""

    def __init__(self, server_url: str, prefix: str) -> None:
        self.server_url = server_url
        self.prefix = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
        self.made: list[str] = []

    async def make(self, name: str, template: str | None = None) -> str:
        """A new database `<prefix>_<hex>_<name>` (a copy of `template`, one of ours,
        when given); its URL."""
        full = self.name_of(name)
        copying = f' TEMPLATE "{self.name_of(template)}"' if template is not None else ""
        async with self.admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{full}"{copying}')
        self.made.append(full)
        return self.url_of(name)

    def name_of(self, name: str) -> str:
        """The full name of our database `name`."""
        return f"{self.prefix}_{name}"

    def url_of(self, name: str) -> str:
        """The URL of our database `name`."""
        return (make_url(self.server_url).set(database=self.name_of(name))
                .render_as_string(hide_password=False))

    async def drop_all(self) -> None:
        """Drop every database made here."""
        async with self.admin.connect() as conn:
            for full in self.made:
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{full}" WITH (FORCE)')
        await self.admin.dispose()


@contextlib.asynccontextmanager
async def scratch_databases(server_url: str, prefix: str) -> AsyncIterator[ScratchDatabases]:
    """`ScratchDatabases` on `server_url`'s server, dropped at the end."""
    databases = ScratchDatabases(server_url, prefix)
    try:
        yield databases
    finally:
        await databases.drop_all()
