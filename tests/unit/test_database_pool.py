"""A worker's share of PostgreSQL's connections: three workers (`o2o bench load
--webhook` runs fleets of one and two at once, where 40 a worker ran the shared server
out of connections), each with its pool at its fullest and its scheduler-election
connection, leave at least a third of the server's 100 (`max_connections`) to everyone
else (migrations, psql, the other services on it); `database_pool_size` sets the pool
for bigger servers or fleets."""

from __future__ import annotations

from bot.config import Settings
from bot.runtime import open_database

MAX_CONNECTIONS = 100  # PostgreSQL's default, and the shared test server's


async def _most_one_worker_asks_for(**settings: object) -> int:
    db = open_database(Settings(database_url="postgresql+asyncpg://o2o@127.0.0.1/o2o",
                                **settings))  # type: ignore[arg-type]
    try:
        pool = db.engine.pool
        return pool.size() + pool._max_overflow + 1  # type: ignore[attr-defined]
    finally:
        await db.dispose()


async def test_three_workers_leave_a_third_of_the_server_to_everyone_else() -> None:
    assert 3 * await _most_one_worker_asks_for() <= MAX_CONNECTIONS * 2 // 3


async def test_the_pool_follows_the_updates_in_flight_or_the_setting() -> None:
    assert await _most_one_worker_asks_for(updates_in_flight=4) == 8 + 1
    assert await _most_one_worker_asks_for(database_pool_size=10) == 10 + 1
