"""PostgreSQL's connections are shared by everyone on the server: when they are all
taken (max_connections), a worker's pool that needs one more waits for a slot to free
for a few seconds instead of failing the turn or the payment it is for (the mix's
error replies and payment pages with 500 under load were such refusals). A private
server of this test's own, with room for few connections."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import text

from services.platform.database import Database
from tests.helpers.private_servers import PrivatePostgres, available

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


async def test_a_pool_that_finds_the_server_full_waits_for_a_slot_rather_than_fail() -> None:
    problem = available()
    if problem:
        pytest.skip(problem)
    server = PrivatePostgres()
    others: list[asyncpg.Connection] = []
    db: Database | None = None
    try:
        server.start(max_connections=4)
        dsn = f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
        db = Database(server.url, pool_size=2,
                      max_overflow=0)
        # Everyone else holds every connection the server has.
        while True:
            try:
                others.append(await asyncpg.connect(dsn))
            except asyncpg.TooManyConnectionsError:
                break
        assert others

        async def read() -> int:
            assert db is not None
            async with db.reading() as conn:
                return int((await conn.execute(text("SELECT 41 + 1"))).scalar_one())

        reading = asyncio.create_task(read())
        await asyncio.sleep(0.5)
        assert not reading.done()  # waiting for a slot, not failed
        await others.pop().close()  # someone else lets one go
        assert await asyncio.wait_for(reading, 10) == 42
    finally:
        for conn in others:
            await conn.close()
        if db is not None:
            await db.dispose()
        server.remove()
