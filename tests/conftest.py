"""Shared fixtures: real databases (a SQLite file and the PostgreSQL server), the demo
world, and a transport-neutral chat driver for conversation stories.

PostgreSQL: $O2O_TEST_POSTGRES_URL, default postgresql+asyncpg://postgres@127.0.0.1:5432/test.
Each test gets a database of its own, copied from a template migrated once per worker
(tests/helpers/databases.py). If the server does not answer the
PostgreSQL tests are skipped with the reason shown, except in CI (CI=true), where they
fail: CI must never pass without them.
"""

from __future__ import annotations

import asyncio
import os
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import exists, select

from handlers.app import build_router
from handlers.core import (
    Button,
    ButtonPress,
    Document,
    EditText,
    Event,
    Incoming,
    Location,
    Photo,
    Reply,
    Sender,
    SendPhoto,
    SendText,
    Text,
    parse_command,
)
from handlers.router import App, Options, dispatch
from services.demo.seed import seed_demo
from services.ledger.check import check_books
from services.platform.database import Database
from storage.models import LedgerEntry
from tests.helpers.databases import PostgresTemplates, SqliteTemplates

POSTGRES_URL = os.environ.get(
    "O2O_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# A fixed moment for stories, so dates on cards are predictable.
STORY_NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)

_pg_state: dict[str, str | None] = {}
# The databases handed out with the demo world in them already.
_seeded: weakref.WeakSet[Database] = weakref.WeakSet()


async def _postgres_problem() -> str | None:
    if "problem" not in _pg_state:
        import asyncpg

        dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
        try:
            conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=5)
            await conn.close()
            _pg_state["problem"] = None
        except Exception as exc:  # any failure to connect means "not available"
            _pg_state["problem"] = f"PostgreSQL at {POSTGRES_URL} does not answer: {exc!r}"
    return _pg_state["problem"]


def _require_postgres(problem: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{problem} (CI must run the PostgreSQL tests)")
    pytest.skip(problem)


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    """This worker's migrated (and seeded) SQLite files, copied for each test."""
    return SqliteTemplates(tmp_path_factory.mktemp("templates"), STORY_NOW)


@pytest.fixture(scope="session")
def postgres_templates(worker_id: str) -> Iterator[PostgresTemplates]:
    """This worker's template schemas and the working schema reset from them per test;
    all dropped when the worker ends."""
    templates = PostgresTemplates(POSTGRES_URL, worker_id, STORY_NOW)
    yield templates
    asyncio.run(templates.drop_all())


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path,
             sqlite_templates: SqliteTemplates,
             postgres_templates: PostgresTemplates) -> AsyncIterator[Database]:
    """An empty, migrated database of its own: a SQLite file, then a PostgreSQL schema.
    When the test uses `demo_db`, the demo world is in it from the start."""
    kind = "demo" if "demo_db" in request.fixturenames else "empty"
    if request.param == "sqlite":
        database = await sqlite_templates.copy(kind, tmp_path / "test.db")
    else:
        problem = await _postgres_problem()
        if problem:
            _require_postgres(problem)
        database = await postgres_templates.checkout(kind)
    if kind == "demo":
        _seeded.add(database)
    yield database
    await _books_hold(database)
    await database.dispose()


async def _books_hold(database: Database) -> None:
    """After every story on a database: if money moved, `o2o ledger check` holds."""
    async with database.reading() as conn:  # most stories move no money: one read
        if not (await conn.execute(select(exists().select_from(LedgerEntry)))).scalar():
            return
    books = await check_books(database)
    if books.entries and not books.ok:
        pytest.fail(f"the books do not hold after this story: {books.problem}")


REDIS_URL = os.environ.get("O2O_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_prefix() -> AsyncIterator[tuple[object, str]]:
    """The Redis server (O2O_TEST_REDIS_URL) and a key prefix of this test's own, so
    parallel tests never share a key; the test's keys are deleted after it. Skipped
    when Redis does not answer, except in CI (CI=true), where it fails."""
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        problem = f"Redis at {REDIS_URL} does not answer: {exc!r}"
        if os.environ.get("CI"):
            pytest.fail(f"{problem} (CI must run the Redis tests)")
        pytest.skip(problem)
    prefix = f"test:{uuid.uuid4().hex[:12]}"
    yield client, prefix
    keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def demo_db(db: Database) -> Database:
    """A database with the demo world seeded at STORY_NOW (the restaurants' seating
    included), without the demo's open 拼团 groups and existing table bookings: their
    orders, payments, bookings and events are not part of the stories told on it
    (tests/stories/test_seed_demo.py, the group stories and the shell scripts have them;
    a story that wants the bookings calls `services.demo.seed.seed_demo_bookings`).
    The `db` fixture copies it from a template seeded once per worker."""
    if db not in _seeded:  # asked for late (getfixturevalue): seed it here
        await seed_demo(db, now=STORY_NOW, groups=False, bookings=False)
        _seeded.add(db)
    return db


class Chat:
    """A person chatting with the assistant, through the same dispatch as every transport.

    `say` sends text or a /command, `press` presses a button of the latest reply by its
    number (1-based, reading order) or by part of its label, `share_location` sends a
    location. Each returns the replies; `texts` joins their text for easy assertions.
    """

    def __init__(self, app: App, user_id: int = 1001, name: str = "Ann",
                 language_code: str | None = "zh") -> None:
        self.app = app
        self.router = build_router()
        self.sender = Sender(user_id, name, None, language_code)
        self.replies: list[Reply] = []
        self.buttons: list[tuple[Button, int]] = []
        self._message_id = 0

    async def send(self, event: Event) -> list[Reply]:
        incoming = Incoming(self.sender, self.sender.id, event)
        replies = await dispatch(self.app, self.router, incoming)
        self.replies = replies
        for reply in replies:
            if isinstance(reply, SendText | SendPhoto):
                self._message_id += 1
                if reply.buttons:
                    self.buttons = [(b, self._message_id) for row in reply.buttons for b in row]
            elif isinstance(reply, EditText) and reply.buttons:
                self.buttons = [(b, reply.message_id) for row in reply.buttons for b in row]
        return replies

    async def say(self, text: str) -> list[Reply]:
        command = parse_command(text)
        return await self.send(command if command is not None else Text(text))

    async def press(self, which: int | str) -> list[Reply]:
        if isinstance(which, int):
            button, message_id = self.buttons[which - 1]
        else:
            matches = [(b, m) for b, m in self.buttons if which in b.text]
            assert matches, f"no button with {which!r} in {[b.text for b, _ in self.buttons]}"
            button, message_id = matches[0]
        assert button.data is not None
        return await self.send(ButtonPress(button.data, message_id, query_id="q1"))

    async def press_data(self, data: str) -> list[Reply]:
        """Press a button by its callback data (one sent to another chat, or a forged one)."""
        return await self.send(ButtonPress(data, None, query_id="q2"))

    async def share_location(self, lat: float, lon: float) -> list[Reply]:
        return await self.send(Location(lat, lon))

    async def send_photo(self, file_id: str = "photo-file-1") -> list[Reply]:
        return await self.send(Photo(file_id, 800, 600))

    async def send_file(self, name: str, content: bytes,
                        mime_type: str = "text/csv") -> list[Reply]:
        return await self.send(Document(f"doc-{name}", name, mime_type, len(content), content))

    @property
    def texts(self) -> str:
        """The text of the latest replies (messages, edits and picture captions)."""
        return "\n".join(
            r.caption if isinstance(r, SendPhoto) else r.text
            for r in self.replies if isinstance(r, SendText | EditText | SendPhoto)
        )

    @property
    def button_texts(self) -> list[str]:
        return [b.text for b, _ in self.buttons]


@pytest.fixture
def app(demo_db: Database) -> App:
    """The assistant on the demo world, with the clock stopped at STORY_NOW."""
    return App(db=demo_db, options=Options(), clock=lambda: STORY_NOW)


@pytest.fixture
def chat(app: App) -> Chat:
    """A Chinese-speaking shopper."""
    return Chat(app)


@pytest.fixture
def english_chat(app: App) -> Chat:
    """An English-speaking shopper."""
    return Chat(app, user_id=2002, name="Ben", language_code="en")
